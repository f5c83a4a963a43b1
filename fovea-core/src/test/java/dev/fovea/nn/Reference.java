package dev.fovea.nn;

import dev.fovea.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Naive, loop-by-loop implementations of the layers' formulas (PyTorch docs semantics), written
 * independently of the kernels so that layer tests have an oracle. Accumulation in double.
 */
final class Reference {

    private Reference() {}

    /** Cross-correlation; x (N, C, H, W), w (OC, C/g, KH, KW), pad {top, left, bottom, right}. */
    static float[] conv2d(Tensor x, Tensor w, Tensor b, int[] stride, int[] pad, int[] dil, int groups) {
        int n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3);
        int oc = w.size(0), cg = w.size(1), kh = w.size(2), kw = w.size(3);
        int oh = (h + pad[0] + pad[2] - dil[0] * (kh - 1) - 1) / stride[0] + 1;
        int ow = (wd + pad[1] + pad[3] - dil[1] * (kw - 1) - 1) / stride[1] + 1;
        int ocg = oc / groups;
        float[] out = new float[n * oc * oh * ow];
        float[] xd = x.data(), wdta = w.data();
        for (int i = 0; i < n; i++)
            for (int o = 0; o < oc; o++) {
                int g = o / ocg;
                for (int y = 0; y < oh; y++)
                    for (int z = 0; z < ow; z++) {
                        double s = b == null ? 0 : b.data()[o];
                        for (int ci = 0; ci < cg; ci++)
                            for (int p = 0; p < kh; p++)
                                for (int q = 0; q < kw; q++) {
                                    int iy = y * stride[0] - pad[0] + p * dil[0];
                                    int ix = z * stride[1] - pad[1] + q * dil[1];
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    int cin = g * cg + ci;
                                    s += (double) xd[((i * c + cin) * h + iy) * wd + ix]
                                            * wdta[((o * cg + ci) * kh + p) * kw + q];
                                }
                        out[((i * oc + o) * oh + y) * ow + z] = (float) s;
                    }
            }
        return out;
    }

    /** Max (avg=false) or average pooling with PyTorch's padding, ceil-mode and count_include_pad rules. */
    static float[] pool2d(Tensor x, int[] k, int[] s, int[] p, int[] d, boolean ceil, boolean avg, boolean countIncludePad) {
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        int oh = PoolSizes.outSize(h, k[0], s[0], p[0], d[0], ceil);
        int ow = PoolSizes.outSize(w, k[1], s[1], p[1], d[1], ceil);
        float[] out = new float[n * c * oh * ow];
        float[] xd = x.data();
        for (int i = 0; i < n * c; i++)
            for (int y = 0; y < oh; y++)
                for (int z = 0; z < ow; z++) {
                    int y0 = y * s[0] - p[0], x0 = z * s[1] - p[1];
                    double best = Double.NEGATIVE_INFINITY, sum = 0;
                    int real = 0;
                    for (int a = 0; a < k[0]; a++)
                        for (int bb = 0; bb < k[1]; bb++) {
                            int iy = y0 + a * d[0], ix = x0 + bb * d[1];
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                            double v = xd[(i * h + iy) * w + ix];
                            best = Math.max(best, v);
                            sum += v;
                            real++;
                        }
                    double val;
                    if (!avg) {
                        val = best;
                    } else {
                        // PyTorch: the window clipped to the padded input, or only real cells without count_include_pad
                        int hEnd = Math.min(y0 + k[0], h + p[0]), wEnd = Math.min(x0 + k[1], w + p[1]);
                        int padded = (hEnd - y0) * (wEnd - x0);
                        val = sum / (countIncludePad ? padded : real);
                    }
                    out[(i * oh + y) * ow + z] = (float) val;
                }
        return out;
    }

    /** Batch-norm output with batch statistics (biased variance), over (N, C, S...). */
    static float[] batchNormTrain(Tensor x, float[] gamma, float[] beta, float eps) {
        int n = x.size(0), c = x.size(1), s = x.numel() / (n * c);
        float[] xd = x.data(), out = new float[xd.length];
        for (int ch = 0; ch < c; ch++) {
            double[] mv = meanVar(x, ch);
            double inv = 1.0 / Math.sqrt(mv[1] + eps);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < s; j++) {
                    int idx = (i * c + ch) * s + j;
                    double g = gamma == null ? 1 : gamma[ch], b = beta == null ? 0 : beta[ch];
                    out[idx] = (float) ((xd[idx] - mv[0]) * inv * g + b);
                }
        }
        return out;
    }

    /** {mean, biased variance} of channel ch over (N, C, S...). */
    static double[] meanVar(Tensor x, int ch) {
        int n = x.size(0), c = x.size(1), s = x.numel() / (n * c);
        float[] xd = x.data();
        double sum = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) sum += xd[(i * c + ch) * s + j];
        double mean = sum / (n * s), sq = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < s; j++) {
            double dv = xd[(i * c + ch) * s + j] - mean;
            sq += dv * dv;
        }
        return new double[] {mean, sq / (n * s)};
    }

    /** PyTorch's LRN over (N, C, S...): window [c - size/2, c + (size-1)/2]. */
    static float[] lrn(Tensor x, int size, double alpha, double beta, double k) {
        int n = x.size(0), c = x.size(1), s = x.numel() / (n * c);
        float[] xd = x.data(), out = new float[xd.length];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int j = 0; j < s; j++) {
                    double sum = 0;
                    for (int cc = ch - size / 2; cc <= ch + (size - 1) / 2; cc++) {
                        if (cc < 0 || cc >= c) continue;
                        double v = xd[(i * c + cc) * s + j];
                        sum += v * v;
                    }
                    int idx = (i * c + ch) * s + j;
                    out[idx] = (float) (xd[idx] / Math.pow(k + alpha / size * sum, beta));
                }
        return out;
    }

    /** PyTorch's adaptive average pooling: cell i covers [floor(i*H/OH), ceil((i+1)*H/OH)). */
    static float[] adaptiveAvg(Tensor x, int oh, int ow) {
        int n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        float[] xd = x.data(), out = new float[n * c * oh * ow];
        for (int i = 0; i < n * c; i++)
            for (int y = 0; y < oh; y++)
                for (int z = 0; z < ow; z++) {
                    int h0 = Math.floorDiv(y * h, oh), h1 = -Math.floorDiv(-(y + 1) * h, oh);
                    int w0 = Math.floorDiv(z * w, ow), w1 = -Math.floorDiv(-(z + 1) * w, ow);
                    double sum = 0;
                    for (int a = h0; a < h1; a++) for (int b = w0; b < w1; b++) sum += xd[(i * h + a) * w + b];
                    out[(i * oh + y) * ow + z] = (float) (sum / ((h1 - h0) * (w1 - w0)));
                }
        return out;
    }

    /** Element-wise comparison that prints the largest difference and the first mismatches. */
    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        if (expected.length != actual.length) {
            assertArrayEquals(expected, actual, what + ": lengths differ");
        }
        double maxDiff = 0;
        StringBuilder first = new StringBuilder();
        int bad = 0;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(expected[i] - actual[i]);
            if (Double.isNaN(actual[i])) diff = Double.POSITIVE_INFINITY;
            maxDiff = Math.max(maxDiff, diff);
            if (diff > tol * Math.max(1, Math.abs(expected[i])) && bad++ < 5) {
                first.append(String.format(" [%d] expected %.6g got %.6g;", i, expected[i], actual[i]));
            }
        }
        if (bad > 0) fail(what + ": " + bad + " elements differ, maxDiff " + maxDiff + ":" + first);
    }
}
