package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Weight initialisers, PyTorch's {@code torch.nn.init} plus hand-designed and data-derived filters.
 *
 * <p>Every method overwrites a tensor's values in place through {@link Tensor#data()} and returns it.
 * Initialisation is not part of the model's computation, so nothing is recorded for autograd (PyTorch
 * runs its initialisers under {@code torch.no_grad()} for the same reason); the tensor must be a leaf
 * (a parameter or a plain tensor), never the output of a recorded operation.
 *
 * <p>Fans follow PyTorch's {@code _calculate_fan_in_and_fan_out}: for a weight of shape
 * {@code (out, in, k1, k2, ...)} the receptive field is {@code k1 * k2 * ...}, {@code fanIn = in * receptive}
 * and {@code fanOut = out * receptive}. A grouped convolution's weight {@code (OC, C/groups, KH, KW)}
 * therefore has {@code fanIn = C/groups * KH * KW}, as in PyTorch.
 */
public final class Init {

    private Init() {}

    /** Which fan the Kaiming initialisers preserve: the forward pass's variance (fan-in) or the backward pass's (fan-out). */
    public enum FanMode { FAN_IN, FAN_OUT }

    /** Nonlinearities with a recommended gain, as {@code torch.nn.init.calculate_gain}. */
    public enum Nonlinearity { LINEAR, CONV, SIGMOID, TANH, RELU, LEAKY_RELU, SELU }

    /**
     * The recommended gain for a nonlinearity (PyTorch's {@code calculate_gain}): 1 for linear, conv and
     * sigmoid, 5/3 for tanh, sqrt(2) for ReLU, sqrt(2 / (1 + slope²)) for leaky ReLU with negative slope
     * {@code param}, and 3/4 for SELU. {@code param} is used by LEAKY_RELU only.
     */
    public static double calculateGain(Nonlinearity nonlinearity, double param) {
        return switch (nonlinearity) {
            case LINEAR, CONV, SIGMOID -> 1.0;
            case TANH -> 5.0 / 3.0;
            case RELU -> Math.sqrt(2.0);
            case LEAKY_RELU -> Math.sqrt(2.0 / (1.0 + param * param));
            // PyTorch's choice for SELU (so that kaiming_normal(nonlinearity='selu') matches LeCun normal's scale).
            case SELU -> 3.0 / 4.0;
        };
    }

    /** {@code {fanIn, fanOut}} of a weight with at least two dimensions. */
    public static int[] fans(Tensor t) {
        int[] s = t.shape();
        if (s.length < 2) {
            throw new IllegalArgumentException("fan in and fan out need a tensor with at least 2 dimensions (out, in, ...); received "
                    + Shapes.str(s));
        }
        int receptive = 1;
        for (int i = 2; i < s.length; i++) receptive *= s[i];
        return new int[] {s[1] * receptive, s[0] * receptive};
    }

    // ------------------------------------------------------------------ constants

    /** Fills with {@code value}. */
    public static Tensor constant(Tensor t, float value) {
        checkLeaf(t, "constant");
        Arrays.fill(t.data(), value);
        return t;
    }

    public static Tensor zeros(Tensor t) { return constant(t, 0f); }

    public static Tensor ones(Tensor t) { return constant(t, 1f); }

    /** Copies {@code values} (row-major, one per element) into {@code t}. */
    public static Tensor fromArray(Tensor t, float... values) {
        checkLeaf(t, "fromArray");
        if (values.length != t.numel()) {
            throw new IllegalArgumentException("fromArray expects " + t.numel() + " values for shape " + Shapes.str(t.shape())
                    + "; received " + values.length);
        }
        System.arraycopy(values, 0, t.data(), 0, values.length);
        return t;
    }

    // ------------------------------------------------------------------ random: plain, Glorot, He, LeCun

    /** Normal samples with the given mean and standard deviation ({@code torch.nn.init.normal_}). */
    public static Tensor normal(Tensor t, float mean, float std, RandomGenerator rng) {
        if (!(std >= 0f)) throw new IllegalArgumentException("normal expects std >= 0; received " + std);
        normal(t, std, rng, "normal");
        if (mean != 0f) for (int i = 0; i < t.data().length; i++) t.data()[i] += mean;
        return t;
    }

