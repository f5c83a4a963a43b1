package dev.fovea.tensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Tensor.conv2d} / {@code conv1d}: hand cases, equivalences, error messages, gradient checks. */
class ConvFnTest {

    private static final int[] ONE = {1, 1};
    private static final int[] NO_PAD = {0, 0, 0, 0};

    // ------------------------------------------------------------------ by hand

    /**
     * The input's gradient is written straight into a new array when the input has none yet
     * ({@code Kernels.conv2dBackwardInputOverwriting}) and added otherwise: a second backward pass
     * doubles it, a second convolution of the same input adds its part, and an input that is also
     * the residual gets both gradients, whichever comes first.
     */
    @Test
    void theInputsGradientIsWrittenOnlyWhenItHasNone() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
        Tensor x = Tensor.randn(rng, 2, 4, 6, 6).requiresGrad(true);
        Tensor w1 = Tensor.randn(rng, 4, 4, 3, 3), w2 = Tensor.randn(rng, 4, 4, 1, 1);
        x.conv2d(w1, null, 1, 1).sum().backward();
        float[] g1 = x.grad().data().clone();
        x.clearGrad();
        x.conv2d(w2, null, 1, 0).sum().backward();
        float[] g2 = x.grad().data().clone();
        x.clearGrad();

        x.conv2d(w1, null, 1, 1).sum().backward();
        x.conv2d(w1, null, 1, 1).sum().backward();
        assertClose(sum(g1, g1), x.grad().data(), "two passes add up");
        x.clearGrad();
        x.conv2d(w1, null, 1, 1).add(x.conv2d(w2, null, 1, 0)).sum().backward();
        assertClose(sum(g1, g2), x.grad().data(), "two convolutions of one input");
        x.clearGrad();
        // residual x: dOut (all ones) goes to x as the residual, then the convolution's part is added
        float[] ones = new float[g1.length];
        Arrays.fill(ones, 1f);
        x.conv2dAddRelu(w1, null, x, ONE, new int[] {1, 1, 1, 1}, ONE, 1).sum().backward();
        Tensor y = x.conv2d(w1, null, 1, 1).add(x);
        float[] mask = new float[g1.length];
        for (int i = 0; i < mask.length; i++) mask[i] = y.data()[i] > 0 ? 1f : 0f;
        float[] withResidual = x.grad().data().clone();
        x.clearGrad();
        Tensor.of(mask, x.shape()).mul(x.conv2d(w1, null, 1, 1).add(x)).sum().backward();
        assertClose(x.grad().data(), withResidual, "the input as its own residual");
    }

    private static float[] sum(float[] a, float[] b) {
        float[] s = new float[a.length];
        for (int i = 0; i < s.length; i++) s[i] = a[i] + b[i];
        return s;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4f * (1 + Math.abs(expected[i])), what + " at " + i);
        }
    }

    @Test
    void onesOnOnesGiveNines() {
        Tensor y = Tensor.ones(1, 1, 4, 4).conv2d(Tensor.ones(1, 1, 3, 3), null, 1, 0);
        assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape());
        assertArrayEquals(new float[] {9, 9, 9, 9}, y.data());
    }

    @Test
    void verticalEdgeFilterOnHalfBrightImage() {
        // the course's example: 6x6, left half 10, right half 0, filter [[1, 0, -1]] x 3 -> 30s in the middle
        Tensor img = Tensor.zeros(1, 1, 6, 6);
        for (int r = 0; r < 6; r++) for (int c = 0; c < 3; c++) img.set(10f, 0, 0, r, c);
        Tensor filter = Tensor.of(new float[] {1, 0, -1, 1, 0, -1, 1, 0, -1}, 1, 1, 3, 3);
        Tensor y = img.conv2d(filter, null, 1, 0);
        assertArrayEquals(new int[] {1, 1, 4, 4}, y.shape());
        float[] expected = new float[16];
        for (int r = 0; r < 4; r++) { expected[r * 4 + 1] = 30; expected[r * 4 + 2] = 30; }
        assertArrayEquals(expected, y.data());
    }

    @Test
    void gradientsOfOnesByHand() {
        Tensor x = Tensor.ones(1, 1, 4, 4).requiresGrad(true);
        Tensor w = Tensor.ones(1, 1, 3, 3).requiresGrad(true);
        Tensor b = Tensor.zeros(1).requiresGrad(true);
        x.conv2d(w, b, 1, 0).sum().backward();
        // an input pixel gets one unit per window covering it; each weight sees four ones; the bias four outputs
        assertArrayEquals(new float[] {1, 2, 2, 1, 2, 4, 4, 2, 2, 4, 4, 2, 1, 2, 2, 1}, x.grad().data());
        float[] fours = new float[9];
        Arrays.fill(fours, 4f);
        assertArrayEquals(fours, w.grad().data());
        assertArrayEquals(new float[] {4}, b.grad().data());
    }

    @Test
    void biasIsAddedPerOutChannel() {
        Tensor w = Tensor.zeros(2, 1, 1, 1);
        Tensor y = Tensor.ones(1, 1, 2, 2).conv2d(w, Tensor.of(new float[] {1, -2}, 2), 1, 0);
        assertArrayEquals(new float[] {1, 1, 1, 1, -2, -2, -2, -2}, y.data());
    }

    // ------------------------------------------------------------------ equivalences that pin the options down

    @Test
    void asymmetricPaddingEqualsExplicitPadThenConv() {
        Tensor x = GradCheck.input(1, 2, 3, 5, 6);
        Tensor w = GradCheck.input(2, 4, 3, 3, 2);
        Tensor b = GradCheck.input(3, 4);
        Tensor fused = x.conv2d(w, b, new int[] {2, 1}, new int[] {1, 0, 2, 3}, ONE, 1);
        Tensor composed = x.pad2d(0, 3, 1, 2).conv2d(w, b, new int[] {2, 1}, NO_PAD, ONE, 1);
        assertArrayEquals(composed.shape(), fused.shape());
        assertArrayEquals(composed.data(), fused.data(), 1e-6f);
    }

    @Test
    void groupsEqualSeparateConvolutionsConcatenated() {
        Tensor x = GradCheck.input(4, 2, 4, 5, 5);
        Tensor w = GradCheck.input(5, 6, 2, 3, 3);                       // 6 filters, 2 groups of 3
        Tensor grouped = x.conv2d(w, null, new int[] {1, 1}, new int[] {1, 1, 1, 1}, ONE, 2);
        Tensor first = x.slice(1, 0, 2).conv2d(w.slice(0, 0, 3), null, 1, 1);
        Tensor second = x.slice(1, 2, 4).conv2d(w.slice(0, 3, 6), null, 1, 1);
        assertArrayEquals(Tensor.concat(1, first, second).data(), grouped.data(), 1e-6f);
    }

    @Test
    void dilationEqualsAKernelWithZerosInserted() {
        Tensor x = GradCheck.input(6, 1, 2, 7, 7);
        Tensor w = GradCheck.input(7, 3, 2, 2, 2);
        // dilation 2 of a 2x2 kernel is the 3x3 kernel [[a, 0, b], [0, 0, 0], [c, 0, d]]
        Tensor wide = Tensor.zeros(3, 2, 3, 3);
        for (int o = 0; o < 3; o++) {
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) wide.set(w.get(o, c, i, j), o, c, 2 * i, 2 * j);
            }
        }
        Tensor dilated = x.conv2d(w, null, ONE, NO_PAD, new int[] {2, 2}, 1);
        assertArrayEquals(x.conv2d(wide, null, 1, 0).data(), dilated.data(), 1e-6f);
    }

    @Test
    void strideTwoSubsamplesStrideOne() {
        Tensor x = GradCheck.input(8, 1, 1, 6, 6);
        Tensor w = GradCheck.input(9, 1, 1, 3, 3);
        Tensor dense = x.conv2d(w, null, 1, 1);                           // 6x6
        Tensor strided = x.conv2d(w, null, 2, 1);                         // 3x3: rows and columns 0, 2, 4
        assertArrayEquals(new int[] {1, 1, 3, 3}, strided.shape());
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) assertEquals(dense.get(0, 0, 2 * i, 2 * j), strided.get(0, 0, i, j), 1e-6f);
        }
    }

    // ------------------------------------------------------------------ messages

    @Test
    void wrongChannelCountNamesExpectedAndReceivedShapes() {
        // a Conv with inChannels=3 (weight (6, 3, 5, 5)) fed a batch of MNIST digits
        Tensor w = Tensor.zeros(6, 3, 5, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(8, 1, 28, 28).conv2d(w, null, 1, 0));
        assertEquals("conv2d expects input of shape (N, 3, H, W); received (8, 1, 28, 28) (weight (6, 3, 5, 5), groups=1)",
                e.getMessage());
    }

    @Test
    void otherBadArgumentsAreRejectedWithTheirValues() {
        Tensor x = Tensor.zeros(2, 4, 6, 6);
        Tensor w = Tensor.zeros(6, 2, 3, 3);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(4, 6, 6).conv2d(w, null, 1, 0))
                .getMessage().contains("received (4, 6, 6)"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> x.conv2d(w, Tensor.zeros(5), new int[] {1, 1}, NO_PAD, ONE, 2))
                .getMessage().startsWith("conv2d expects a bias of shape (6,); received (5,)"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> x.conv2d(Tensor.zeros(6, 4, 9, 9), null, 1, 1))
                .getMessage().contains("kernel 9x9 (dilation 1x1, extent 9x9) for padded input 8x8"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> x.conv2d(Tensor.zeros(5, 1, 3, 3), null, new int[] {1, 1}, NO_PAD, ONE, 4))
                .getMessage().contains("groups=4"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> x.conv2d(Tensor.zeros(6, 4, 3, 3), null, new int[] {0, 1}, NO_PAD, ONE, 1))
                .getMessage().contains("stride"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> x.conv2d(Tensor.zeros(6, 4, 3), null, 1, 0))
                .getMessage().contains("weight of shape (OC, C/groups, KH, KW); received (6, 4, 3)"));
    }

    // ------------------------------------------------------------------ gradient checks

    private static void check(int[] xShape, int[] wShape, boolean bias, int[] stride, int[] pad, int[] dil, int groups) {
        Tensor x = GradCheck.input(11, xShape);
        Tensor w = GradCheck.input(12, wShape);
        Tensor b = bias ? GradCheck.input(13, wShape[0]) : null;
        if (bias) {
            GradCheck.check(t -> t[0].conv2d(t[1], t[2], stride, pad, dil, groups), x, w, b);
        } else {
            GradCheck.check(t -> t[0].conv2d(t[1], null, stride, pad, dil, groups), x, w);
        }
    }

    @Test
    void convolutionWithReluIsTheTwoOperationsInValuesAndGradients() {
        Tensor x = GradCheck.input(21, 2, 3, 7, 7), w = GradCheck.input(22, 5, 3, 3, 3), b = GradCheck.input(23, 5);
        int[] pad = {1, 1, 1, 1};
        float[] expected = x.conv2d(w, b, ONE, pad, ONE, 1).relu().data();
        Tensor y = x.conv2dRelu(w, b, ONE, pad, ONE, 1);
        assertArrayEquals(expected, y.data());
        int positive = 0;
        for (float v : y.data()) if (v > 0) positive++;
        assertTrue(positive > 0 && positive < y.numel(), "both sides of the kink are exercised");
        GradCheck.check(t -> t[0].conv2dRelu(t[1], t[2], new int[] {2, 1}, pad, ONE, 1), x, w, b);
    }

    @Test
    void convolutionWithResidualAndReluIsTheThreeOperationsInValuesAndGradients() {
        Tensor x = GradCheck.input(31, 2, 3, 6, 6), w = GradCheck.input(32, 4, 3, 3, 3), b = GradCheck.input(33, 4);
        Tensor r = GradCheck.input(34, 2, 4, 3, 6);
        int[] stride = {2, 1}, pad = {1, 1, 1, 1};
        float[] expected = x.conv2d(w, b, stride, pad, ONE, 1).add(r).relu().data();
        assertArrayEquals(expected, x.conv2dAddRelu(w, b, r, stride, pad, ONE, 1).data());
        GradCheck.check(t -> t[0].conv2dAddRelu(t[1], t[2], t[3], stride, pad, ONE, 1), x, w, b, r);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> x.conv2dAddRelu(w, b, Tensor.zeros(2, 4, 6, 6), stride, pad, ONE, 1));
        assertEquals("conv2d expects a residual of the output's shape (2, 4, 3, 6); received (2, 4, 6, 6)", e.getMessage());
    }

    @Test
    void gradPlain() {
        check(new int[] {2, 3, 5, 5}, new int[] {4, 3, 3, 3}, true, ONE, NO_PAD, ONE, 1);
    }

    @Test
    void gradStrideTwoPaddingOne() {
        check(new int[] {2, 2, 7, 6}, new int[] {3, 2, 3, 3}, true, new int[] {2, 2}, new int[] {1, 1, 1, 1}, ONE, 1);
    }

    @Test
    void gradAsymmetricPaddingAndPerAxisStride() {
        check(new int[] {1, 2, 6, 7}, new int[] {3, 2, 2, 4}, true, new int[] {2, 1}, new int[] {0, 1, 1, 2}, ONE, 1);
    }

    @Test
    void gradDilationTwo() {
        check(new int[] {2, 2, 7, 7}, new int[] {2, 2, 3, 3}, true, ONE, new int[] {2, 2, 2, 2}, new int[] {2, 2}, 1);
    }

    @Test
    void gradGroupsTwo() {
        check(new int[] {2, 4, 5, 5}, new int[] {6, 2, 3, 3}, true, ONE, new int[] {1, 1, 1, 1}, ONE, 2);
    }

    @Test
    void gradDepthwiseNoBiasStrideTwo() {
        check(new int[] {1, 3, 6, 6}, new int[] {3, 1, 3, 3}, false, new int[] {2, 2}, new int[] {1, 1, 1, 1}, ONE, 3);
    }

    @Test
    void gradFrozenWeightStillTrainsTheBias() {
        Tensor x = GradCheck.input(21, 2, 2, 4, 4);
        Tensor w = Tensor.of(GradCheck.input(22, 3, 2, 3, 3).data(), 3, 2, 3, 3);   // no gradient
        Tensor b = GradCheck.input(23, 3);
        GradCheck.check(t -> t[0].conv2d(t[1], t[2], 1, 1), x, w, b);
        x.clearGrad();
        b.clearGrad();
        x.conv2d(w, b, 1, 1).sum().backward();
        assertNull(w.grad());
        float[] expected = new float[3];
        Arrays.fill(expected, 2 * 4 * 4);                                 // N * OH * OW outputs per channel
        assertArrayEquals(expected, b.grad().data());
    }

    @Test
    void gradConv1dThroughConv2d() {
        Tensor x = GradCheck.input(31, 2, 4, 9);
        Tensor w = GradCheck.input(32, 6, 2, 3);
        Tensor b = GradCheck.input(33, 6);
        Tensor y = x.conv1d(w, b, 2, 1, 2, 2, 2);
        assertArrayEquals(new int[] {2, 6, 4}, y.shape());                // (9 + 3 - 2*2 - 1) / 2 + 1 = 4
        GradCheck.check(t -> t[0].conv1d(t[1], t[2], 2, 1, 2, 2, 2), x, w, b);
    }
}
