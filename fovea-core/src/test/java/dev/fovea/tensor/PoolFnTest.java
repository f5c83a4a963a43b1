package dev.fovea.tensor;

import dev.fovea.kernels.Parallel;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Max, average and adaptive average pooling: hand cases, PyTorch's edge semantics, gradient checks. */
class PoolFnTest {

    private static final int[] ONE = {1, 1};

    /**
     * Distinct values 0.05 apart in random order, so no two elements of a window are within the
     * finite-difference step of each other (max pooling has a kink at ties).
     */
    private static Tensor distinct(long seed, int... shape) {
        int n = Shapes.numel(shape);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (i - n / 2f) * 0.05f;
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            float t = d[i]; d[i] = d[j]; d[j] = t;
        }
        return Tensor.of(d, shape).requiresGrad(true);
    }

    private static Tensor range(int... shape) {
        int n = Shapes.numel(shape);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = i + 1;
        return Tensor.of(d, shape);
    }

    // ------------------------------------------------------------------ max pooling

    @Test
    void ceilModeWindowWiderThanTheInputGivesOneOutputAsInPyTorch() {
        // torch.nn.functional.max_pool2d(x, 3, 2, ceil_mode=True) on a 2x2 map is 1x1 (GoogLeNet on small inputs)
        Tensor x = Tensor.of(new float[] {1, 4, 3, 2}, 1, 1, 2, 2);
        Tensor y = x.maxPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}, true);
        assertArrayEquals(new int[] {1, 1, 1, 1}, y.shape());
        assertEquals(4f, y.item());
        Tensor a = x.avgPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {0, 0}, true, true);
        assertEquals(2.5f, a.item(), 1e-6f); // the window is clipped to the input: 10 / 4
        assertThrows(IllegalArgumentException.class,
                () -> x.maxPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}, false));
    }

    @Test
    void maxPoolByHandAndGradientGoesToTheMaximum() {
        Tensor x = range(1, 1, 4, 4).requiresGrad(true);                  // 1..16
        Tensor y = x.maxPool2d(2, 2);
        assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape());
        assertArrayEquals(new float[] {6, 8, 14, 16}, y.data());
        y.sum().backward();
        float[] expected = new float[16];
        expected[5] = expected[7] = expected[13] = expected[15] = 1;
        assertArrayEquals(expected, x.grad().data());
    }

    @Test
    void maxPoolWithoutRecordingGivesTheSameValues() {
        // nothing recorded (no grad needed, or NoGrad): the kernels skip the argmax, not the values
        Tensor x = Tensor.of(new float[] {1, Float.NaN, 3, 2, -0f, 0f, 5, 5, 4, 9, 8, 7, 6, 3, 2, 1}, 1, 1, 4, 4);
        float[] recorded = x.requiresGrad(true).maxPool2d(2, 2).data().clone();
        Tensor plain = Tensor.of(x.data().clone(), 1, 1, 4, 4);
        Tensor values = plain.maxPool2d(2, 2);
        assertTrue(Float.isNaN(values.data()[0]));
        assertEquals(recorded.length, values.data().length);
        for (int i = 0; i < recorded.length; i++) {
            assertEquals(Float.floatToRawIntBits(recorded[i]), Float.floatToRawIntBits(values.data()[i]), "output " + i);
        }
        try (NoGrad _ = NoGrad.enter()) {
            assertArrayEquals(recorded, x.maxPool2d(2, 2).data());
        }
    }

    @Test
    void maxPoolTiesSendTheGradientToTheFirstElement() {
        Tensor x = Tensor.full(3f, 1, 1, 2, 2).requiresGrad(true);
        x.maxPool2d(2, 2).sum().backward();
        assertArrayEquals(new float[] {1, 0, 0, 0}, x.grad().data());
    }

    @Test
    void maxPoolNullStrideMeansKernelAndCeilModeShape() {
        Tensor x = range(1, 1, 5, 5);
        assertArrayEquals(new int[] {1, 1, 2, 2}, x.maxPool2d(new int[] {2, 2}, null, new int[] {0, 0}, ONE, false).shape());
        Tensor ceil = x.maxPool2d(new int[] {2, 2}, null, new int[] {0, 0}, ONE, true);
        assertArrayEquals(new int[] {1, 1, 3, 3}, ceil.shape());
        assertArrayEquals(new float[] {7, 9, 10, 17, 19, 20, 22, 24, 25}, ceil.data());
    }

    @Test
    void gradMaxPoolVariants() {
        // plain 2x2/2
        GradCheck.check(t -> t[0].maxPool2d(2, 2), distinct(1, 2, 2, 4, 6));
        // overlapping 3x3/2 windows with padding 1 (AlexNet/ResNet style)
        GradCheck.check(t -> t[0].maxPool2d(new int[] {3, 3}, new int[] {2, 2}, ONE, ONE, false), distinct(2, 2, 2, 7, 7));
        // dilation 2
        GradCheck.check(t -> t[0].maxPool2d(new int[] {2, 3}, new int[] {1, 2}, new int[] {1, 1}, new int[] {2, 2}, false),
                distinct(3, 1, 2, 6, 7));
        // ceil mode, partial last windows
        GradCheck.check(t -> t[0].maxPool2d(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, ONE, true),
                distinct(4, 2, 1, 5, 7));
        // ceil mode with padding
        GradCheck.check(t -> t[0].maxPool2d(new int[] {3, 3}, new int[] {2, 2}, ONE, ONE, true), distinct(5, 1, 2, 6, 6));
    }

    @Test
    void maxPoolMessages() {
        Tensor x = Tensor.zeros(1, 1, 4, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> x.maxPool2d(new int[] {2, 2}, new int[] {2, 2}, new int[] {2, 2}, ONE, false));
        assertEquals("maxPool2d expects padding at most half the kernel size; received padding 2x2 for kernel 2x2",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(1, 4, 4).maxPool2d(2, 2));
        assertEquals("maxPool2d expects input of shape (N, C, H, W); received (1, 4, 4)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> x.maxPool2d(5, 1));
        assertTrue(e.getMessage().contains("room for at least one window") && e.getMessage().contains("output 0x0"), e.getMessage());
    }

    // ------------------------------------------------------------------ average pooling

    @Test
    void avgPoolByHand() {
        Tensor y = range(1, 1, 4, 4).avgPool2d(2, 2);
        // (1+2+5+6)/4, (3+4+7+8)/4, (9+10+13+14)/4, (11+12+15+16)/4
        assertArrayEquals(new float[] {3.5f, 5.5f, 11.5f, 13.5f}, y.data());
    }

    @Test
    void avgPoolCountIncludePadAndCeilModeFollowPyTorch() {
        // row 1..6, kernel 3, stride 2, padding 1, ceil mode: windows [-1,1] [1,3] [3,5] [5,7]; the last is
        // clipped to the padded row [-1, 7), i.e. {6, pad}: divisor 2 with padding counted, 1 without
        Tensor row = range(1, 1, 1, 6);
        Tensor incl = row.avgPool2d(new int[] {1, 3}, new int[] {1, 2}, new int[] {0, 1}, true, true);
        Tensor excl = row.avgPool2d(new int[] {1, 3}, new int[] {1, 2}, new int[] {0, 1}, true, false);
        assertArrayEquals(new float[] {1, 3, 5, 3}, incl.data());
        assertArrayEquals(new float[] {1.5f, 3, 5, 6}, excl.data());
    }

    @Test
    void gradAvgPoolVariants() {
        int[] k3 = {3, 3}, s2 = {2, 2};
        GradCheck.check(t -> t[0].avgPool2d(2, 2), GradCheck.input(1, 2, 2, 4, 6));
        GradCheck.check(t -> t[0].avgPool2d(k3, s2, ONE, false, true), GradCheck.input(2, 2, 2, 7, 6));
        GradCheck.check(t -> t[0].avgPool2d(k3, s2, ONE, false, false), GradCheck.input(3, 2, 2, 7, 6));
        GradCheck.check(t -> t[0].avgPool2d(k3, s2, ONE, true, true), GradCheck.input(4, 1, 2, 6, 8));
        GradCheck.check(t -> t[0].avgPool2d(k3, s2, ONE, true, false), GradCheck.input(5, 1, 2, 6, 8));
        GradCheck.check(t -> t[0].avgPool2d(new int[] {2, 3}, new int[] {1, 2}, new int[] {0, 0}, true, true),
                GradCheck.input(6, 1, 3, 5, 6));
    }

    // ------------------------------------------------------------------ adaptive average pooling

    @Test
    void adaptiveBinsOverlapWhenSizesDoNotDivide() {
        // 7 -> 3: bins [0,3), [2,5), [4,7) of 1..7 -> 2, 4, 6
        Tensor y = range(1, 1, 1, 7).adaptiveAvgPool2d(1, 3);
        assertArrayEquals(new float[] {2, 4, 6}, y.data());
        // 2 -> 3 (upsampling): bins [0,1), [0,2), [1,2) of 1, 2 -> 1, 1.5, 2
        assertArrayEquals(new float[] {1, 1.5f, 2}, range(1, 1, 1, 2).adaptiveAvgPool2d(1, 3).data());
        // output size 1 is global average pooling
        assertArrayEquals(new float[] {8.5f}, range(1, 1, 4, 4).adaptiveAvgPool2d(1, 1).data());
    }

    @Test
    void adaptiveGradientSharesOverlappingPixels() {
        Tensor x = Tensor.ones(1, 1, 1, 7).requiresGrad(true);
        x.adaptiveAvgPool2d(1, 3).sum().backward();
        // pixels 2 and 4 sit in two bins of three pixels each
        float t = 1 / 3f;
        assertArrayEquals(new float[] {t, t, 2 * t, t, 2 * t, t, t}, x.grad().data(), 1e-6f);
    }

    @Test
    void gradAdaptive() {
        GradCheck.check(t -> t[0].adaptiveAvgPool2d(3, 3), GradCheck.input(7, 2, 2, 7, 7));
        GradCheck.check(t -> t[0].adaptiveAvgPool2d(2, 4), GradCheck.input(8, 1, 3, 5, 6));
        GradCheck.check(t -> t[0].adaptiveAvgPool2d(4, 3), GradCheck.input(9, 1, 1, 3, 2));
    }

    /** Planes in parallel chunks: the same output and input gradient, bit for bit, on 1 and 2 threads. */
    @Test
    void adaptiveIsTheSameOnOneAndTwoThreads() {
        SplittableRandom rng = new SplittableRandom(3);
        Tensor x = Tensor.randn(rng, 4, 130, 9, 9), dOut = Tensor.randn(rng, 4, 130, 2, 3);
        float[][] one = adaptiveForwardBackward(1, x, dOut), two = adaptiveForwardBackward(2, x, dOut);
        assertArrayEquals(one[0], two[0]);
        assertArrayEquals(one[1], two[1]);
    }

    private static float[][] adaptiveForwardBackward(int threads, Tensor x, Tensor dOut) {
        float[][] result = new float[2][];
        Parallel.withThreads(threads, () -> {
            Tensor leaf = x.detach().requiresGrad(true);
            Tensor y = leaf.adaptiveAvgPool2d(2, 3);
            y.backward(dOut);
            result[0] = y.data();
            result[1] = leaf.grad().data();
        });
        return result;
    }

    @Test
    void adaptiveMessages() {
        assertEquals("adaptiveAvgPool2d expects input of shape (N, C, H, W); received (7, 7)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(7, 7).adaptiveAvgPool2d(3, 3)).getMessage());
        assertEquals("adaptiveAvgPool2d expects an output size >= 1; received 0x3",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(1, 1, 7, 7).adaptiveAvgPool2d(0, 3))
                        .getMessage());
    }
}