    /** Uniform samples in [lo, hi) ({@code torch.nn.init.uniform_}). */
    public static Tensor uniform(Tensor t, float lo, float hi, RandomGenerator rng) {
        if (!(lo <= hi)) throw new IllegalArgumentException("uniform expects lo <= hi; received lo=" + lo + ", hi=" + hi);
        checkLeaf(t, "uniform");
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rng.nextFloat();
        return t;
    }

    /** Uniform in [-a, a] with a = gain * sqrt(6 / (fanIn + fanOut)) (Glorot and Bengio 2010). */
    public static Tensor xavierUniform(Tensor t, double gain, RandomGenerator rng) {
        int[] f = fans(t);
        return uniform(t, gain * Math.sqrt(6.0 / (f[0] + f[1])), rng, "xavierUniform");
    }

    public static Tensor xavierUniform(Tensor t, RandomGenerator rng) { return xavierUniform(t, 1.0, rng); }

    /** Normal with std = gain * sqrt(2 / (fanIn + fanOut)) (Glorot and Bengio 2010). */
    public static Tensor xavierNormal(Tensor t, double gain, RandomGenerator rng) {
        int[] f = fans(t);
        return normal(t, gain * Math.sqrt(2.0 / (f[0] + f[1])), rng, "xavierNormal");
    }

    public static Tensor xavierNormal(Tensor t, RandomGenerator rng) { return xavierNormal(t, 1.0, rng); }

