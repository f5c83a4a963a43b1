package dev.fovea.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fovea.kernels.ConvGeometry;
import java.util.Random;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * Winograd's F(4x4, 3x3) and F(2x2, 3x3) against the direct formula in double precision, each
 * output within a bound relative to the sum of its products' magnitudes (what rounding scales with). The dispatch and the
 * kernels around it are covered by {@code KernelsConformanceTest}, whose Winograd geometries this
 * test also checks are really taken (a silent fall-back to the direct convolution would pass there).
 */
class WinogradTest {

    private static final Simd SIMD = Simd.forSpecies(VectorSpecies.of(float.class, VectorShape.S_512_BIT));

    @Test
    void takesStrideOneThreeByThreeLayersWithEnoughChannelsAndPositions() {
        ConvGeometry[] taken = {
            ConvGeometry.of(2, 40, 33, 31, 72, 3, 1, 1),
            ConvGeometry.of(3, 64, 22, 20, 128, 3, 1, 0),
            new ConvGeometry(1, 96, 40, 37, 70, 3, 3, 1, 1, 2, 0, 1, 1, 1, 1, 1),
            ConvGeometry.of(8, 64, 56, 56, 64, 3, 1, 1), // conv_c
        };
        for (ConvGeometry g : taken) {
            assertTrue(Winograd.applies(SIMD, g), "forward " + g);
            // the input gradient's full convolution has the layer's input channels as its outputs
            boolean gradient = g.c() >= 64;
            assertEquals(gradient, Winograd.applies(SIMD, ImplicitConv.inputGradientGeometry(g)), "input gradient " + g);
        }
        ConvGeometry[] notTaken = {
            ConvGeometry.of(8, 64, 56, 56, 64, 3, 2, 1), // stride 2
            new ConvGeometry(8, 64, 56, 56, 64, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1), // dilation 2
            new ConvGeometry(8, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2), // groups
            ConvGeometry.of(8, 64, 56, 56, 64, 5, 1, 2), // 5x5
            ConvGeometry.of(8, 24, 56, 56, 64, 3, 1, 1), // 24 channels
            ConvGeometry.of(8, 64, 56, 56, 48, 3, 1, 1), // 48 output channels
            ConvGeometry.of(64, 16, 28, 28, 32, 3, 1, 1), // 16 -> 32 channels, measured 2x slower
            ConvGeometry.of(1, 512, 7, 7, 512, 3, 1, 1), // 49 positions
        };
        for (ConvGeometry g : notTaken) assertFalse(Winograd.applies(SIMD, g), g.toString());
        assertTrue(Winograd.appliesToWeightGradient(SIMD, ConvGeometry.of(8, 256, 14, 14, 256, 3, 1, 1)), "conv_d");
        assertTrue(Winograd.appliesToWeightGradient(SIMD, ConvGeometry.of(2, 130, 9, 10, 136, 3, 1, 1)), "130 -> 136");
        assertTrue(Winograd.appliesToWeightGradient(SIMD, ConvGeometry.of(8, 64, 56, 56, 64, 3, 1, 1)), "conv_c");
        assertFalse(Winograd.appliesToWeightGradient(SIMD, ConvGeometry.of(8, 256, 56, 56, 48, 3, 1, 1)), "48 outputs");
        assertFalse(Winograd.appliesToWeightGradient(SIMD, ConvGeometry.of(8, 48, 56, 56, 256, 3, 1, 1)), "48 inputs");
        Simd narrow = Simd.forSpecies(VectorSpecies.of(float.class, VectorShape.S_256_BIT));
        assertFalse(Winograd.applies(narrow, ConvGeometry.of(8, 64, 56, 56, 64, 3, 1, 1)), "8-lane vectors");
    }

    @Test
    void weightGradientsTakeSmallTilesWhereTheLargeOnesWouldBeShallow() {
        // tiles of 4 x 4 per part: 64 channels 455, 256 channels 113
        assertEquals(4, Winograd.gradientTile(SIMD, ConvGeometry.of(16, 64, 56, 56, 64, 3, 1, 1)), "layer1, batch 16");
        assertEquals(4, Winograd.gradientTile(SIMD, ConvGeometry.of(16, 128, 28, 28, 128, 3, 1, 1)), "layer2, batch 16");
        assertEquals(2, Winograd.gradientTile(SIMD, ConvGeometry.of(8, 256, 14, 14, 256, 3, 1, 1)), "conv_d");
        assertEquals(2, Winograd.gradientTile(SIMD, ConvGeometry.of(16, 512, 7, 7, 512, 3, 1, 1)), "layer4, batch 16");
    }

