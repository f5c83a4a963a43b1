package dev.fovea.nn;

import dev.fovea.tensor.GradCheck;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pooling layers. Tests whose names end in {@code ThroughFusedOp} need the fused pooling ops; the others
 * check hyperparameters, output-size arithmetic and validation (and GlobalAvgPool2d, which is composed).
 */
class PoolingLayersTest {

    /** Distinct values (a shuffled arange, scaled) so max pooling has no ties and gradients are defined. */
    private static Tensor distinct(long seed, int... shape) {
        Tensor t = Tensor.zeros(shape);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < t.numel(); i++) order.add(i);
        Collections.shuffle(order, new Random(seed));
        for (int i = 0; i < t.numel(); i++) t.data()[i] = (order.get(i) - t.numel() / 2f) * 0.05f;
        return t.requiresGrad(true);
    }

    // ------------------------------------------------------------------ hyperparameters and sizes

    @Test
    void strideDefaultsToKernelSize() {
        MaxPool2d m = new MaxPool2d(3);
        assertArrayEquals(new int[] {3, 3}, m.stride);
        assertArrayEquals(new int[] {0, 0}, m.padding);
        assertArrayEquals(new int[] {2, 2}, new MaxPool2d(new int[] {2, 2}, null, new int[] {0, 0}, new int[] {1, 1}, false).stride);
        assertArrayEquals(new int[] {2, 3}, new AvgPool2d(new int[] {2, 3}, null, new int[] {0, 0}, false, true).stride);
        assertEquals(4, new MaxPool1d(4).stride);
        assertEquals(5, new AvgPool1d(5).stride);
        assertEquals(0, new MaxPool2d(2).parameterCount());
    }

    @Test
    void outputSizesFloorAndCeilLikePyTorch() {
        assertArrayEquals(new int[] {27, 27}, new MaxPool2d(3, 2).outputSize(55, 55)); // AlexNet's overlapping pool
        MaxPool2d ceil = new MaxPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}, true);
        assertArrayEquals(new int[] {56, 56}, ceil.outputSize(112, 112)); // GoogLeNet: floor would give 55
        // ceil mode drops a last window that would start in the right padding: in=5, k=2, s=2, p=1 -> 3, not 4
        MaxPool2d padded = new MaxPool2d(new int[] {2, 2}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, true);
        assertArrayEquals(new int[] {3, 3}, padded.outputSize(5, 5));
        assertArrayEquals(new int[] {4, 4}, padded.outputSize(6, 6));
        // dilation widens the window: k=3, d=2 spans 5
        MaxPool2d dil = new MaxPool2d(new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 0}, new int[] {2, 2}, false);
        assertArrayEquals(new int[] {3, 3}, dil.outputSize(7, 7));
        AvgPool2d avg = new AvgPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, true, false);
        assertArrayEquals(new int[] {4, 3}, avg.outputSize(7, 5));
        assertEquals(5, new MaxPool1d(2, 2, 1, 1, true).outputSize(9));
        assertEquals(4, new AvgPool1d(3, 2, 1).outputSize(8));
    }

    @Test
    void validationMessages() {
        var e = assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2, 2, 2));
        assertEquals("MaxPool2d expects padding at most half the kernel size; received padding=(2, 2) with kernelSize=(2, 2)",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(0));
        assertThrows(IllegalArgumentException.class, () -> new MaxPool1d(3, 0));
        e = assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2).forward(Tensor.zeros(3, 8, 8)));
        assertEquals("MaxPool2d expects input of shape (N, C, H, W); received (3, 8, 8) "
                + "(kernelSize=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceilMode=false)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(5).forward(Tensor.zeros(1, 1, 4, 8)));
        assertEquals("AvgPool2d expects an input at least as large as its window; received spatial size (4, 8) "
                + "(kernelSize=(5, 5), stride=(5, 5), padding=(0, 0), ceilMode=false, countIncludePad=true)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MaxPool1d(3).forward(Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().startsWith("MaxPool1d expects input of shape (N, C, L); received (2, 4)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AvgPool1d(4).forward(Tensor.zeros(2, 4, 3)));
        assertTrue(e.getMessage().startsWith("AvgPool1d expects an input at least as long as its window; received length 3"));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveAvgPool2d(0, 3));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveAvgPool2d(2).forward(Tensor.zeros(2, 3, 4)));
    }

    @Test
    void reprs() {
        assertEquals("MaxPool1d(kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false)", new MaxPool1d(2).toString());
        assertEquals("AvgPool1d(kernelSize=3, stride=1, padding=1, ceilMode=false, countIncludePad=true)",
                new AvgPool1d(3, 1, 1).toString());
        assertEquals("AdaptiveAvgPool2d(outputSize=(6, 6))", new AdaptiveAvgPool2d(6).toString());
    }

    // ------------------------------------------------------------------ global average pooling (composed, no fused op)

    @Test
    void globalAvgPoolByHandAndGradient() {
        Tensor x = Tensor.arange(16).reshape(2, 2, 2, 2); // channel means 1.5, 5.5, 9.5, 13.5
        Tensor y = new GlobalAvgPool2d().forward(x);
        assertArrayEquals(new int[] {2, 2}, y.shape());
        assertArrayEquals(new float[] {1.5f, 5.5f, 9.5f, 13.5f}, y.data(), 1e-6f);
        GradCheck.check(in -> new GlobalAvgPool2d().forward(in[0]), GradCheck.input(1, 2, 3, 4, 5));
        var e = assertThrows(IllegalArgumentException.class, () -> new GlobalAvgPool2d().forward(Tensor.zeros(2, 3)));
        assertEquals("GlobalAvgPool2d expects input of shape (N, C, H, W); received (2, 3)", e.getMessage());
    }

    // ------------------------------------------------------------------ computation (fused ops)

    @Test
    void maxAndAvgPoolByHandThroughFusedOp() {
        Tensor x = Tensor.of(new float[] {
                1, 2, 5, 6,
                3, 4, 7, 8,
                9, 10, 13, 14,
                11, 12, 15, 16}, 1, 1, 4, 4);
        assertArrayEquals(new float[] {4, 8, 12, 16}, new MaxPool2d(2).forward(x).data());
        assertArrayEquals(new float[] {2.5f, 6.5f, 10.5f, 14.5f}, new AvgPool2d(2).forward(x).data(), 1e-6f);
        // 3x3 windows, stride 1, padding 1: the corner average divides by 9 with countIncludePad, by 4 without
        AvgPool2d incl = new AvgPool2d(3, 1, 1);
        AvgPool2d excl = new AvgPool2d(new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, false, false);
        assertEquals((1 + 2 + 3 + 4) / 9f, incl.forward(x).get(0, 0, 0, 0), 1e-6f);
        assertEquals((1 + 2 + 3 + 4) / 4f, excl.forward(x).get(0, 0, 0, 0), 1e-6f);
    }

    @Test
    void poolsMatchReferenceThroughFusedOp() {
        Tensor x = distinct(2, 2, 3, 9, 8);
        int[][][] configs = { // k, s, p, d
                {{2, 2}, {2, 2}, {0, 0}, {1, 1}},
                {{3, 3}, {2, 2}, {1, 1}, {1, 1}},
                {{3, 2}, {1, 2}, {1, 0}, {2, 1}},
                {{2, 3}, {3, 2}, {1, 1}, {1, 1}}};
        for (int[][] c : configs) {
            for (boolean ceil : new boolean[] {false, true}) {
                MaxPool2d m = new MaxPool2d(c[0], c[1], c[2], c[3], ceil);
                Reference.assertClose(Reference.pool2d(x, c[0], c[1], c[2], c[3], ceil, false, false), m.forward(x).data(), 1e-6,
                        "max " + m.extraRepr());
                for (boolean include : new boolean[] {false, true}) {
                    AvgPool2d a = new AvgPool2d(c[0], c[1], c[2], ceil, include);
                    Reference.assertClose(Reference.pool2d(x, c[0], c[1], c[2], new int[] {1, 1}, ceil, true, include),
                            a.forward(x).data(), 1e-5, "avg " + a.extraRepr());
                }
            }
        }
    }

    @Test
    void oneDimensionalPoolsMatchReferenceThroughFusedOp() {
        Tensor x = distinct(3, 2, 3, 11);
        Tensor x4 = x.reshape(2, 3, 1, 11);
        MaxPool1d m = new MaxPool1d(3, 2, 1, 2, true);
        Tensor ym = m.forward(x);
        assertArrayEquals(new int[] {2, 3, m.outputSize(11)}, ym.shape());
        Reference.assertClose(Reference.pool2d(x4, new int[] {1, 3}, new int[] {1, 2}, new int[] {0, 1}, new int[] {1, 2}, true,
                false, false), ym.data(), 1e-6, "maxpool1d");
        AvgPool1d a = new AvgPool1d(4, 3, 2, true, false);
        Reference.assertClose(Reference.pool2d(x4, new int[] {1, 4}, new int[] {1, 3}, new int[] {0, 2}, new int[] {1, 1}, true,
                true, false), a.forward(x).data(), 1e-6, "avgpool1d");
        GradCheck.check(in -> m.forward(in[0]), distinct(4, 2, 2, 9));
        GradCheck.check(in -> a.forward(in[0]), GradCheck.input(5, 2, 2, 9));
    }

    @Test
    void adaptiveAvgPoolMatchesReferenceThroughFusedOp() {
        Tensor x = GradCheck.input(6, 2, 3, 5, 7);
        AdaptiveAvgPool2d p = new AdaptiveAvgPool2d(3, 2);
        Reference.assertClose(Reference.adaptiveAvg(x, 3, 2), p.forward(x).data(), 1e-6, "adaptive (3, 2)");
        // (1, 1) is global average pooling that keeps the spatial dimensions
        assertArrayEquals(new GlobalAvgPool2d().forward(x).data(), new AdaptiveAvgPool2d(1).forward(x).data(), 1e-6f);
        GradCheck.check(in -> p.forward(in[0]), GradCheck.input(7, 1, 2, 5, 7));
    }

    @Test
    void poolGradientsThroughFusedOp() {
        MaxPool2d m = new MaxPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, true);
        GradCheck.check(in -> m.forward(in[0]), distinct(8, 2, 2, 7, 6));
        AvgPool2d a = new AvgPool2d(new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 1}, true, false);
        GradCheck.check(in -> a.forward(in[0]), GradCheck.input(9, 2, 2, 7, 6));
    }
}