    /**
     * Uniform in [-b, b] with b = sqrt(3) * gain / sqrt(fan) (He et al. 2015), gain from
     * {@link #calculateGain}({@code nonlinearity}, {@code a}); {@code a} is the negative slope of a leaky
     * ReLU. PyTorch's layer default is {@code a = sqrt(5)}, LEAKY_RELU, FAN_IN, which gives b = 1/sqrt(fanIn).
     */
    public static Tensor kaimingUniform(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity, RandomGenerator rng) {
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan(t, mode));
        return uniform(t, Math.sqrt(3.0) * std, rng, "kaimingUniform");
    }

    /** PyTorch's defaults: a = 0, fan-in, leaky ReLU (so gain sqrt(2)): b = sqrt(6 / fanIn). */
    public static Tensor kaimingUniform(Tensor t, RandomGenerator rng) {
        return kaimingUniform(t, 0.0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, rng);
    }

    /** Normal with std = gain / sqrt(fan) (He et al. 2015); see {@link #kaimingUniform(Tensor, double, FanMode, Nonlinearity, RandomGenerator)}. */
    public static Tensor kaimingNormal(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity, RandomGenerator rng) {
        double std = calculateGain(nonlinearity, a) / Math.sqrt(fan(t, mode));
        return normal(t, std, rng, "kaimingNormal");
    }

    /** PyTorch's defaults: a = 0, fan-in, leaky ReLU: std = sqrt(2 / fanIn). */
    public static Tensor kaimingNormal(Tensor t, RandomGenerator rng) {
        return kaimingNormal(t, 0.0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, rng);
    }

    /** Uniform in [-b, b] with b = sqrt(3 / fanIn), i.e. variance 1/fanIn (LeCun et al. 1998). */
    public static Tensor lecunUniform(Tensor t, RandomGenerator rng) {
        return uniform(t, Math.sqrt(3.0 / fans(t)[0]), rng, "lecunUniform");
    }

    /**
     * Normal with std = sqrt(1 / fanIn) (LeCun et al. 1998), the initialisation Klambauer et al. 2017
     * prescribe for SELU networks. Plain, not truncated, normal (Keras truncates at 2 std and rescales).
     */
    public static Tensor lecunNormal(Tensor t, RandomGenerator rng) {
        return normal(t, Math.sqrt(1.0 / fans(t)[0]), rng, "lecunNormal");
    }

    private static int fan(Tensor t, FanMode mode) {
        int[] f = fans(t);
        return mode == FanMode.FAN_IN ? f[0] : f[1];
    }

    private static Tensor uniform(Tensor t, double bound, RandomGenerator rng, String who) {
        checkLeaf(t, who);
        float[] d = t.data();
        float lo = (float) -bound, hi = (float) bound;
        // Same draw as Tensor.uniform, so a Conv2d and a Linear of equal fan-in consume the RNG alike.
        for (int i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rng.nextFloat();
        return t;
    }

    private static Tensor normal(Tensor t, double std, RandomGenerator rng, String who) {
        checkLeaf(t, who);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) (std * rng.nextGaussian());
        return t;
    }

    private static void checkLeaf(Tensor t, String who) {
        if (!t.isLeaf()) {
            throw new IllegalArgumentException(who + " expects a leaf tensor (a parameter); received the output of a "
                    + "recorded operation, shape " + Shapes.str(t.shape()));
        }
    }

    // ------------------------------------------------------------------ hand-designed filters

    /** A (rows, cols) filter from its rows, e.g. {@code filter(new float[] {1, 0, -1}, ...)}. */
    public static Tensor filter(float[]... rows) {
        if (rows.length == 0 || rows[0].length == 0) {
            throw new IllegalArgumentException("filter expects at least one non-empty row; received " + rows.length + " rows");
        }
        int w = rows[0].length;
        float[] d = new float[rows.length * w];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != w) {
                throw new IllegalArgumentException("filter expects rows of equal length " + w + "; received length "
                        + rows[r].length + " at row " + r);
            }
            System.arraycopy(rows[r], 0, d, r * w, w);
        }
        return Tensor.of(d, rows.length, w);
    }

    /**
     * 3x3 vertical-edge detector, rows {@code [1, 0, -1]} three times: responds positively where the
     * image is brighter on the left than on the right, and 0 on flat regions.
     */
    public static Tensor verticalEdge() {
        return filter(new float[] {1, 0, -1}, new float[] {1, 0, -1}, new float[] {1, 0, -1});
    }

    /** 3x3 horizontal-edge detector {@code [1,1,1], [0,0,0], [-1,-1,-1]}: positive where the top is brighter. */
    public static Tensor horizontalEdge() {
        return filter(new float[] {1, 1, 1}, new float[] {0, 0, 0}, new float[] {-1, -1, -1});
    }

    /** Sobel vertical-edge filter {@code [1,0,-1], [2,0,-2], [1,0,-1]}: the centre row weighted twice. */
    public static Tensor sobelVertical() {
        return filter(new float[] {1, 0, -1}, new float[] {2, 0, -2}, new float[] {1, 0, -1});
    }

    /** Sobel horizontal-edge filter, the transpose of {@link #sobelVertical()}. */
    public static Tensor sobelHorizontal() {
        return filter(new float[] {1, 2, 1}, new float[] {0, 0, 0}, new float[] {-1, -2, -1});
    }

    /** Scharr vertical-edge filter {@code [3,0,-3], [10,0,-10], [3,0,-3]}: better rotational symmetry than Sobel. */
    public static Tensor scharrVertical() {
        return filter(new float[] {3, 0, -3}, new float[] {10, 0, -10}, new float[] {3, 0, -3});
    }

    /** Scharr horizontal-edge filter, the transpose of {@link #scharrVertical()}. */
    public static Tensor scharrHorizontal() {
        return filter(new float[] {3, 10, 3}, new float[] {0, 0, 0}, new float[] {-3, -10, -3});
    }

    /**
     * Writes hand-designed filters into a convolution weight {@code (OC, C/groups, KH, KW)}: filter i
     * becomes output channel i. A filter of shape {@code (KH, KW)} is copied to every input channel of
     * its output channel (so an edge filter on an RGB image sums the three channels' edges); a filter of
     * shape {@code (C/groups, KH, KW)} is copied as is. Exactly OC filters are expected.
     */
    public static Tensor fromFilters(Tensor weight, Tensor... filters) {
        checkLeaf(weight, "fromFilters");
        int[] s = weight.shape();
        if (s.length != 4) {
            throw new IllegalArgumentException("fromFilters expects a convolution weight (OC, C/groups, KH, KW); received "
                    + Shapes.str(s));
        }
        if (filters.length != s[0]) {
            throw new IllegalArgumentException("fromFilters expects " + s[0] + " filters, one per output channel of weight "
                    + Shapes.str(s) + "; received " + filters.length);
        }
        int plane = s[2] * s[3], perOut = s[1] * plane;
        float[] w = weight.data();
        for (int o = 0; o < filters.length; o++) {
            int[] fs = filters[o].shape();
            float[] f = filters[o].data();
            if (Arrays.equals(fs, new int[] {s[2], s[3]})) {
                for (int c = 0; c < s[1]; c++) System.arraycopy(f, 0, w, o * perOut + c * plane, plane);
            } else if (Arrays.equals(fs, new int[] {s[1], s[2], s[3]})) {
                System.arraycopy(f, 0, w, o * perOut, perOut);
            } else {
                throw new IllegalArgumentException("fromFilters expects filter " + o + " of shape " + Shapes.str(s[2], s[3])
                        + " or " + Shapes.str(s[1], s[2], s[3]) + "; received " + Shapes.str(fs));
            }
        }
        return weight;
    }

    // ------------------------------------------------------------------ k-means filters (Coates and Ng 2011)

    /**
     * Learns {@code k} filters of size {@code kh x kw} as the k-means centroids of image patches, with
     * {@code max(10000, 20k)} patches, mean-centring only; see
     * {@link #kmeansPatches(Tensor, int, int, int, int, int, float, RandomGenerator)}.
     */
    public static Tensor kmeansPatches(Tensor images, int k, int kh, int kw, int iterations, RandomGenerator rng) {
        return kmeansPatches(images, k, kh, kw, iterations, Math.max(10_000, 20 * k), 0f, rng);
    }

    /**
     * Learns convolution filters without labels: the k-means centroids of randomly sampled image patches
     * (Coates, Lee and Ng, "An Analysis of Single-Layer Networks in Unsupervised Feature Learning", 2011).
     *
     * <p>Patches of {@code C x kh x kw} are drawn uniformly (with replacement) from all positions of all
     * images, each is centred on its own mean (removing brightness, so the centroids are edge- and
     * blob-like), and, when {@code contrastEps > 0}, divided by {@code sqrt(var + contrastEps)} (contrast
     * normalisation; Coates and Ng use 10 for 0-255 pixels, about 1.5e-4 for pixels in [0, 1]). Seeding
     * is k-means++ (Arthur and Vassilvitskii 2007), then at most {@code iterations} Lloyd steps (fewer when
     * the assignment stops changing). An empty cluster is re-seeded with the patch farthest from its
     * centroid. Because every centroid has zero mean, its response to a raw patch equals its response to
     * the centred patch, so the filters can be used on un-centred images.
     *
     * @param images (N, C, H, W) with H >= kh and W >= kw
     * @return (k, C, kh, kw), ready for a {@link Conv2d} weight
     */
    public static Tensor kmeansPatches(Tensor images, int k, int kh, int kw, int iterations, int numPatches,
                                       float contrastEps, RandomGenerator rng) {
        int[] s = images.shape();
        if (s.length != 4) {
            throw new IllegalArgumentException("kmeansPatches expects images of shape (N, C, H, W); received " + Shapes.str(s));
        }
        if (kh < 1 || kw < 1 || kh > s[2] || kw > s[3]) {
            throw new IllegalArgumentException("kmeansPatches expects a patch size between (1, 1) and the image size "
                    + Shapes.str(s[2], s[3]) + "; received " + Shapes.str(kh, kw));
        }
        if (k < 1 || numPatches < k || iterations < 0) {
            throw new IllegalArgumentException("kmeansPatches expects k >= 1, numPatches >= k and iterations >= 0; received k="
                    + k + ", numPatches=" + numPatches + ", iterations=" + iterations);
        }
        if (!(contrastEps >= 0f)) {
            throw new IllegalArgumentException("kmeansPatches expects contrastEps >= 0 (0 disables contrast normalisation); received "
                    + contrastEps);
        }
        int c = s[1], dim = c * kh * kw;
        double[][] patches = samplePatches(images.data(), s, kh, kw, numPatches, contrastEps, rng);
        double[][] centroids = kmeansPlusPlus(patches, k, rng);
        lloyd(patches, centroids, iterations);

        float[] out = new float[k * dim];
        for (int j = 0; j < k; j++) for (int d = 0; d < dim; d++) out[j * dim + d] = (float) centroids[j][d];
        return Tensor.of(out, k, c, kh, kw);
    }

    /**
     * Sets a convolution's weight to k-means patch centroids ({@code outChannels} of them, the layer's
     * kernel size, default sampling) and its bias, if any, to zero: the centroids are zero-mean, so a
     * zero bias keeps a flat region's response at 0. The layer must have one group.
     */
    public static Conv2d kmeansPatches(Conv2d conv, Tensor images, int iterations, RandomGenerator rng) {
        if (conv.groups != 1) {
            throw new IllegalArgumentException("kmeansPatches expects a Conv2d with groups=1; received groups=" + conv.groups);
        }
        if (images.dim() != 4 || images.size(1) != conv.inChannels) {
            throw new IllegalArgumentException("kmeansPatches expects images of shape (N, " + conv.inChannels
                    + ", H, W) for this Conv2d; received " + Shapes.str(images.shape()) + " (" + conv.extraRepr() + ")");
        }
        Tensor centroids = kmeansPatches(images, conv.outChannels, conv.kernelSize[0], conv.kernelSize[1], iterations, rng);
        conv.weight.copyFrom(centroids);
        if (conv.bias != null) zeros(conv.bias);
        return conv;
    }

    private static double[][] samplePatches(float[] img, int[] s, int kh, int kw, int count, float contrastEps,
                                            RandomGenerator rng) {
        int n = s[0], c = s[1], h = s[2], w = s[3];
        int py = h - kh + 1, px = w - kw + 1, dim = c * kh * kw;
        double[][] patches = new double[count][dim];
        for (int p = 0; p < count; p++) {
            int i = rng.nextInt(n), y = rng.nextInt(py), x = rng.nextInt(px);
            double[] v = patches[p];
            int d = 0;
            for (int ch = 0; ch < c; ch++) {
                for (int dy = 0; dy < kh; dy++) {
                    int base = ((i * c + ch) * h + y + dy) * w + x;
                    for (int dx = 0; dx < kw; dx++) v[d++] = img[base + dx];
                }
            }
            double mean = 0;
            for (double e : v) mean += e;
            mean /= dim;
            double var = 0;
            for (int j = 0; j < dim; j++) {
                v[j] -= mean;
                var += v[j] * v[j];
            }
            if (contrastEps > 0f) {
                double scale = 1.0 / Math.sqrt(var / dim + contrastEps);
                for (int j = 0; j < dim; j++) v[j] *= scale;
            }
        }
        return patches;
    }

    /** k-means++ seeding: the first centre uniformly, each next one with probability proportional to D(x)². */
    private static double[][] kmeansPlusPlus(double[][] points, int k, RandomGenerator rng) {
        int n = points.length;
        double[][] centres = new double[k][];
        centres[0] = points[rng.nextInt(n)].clone();
        double[] d2 = new double[n];
        for (int i = 0; i < n; i++) d2[i] = sqDist(points[i], centres[0]);
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (double v : d2) total += v;
            int pick;
            if (total <= 0) {
                pick = rng.nextInt(n); // every point already coincides with a centre: any choice is as good
            } else {
                double r = rng.nextDouble() * total;
                pick = n - 1;
                for (int i = 0; i < n; i++) {
                    r -= d2[i];
                    if (r < 0) { pick = i; break; }
                }
            }
            centres[j] = points[pick].clone();
            for (int i = 0; i < n; i++) d2[i] = Math.min(d2[i], sqDist(points[i], centres[j]));
        }
        return centres;
    }

    /** Lloyd's algorithm in place; ties go to the lowest centroid index so results are deterministic. */
    private static void lloyd(double[][] points, double[][] centres, int iterations) {
        int n = points.length, k = centres.length, dim = points[0].length;
        int[] assign = new int[n];
        Arrays.fill(assign, -1);
        double[] dist = new double[n];
        for (int it = 0; it < iterations; it++) {
            boolean changed = false;
            for (int i = 0; i < n; i++) {
                int best = 0;
                double bestD = Double.POSITIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    double d = sqDist(points[i], centres[j]);
                    if (d < bestD) { bestD = d; best = j; }
                }
                dist[i] = bestD;
                if (assign[i] != best) { assign[i] = best; changed = true; }
            }
            if (!changed) return;
            double[][] sums = new double[k][dim];
            int[] counts = new int[k];
            for (int i = 0; i < n; i++) {
                counts[assign[i]]++;
                double[] acc = sums[assign[i]];
                for (int d = 0; d < dim; d++) acc[d] += points[i][d];
            }
            for (int j = 0; j < k; j++) {
                if (counts[j] > 0) {
                    for (int d = 0; d < dim; d++) centres[j][d] = sums[j][d] / counts[j];
                } else {
                    // Empty cluster: move it to the worst-served point, which then belongs to it.
                    int far = 0;
                    for (int i = 1; i < n; i++) if (dist[i] > dist[far]) far = i;
                    centres[j] = points[far].clone();
                    dist[far] = 0;
                    assign[far] = -1; // forces another assignment pass
                }
            }
        }
    }

    private static double sqDist(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }
}
