package dev.fovea.nn;

import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitTest {

    /** {mean, population variance, max |x|} in double. */
    private static double[] stats(Tensor t) {
        double s = 0, sq = 0, max = 0;
        for (float v : t.data()) {
            s += v;
            max = Math.max(max, Math.abs(v));
        }
        double mean = s / t.numel();
        for (float v : t.data()) sq += (v - mean) * (v - mean);
        return new double[] {mean, sq / t.numel(), max};
    }

    /** Variance within 3% of the target (the sampling error here is about 0.4%), mean near 0. */
    private static void assertVariance(double expected, Tensor t) {
        double[] st = stats(t);
        assertEquals(expected, st[1], 0.03 * expected, "variance");
        assertEquals(0.0, st[0], 5 * Math.sqrt(expected / t.numel()) + 1e-9, "mean");
    }

    @Test
    void gainsMatchTorchCalculateGain() {
        assertEquals(1.0, Init.calculateGain(Init.Nonlinearity.LINEAR, 0), 0);
        assertEquals(1.0, Init.calculateGain(Init.Nonlinearity.CONV, 0), 0);
        assertEquals(1.0, Init.calculateGain(Init.Nonlinearity.SIGMOID, 0), 0);
        assertEquals(5.0 / 3, Init.calculateGain(Init.Nonlinearity.TANH, 0), 1e-15);
        assertEquals(Math.sqrt(2), Init.calculateGain(Init.Nonlinearity.RELU, 0), 1e-15);
        assertEquals(Math.sqrt(2 / 1.0001), Init.calculateGain(Init.Nonlinearity.LEAKY_RELU, 0.01), 1e-15);
        // a = sqrt(5): PyTorch's layer default, gain sqrt(1/3)
        assertEquals(Math.sqrt(1.0 / 3), Init.calculateGain(Init.Nonlinearity.LEAKY_RELU, Math.sqrt(5)), 1e-15);
        assertEquals(0.75, Init.calculateGain(Init.Nonlinearity.SELU, 0), 0);
    }

    @Test
    void fansFollowPyTorch() {
        assertArrayEquals(new int[] {20, 10}, Init.fans(Tensor.zeros(10, 20)));
        assertArrayEquals(new int[] {75, 1600}, Init.fans(Tensor.zeros(64, 3, 5, 5)));
        // grouped conv weight (OC, C/groups, KH, KW): fan-in counts one group's channels
        assertArrayEquals(new int[] {2 * 9, 8 * 9}, Init.fans(Tensor.zeros(8, 2, 3, 3)));
        var e = assertThrows(IllegalArgumentException.class, () -> Init.fans(Tensor.zeros(5)));
        assertTrue(e.getMessage().contains("received (5,)"), e.getMessage());
    }

    @Test
    void xavierVariances() {
        Tensor t = Tensor.zeros(512, 256);
        Init.xavierUniform(t, new SplittableRandom(1));
        assertVariance(2.0 / (512 + 256), t);
        assertTrue(stats(t)[2] <= Math.sqrt(6.0 / 768) + 1e-7);
        Init.xavierNormal(t, 2.0, new SplittableRandom(2));
        assertVariance(4 * 2.0 / (512 + 256), t);
        Init.xavierUniform(t, 5.0 / 3, new SplittableRandom(3));
        assertVariance(25.0 / 9 * 2.0 / 768, t);
    }

    @Test
    void kaimingVariancesForEachModeAndNonlinearity() {
        Tensor w = Tensor.zeros(128, 64, 3, 3); // fanIn 576, fanOut 1152
        Init.kaimingNormal(w, new SplittableRandom(4));
        assertVariance(2.0 / 576, w);
        Init.kaimingNormal(w, 0, Init.FanMode.FAN_OUT, Init.Nonlinearity.RELU, new SplittableRandom(5));
        assertVariance(2.0 / 1152, w);
        Init.kaimingUniform(w, new SplittableRandom(6));
        assertVariance(2.0 / 576, w);
        assertTrue(stats(w)[2] <= Math.sqrt(6.0 / 576) + 1e-7, "uniform bound sqrt(6/fanIn)");
        Init.kaimingUniform(w, 0.2, Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, new SplittableRandom(7));
        assertVariance(2.0 / (1 + 0.04) / 576, w);
        Init.kaimingNormal(w, 0, Init.FanMode.FAN_IN, Init.Nonlinearity.TANH, new SplittableRandom(8));
        assertVariance(25.0 / 9 / 576, w);
        Init.kaimingNormal(w, 0, Init.FanMode.FAN_IN, Init.Nonlinearity.SELU, new SplittableRandom(9));
        assertVariance(0.5625 / 576, w);
        Init.kaimingUniform(w, 0, Init.FanMode.FAN_IN, Init.Nonlinearity.LINEAR, new SplittableRandom(10));
        assertVariance(1.0 / 576, w);
    }

    @Test
    void pytorchLayerDefaultIsUniformOneOverSqrtFanIn() {
        Tensor w = Tensor.zeros(256, 32, 5, 5); // fanIn 800
        Init.kaimingUniform(w, Math.sqrt(5), Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, new SplittableRandom(11));
        double bound = 1 / Math.sqrt(800);
        double[] st = stats(w);
        assertTrue(st[2] <= bound * (1 + 1e-6), "max " + st[2] + " bound " + bound);
        assertTrue(st[2] > 0.999 * bound, "samples reach the bound");
        assertVariance(bound * bound / 3, w);
    }

    @Test
    void lecunVariances() {
        Tensor w = Tensor.zeros(300, 400);
        Init.lecunNormal(w, new SplittableRandom(12));
        assertVariance(1.0 / 400, w);
        Init.lecunUniform(w, new SplittableRandom(13));
        assertVariance(1.0 / 400, w);
        assertTrue(stats(w)[2] <= Math.sqrt(3.0 / 400) + 1e-7);
    }

    @Test
    void sameSeedSameValues() {
        Tensor a = Init.kaimingNormal(Tensor.zeros(7, 5), new Random(42));
        Tensor b = Init.kaimingNormal(Tensor.zeros(7, 5), new Random(42));
        assertArrayEquals(a.data(), b.data());
    }

    @Test
    void constantsAndArrays() {
        Tensor t = Tensor.zeros(2, 3);
        assertSame(t, Init.constant(t, 0.5f));
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, t.data());
        Init.ones(t);
        assertEquals(6f, t.sum().item());
        Init.zeros(t);
        assertEquals(0f, t.sum().item());
        Init.fromArray(t, 1, 2, 3, 4, 5, 6);
        assertEquals(6f, t.get(1, 2));
        var e = assertThrows(IllegalArgumentException.class, () -> Init.fromArray(t, 1, 2));
        assertEquals("fromArray expects 6 values for shape (2, 3); received 2", e.getMessage());
    }

    @Test
    void initialisingTheOutputOfAnOperationIsRefused() {
        Tensor p = Tensor.ones(4, 4).requiresGrad(true);
        Tensor y = p.mul(2f);
        var e = assertThrows(IllegalArgumentException.class, () -> Init.zeros(y));
        assertTrue(e.getMessage().startsWith("constant expects a leaf tensor"), e.getMessage());
        // writing a parameter records nothing: it stays a leaf with no gradient
        Init.xavierUniform(p, new Random(1));
        assertTrue(p.isLeaf());
        assertEquals(null, p.grad());
    }

    @Test
    void edgeFiltersHaveTheCourseValues() {
        assertArrayEquals(new float[] {1, 0, -1, 1, 0, -1, 1, 0, -1}, Init.verticalEdge().data());
        assertArrayEquals(new float[] {1, 1, 1, 0, 0, 0, -1, -1, -1}, Init.horizontalEdge().data());
        assertArrayEquals(new int[] {3, 3}, Init.verticalEdge().shape());
        // Sobel/Scharr: transposes of each other, zero sum (flat regions give 0)
        for (Tensor f : new Tensor[] {Init.sobelVertical(), Init.sobelHorizontal(), Init.scharrVertical(), Init.scharrHorizontal()}) {
            assertEquals(0f, f.sum().item());
        }
        assertArrayEquals(Init.sobelVertical().transpose(0, 1).data(), Init.sobelHorizontal().data());
        assertArrayEquals(Init.scharrVertical().transpose(0, 1).data(), Init.scharrHorizontal().data());
        assertThrows(IllegalArgumentException.class, () -> Init.filter(new float[] {1, 2}, new float[] {3}));
    }

    /** 6x6 image, left half 10, right half 0. */
    private static Tensor halfImage() {
        Tensor img = Tensor.zeros(1, 1, 6, 6);
        for (int y = 0; y < 6; y++) for (int x = 0; x < 3; x++) img.set(10f, 0, 0, y, x);
        return img;
    }

    @Test
    void edgeFiltersFindTheVerticalEdgeReference() {
        // Independent of the fused conv: the filters through a naive cross-correlation.
        Tensor w = Init.fromFilters(Tensor.zeros(2, 1, 3, 3), Init.verticalEdge(), Init.horizontalEdge());
        float[] out = Reference.conv2d(halfImage(), w, null, new int[] {1, 1}, new int[] {0, 0, 0, 0}, new int[] {1, 1}, 1);
        float[] row = {0, 30, 30, 0};
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                assertEquals(row[x], out[y * 4 + x], 0f, "vertical at " + y + "," + x);
                assertEquals(0f, out[16 + y * 4 + x], 0f, "horizontal at " + y + "," + x);
            }
        }
    }

    @Test
    void edgeFiltersFindTheVerticalEdgeThroughConv2d() {
        // needs the fused Tensor.conv2d
        Conv2d conv = new Conv2d(1, 2, new int[] {3, 3}, new int[] {1, 1}, Padding.VALID, new int[] {1, 1}, 1, false,
                new Random(0));
        Init.fromFilters(conv.weight, Init.verticalEdge(), Init.horizontalEdge());
        Tensor out = conv.forward(halfImage());
        assertArrayEquals(new int[] {1, 2, 4, 4}, out.shape());
        float[] row = {0, 30, 30, 0};
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                assertEquals(row[x], out.get(0, 0, y, x), 1e-5f);
                assertEquals(0f, out.get(0, 1, y, x), 1e-5f);
            }
        }
    }

    @Test
    void fromFiltersCopiesPerOutputChannel() {
        Tensor w = Tensor.zeros(2, 3, 3, 3);
        Tensor perChannel = Tensor.arange(27).reshape(3, 3, 3);
        Init.fromFilters(w, Init.verticalEdge(), perChannel);
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(Init.verticalEdge().data(), w.slice(0, 0, 1).slice(1, c, c + 1).reshape(3, 3).data());
        }
        assertArrayEquals(perChannel.data(), w.slice(0, 1, 2).reshape(3, 3, 3).data());
        var e = assertThrows(IllegalArgumentException.class, () -> Init.fromFilters(w, Init.verticalEdge()));
        assertEquals("fromFilters expects 2 filters, one per output channel of weight (2, 3, 3, 3); received 1", e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> Init.fromFilters(w, Init.verticalEdge(), Tensor.zeros(2, 2)));
        assertEquals("fromFilters expects filter 1 of shape (3, 3) or (3, 3, 3); received (2, 2)", e2.getMessage());
    }

    // ------------------------------------------------------------------ k-means

    private static final float[][] PLANTED = {
            {1, 0, -1, 1, 0, -1, 1, 0, -1},
            {1, 1, 1, 0, 0, 0, -1, -1, -1},
            {-1, 0, 1, -1, 0, 1, -1, 0, 1},
            {2, -1, -1, -1, 2, -1, -1, -1, 2},
    };

    /** N images of 1x3x3: a planted pattern scaled by contrast, plus brightness offset and noise. */
    private static Tensor plantedImages(int n, boolean randomContrast, Random r) {
        Tensor images = Tensor.zeros(n, 1, 3, 3);
        float[] d = images.data();
        for (int i = 0; i < n; i++) {
            float[] p = PLANTED[i % PLANTED.length];
            float contrast = randomContrast ? 0.5f + 2.5f * r.nextFloat() : 1f;
            float brightness = 10f * r.nextFloat() - 5f; // removed by per-patch mean-centring
            for (int j = 0; j < 9; j++) d[i * 9 + j] = contrast * p[j] + brightness + 0.03f * (float) r.nextGaussian();
        }
        return images;
    }

    /** Each planted centroid (after transform) has its own found centroid within tol. */
    private static void assertRecovered(Tensor centroids, float[][] expected, double tol) {
        assertArrayEquals(new int[] {expected.length, 1, 3, 3}, centroids.shape());
        boolean[] used = new boolean[expected.length];
        for (float[] e : expected) {
            int best = -1;
            double bestD = Double.POSITIVE_INFINITY;
            for (int j = 0; j < expected.length; j++) {
                double dd = 0;
                for (int q = 0; q < 9; q++) {
                    double diff = centroids.data()[j * 9 + q] - e[q];
                    dd += diff * diff;
                }
                if (dd < bestD) { bestD = dd; best = j; }
            }
            assertTrue(Math.sqrt(bestD) < tol, "planted centroid missed, distance " + Math.sqrt(bestD));
            assertTrue(!used[best], "two planted centroids matched one found centroid");
            used[best] = true;
        }
    }

    @Test
    void kmeansFindsPlantedCentroidsOfMeanCentredPatches() {
        Tensor images = plantedImages(400, false, new Random(3));
        Tensor centroids = Init.kmeansPatches(images, 4, 3, 3, 30, 2000, 0f, new Random(4));
        assertRecovered(centroids, PLANTED, 0.05);
        // centroids are zero-mean (patches were centred)
        for (int j = 0; j < 4; j++) assertEquals(0f, centroids.slice(0, j, j + 1).sum().item(), 1e-5f);
    }

    @Test
    void kmeansWithContrastNormalisationFindsUnitVariancePatterns() {
        Tensor images = plantedImages(400, true, new Random(5));
        float[][] normalised = new float[PLANTED.length][9];
        for (int i = 0; i < PLANTED.length; i++) {
            double var = 0;
            for (float v : PLANTED[i]) var += v * v / 9.0; // planted patterns have zero mean
            for (int j = 0; j < 9; j++) normalised[i][j] = (float) (PLANTED[i][j] / Math.sqrt(var));
        }
        Tensor centroids = Init.kmeansPatches(images, 4, 3, 3, 30, 2000, 1e-4f, new Random(6));
        assertRecovered(centroids, normalised, 0.1);
    }

    @Test
    void kmeansSamplesPatchesFromLargerImagesAndFillsAConv() {
        Random r = new Random(7);
        Tensor images = Tensor.randn(r, 5, 3, 12, 10);
        Conv2d conv = new Conv2d(3, 6, 5, new Random(8));
        assertSame(conv, Init.kmeansPatches(conv, images, 5, new Random(9)));
        Tensor direct = Init.kmeansPatches(images, 6, 5, 5, 5, new Random(9));
        assertArrayEquals(direct.data(), conv.weight.data());
        assertArrayEquals(new float[6], conv.bias.data());
        var e = assertThrows(IllegalArgumentException.class, () -> Init.kmeansPatches(conv, Tensor.zeros(2, 1, 8, 8), 5, r));
        assertTrue(e.getMessage().startsWith("kmeansPatches expects images of shape (N, 3, H, W) for this Conv2d; received (2, 1, 8, 8)"),
                e.getMessage());
    }

    @Test
    void kmeansValidatesArguments() {
        Tensor images = Tensor.zeros(2, 1, 4, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> Init.kmeansPatches(images, 3, 5, 5, 10, new Random(1)));
        assertEquals("kmeansPatches expects a patch size between (1, 1) and the image size (4, 4); received (5, 5)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Init.kmeansPatches(Tensor.zeros(4, 4), 3, 2, 2, 10, new Random(1)));
        assertThrows(IllegalArgumentException.class, () -> Init.kmeansPatches(images, 10, 2, 2, 10, 5, 0f, new Random(1)));
        assertThrows(IllegalArgumentException.class, () -> Init.kmeansPatches(images, 2, 2, 2, 10, 50, -1f, new Random(1)));
        // flat images: all patches coincide after centring; k-means must still return k (zero) centroids
        Tensor flat = Init.kmeansPatches(Tensor.full(3f, 2, 1, 4, 4), 3, 2, 2, 10, new Random(2));
        assertArrayEquals(new float[12], flat.data());
    }
}