    @Test
    void forwardMatchesTheDirectFormula() {
        // sizes that neither tile divides: the last tiles of each row and column reach past the output
        ConvGeometry g = ConvGeometry.of(2, 19, 7, 9, 70, 3, 1, 1);
        Random rnd = new Random(3);
        float[] in = random(rnd, g.inputSize()), weight = random(rnd, g.weightSize()), bias = random(rnd, g.oc());
        double[][] expected = direct(g, in, weight, bias);
        for (int m : new int[] {2, 4}) {
            for (boolean byPoints : new boolean[] {false, true}) {
                float[] out = new float[g.outputSize()];
                Winograd.convolve(SIMD, g, m, byPoints, weight, null, false, Epilogue.bias(bias), in, DeferredOutput.of(out), false);
                assertClose(expected, out, m, "F(" + m + "x" + m + ", 3x3), by points " + byPoints);
            }
        }
        float[] out = new float[g.outputSize()];
        Winograd.convolve(SIMD, g, weight, null, false, Epilogue.bias(bias), in, DeferredOutput.of(out), false);
        // a kernel transform made once (a weight held constant) gives the same bits as one made per call
        float[] transformed = Winograd.transformKernel(SIMD, g, weight, false, new float[Winograd.transformedSize(SIMD, g)]);
        float[] again = new float[g.outputSize()];
        Winograd.convolve(SIMD, g, new float[g.weightSize()], transformed, false, Epilogue.bias(bias), in, DeferredOutput.of(again), false);
        assertArrayEquals(out, again);
    }

    /**
     * Point by point, a kernel not held is transformed a block of output channels and a chunk of
     * channels at a time; the sums are those of the blocks of tiles, and of a held kernel, bit for
     * bit: a layer's own kernel and a flipped one (an input gradient's), 130 channels (a chunk of
     * 128 and one of 2), output channels in a whole block and a part-used one of 20 (16 x 16
     * transposes) or 5 (lane by lane).
     */
    @Test
    void pointByPointGivesTheBitsOfBlocksOfTiles() {
        Random rnd = new Random(6);
        for (int oc : new int[] {84, 69}) {
            ConvGeometry g = ConvGeometry.of(2, 130, 9, 7, oc, 3, 1, 1);
            float[] in = random(rnd, g.inputSize()), weight = random(rnd, g.weightSize());
            for (boolean flipped : new boolean[] {false, true}) {
                for (int m : new int[] {2, 4}) {
                    String what = oc + " outputs, F(" + m + "x" + m + ", 3x3), flipped " + flipped;
                    float[] blocks = new float[g.outputSize()], points = new float[g.outputSize()], held = new float[g.outputSize()];
                    Winograd.convolve(SIMD, g, m, false, weight, null, flipped, Epilogue.NONE, in, DeferredOutput.of(blocks), false);
                    Winograd.convolve(SIMD, g, m, true, weight, null, flipped, Epilogue.NONE, in, DeferredOutput.of(points), false);
                    float[] u = Winograd.transformKernel(SIMD, g, m, weight, flipped, new float[Winograd.transformedSize(SIMD, g, m)]);
                    Winograd.convolve(SIMD, g, m, true, new float[weight.length], u, flipped, Epilogue.NONE, in, DeferredOutput.of(held), false);
                    assertArrayEquals(blocks, points, what + ", by points");
                    assertArrayEquals(blocks, held, what + ", held, by points");
                }
            }
        }
    }

    /** The weight gradient's last step a vector of channel pairs at a time gives the scalar formula's bits, lane by lane. */
    @Test
    void weightGradientTapsOfAVectorOfPairsAreTheScalarOnes() {
        Random rnd = new Random(7);
        int v = SIMD.lanes(), pairs = 3 * v, stride = pairs + 5;
        for (int m : new int[] {2, 4}) {
            float[] sums = random(rnd, (m + 2) * (m + 2) * stride), before = random(rnd, 9 * pairs);
            float[] expected = before.clone(), actual = before.clone(), r = new float[3 * (m + 2)];
            for (int q = 0; q < pairs; q++) {
                if (m == 2) Winograd.kernelGradient2(sums, q, stride, r, expected, 9 * q);
                else Winograd.kernelGradient4(sums, q, stride, r, expected, 9 * q);
            }
            float[] tmp = new float[27 * v];
            for (int q = 0; q < pairs; q += v) {
                if (m == 2) SIMD.winogradTaps(sums, q, stride, actual, 9 * q, tmp);
                else SIMD.winogradTaps6(sums, q, stride, actual, 9 * q, tmp);
            }
            assertArrayEquals(expected, actual, "m = " + m);
        }
    }

