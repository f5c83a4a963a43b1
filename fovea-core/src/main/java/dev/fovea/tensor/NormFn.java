package dev.fovea.tensor;

import java.util.Arrays;

/**
 * Batch normalisation and local response normalisation as fused autograd ops.
 *
 * <p>Both work per channel on {@code (N, C, ...)} inputs viewed as {@code (n, c, spatial)}, spatial
 * being the product of the trailing dimensions (1 for {@code (N, C)}).
 */
final class NormFn {

    private NormFn() {}

    /**
     * Batch normalisation (Ioffe and Szegedy 2015, https://arxiv.org/abs/1502.03167) with PyTorch's
     * {@code F.batch_norm} semantics.
     *
     * <p>Input (N, C), (N, C, L) or (N, C, H, W); runningMean, runningVar, gamma, beta (C,), gamma and
     * beta may be null (affine=false: scale 1, shift 0). Output has the input's shape:
     * {@code y = (x - mean) / sqrt(var + eps) * gamma + beta}.
     * <ul>
     *   <li>{@code training}: mean and biased variance of this batch per channel (over N and the
     *       trailing dimensions); the running statistics, when given, are updated in place with
     *       {@code running = (1 - momentum) * running + momentum * batch}, the variance term being the
     *       <em>unbiased</em> batch variance ({@code var * m / (m - 1)}, m = values per channel) as
     *       PyTorch does. The gradient treats mean and variance as functions of x. Needs m > 1. Both
     *       running statistics may be null (PyTorch's {@code track_running_stats=False}).</li>
     *   <li>eval: uses the running statistics as constants (both required) and changes nothing.</li>
     * </ul>
     * The running statistics are buffers: they never receive gradients. Backward keeps only the
     * per-channel mean and 1/sqrt(var + eps) (C floats each) besides the inputs.
     */
    static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor gamma, Tensor beta,
                            boolean training, float momentum, float eps) {
        return batchNorm(x, runningMean, runningVar, gamma, beta, training, momentum, eps, false, null, false);
    }

    /**
     * {@link #batchNorm}, plus {@code residual} (of x's shape) when not null, then ReLU when
     * {@code rectify}, as one operation ({@code Kernels.batchNormForwardFused}): the values of the
     * separate operations, each written once, and a backward pass that reads the output gradient
     * through the ReLU's mask instead of a masked copy. Backward keeps the output besides what
     * batchNorm keeps.
     */
    static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor gamma, Tensor beta,
                            boolean training, float momentum, float eps, Tensor residual, boolean rectify) {
        if (residual != null && !Arrays.equals(residual.shape(), x.shape())) {
            throw new IllegalArgumentException("batchNorm expects a residual of the input's shape " + Shapes.str(x.shape())
                    + "; received " + Shapes.str(residual.shape()));
        }
        return batchNorm(x, runningMean, runningVar, gamma, beta, training, momentum, eps, false, residual, rectify);
    }

    /**
     * {@link #batchNorm} in eval mode writing the result over x's own data and returning x; only
     * where nothing is recorded (see {@link Tensor#batchNormInPlace}).
     */
    static Tensor batchNormInPlace(Tensor x, Tensor runningMean, Tensor runningVar, Tensor gamma, Tensor beta,
                                   float eps) {
        Tensor.requireNoRecording("batchNormInPlace");
        return batchNorm(x, runningMean, runningVar, gamma, beta, false, 0f, eps, true, null, false);
    }

    private static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor gamma, Tensor beta,
                                    boolean training, float momentum, float eps, boolean inPlace, Tensor residual,
                                    boolean rectify) {
        int[] xs = x.shape();
        if (xs.length < 2 || xs.length > 4) {
            throw new IllegalArgumentException("batchNorm expects input of shape (N, C), (N, C, L) or (N, C, H, W); "
                    + "received " + Shapes.str(xs));
        }
        int n = xs[0], c = xs[1], spatial = 1;
        for (int d = 2; d < xs.length; d++) spatial *= xs[d];
        requireChannelVector("runningMean", runningMean, c, xs);
        requireChannelVector("runningVar", runningVar, c, xs);
        requireChannelVector("gamma", gamma, c, xs);
        requireChannelVector("beta", beta, c, xs);
        if ((runningMean == null) != (runningVar == null)) {
            throw new IllegalArgumentException("batchNorm expects runningMean and runningVar both given or both null; "
                    + "received runningMean " + (runningMean == null ? "null" : "given") + ", runningVar "
                    + (runningVar == null ? "null" : "given"));
        }
        if (!training && runningMean == null) {
            throw new IllegalArgumentException("batchNorm in eval mode expects running statistics; received null "
                    + "runningMean and runningVar");
        }
        if (!(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException("batchNorm expects momentum in [0, 1]; received " + momentum);
        }
        if (!(eps >= 0f) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException("batchNorm expects a finite eps >= 0; received " + eps);
        }
        long perChannel = (long) n * spatial;
        if (training && perChannel <= 1) {
            throw new IllegalArgumentException("batchNorm in training mode expects more than 1 value per channel; "
                    + "received input " + Shapes.str(xs));
        }

        float[] mean = new float[c], invStd = new float[c];
        if (training) {
            float[] var = new float[c];
            Tensor.K.channelMeanVar(mean, var, x.data(), n, c, spatial);
            for (int ch = 0; ch < c; ch++) invStd[ch] = (float) (1.0 / Math.sqrt((double) var[ch] + eps));
            if (runningMean != null) {
                float[] rm = runningMean.data(), rv = runningVar.data();
                double unbias = (double) perChannel / (perChannel - 1);
                for (int ch = 0; ch < c; ch++) {
                    rm[ch] = (float) ((1.0 - momentum) * rm[ch] + (double) momentum * mean[ch]);
                    rv[ch] = (float) ((1.0 - momentum) * rv[ch] + (double) momentum * var[ch] * unbias);
                }
            }
        } else {
            // copied, so a later training step that updates the buffers cannot change this backward
            float[] rm = runningMean.data(), rv = runningVar.data();
            for (int ch = 0; ch < c; ch++) {
                mean[ch] = rm[ch];
                invStd[ch] = (float) (1.0 / Math.sqrt((double) rv[ch] + eps));
            }
        }
        float[] out = inPlace ? x.data() : Workspace.uninitialized(x.numel()); // every element written
        float[] gammaData = gamma == null ? null : gamma.data();
        float[] betaData = beta == null ? null : beta.data();
        if (residual == null && !rectify) {
            Tensor.K.batchNormForward(out, x.data(), mean, invStd, gammaData, betaData, n, c, spatial);
        } else {
            Tensor.K.batchNormForwardFused(out, x.data(), mean, invStd, gammaData, betaData,
                    residual == null ? null : residual.data(), rectify, n, c, spatial);
        }
        if (inPlace) return x;
        int sp = spatial;
        return new Function(x, gamma, beta, residual) {
            @Override String name() {
                return residual != null ? "batchNormAdd" + (rectify ? "Relu" : "") : rectify ? "batchNormRelu" : "batchNorm";
            }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0), dGamma = gamma == null ? null : gradOf(1), dBeta = beta == null ? null : gradOf(2);
                float[] dResidual = residual == null ? null : gradOf(3);
                if (dx == null && dGamma == null && dBeta == null && dResidual == null) return;
                if (residual == null && !rectify) {
                    Tensor.K.batchNormBackward(dx, dGamma, dBeta, dOut, x.data(), mean, invStd, gammaData, n, c, sp,
                            training);
                } else {
                    Tensor.K.batchNormBackwardFused(dx, dGamma, dBeta, dResidual, dOut, rectify ? out : null, x.data(),
                            mean, invStd, gammaData, n, c, sp, training);
                }
            }
        }.attach(new Tensor(out, xs));
    }

    /**
     * Local response normalisation across channels (Krizhevsky et al. 2012, section 3.3), with PyTorch's
     * {@code LocalResponseNorm} formula
     * {@code y_c = x_c / (k + alpha / size * sum of x_c'^2 for c' in [c - size/2, c + (size-1)/2])^beta},
     * the window clipped to the channels that exist. Input (N, C, ...) of rank >= 3; output the same shape.
     * Backward keeps the bracket (one float per element) and the output.
     */
    static Tensor localResponseNorm(Tensor x, int size, float alpha, float beta, float k) {
        int[] xs = x.shape();
        if (xs.length < 3) {
            throw new IllegalArgumentException("localResponseNorm expects input of shape (N, C, L) or (N, C, H, W); "
                    + "received " + Shapes.str(xs));
        }
        if (size < 1) {
            throw new IllegalArgumentException("localResponseNorm expects size >= 1; received " + size);
        }
        if (!Float.isFinite(alpha) || !Float.isFinite(beta) || !Float.isFinite(k)) {
            throw new IllegalArgumentException("localResponseNorm expects finite alpha, beta and k; received alpha="
                    + alpha + ", beta=" + beta + ", k=" + k);
        }
        int n = xs[0], c = xs[1], spatial = 1;
        for (int d = 2; d < xs.length; d++) spatial *= xs[d];
        float[] out = new float[x.numel()], scale = new float[x.numel()];
        Tensor.K.lrnForward(out, scale, x.data(), n, c, spatial, size, alpha, beta, k);
        int sp = spatial;
        return new Function(x) {
            @Override String name() { return "localResponseNorm"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx != null) Tensor.K.lrnBackward(dx, dOut, x.data(), out, scale, n, c, sp, size, alpha, beta, k);
            }
        }.attach(new Tensor(out, xs));
    }

    private static void requireChannelVector(String name, Tensor t, int c, int[] xs) {
        if (t != null && (t.dim() != 1 || t.size(0) != c)) {
            throw new IllegalArgumentException("batchNorm expects " + name + " of shape (" + c + ",) for input "
                    + Shapes.str(xs) + "; received " + Shapes.str(t.shape()));
        }
    }
}
