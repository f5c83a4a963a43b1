package dev.fovea.nn;

import dev.fovea.tensor.GradCheck;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Conv2d and Conv1d. Tests whose names end in {@code ThroughFusedOp} run the fused {@code Tensor.conv2d}
 * and need it implemented; the others check construction, initialisation, shapes and validation.
 */
class ConvLayersTest {

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (float v : t.data()) m = Math.max(m, Math.abs(v));
        return m;
    }

    // ------------------------------------------------------------------ construction and init

    @Test
    void conv2dParametersFollowPyTorch() {
        Conv2d c = new Conv2d(3, 6, 5, new Random(0));
        assertArrayEquals(new int[] {6, 3, 5, 5}, c.weight.shape());
        assertArrayEquals(new int[] {6}, c.bias.shape());
        assertEquals(6 * 3 * 5 * 5 + 6, c.parameterCount()); // LeNet-5's C1 on RGB: 456
        assertEquals(List.of("weight", "bias"), List.copyOf(c.stateDict().keySet()));
        assertTrue(c.weight.requiresGrad() && c.bias.requiresGrad());
        assertArrayEquals(new int[] {5, 5}, c.kernelSize);
        assertArrayEquals(new int[] {1, 1}, c.stride);
        assertArrayEquals(new int[] {1, 1}, c.dilation);
        assertEquals(Padding.of(0), c.padding);

        Conv2d grouped = new Conv2d(4, 8, new int[] {3, 1}, new int[] {1, 1}, Padding.of(1, 0), new int[] {1, 1}, 2, false,
                new Random(0));
        assertArrayEquals(new int[] {8, 2, 3, 1}, grouped.weight.shape());
        assertNull(grouped.bias);
        assertEquals(8 * 2 * 3, grouped.parameterCount());
        assertEquals(List.of("weight"), List.copyOf(grouped.stateDict().keySet()));
    }

    @Test
    void conv2dDefaultInitIsUniformOneOverSqrtFanIn() {
        Conv2d c = new Conv2d(64, 128, 3, new Random(1)); // fanIn 576
        double bound = 1 / Math.sqrt(576);
        assertTrue(maxAbs(c.weight) <= bound * (1 + 1e-6) && maxAbs(c.weight) > 0.99 * bound);
        assertTrue(maxAbs(c.bias) <= bound * (1 + 1e-6));
        double var = c.weight.square().mean().item();
        assertEquals(bound * bound / 3, var, 0.03 * bound * bound / 3);
        // grouped: fanIn counts one group's channels
        Conv2d g = new Conv2d(64, 64, new int[] {3, 3}, new int[] {1, 1}, Padding.of(1), new int[] {1, 1}, 64, true, new Random(2));
        assertTrue(maxAbs(g.weight) <= 1 / 3.0 * (1 + 1e-6) && maxAbs(g.weight) > 0.9 / 3.0);
        // deterministic given the seed
        assertArrayEquals(new Conv2d(3, 4, 3, new Random(5)).weight.data(), new Conv2d(3, 4, 3, new Random(5)).weight.data());
    }

    @Test
    void conv2dOutputSizes() {
        assertArrayEquals(new int[] {28, 28}, new Conv2d(1, 6, 5, new Random(0)).outputSize(32, 32));
        assertArrayEquals(new int[] {4, 4}, new Conv2d(1, 1, 3, 2, 1, new Random(0)).outputSize(7, 7));
        assertArrayEquals(new int[] {55, 55}, new Conv2d(3, 64, 11, 4, 2, new Random(0)).outputSize(224, 224)); // AlexNet conv1
        Conv2d same = new Conv2d(1, 1, new int[] {4, 2}, new int[] {1, 1}, Padding.SAME, new int[] {1, 1}, 1, true, new Random(0));
        assertArrayEquals(new int[] {9, 6}, same.outputSize(9, 6));
        assertArrayEquals(new int[] {1, 0, 2, 1}, same.resolvedPadding()); // totals (3, 1)
        Conv2d dilated = new Conv2d(1, 1, new int[] {3, 3}, new int[] {1, 1}, Padding.VALID, new int[] {2, 2}, 1, true, new Random(0));
        assertArrayEquals(new int[] {6, 6}, dilated.outputSize(10, 10));
    }

    @Test
    void conv2dValidationMessages() {
        Conv2d c = new Conv2d(3, 6, 5, new Random(0));
        var e = assertThrows(IllegalArgumentException.class, () -> c.forward(Tensor.zeros(8, 1, 28, 28)));
        assertEquals("Conv2d expects input of shape (N, 3, H, W); received (8, 1, 28, 28) (inChannels=3, outChannels=6, kernelSize=(5, 5))",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> c.forward(Tensor.zeros(3, 28, 28)));
        assertTrue(e.getMessage().contains("received (3, 28, 28)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> c.forward(Tensor.zeros(1, 3, 4, 9)));
        assertEquals("Conv2d expects a padded input of at least (5, 5) (the dilated kernel); received input (4, 9), padded (4, 9) "
                + "(inChannels=3, outChannels=6, kernelSize=(5, 5))", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Conv2d(3, 6, 3, 2, Padding.SAME, new Random(0)));
        assertEquals("Conv2d expects stride (1, 1) with padding=same; received stride=(2, 2)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 6, new int[] {3, 3}, new int[] {1, 1},
                Padding.VALID, new int[] {1, 1}, 2, true, new Random(0)));
        assertEquals("Conv2d expects groups >= 1 dividing inChannels and outChannels; received groups=2 (inChannels=3, outChannels=6)",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, 6, new int[] {3}, new int[] {1, 1},
                Padding.VALID, new int[] {1, 1}, 1, true, new Random(0)));
        assertEquals("Conv2d expects kernelSize as a pair {h, w} of positive ints; received (3,)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Conv2d(0, 6, 3, new Random(0)));
    }

    @Test
    void conv2dRepr() {
        assertEquals("Conv2d(inChannels=1, outChannels=6, kernelSize=(5, 5))", new Conv2d(1, 6, 5, new Random(0)).toString());
        Conv2d full = new Conv2d(4, 8, new int[] {3, 3}, new int[] {2, 2}, Padding.of(1), new int[] {2, 2}, 2, false, new Random(0));
        assertEquals("inChannels=4, outChannels=8, kernelSize=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(2, 2), groups=2, bias=false",
                full.extraRepr());
        Conv2d same = new Conv2d(1, 1, 3, 1, Padding.SAME, new Random(0));
        assertEquals("inChannels=1, outChannels=1, kernelSize=(3, 3), padding=same", same.extraRepr());
    }

    @Test
    void conv1dParametersAndValidation() {
        Conv1d c = new Conv1d(4, 6, 3, new Random(0));
        assertArrayEquals(new int[] {6, 4, 3}, c.weight.shape());
        assertEquals(6 * 4 * 3 + 6, c.parameterCount());
        double bound = 1 / Math.sqrt(12);
        assertTrue(maxAbs(c.weight) <= bound * (1 + 1e-6) && maxAbs(c.bias) <= bound * (1 + 1e-6));
        assertEquals(8, c.outputSize(10));
        Conv1d same = new Conv1d(2, 2, 4, 1, Padding.SAME, 1, 2, false, new Random(0));
        assertArrayEquals(new int[] {1, 2}, same.resolvedPadding());
        assertEquals(7, same.outputSize(7));
        assertArrayEquals(new int[] {2, 1, 4}, same.weight.shape());
        assertEquals("inChannels=2, outChannels=2, kernelSize=4, padding=same, groups=2, bias=false", same.extraRepr());
        assertEquals("inChannels=4, outChannels=6, kernelSize=3, stride=2, padding=1", new Conv1d(4, 6, 3, 2, 1, new Random(0)).extraRepr());

        var e = assertThrows(IllegalArgumentException.class, () -> c.forward(Tensor.zeros(2, 3, 10)));
        assertEquals("Conv1d expects input of shape (N, 4, L); received (2, 3, 10) (inChannels=4, outChannels=6, kernelSize=3)",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> c.forward(Tensor.zeros(2, 4, 2)));
        assertTrue(e.getMessage().startsWith("Conv1d expects a padded input length of at least 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Conv1d(2, 2, 3, 1, Padding.of(1, 2), 1, 1, true, new Random(0)));
        assertThrows(IllegalArgumentException.class, () -> new Conv1d(2, 2, 3, 2, Padding.SAME, 1, 1, true, new Random(0)));
    }

    // ------------------------------------------------------------------ computation (fused op)

    @Test
    void onesKernelByHandThroughFusedOp() {
        // DJL's tiny case: 4x4 ones, 3x3 ones kernel, bias 0.5 -> 2x2 of 9.5; with padding 1 the border sees fewer ones
        Conv2d c = new Conv2d(1, 1, 3, new Random(0));
        Init.ones(c.weight);
        Init.constant(c.bias, 0.5f);
        Tensor y = c.forward(Tensor.ones(1, 1, 4, 4));
        assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape());
        assertArrayEquals(new float[] {9.5f, 9.5f, 9.5f, 9.5f}, y.data(), 1e-6f);

        Conv2d p = new Conv2d(1, 1, 3, 1, 1, new Random(0));
        Init.ones(p.weight);
        Init.zeros(p.bias);
        float[] expected = {4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4};
        assertArrayEquals(expected, p.forward(Tensor.ones(1, 1, 4, 4)).data(), 1e-6f);
    }

    @Test
    void conv2dMatchesReferenceThroughFusedOp() {
        Random r = new Random(3);
        record Case(int c, int oc, int[] k, int[] s, Padding p, int[] d, int g, boolean bias, int h, int w) {}
        List<Case> cases = List.of(
                new Case(3, 4, new int[] {3, 3}, new int[] {1, 1}, Padding.of(1), new int[] {1, 1}, 1, true, 7, 6),
                new Case(2, 3, new int[] {5, 3}, new int[] {2, 3}, Padding.of(2, 1), new int[] {1, 1}, 1, true, 11, 10),
                new Case(2, 2, new int[] {4, 4}, new int[] {1, 1}, Padding.SAME, new int[] {1, 1}, 1, false, 6, 5),
                new Case(4, 6, new int[] {3, 3}, new int[] {1, 2}, Padding.VALID, new int[] {2, 1}, 2, true, 9, 9),
                new Case(4, 4, new int[] {3, 3}, new int[] {1, 1}, Padding.SAME, new int[] {2, 2}, 4, true, 5, 5));
        for (Case k : cases) {
            Conv2d conv = new Conv2d(k.c, k.oc, k.k, k.s, k.p, k.d, k.g, k.bias, r);
            Tensor x = Tensor.randn(r, 2, k.c, k.h, k.w);
            Tensor y = conv.forward(x);
            int[] os = conv.outputSize(k.h, k.w);
            assertArrayEquals(new int[] {2, k.oc, os[0], os[1]}, y.shape(), k.toString());
            float[] ref = Reference.conv2d(x, conv.weight, conv.bias, k.s, conv.resolvedPadding(), k.d, k.g);
            Reference.assertClose(ref, y.data(), 1e-4, k.toString());
        }
    }

    @Test
    void conv2dGradientsThroughFusedOp() {
        Random r = new Random(4);
        Conv2d conv = new Conv2d(4, 4, new int[] {3, 2}, new int[] {2, 1}, Padding.of(1, 0, 2, 1), new int[] {1, 2}, 2, true, r);
        GradCheck.check(in -> conv.forward(in[0]), GradCheck.input(5, 2, 4, 6, 5), conv.weight, conv.bias);
        Conv2d same = new Conv2d(2, 3, 4, 1, Padding.SAME, r);
        GradCheck.check(in -> same.forward(in[0]), GradCheck.input(6, 1, 2, 5, 5), same.weight, same.bias);
    }

    @Test
    void conv1dMatchesReferenceAndGradientsThroughFusedOp() {
        Random r = new Random(7);
        Conv1d conv = new Conv1d(4, 6, 3, 2, Padding.of(2), 2, 2, true, r);
        Tensor x = Tensor.randn(r, 3, 4, 13);
        Tensor y = conv.forward(x);
        assertArrayEquals(new int[] {3, 6, conv.outputSize(13)}, y.shape());
        float[] ref = Reference.conv2d(x.reshape(3, 4, 1, 13), conv.weight.reshape(6, 2, 1, 3), conv.bias,
                new int[] {1, 2}, new int[] {0, 2, 0, 2}, new int[] {1, 2}, 2);
        Reference.assertClose(ref, y.data(), 1e-4, "conv1d");
        Conv1d same = new Conv1d(2, 3, 4, 1, Padding.SAME, 1, 1, true, r);
        assertArrayEquals(new int[] {2, 3, 9}, same.forward(Tensor.randn(r, 2, 2, 9)).shape());
        GradCheck.check(in -> conv.forward(in[0]), GradCheck.input(8, 2, 4, 9), conv.weight, conv.bias);
    }
}