    @Test
    void accumulatesIntoTheOutputWhenAsked() {
        ConvGeometry g = ConvGeometry.of(1, 16, 6, 6, 32, 3, 1, 1);
        Random rnd = new Random(4);
        float[] in = random(rnd, g.inputSize()), weight = random(rnd, g.weightSize()), before = random(rnd, g.outputSize());
        float[] out = before.clone();
        Winograd.convolve(SIMD, g, weight, null, false, Epilogue.NONE, in, DeferredOutput.of(out), true);
        double[][] sum = direct(g, in, weight, null);
        for (int i = 0; i < out.length; i++) {
            double expected = before[i] + sum[0][i];
            assertEquals(expected, out[i], 2e-5 * (sum[1][i] + Math.abs(before[i])), "output " + i);
        }
    }

    @Test
    void weightGradientMatchesTheDirectFormula() {
        // odd sizes, uneven padding, channel counts that are not whole vectors; parts of 1,365 tiles
        // (16 x (48 + 48) floats a tile), so the 1,920 tiles come in 2 parts, the second adding onto the first
        ConvGeometry g = new ConvGeometry(8, 35, 31, 29, 37, 3, 3, 1, 1, 2, 1, 0, 1, 1, 1, 1);
        Random rnd = new Random(5);
        float[] in = random(rnd, g.inputSize()), dOut = random(rnd, g.outputSize()), before = random(rnd, g.weightSize());
        for (int m : new int[] {2, 4}) {
            float[] dWeight = before.clone();
            Winograd.weightGradient(new Gemm(SIMD), SIMD, g, m, dWeight, dOut, in);
            checkWeightGradient(g, in, dOut, before, dWeight, m == 2 ? 2e-6 : 2e-5, "F(" + m + "x" + m + ", 3x3)");
        }
    }

    private static void checkWeightGradient(ConvGeometry g, float[] in, float[] dOut, float[] before, float[] dWeight,
                                            double relative, String what) {
        for (int o = 0; o < g.oc(); o++) {
            for (int ci = 0; ci < g.c(); ci++) {
                for (int ky = 0; ky < 3; ky++) {
                    for (int kx = 0; kx < 3; kx++) {
                        double s = before[((o * g.c() + ci) * 3 + ky) * 3 + kx], magnitude = Math.abs(s);
                        for (int b = 0; b < g.n(); b++) {
                            for (int y = 0; y < g.oh(); y++) {
                                for (int x = 0; x < g.ow(); x++) {
                                    int iy = y + ky - g.padTop(), ix = x + kx - g.padLeft();
                                    if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                                    double p = (double) dOut[((b * g.oc() + o) * g.oh() + y) * g.ow() + x]
                                            * in[((b * g.c() + ci) * g.h() + iy) * g.w() + ix];
                                    s += p;
                                    magnitude += Math.abs(p);
                                }
                            }
                        }
                        int w = ((o * g.c() + ci) * 3 + ky) * 3 + kx;
                        assertEquals(s, dWeight[w], relative * magnitude, what + ", weight " + w);
                    }
                }
            }
        }
    }

    /** {@code out} within the bound of F(m x m, 3x3) of the sums {@code expected[0]}, whose products' magnitudes sum to {@code expected[1]}. */
    private static void assertClose(double[][] expected, float[] out, int m, String what) {
        double relative = m == 2 ? 2e-6 : 2e-5; // measured 3.0e-7 and 3.7e-6 at most on ResNet-18's layers
        for (int i = 0; i < out.length; i++) {
            assertEquals(expected[0][i], out[i], relative * expected[1][i], what + ", output " + i);
        }
    }

    /**
     * Cross-correlation in double precision, zero padding, stride 1: the sums, and the sums of
     * their terms' magnitudes.
     */
    private static double[][] direct(ConvGeometry g, float[] in, float[] weight, float[] bias) {
        double[] out = new double[g.outputSize()], magnitude = new double[g.outputSize()];
        for (int b = 0; b < g.n(); b++) {
            for (int o = 0; o < g.oc(); o++) {
                for (int y = 0; y < g.oh(); y++) {
                    for (int x = 0; x < g.ow(); x++) {
                        double s = bias == null ? 0 : bias[o], sum = Math.abs(s);
                        for (int ci = 0; ci < g.c(); ci++) {
                            for (int ky = 0; ky < 3; ky++) {
                                for (int kx = 0; kx < 3; kx++) {
                                    int iy = y + ky - g.padTop(), ix = x + kx - g.padLeft();
                                    if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) continue;
                                    double p = (double) in[((b * g.c() + ci) * g.h() + iy) * g.w() + ix]
                                            * weight[((o * g.c() + ci) * 3 + ky) * 3 + kx];
                                    s += p;
                                    sum += Math.abs(p);
                                }
                            }
                        }
                        int i = ((b * g.oc() + o) * g.oh() + y) * g.ow() + x;
                        out[i] = s;
                        magnitude[i] = sum;
                    }
                }
            }
        }
        return new double[][] {out, magnitude};
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
