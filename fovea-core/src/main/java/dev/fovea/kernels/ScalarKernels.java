package dev.fovea.kernels;

/**
 * Reference implementation: plain nested loops in the obvious order, single-threaded, no tricks.
 * It is the correctness oracle for every other {@link Kernels}; never optimise it, write a faster
 * sibling instead (llm.c keeps its naive kernels for the same reason).
 */
public final class ScalarKernels implements Kernels {

    @Override
    public String name() { return "scalar"; }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci];
            }
        }
    }

    @Override
    public float dot(float[] x, int xOff, float[] y, int yOff, int len) {
        float sum = 0f;
        for (int i = 0; i < len; i++) sum += x[xOff + i] * y[yOff + i];
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        for (int i = 0; i < len; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    // ---------------------------------------------------------------- convolution
    //
    // Legend: n batch, c in-channels, h/w input height/width, oc out-channels, kh/kw kernel size,
    // oh/ow output size, g group. Output pixel (oy, ox) with kernel tap (ky, kx) reads input row
    // iy = oy*strideH - padTop + ky*dilationH and column ix = ox*strideW - padLeft + kx*dilationW;
    // taps outside [0, h) x [0, w) read the zero padding and contribute nothing. Out-channel o belongs
    // to group o / ocPerGroup and sees in-channels [group*cPerGroup, (group+1)*cPerGroup).
    // This is cross-correlation, as in PyTorch's Conv2d docs.

    @Override
    public void conv2dForward(float[] out, float[] in, float[] weight, float[] bias, ConvGeometry g) {
        assert out.length >= g.outputSize() && in.length >= g.inputSize() && weight.length >= g.weightSize();
        int oh = g.oh(), ow = g.ow(), cpg = g.cPerGroup(), ocpg = g.ocPerGroup();
        for (int b = 0; b < g.n(); b++) {
            for (int o = 0; o < g.oc(); o++) {
                int c0 = (o / ocpg) * cpg;                               // first in-channel of o's group
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        float sum = bias == null ? 0f : bias[o];
                        for (int ci = 0; ci < cpg; ci++) {
                            for (int ky = 0; ky < g.kh(); ky++) {
                                int iy = oy * g.strideH() - g.padTop() + ky * g.dilationH();
                                if (iy < 0 || iy >= g.h()) continue;
                                for (int kx = 0; kx < g.kw(); kx++) {
                                    int ix = ox * g.strideW() - g.padLeft() + kx * g.dilationW();
                                    if (ix < 0 || ix >= g.w()) continue;
                                    sum += in[((b * g.c() + c0 + ci) * g.h() + iy) * g.w() + ix]
                                            * weight[((o * cpg + ci) * g.kh() + ky) * g.kw() + kx];
                                }
                            }
                        }
                        out[((b * g.oc() + o) * oh + oy) * ow + ox] = sum;
                    }
                }
            }
        }
    }

    @Override
    public void conv2dBackwardInput(float[] dIn, float[] dOut, float[] weight, ConvGeometry g) {
        assert dIn.length >= g.inputSize() && dOut.length >= g.outputSize() && weight.length >= g.weightSize();
        // The forward loop, with each read of in[..] turned into a scatter into dIn[..].
        int oh = g.oh(), ow = g.ow(), cpg = g.cPerGroup(), ocpg = g.ocPerGroup();
        for (int b = 0; b < g.n(); b++) {
            for (int o = 0; o < g.oc(); o++) {
                int c0 = (o / ocpg) * cpg;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        float d = dOut[((b * g.oc() + o) * oh + oy) * ow + ox];
                        for (int ci = 0; ci < cpg; ci++) {
                            for (int ky = 0; ky < g.kh(); ky++) {
                                int iy = oy * g.strideH() - g.padTop() + ky * g.dilationH();
                                if (iy < 0 || iy >= g.h()) continue;
                                for (int kx = 0; kx < g.kw(); kx++) {
                                    int ix = ox * g.strideW() - g.padLeft() + kx * g.dilationW();
                                    if (ix < 0 || ix >= g.w()) continue;
                                    dIn[((b * g.c() + c0 + ci) * g.h() + iy) * g.w() + ix]
                                            += d * weight[((o * cpg + ci) * g.kh() + ky) * g.kw() + kx];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void conv2dBackwardWeight(float[] dWeight, float[] dBias, float[] dOut, float[] in, ConvGeometry g) {
        assert dWeight.length >= g.weightSize() && dOut.length >= g.outputSize() && in.length >= g.inputSize();
        assert dBias == null || dBias.length >= g.oc();
        // dWeight[o, ci, ky, kx] = sum over (b, oy, ox) of dOut[b, o, oy, ox] * in[b, c0+ci, iy, ix]:
        // one sum per weight, so the accumulation order is fixed whatever the batch size.
        int oh = g.oh(), ow = g.ow(), cpg = g.cPerGroup(), ocpg = g.ocPerGroup();
        for (int o = 0; o < g.oc(); o++) {
            int c0 = (o / ocpg) * cpg;
            for (int ci = 0; ci < cpg; ci++) {
                for (int ky = 0; ky < g.kh(); ky++) {
                    for (int kx = 0; kx < g.kw(); kx++) {
                        float sum = 0f;
                        for (int b = 0; b < g.n(); b++) {
                            for (int oy = 0; oy < oh; oy++) {
                                int iy = oy * g.strideH() - g.padTop() + ky * g.dilationH();
                                if (iy < 0 || iy >= g.h()) continue;
                                for (int ox = 0; ox < ow; ox++) {
                                    int ix = ox * g.strideW() - g.padLeft() + kx * g.dilationW();
                                    if (ix < 0 || ix >= g.w()) continue;
                                    sum += dOut[((b * g.oc() + o) * oh + oy) * ow + ox]
                                            * in[((b * g.c() + c0 + ci) * g.h() + iy) * g.w() + ix];
                                }
                            }
                        }
                        dWeight[((o * cpg + ci) * g.kh() + ky) * g.kw() + kx] += sum;
                    }
                }
            }
            if (dBias != null) {
                float sum = 0f;
                for (int b = 0; b < g.n(); b++) {
                    int base = (b * g.oc() + o) * oh * ow;
                    for (int i = 0; i < oh * ow; i++) sum += dOut[base + i];
                }
                dBias[o] += sum;
            }
        }
    }

    // ---------------------------------------------------------------- pooling
    //
    // Legend: n batch, c channels, h/w input size, oh/ow output size. Window (oy, ox) covers input rows
    // oy*strideH - padH + ky*dilationH for ky in [0, kh) (columns likewise); the padding is virtual.

    /**
     * Max pooling as PyTorch: padding counts as -inf (it never wins), ties keep the first index in
     * window order, and a NaN wins (it propagates). {@code argmax} gets the flat index into {@code in}
     * (batch and channel offsets included), or -1 when a dilated window covers only padding, in which
     * case the output is -inf and no gradient flows.
     */
    @Override
    public void maxPool2dForward(float[] out, int[] argmax, float[] in, PoolGeometry g) {
        assert out.length >= g.outputSize() && (argmax == null || argmax.length >= g.outputSize()) && in.length >= g.inputSize();
        int oh = g.oh(), ow = g.ow();
        for (int plane = 0; plane < g.n() * g.c(); plane++) {          // plane = b * c + channel
            int inBase = plane * g.h() * g.w();
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    float best = Float.NEGATIVE_INFINITY;
                    int bestIndex = -1;
                    for (int ky = 0; ky < g.kh(); ky++) {
                        int iy = oy * g.strideH() - g.padH() + ky * g.dilationH();
                        if (iy < 0 || iy >= g.h()) continue;
                        for (int kx = 0; kx < g.kw(); kx++) {
                            int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                            if (ix < 0 || ix >= g.w()) continue;
                            int index = inBase + iy * g.w() + ix;
                            float v = in[index];
                            // strict '>' keeps the first of equal values; the first NaN sticks
                            if (bestIndex < 0 || v > best || (Float.isNaN(v) && !Float.isNaN(best))) {
                                best = v;
                                bestIndex = index;
                            }
                        }
                    }
                    int o = (plane * oh + oy) * ow + ox;
                    out[o] = best;
                    if (argmax != null) argmax[o] = bestIndex;
                }
            }
        }
    }

    @Override
    public void maxPool2dBackward(float[] dIn, float[] dOut, int[] argmax, PoolGeometry g) {
        assert dIn.length >= g.inputSize() && dOut.length >= g.outputSize() && argmax.length >= g.outputSize();
        for (int o = 0; o < g.outputSize(); o++) {
            if (argmax[o] >= 0) dIn[argmax[o]] += dOut[o];
        }
    }

    /**
     * Average pooling as PyTorch's {@code AvgPool2d}: the window is first clipped to the padded input
     * {@code [-pad, size + pad)} (this matters in ceil mode, where the last window may run past it) and
     * that clipped area is the divisor when {@code countIncludePad}; otherwise the divisor is the number
     * of real input elements in the window. Dilation must be 1 (PyTorch has no dilated average pool).
     */
    @Override
    public void avgPool2dForward(float[] out, float[] in, PoolGeometry g) {
        assert out.length >= g.outputSize() && in.length >= g.inputSize();
        assert g.dilationH() == 1 && g.dilationW() == 1 : "average pooling has no dilation";
        int oh = g.oh(), ow = g.ow();
        for (int plane = 0; plane < g.n() * g.c(); plane++) {
            int inBase = plane * g.h() * g.w();
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int[] win = avgWindow(g, oy, ox);                    // {y0, y1, x0, x1, divisor}
                    float sum = 0f;
                    for (int iy = win[0]; iy < win[1]; iy++) {
                        for (int ix = win[2]; ix < win[3]; ix++) sum += in[inBase + iy * g.w() + ix];
                    }
                    out[(plane * oh + oy) * ow + ox] = win[4] == 0 ? 0f : sum / win[4];
                }
            }
        }
    }

    @Override
    public void avgPool2dBackward(float[] dIn, float[] dOut, PoolGeometry g) {
        assert dIn.length >= g.inputSize() && dOut.length >= g.outputSize();
        assert g.dilationH() == 1 && g.dilationW() == 1 : "average pooling has no dilation";
        int oh = g.oh(), ow = g.ow();
        for (int plane = 0; plane < g.n() * g.c(); plane++) {
            int inBase = plane * g.h() * g.w();
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int[] win = avgWindow(g, oy, ox);
                    if (win[4] == 0) continue;
                    float d = dOut[(plane * oh + oy) * ow + ox] / win[4];
                    for (int iy = win[0]; iy < win[1]; iy++) {
                        for (int ix = win[2]; ix < win[3]; ix++) dIn[inBase + iy * g.w() + ix] += d;
                    }
                }
            }
        }
    }

    /** Real-input rows [y0, y1) and columns [x0, x1) of window (oy, ox), and its divisor. */
    private static int[] avgWindow(PoolGeometry g, int oy, int ox) {
        int y0 = oy * g.strideH() - g.padH(), x0 = ox * g.strideW() - g.padW();
        // clip to the padded input first: that area is the count_include_pad divisor
        int y1 = Math.min(y0 + g.kh(), g.h() + g.padH()), x1 = Math.min(x0 + g.kw(), g.w() + g.padW());
        int paddedArea = (y1 - y0) * (x1 - x0);
        y0 = Math.max(y0, 0);
        x0 = Math.max(x0, 0);
        y1 = Math.min(y1, g.h());
        x1 = Math.min(x1, g.w());
        int realArea = Math.max(0, y1 - y0) * Math.max(0, x1 - x0);
        return new int[] {y0, y1, x0, x1, g.countIncludePad() ? paddedArea : realArea};
    }

    // ---------------------------------------------------------------- normalisation
    //
    // Legend: n batch, c channels, spatial = product of the trailing dimensions (h*w, or L, or 1).
    // Element (b, ch, s) lives at (b * c + ch) * spatial + s; a channel's statistics run over
    // m = n * spatial elements.

    /** Two passes in double (mean, then the mean of squared deviations): no catastrophic cancellation. */
    @Override
    public void channelMeanVar(float[] mean, float[] var, float[] in, int n, int c, int spatial) {
        assert mean.length >= c && var.length >= c && in.length >= n * c * spatial;
        double m = (double) n * spatial;
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * spatial;
                for (int s = 0; s < spatial; s++) sum += in[base + s];
            }
            double mu = sum / m;
            double sq = 0;
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * spatial;
                for (int s = 0; s < spatial; s++) {
                    double dev = in[base + s] - mu;
                    sq += dev * dev;
                }
            }
            mean[ch] = (float) mu;
            var[ch] = (float) (sq / m);                                   // biased: divide by m, not m - 1
        }
    }

    @Override
    public void batchNormForward(float[] out, float[] in, float[] mean, float[] invStd, float[] gamma, float[] beta,
                                 int n, int c, int spatial) {
        assert out.length >= n * c * spatial && in.length >= n * c * spatial && mean.length >= c && invStd.length >= c;
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                float scale = invStd[ch] * (gamma == null ? 1f : gamma[ch]);
                float shift = beta == null ? 0f : beta[ch];
                int base = (b * c + ch) * spatial;
                for (int s = 0; s < spatial; s++) out[base + s] = (in[base + s] - mean[ch]) * scale + shift;
            }
        }
    }

    /**
     * With xhat = (x - mean) * invStd, dxhat = dOut * gamma and m = n * spatial:
     * dBeta = sum(dOut), dGamma = sum(dOut * xhat), and
     * <ul>
     *   <li>constant statistics (eval): {@code dIn = dxhat * invStd};</li>
     *   <li>batch statistics (train), mean and biased variance functions of x (Ioffe and Szegedy 2015,
     *       section 3): {@code dIn = invStd / m * (m * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))}.</li>
     * </ul>
     * Sums run in double.
     */
    @Override
    public void batchNormBackward(float[] dIn, float[] dGamma, float[] dBeta, float[] dOut, float[] in,
                                  float[] mean, float[] invStd, float[] gamma, int n, int c, int spatial,
                                  boolean batchStats) {
        assert dOut.length >= n * c * spatial && in.length >= n * c * spatial && mean.length >= c && invStd.length >= c;
        double m = (double) n * spatial;
        for (int ch = 0; ch < c; ch++) {
            double sumDy = 0, sumDyXhat = 0;
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * spatial;
                for (int s = 0; s < spatial; s++) {
                    double xhat = (in[base + s] - mean[ch]) * invStd[ch];
                    sumDy += dOut[base + s];
                    sumDyXhat += dOut[base + s] * xhat;
                }
            }
            if (dBeta != null) dBeta[ch] += (float) sumDy;
            if (dGamma != null) dGamma[ch] += (float) sumDyXhat;
            if (dIn == null) continue;
            double gm = gamma == null ? 1.0 : gamma[ch];
            // sum(dxhat) = gamma * sum(dOut), sum(dxhat * xhat) = gamma * sum(dOut * xhat)
            double meanDxhat = gm * sumDy / m, meanDxhatXhat = gm * sumDyXhat / m;
            for (int b = 0; b < n; b++) {
                int base = (b * c + ch) * spatial;
                for (int s = 0; s < spatial; s++) {
                    double dxhat = dOut[base + s] * gm;
                    if (batchStats) {
                        double xhat = (in[base + s] - mean[ch]) * invStd[ch];
                        dIn[base + s] += (float) (invStd[ch] * (dxhat - meanDxhat - xhat * meanDxhatXhat));
                    } else {
                        dIn[base + s] += (float) (invStd[ch] * dxhat);
                    }
                }
            }
        }
    }

    /**
     * PyTorch's {@code LocalResponseNorm}: {@code scale_ch = k + alpha/size * sum of in^2 over channels
     * [ch - size/2, ch + (size-1)/2]} clipped to [0, c), and {@code out = in * scale^-beta}. Note that
     * alpha is divided by the window size (PyTorch), unlike AlexNet's paper and Caffe's across-channel
     * formula, which is the same thing with alpha pre-multiplied.
     */
    @Override
    public void lrnForward(float[] out, float[] scale, float[] in, int n, int c, int spatial,
                           int size, float alpha, float beta, float k) {
        assert out.length >= n * c * spatial && scale.length >= n * c * spatial && in.length >= n * c * spatial;
        double alphaOverSize = (double) alpha / size;
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                int lo = Math.max(0, ch - size / 2), hi = Math.min(c - 1, ch + (size - 1) / 2);
                for (int s = 0; s < spatial; s++) {
                    double sumSq = 0;
                    for (int j = lo; j <= hi; j++) {
                        float a = in[(b * c + j) * spatial + s];
                        sumSq += (double) a * a;
                    }
                    int i = (b * c + ch) * spatial + s;
                    scale[i] = (float) (k + alphaOverSize * sumSq);
                    out[i] = (float) (in[i] * Math.pow(scale[i], -beta));
                }
            }
        }
    }

    /**
     * With out_j = in_j * scale_j^-beta and d scale_j / d in_i = 2 * alpha/size * in_i when i is in j's
     * window: {@code dIn_i = dOut_i * scale_i^-beta - 2 * alpha * beta / size * in_i * sum over j of
     * dOut_j * out_j / scale_j}, j running over the channels whose window contains i, which is
     * {@code [i - (size-1)/2, i + size/2]} (the forward window mirrored; they differ for even sizes).
     */
    @Override
    public void lrnBackward(float[] dIn, float[] dOut, float[] in, float[] out, float[] scale, int n, int c, int spatial,
                            int size, float alpha, float beta, float k) {
        assert dIn.length >= n * c * spatial && dOut.length >= n * c * spatial;
        double factor = 2.0 * alpha * beta / size;
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                int lo = Math.max(0, ch - (size - 1) / 2), hi = Math.min(c - 1, ch + size / 2);
                for (int s = 0; s < spatial; s++) {
                    double sum = 0;
                    for (int j = lo; j <= hi; j++) {
                        int jj = (b * c + j) * spatial + s;
                        sum += (double) dOut[jj] * out[jj] / scale[jj];
                    }
                    int i = (b * c + ch) * spatial + s;
                    dIn[i] += (float) (dOut[i] * Math.pow(scale[i], -beta) - factor * in[i] * sum);
                }
            }
        }
    }

    // ---------------------------------------------------------------- activations
    //
    // Transcendentals in double through java.lang.Math, rounded to float once: Math's double results
    // are within 1 (exp, expm1) or 2.5 (tanh) double ulps, so the float is the correctly rounded one
    // but for rare double-rounding cases. ELU and SELU then multiply by their constants in float.

    @Override
    public void activationForward(Activation f, float[] out, float[] in, int len, float param) {
        assert out.length >= len && in.length >= len;
        switch (f) {
            case EXP -> { for (int i = 0; i < len; i++) out[i] = (float) Math.exp(in[i]); }
            case TANH -> { for (int i = 0; i < len; i++) out[i] = (float) Math.tanh(in[i]); }
            case SIGMOID -> { for (int i = 0; i < len; i++) out[i] = sigmoid(in[i]); }
            // 'x <= 0 ? 0 : x' rather than 'x > 0 ? x : 0' so that NaN passes through
            case RELU -> { for (int i = 0; i < len; i++) out[i] = in[i] <= 0f ? 0f : in[i]; }
            case LEAKY_RELU -> { for (int i = 0; i < len; i++) out[i] = in[i] > 0f ? in[i] : param * in[i]; }
            case ELU -> {
                for (int i = 0; i < len; i++) out[i] = in[i] > 0f ? in[i] : param * (float) Math.expm1(in[i]);
            }
            case SELU -> {
                for (int i = 0; i < len; i++) {
                    out[i] = Activation.SELU_SCALE
                            * (in[i] > 0f ? in[i] : Activation.SELU_ALPHA * (float) Math.expm1(in[i]));
                }
            }
        }
    }

    private static float sigmoid(float x) {
        // Two branches keep exp's argument non-positive, so neither overflows.
        if (x >= 0f) return (float) (1.0 / (1.0 + Math.exp(-x)));
        double e = Math.exp(x);
        return (float) (e / (1.0 + e));
    }

    @Override
    public void activationBackward(Activation f, float[] dIn, float[] dOut, float[] in, float[] out, int len,
                                   float param) {
        assert dIn.length >= len && dOut.length >= len;
        switch (f) {
            case EXP -> { for (int i = 0; i < len; i++) dIn[i] += dOut[i] * out[i]; }
            case TANH -> { for (int i = 0; i < len; i++) dIn[i] += dOut[i] * (1f - out[i] * out[i]); }
            case SIGMOID -> { for (int i = 0; i < len; i++) dIn[i] += dOut[i] * out[i] * (1f - out[i]); }
            case RELU -> { for (int i = 0; i < len; i++) if (in[i] > 0f) dIn[i] += dOut[i]; }
            case LEAKY_RELU -> { for (int i = 0; i < len; i++) dIn[i] += in[i] > 0f ? dOut[i] : param * dOut[i]; }
            case ELU -> {
                // d/dx alpha (e^x - 1) = alpha e^x = out + alpha
                for (int i = 0; i < len; i++) dIn[i] += in[i] > 0f ? dOut[i] : dOut[i] * (out[i] + param);
            }
            case SELU -> {
                for (int i = 0; i < len; i++) {
                    dIn[i] += in[i] > 0f ? dOut[i] * Activation.SELU_SCALE
                            : dOut[i] * (out[i] + Activation.SELU_SCALE * Activation.SELU_ALPHA);
                }
            }
        }
    }

    // ---------------------------------------------------------------- optimizer updates

    @Override
    public void adamUpdate(float[] w, float[] g, float[] m, float[] v, float[] vMax, int len,
                           float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                           float negStepSize, float bc2Sqrt, float eps) {
        assert w.length >= len && g.length >= len && m.length >= len && v.length >= len;
        for (int j = 0; j < len; j++) {
            m[j] = m[j] * beta1 + oneMinusBeta1 * g[j];              // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
            v[j] = v[j] * beta2 + oneMinusBeta2 * g[j] * g[j];       // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
            float second = v[j];
            if (vMax != null) second = vMax[j] = Math.max(vMax[j], v[j]); // torch.maximum(max_exp_avg_sq, exp_avg_sq)
            float denom = (float) Math.sqrt(second) / bc2Sqrt + eps;  // (sqrt / bias_correction2_sqrt).add_(eps)
            w[j] = w[j] + negStepSize * m[j] / denom;                 // param.addcdiv_(exp_avg, denom, value=-step_size)
        }
    }

    @Override
    public void sgdMomentumUpdate(float[] w, float[] g, float[] b, int len, float negLr, float mu, float keep,
                                  boolean firstStep, boolean nesterov) {
        assert w.length >= len && g.length >= len && b.length >= len;
        if (firstStep) {
            System.arraycopy(g, 0, b, 0, len);                        // torch.clone(d_p): no dampening at first
        } else {
            for (int j = 0; j < len; j++) b[j] = b[j] * mu + keep * g[j]; // buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
        }
        if (nesterov) {
            for (int j = 0; j < len; j++) w[j] = w[j] + negLr * (g[j] + mu * b[j]); // d_p.add(buf, alpha=momentum)
        } else {
            for (int j = 0; j < len; j++) w[j] = w[j] + negLr * b[j];          // param.add_(d_p, alpha=-lr)
        }
    }

    // ---------------------------------------------------------------- rows

    @Override
    public void logSoftmaxRows(float[] out, float[] in, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, in[base + j]);
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += Math.exp(in[base + j] - max);
            float logSum = (float) Math.log(sum) + max;
            for (int j = 0; j < cols; j++) out[base + j] = in[base + j] - logSum;
        }
    }
}
