package dev.fovea.kernels;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hand-computed cases for the reference kernels: small enough to check with pencil and paper.
 * Gradient correctness against finite differences lives in the tensor-level tests
 * ({@code ConvFnTest}, {@code PoolFnTest}, {@code NormFnTest}), which call these kernels.
 */
class ScalarKernelsTest {

    private final ScalarKernels k = new ScalarKernels();

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    private static float[] arange(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    // ------------------------------------------------------------------ convolution

    @Test
    void onesConvolvedWithOnesGiveNines() {
        // 4x4 ones, 3x3 ones, no padding: every 3x3 window sums nine ones (DJL's tiny case)
        ConvGeometry g = ConvGeometry.of(1, 1, 4, 4, 1, 3, 1, 0);
        float[] out = new float[g.outputSize()];
        k.conv2dForward(out, filled(16, 1f), filled(9, 1f), null, g);
        assertEquals(2, g.oh());
        assertArrayEquals(new float[] {9, 9, 9, 9}, out);
    }

    @Test
    void zeroPaddingCountsOnlyRealPixels() {
        // padding 1 keeps 4x4; a corner window sees 2x2 real ones, an edge window 2x3, the middle 3x3
        ConvGeometry g = ConvGeometry.of(1, 1, 4, 4, 1, 3, 1, 1);
        float[] out = new float[g.outputSize()];
        k.conv2dForward(out, filled(16, 1f), filled(9, 1f), new float[] {0.5f}, g);
        assertArrayEquals(new float[] {
                4.5f, 6.5f, 6.5f, 4.5f,
                6.5f, 9.5f, 9.5f, 6.5f,
                6.5f, 9.5f, 9.5f, 6.5f,
                4.5f, 6.5f, 6.5f, 4.5f}, out);
    }

    @Test
    void verticalEdgeFilterFindsTheEdge() {
        // 6x6 image: left three columns 10, right three 0; filter rows [1, 0, -1]
        float[] img = new float[36];
        for (int r = 0; r < 6; r++) for (int c = 0; c < 3; c++) img[r * 6 + c] = 10f;
        float[] filter = {1, 0, -1, 1, 0, -1, 1, 0, -1};
        ConvGeometry g = ConvGeometry.of(1, 1, 6, 6, 1, 3, 1, 0);
        float[] out = new float[g.outputSize()];
        k.conv2dForward(out, img, filter, null, g);
        float[] row = {0, 30, 30, 0};
        for (int r = 0; r < 4; r++) assertArrayEquals(row, Arrays.copyOfRange(out, r * 4, r * 4 + 4), "row " + r);
    }

    @Test
    void backwardOfOnesCountsWindowsAndAccumulates() {
        ConvGeometry g = ConvGeometry.of(1, 1, 4, 4, 1, 3, 1, 0);
        float[] dOut = filled(4, 1f);
        float[] dIn = new float[16];
        k.conv2dBackwardInput(dIn, dOut, filled(9, 1f), g);
        // each input pixel receives one unit per 3x3 window that covers it
        float[] windows = {1, 2, 2, 1, 2, 4, 4, 2, 2, 4, 4, 2, 1, 2, 2, 1};
        assertArrayEquals(windows, dIn);

        float[] dWeight = filled(9, 100f), dBias = {100f};
        k.conv2dBackwardWeight(dWeight, dBias, dOut, filled(16, 1f), g);
        // four windows, each sees a one under every tap; the buffers held 100 already (+= contract)
        assertArrayEquals(filled(9, 104f), dWeight);
        assertArrayEquals(new float[] {104f}, dBias);

        k.conv2dBackwardInput(dIn, dOut, filled(9, 1f), g);
        for (int i = 0; i < 16; i++) assertEquals(2 * windows[i], dIn[i]);
    }

    @Test
    void groupsKeepChannelsApart() {
        // 2 channels (all 1, all 2), groups=2, two 1x1 filters [3] and [5]: channel o only sees channel o
        ConvGeometry g = new ConvGeometry(1, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2);
        float[] in = {1, 1, 1, 1, 2, 2, 2, 2};
        float[] out = new float[g.outputSize()];
        k.conv2dForward(out, in, new float[] {3, 5}, null, g);
        assertArrayEquals(new float[] {3, 3, 3, 3, 10, 10, 10, 10}, out);
    }

    @Test
    void dilationSpreadsTheTaps() {
        // 5x5 input 0..24, 2x2 ones with dilation 2: out[i][j] = in[i][j] + in[i][j+2] + in[i+2][j] + in[i+2][j+2]
        ConvGeometry g = new ConvGeometry(1, 1, 5, 5, 1, 2, 2, 1, 1, 0, 0, 0, 0, 2, 2, 1);
        float[] out = new float[g.outputSize()];
        k.conv2dForward(out, arange(25), filled(4, 1f), null, g);
        assertEquals(3, g.oh());
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                float a = 5 * i + j;
                assertEquals(a + (a + 2) + (a + 10) + (a + 12), out[i * 3 + j]);
            }
        }
    }

    @Test
    void asymmetricPaddingAndPerAxisStride() {
        // 2x2 input [[1,2],[3,4]], 1x1 weight 1, padding top 1, left 0, bottom 0, right 2 -> 3x4
        ConvGeometry g = new ConvGeometry(1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 2, 1, 1, 1);
        float[] out = new float[g.outputSize()];
        k.conv2dForward(out, new float[] {1, 2, 3, 4}, new float[] {1}, null, g);
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0}, out);

        // stride 2 along h, 1 along w on a 4x3 input 0..11 with a 1x1 identity: rows 0 and 2
        ConvGeometry s = new ConvGeometry(1, 1, 4, 3, 1, 1, 1, 2, 1, 0, 0, 0, 0, 1, 1, 1);
        float[] o2 = new float[s.outputSize()];
        k.conv2dForward(o2, arange(12), new float[] {1}, null, s);
        assertArrayEquals(new float[] {0, 1, 2, 6, 7, 8}, o2);
    }

    @Test
    void convGeometryMessagesShowTheRealArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConvGeometry(8, 3, 4, 4, 6, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1));
        assertTrue(e.getMessage().contains("larger than the padded input"), e.getMessage());
        assertTrue(e.getMessage().contains("n=8, c=3, h=4, w=4, oc=6, kernel=5x5"), e.getMessage());
    }

    // ------------------------------------------------------------------ pooling

    @Test
    void maxPoolPicksWindowMaximaAndRecordsFlatIndices() {
        // two channels of 4x4: 1..16 and 17..32
        PoolGeometry g = PoolGeometry.of(1, 2, 4, 4, 2, 2, 0);
        float[] in = new float[32];
        for (int i = 0; i < 32; i++) in[i] = i + 1;
        float[] out = new float[g.outputSize()];
        int[] argmax = new int[g.outputSize()];
        k.maxPool2dForward(out, argmax, in, g);
        assertArrayEquals(new float[] {6, 8, 14, 16, 22, 24, 30, 32}, out);
        assertArrayEquals(new int[] {5, 7, 13, 15, 21, 23, 29, 31}, argmax);

        float[] dIn = new float[32];
        dIn[5] = 1f;
        k.maxPool2dBackward(dIn, new float[] {1, 2, 3, 4, 5, 6, 7, 8}, argmax, g);
        assertEquals(2f, dIn[5]);                                     // accumulated onto the old 1
        assertEquals(8f, dIn[31]);
        assertEquals(0f, dIn[0]);
    }

    @Test
    void maxPoolTiesGoToTheFirstIndexAndPaddingNeverWins() {
        PoolGeometry g = PoolGeometry.of(1, 1, 2, 2, 2, 2, 0);
        float[] out = new float[1];
        int[] argmax = new int[1];
        k.maxPool2dForward(out, argmax, filled(4, 7f), g);
        assertEquals(0, argmax[0]);

        // all-negative input with padding 1: a zero pad would win, -inf padding does not
        PoolGeometry p = new PoolGeometry(1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, false, true);
        float[] o = new float[p.outputSize()];
        int[] a = new int[p.outputSize()];
        k.maxPool2dForward(o, a, new float[] {-1, -2, -3, -4}, p);
        assertArrayEquals(new float[] {-1, -2, -3, -4}, o);
        assertArrayEquals(new int[] {0, 1, 2, 3}, a);
    }

    @Test
    void maxPoolPropagatesNaN() {
        PoolGeometry g = PoolGeometry.of(1, 1, 2, 2, 2, 2, 0);
        float[] out = new float[1];
        int[] argmax = new int[1];
        k.maxPool2dForward(out, argmax, new float[] {1, Float.NaN, 5, 3}, g);
        assertTrue(Float.isNaN(out[0]));
        assertEquals(1, argmax[0]);
    }

    @Test
    void dilatedWindowOnPaddingOnlyGivesMinusInfinityAndNoGradient() {
        // h=w=1, kernel 2, dilation 2, padding 1: taps at -1 and 1, both outside the single pixel
        PoolGeometry g = new PoolGeometry(1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 2, 2, false, true);
        assertEquals(1, g.outputSize());
        float[] out = new float[1];
        int[] argmax = new int[1];
        k.maxPool2dForward(out, argmax, new float[] {3f}, g);
        assertEquals(Float.NEGATIVE_INFINITY, out[0]);
        assertEquals(-1, argmax[0]);
        float[] dIn = new float[1];
        k.maxPool2dBackward(dIn, new float[] {1f}, argmax, g);
        assertEquals(0f, dIn[0]);
    }

    @Test
    void ceilModeKeepsAPartialLastWindow() {
        PoolGeometry floor = new PoolGeometry(1, 1, 5, 5, 2, 2, 2, 2, 0, 0, 1, 1, false, true);
        PoolGeometry ceil = new PoolGeometry(1, 1, 5, 5, 2, 2, 2, 2, 0, 0, 1, 1, true, true);
        assertEquals(2, floor.oh());
        assertEquals(3, ceil.oh());
        float[] out = new float[ceil.outputSize()];
        int[] argmax = new int[out.length];
        k.maxPool2dForward(out, argmax, arange(25), ceil);
        // last column window covers column 4 only, last row window row 4 only
        assertArrayEquals(new float[] {6, 8, 9, 16, 18, 19, 21, 23, 24}, out);
        // PyTorch drops a ceil-mode window that would start in the right padding: h=5, padding 1, k=2, s=2
        // gives ceil(5/2)+1 = 4 starts (-1, 1, 3, 5), and the one at 5 lies in the padding -> 3
        assertEquals(3, new PoolGeometry(1, 1, 5, 5, 2, 2, 2, 2, 1, 1, 1, 1, true, true).oh());
    }

    @Test
    void avgPoolDivisorWithAndWithoutPadding() {
        // 3x3 ones, kernel 2, stride 2, padding 1 -> 2x2 windows covering 1, 2, 2, 4 real pixels
        PoolGeometry incl = new PoolGeometry(1, 1, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, false, true);
        PoolGeometry excl = new PoolGeometry(1, 1, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, false, false);
        float[] out = new float[4];
        k.avgPool2dForward(out, filled(9, 1f), incl);
        assertArrayEquals(new float[] {0.25f, 0.5f, 0.5f, 1f}, out);
        k.avgPool2dForward(out, filled(9, 1f), excl);
        assertArrayEquals(new float[] {1f, 1f, 1f, 1f}, out);

        float[] dIn = new float[9];
        k.avgPool2dBackward(dIn, filled(4, 1f), incl);
        // pixel (0,0) is alone in window 0 (divisor 4); pixel (1,1) is in window 3 only (divisor 4)
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f}, dIn);
    }

    @Test
    void avgPoolCeilModeDividesByTheWindowClippedToThePaddedInput() {
        // one row 1..6, kernel 3, stride 2, padding 1, ceil: windows [-1,1], [1,3], [3,5], [5,7]
        // the last one clipped to the padded row [-1, 7) is [5, 6]: one real pixel (6) and one pad
        float[] row = {1, 2, 3, 4, 5, 6};
        PoolGeometry incl = new PoolGeometry(1, 1, 1, 6, 1, 3, 1, 2, 0, 1, 1, 1, true, true);
        PoolGeometry excl = new PoolGeometry(1, 1, 1, 6, 1, 3, 1, 2, 0, 1, 1, 1, true, false);
        assertEquals(4, incl.ow());
        float[] out = new float[4];
        k.avgPool2dForward(out, row, incl);
        assertArrayEquals(new float[] {1, 3, 5, 3}, out);                  // 3/3, 9/3, 15/3, 6/2
        k.avgPool2dForward(out, row, excl);
        assertArrayEquals(new float[] {1.5f, 3, 5, 6}, out);               // 3/2, 9/3, 15/3, 6/1
    }

    @Test
    void poolGeometryRejectsOversizedPadding() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PoolGeometry.of(1, 1, 8, 8, 3, 1, 2));
        assertTrue(e.getMessage().contains("at most half the kernel"), e.getMessage());
        assertTrue(e.getMessage().contains("kernel=3x3"), e.getMessage());
    }

    // ------------------------------------------------------------------ normalisation

    @Test
    void channelMeanVarIsBiasedAndPerChannel() {
        // n=2, c=2, spatial=2: channel 0 holds 1,2 | 3,4; channel 1 holds 10,10 | 10,10
        float[] in = {1, 2, 10, 10, 3, 4, 10, 10};
        float[] mean = new float[2], var = new float[2];
        k.channelMeanVar(mean, var, in, 2, 2, 2);
        assertArrayEquals(new float[] {2.5f, 10f}, mean);
        assertArrayEquals(new float[] {1.25f, 0f}, var);               // (2.25 + 0.25 + 0.25 + 2.25) / 4
    }

    @Test
    void batchNormByHand() {
        // x = 1, 2, 3, 4 in one channel: mean 2.5, var 1.25, invStd = 2/sqrt(5)
        float[] x = {1, 2, 3, 4};
        float invStd = (float) (2 / Math.sqrt(5));
        float[] out = new float[4];
        k.batchNormForward(out, x, new float[] {2.5f}, new float[] {invStd}, new float[] {2f}, new float[] {1f}, 4, 1, 1);
        for (int i = 0; i < 4; i++) assertEquals((x[i] - 2.5f) * invStd * 2f + 1f, out[i], 1e-6f);

        // train backward with dOut = e0, gamma 1: dIn = invStd * (e0 - 1/4 - xhat * xhat0 / 4)
        //                                           = invStd * (0.3, -0.4, -0.1, 0.2)
        float[] dIn = new float[4], dGamma = new float[1], dBeta = new float[1];
        float[] dOut = {1, 0, 0, 0};
        k.batchNormBackward(dIn, dGamma, dBeta, dOut, x, new float[] {2.5f}, new float[] {invStd}, null, 4, 1, 1, true);
        float[] expected = {0.3f * invStd, -0.4f * invStd, -0.1f * invStd, 0.2f * invStd};
        assertArrayEquals(expected, dIn, 1e-6f);
        assertEquals(1f, dBeta[0], 0f);
        assertEquals(-1.5f * invStd, dGamma[0], 1e-6f);                 // xhat0

        // eval backward: statistics are constants, dIn = dOut * gamma * invStd
        float[] dInEval = {1, 1, 1, 1};
        k.batchNormBackward(dInEval, null, null, dOut, x, new float[] {2.5f}, new float[] {invStd},
                new float[] {2f}, 4, 1, 1, false);
        assertArrayEquals(new float[] {1 + 2 * invStd, 1, 1, 1}, dInEval, 1e-6f);
    }

    @Test
    void lrnByHand() {
        // channels 1, 2, 3 at one pixel; alpha/size = 1, beta = 1, k = 1
        float[] in = {1, 2, 3};
        float[] out = new float[3], scale = new float[3];
        // size 3: windows [0,1], [0,2], [1,2] -> scale 1+5, 1+14, 1+13
        k.lrnForward(out, scale, in, 1, 3, 1, 3, 3f, 1f, 1f);
        assertArrayEquals(new float[] {6, 15, 14}, scale, 1e-6f);
        assertArrayEquals(new float[] {1 / 6f, 2 / 15f, 3 / 14f}, out, 1e-6f);
        // size 2 (even): window [c-1, c] -> {0}, {0,1}, {1,2} -> scale 1+1, 1+5, 1+13
        k.lrnForward(out, scale, in, 1, 3, 1, 2, 2f, 1f, 1f);
        assertArrayEquals(new float[] {2, 6, 14}, scale, 1e-6f);
        assertArrayEquals(new float[] {0.5f, 1 / 3f, 3 / 14f}, out, 1e-6f);
    }

    // ------------------------------------------------------------------ activations

    @Test
    void activationsByHand() {
        float[] x = {-2f, -0f, 0f, 0.5f, 3f, Float.NaN};
        float[] y = new float[x.length];
        k.activationForward(Activation.RELU, y, x, x.length, 0f);
        assertArrayEquals(new float[] {0f, 0f, 0f, 0.5f, 3f, Float.NaN}, y); // NaN passes, as torch.relu
        k.activationForward(Activation.LEAKY_RELU, y, x, x.length, 0.1f);
        assertArrayEquals(new float[] {-0.2f, -0f, 0f, 0.5f, 3f, Float.NaN}, y);
        k.activationForward(Activation.TANH, y, x, x.length, 0f);
        assertEquals(-0.9640276f, y[0]);                                     // tanh 2 = 0.96402758...
        assertEquals(-0f, y[1]);
        assertEquals(0.46211717f, y[3]);                                     // tanh 0.5 = 0.46211715726...
        assertTrue(Float.isNaN(y[5]));
        k.activationForward(Activation.SIGMOID, y, x, x.length, 0f);
        assertEquals(0.11920292f, y[0]);                                     // 1 / (1 + e^2)
        assertEquals(0.5f, y[1]);
        k.activationForward(Activation.ELU, y, x, x.length, 2f);
        assertEquals(2 * (float) Math.expm1(-2), y[0]);                      // 2 (e^-2 - 1)
        assertEquals(3f, y[4]);
    }

    @Test
    void activationBackwardAccumulatesTheDerivative() {
        float[] x = {-2f, 0f, 0.5f}, dOut = {1f, 1f, 2f};
        float[] y = new float[3];
        k.activationForward(Activation.TANH, y, x, 3, 0f);
        float[] dIn = {10f, 10f, 10f};
        k.activationBackward(Activation.TANH, dIn, dOut, x, y, 3, 0f);
        assertEquals(10f + (1f - y[0] * y[0]), dIn[0]);                      // 1 - tanh^2
        assertEquals(11f, dIn[1]);                                           // tanh'(0) = 1
        float[] dRelu = {10f, 10f, 10f};
        k.activationBackward(Activation.RELU, dRelu, dOut, x, null, 3, 0f);
        assertArrayEquals(new float[] {10f, 10f, 12f}, dRelu);               // no gradient at exactly 0
        k.activationForward(Activation.SELU, y, x, 3, 0f);
        float[] dSelu = new float[3];
        k.activationBackward(Activation.SELU, dSelu, dOut, x, y, 3, 0f);
        // d/dx scale alpha (e^x - 1) = scale alpha e^x
        assertEquals(Activation.SELU_SCALE * Activation.SELU_ALPHA * Math.exp(-2), dSelu[0], 1e-6);
        assertEquals(2 * Activation.SELU_SCALE, dSelu[2]);
    }
}
