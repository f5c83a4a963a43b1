package dev.fovea.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batch normalisation (train and eval) and local response normalisation. */
class NormFnTest {

    // ------------------------------------------------------------------ batch norm by hand

    @Test
    void trainingNormalisesWithBatchStatsAndUpdatesRunningStats() {
        // one channel holding 1, 2, 3, 4: mean 2.5, biased var 1.25, unbiased var 5/3
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 4, 1);
        Tensor runningMean = Tensor.zeros(1), runningVar = Tensor.ones(1);
        Tensor y = x.batchNorm(runningMean, runningVar, null, null, true, 0.1f, 0f);
        float s = (float) Math.sqrt(1.25);
        assertArrayEquals(new float[] {-1.5f / s, -0.5f / s, 0.5f / s, 1.5f / s}, y.data(), 1e-6f);
        assertEquals(0.9f * 0f + 0.1f * 2.5f, runningMean.item(), 1e-6f);
        assertEquals(0.9f * 1f + 0.1f * (5f / 3f), runningVar.item(), 1e-6f);   // unbiased, as PyTorch
    }

    @Test
    void evalUsesRunningStatsAndLeavesThemAlone() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 4, 1);
        Tensor runningMean = Tensor.full(0.5f, 1), runningVar = Tensor.full(4f, 1);
        Tensor gamma = Tensor.full(3f, 1), beta = Tensor.full(-1f, 1);
        Tensor y = x.batchNorm(runningMean, runningVar, gamma, beta, false, 0.1f, 0f);
        // (x - 0.5) / 2 * 3 - 1
        assertArrayEquals(new float[] {-0.25f, 1.25f, 2.75f, 4.25f}, y.data(), 1e-6f);
        assertEquals(0.5f, runningMean.item());
        assertEquals(4f, runningVar.item());
    }

    @Test
    void statisticsRunOverBatchAndSpatialDimensionsPerChannel() {
        // (N=2, C=2, H=1, W=2): channel 0 holds 0, 2, 4, 6 and channel 1 holds 10, 10, 30, 30
        Tensor x = Tensor.of(new float[] {0, 2, 10, 10, 4, 6, 30, 30}, 2, 2, 1, 2);
        Tensor runningMean = Tensor.zeros(2), runningVar = Tensor.zeros(2);
        Tensor y = x.batchNorm(runningMean, runningVar, null, null, true, 1f, 0f);
        float s0 = (float) Math.sqrt(5), s1 = 10f;                         // biased vars 5 and 100
        assertArrayEquals(new float[] {-3 / s0, -1 / s0, -1, -1, 1 / s0, 3 / s0, 1, 1}, y.data(), 1e-6f);
        // momentum 1: the running stats become the batch stats (variance unbiased: * 4/3)
        assertArrayEquals(new float[] {3, 20}, runningMean.data(), 1e-5f);
        assertArrayEquals(new float[] {20f / 3f, 400f / 3f}, runningVar.data(), 1e-4f);
    }

    @Test
    void trainingGradientOfTheSumIsZero() {
        // without gamma/beta, sum(y) is 0 whatever x is, so its gradient vanishes (the batch-stats path matters)
        Tensor x = GradCheck.input(1, 5, 3);
        x.batchNorm(null, null, null, null, true, 0.1f, 1e-5f).sum().backward();
        for (float g : x.grad().data()) assertEquals(0f, g, 1e-5f);
        // whereas in eval mode each element passes gradient 1/sqrt(var + eps)
        Tensor x2 = GradCheck.input(1, 5, 3);
        x2.batchNorm(Tensor.zeros(3), Tensor.full(0.25f, 3), null, null, false, 0.1f, 0f).sum().backward();
        for (float g : x2.grad().data()) assertEquals(2f, g, 1e-6f);
    }

    // ------------------------------------------------------------------ batch norm gradient checks

    @Test
    void gradTrainingAllLayouts() {
        GradCheck.check(t -> t[0].batchNorm(Tensor.zeros(3), Tensor.ones(3), t[1], t[2], true, 0.1f, 1e-5f),
                GradCheck.input(1, 6, 3), GradCheck.input(2, 3), GradCheck.input(3, 3));
        GradCheck.check(t -> t[0].batchNorm(Tensor.zeros(2), Tensor.ones(2), t[1], t[2], true, 0.1f, 1e-5f),
                GradCheck.input(4, 3, 2, 5), GradCheck.input(5, 2), GradCheck.input(6, 2));
        GradCheck.check(t -> t[0].batchNorm(Tensor.zeros(3), Tensor.ones(3), t[1], t[2], true, 0.1f, 1e-5f),
                GradCheck.input(7, 2, 3, 3, 3), GradCheck.input(8, 3), GradCheck.input(9, 3));
    }

    @Test
    void gradTrainingWithoutAffineOrRunningStats() {
        GradCheck.check(t -> t[0].batchNorm(null, null, null, null, true, 0.1f, 1e-5f), GradCheck.input(10, 2, 3, 2, 3));
    }

    @Test
    void gradEval() {
        Tensor runningMean = Tensor.of(new float[] {0.1f, -0.2f, 0.3f}, 3);
        Tensor runningVar = Tensor.of(new float[] {0.5f, 1.5f, 2f}, 3);
        GradCheck.check(t -> t[0].batchNorm(runningMean, runningVar, t[1], t[2], false, 0.1f, 1e-5f),
                GradCheck.input(11, 2, 3, 2, 2), GradCheck.input(12, 3), GradCheck.input(13, 3));
        GradCheck.check(t -> t[0].batchNorm(runningMean, runningVar, null, null, false, 0.1f, 1e-5f),
                GradCheck.input(14, 4, 3));
    }

    /**
     * The fused batch norm (+ residual) + ReLU is the three operations one after the other: the
     * same outputs and running statistics, and the same gradients for the input, gamma, beta and
     * the residual (within rounding: the fused backward sums the masked gradient in another order),
     * in training and eval mode.
     */
    @Test
    void batchNormAddReluIsTheSeparateOperations() {
        for (boolean training : new boolean[] {true, false}) {
            for (boolean withResidual : new boolean[] {false, true}) {
                Tensor[] fused = batchNormAddRelu(training, withResidual, true);
                Tensor[] separate = batchNormAddRelu(training, withResidual, false);
                String what = "training=" + training + " residual=" + withResidual;
                assertArrayEquals(separate[0].data(), fused[0].data(), what + ": output");
                assertArrayEquals(separate[1].data(), fused[1].data(), what + ": running mean");
                assertArrayEquals(separate[2].data(), fused[2].data(), what + ": running variance");
                for (int i = 3; i < fused.length; i++) {
                    if (separate[i] == null) continue;
                    float[] e = separate[i].grad().data(), a = fused[i].grad().data();
                    for (int j = 0; j < e.length; j++) {
                        assertEquals(e[j], a[j], 1e-5f * (1 + Math.abs(e[j])), what + ": gradient " + i + " at " + j);
                    }
                }
            }
        }
    }

    /** {output, running mean, running variance, x, gamma, beta, residual (or null)} after a backward pass. */
    private static Tensor[] batchNormAddRelu(boolean training, boolean withResidual, boolean fused) {
        Tensor x = GradCheck.input(31, 4, 3, 5, 6), gamma = GradCheck.input(32, 3), beta = GradCheck.input(33, 3);
        Tensor residual = withResidual ? GradCheck.input(34, 4, 3, 5, 6) : null;
        Tensor runningMean = Tensor.of(new float[] {0.1f, -0.2f, 0.3f}, 3), runningVar = Tensor.of(new float[] {1.5f, 0.5f, 2f}, 3);
        Tensor y;
        if (fused) {
            y = withResidual ? x.batchNormAddRelu(runningMean, runningVar, gamma, beta, training, 0.1f, 1e-5f, residual)
                    : x.batchNormRelu(runningMean, runningVar, gamma, beta, training, 0.1f, 1e-5f);
        } else {
            y = x.batchNorm(runningMean, runningVar, gamma, beta, training, 0.1f, 1e-5f);
            y = (withResidual ? y.add(residual) : y).relu();
        }
        y.backward(GradCheck.input(35, 4, 3, 5, 6).detach());
        return new Tensor[] {y, runningMean, runningVar, x, gamma, beta, residual};
    }

    @Test
    void gradBatchNormRelu() {
        GradCheck.check(t -> t[0].batchNormRelu(Tensor.zeros(3), Tensor.ones(3), t[1], t[2], true, 0.1f, 1e-5f),
                GradCheck.input(36, 4, 3, 2, 3), GradCheck.input(37, 3), GradCheck.input(38, 3));
        GradCheck.check(t -> t[0].batchNormAddRelu(Tensor.zeros(3), Tensor.ones(3), t[1], t[2], true, 0.1f, 1e-5f, t[3]),
                GradCheck.input(39, 4, 3, 2, 3), GradCheck.input(40, 3), GradCheck.input(41, 3),
                GradCheck.input(42, 4, 3, 2, 3));
        Tensor runningMean = Tensor.of(new float[] {0.1f, -0.2f}, 2), runningVar = Tensor.of(new float[] {1.5f, 0.5f}, 2);
        GradCheck.check(t -> t[0].batchNormAddRelu(runningMean, runningVar, t[1], t[2], false, 0.1f, 1e-5f, t[3]),
                GradCheck.input(43, 3, 2, 4), GradCheck.input(44, 2), GradCheck.input(45, 2), GradCheck.input(46, 3, 2, 4));
    }

    @Test
    void batchNormAddReluMessages() {
        Tensor x = Tensor.zeros(2, 3, 4, 4);
        assertEquals("batchNorm expects a residual of the input's shape (2, 3, 4, 4); received (2, 3, 4, 5)",
                assertThrows(IllegalArgumentException.class, () -> x.batchNormAddRelu(null, null, null, null, true, 0.1f,
                        1e-5f, Tensor.zeros(2, 3, 4, 5))).getMessage());
        assertEquals("batchNormAddRelu expects a residual tensor; received null",
                assertThrows(IllegalArgumentException.class, () -> x.batchNormAddRelu(null, null, null, null, true, 0.1f,
                        1e-5f, null)).getMessage());
    }

    @Test
    void runningStatsNeverGetGradients() {
        Tensor runningMean = Tensor.zeros(2).requiresGrad(true), runningVar = Tensor.ones(2).requiresGrad(true);
        Tensor x = GradCheck.input(15, 3, 2);
        x.batchNorm(runningMean, runningVar, null, null, false, 0.1f, 1e-5f).sum().backward();
        assertNull(runningMean.grad());
        assertNull(runningVar.grad());
    }

    @Test
    void batchNormMessages() {
        Tensor x = Tensor.zeros(4, 3, 2, 2);
        assertEquals("batchNorm expects runningMean of shape (3,) for input (4, 3, 2, 2); received (4,)",
                assertThrows(IllegalArgumentException.class,
                        () -> x.batchNorm(Tensor.zeros(4), Tensor.ones(4), null, null, true, 0.1f, 1e-5f)).getMessage());
        assertEquals("batchNorm expects input of shape (N, C), (N, C, L) or (N, C, H, W); received (3,)",
                assertThrows(IllegalArgumentException.class,
                        () -> Tensor.zeros(3).batchNorm(null, null, null, null, true, 0.1f, 1e-5f)).getMessage());
        assertEquals("batchNorm in training mode expects more than 1 value per channel; received input (1, 3)",
                assertThrows(IllegalArgumentException.class,
                        () -> Tensor.zeros(1, 3).batchNorm(null, null, null, null, true, 0.1f, 1e-5f)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> x.batchNorm(null, null, null, null, false, 0.1f, 1e-5f)).getMessage().contains("eval mode"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> x.batchNorm(Tensor.zeros(3), Tensor.ones(3), null, Tensor.zeros(2), true, 0.1f, 1e-5f))
                .getMessage().contains("beta of shape (3,)"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> x.batchNorm(Tensor.zeros(3), Tensor.ones(3), null, null, true, 1.5f, 1e-5f))
                .getMessage().contains("momentum in [0, 1]; received 1.5"));
    }

    // ------------------------------------------------------------------ local response normalisation

    @Test
    void lrnByHand() {
        // channels 1, 2, 3 at one pixel, size 3, alpha 3 (alpha/size = 1), beta 1, k 1:
        // windows {0,1}, {0,1,2}, {1,2} -> 1 / (1 + 5), 2 / (1 + 14), 3 / (1 + 13)
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3, 1, 1);
        assertArrayEquals(new float[] {1 / 6f, 2 / 15f, 3 / 14f}, x.localResponseNorm(3, 3f, 1f, 1f).data(), 1e-6f);
        // beta 0 makes it the identity, and a (N, C, L) input works too
        Tensor seq = GradCheck.input(1, 2, 4, 3);
        assertArrayEquals(seq.data(), seq.localResponseNorm(5, 1e-4f, 0f, 2f).data(), 1e-6f);
    }

    @Test
    void gradLrn() {
        // AlexNet's constants (size 5, beta 0.75, k 2) with a large alpha so the cross-channel terms matter
        GradCheck.check(t -> t[0].localResponseNorm(5, 1f, 0.75f, 2f), GradCheck.input(21, 2, 7, 2, 3));
        // even size: the window [c - 1, c] is asymmetric, and its mirror image appears in the backward
        GradCheck.check(t -> t[0].localResponseNorm(2, 2f, 1f, 1f), GradCheck.input(22, 1, 4, 3, 2));
        // window wider than the channel count, on (N, C, L)
        GradCheck.check(t -> t[0].localResponseNorm(7, 0.5f, 0.6f, 1f), GradCheck.input(23, 2, 3, 5));
    }

    @Test
    void lrnMessages() {
        assertEquals("localResponseNorm expects input of shape (N, C, L) or (N, C, H, W); received (2, 3)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).localResponseNorm(5, 1e-4f, 0.75f, 2f))
                        .getMessage());
        assertEquals("localResponseNorm expects size >= 1; received 0",
                assertThrows(IllegalArgumentException.class,
                        () -> Tensor.zeros(1, 3, 2, 2).localResponseNorm(0, 1e-4f, 0.75f, 2f)).getMessage());
    }
}
