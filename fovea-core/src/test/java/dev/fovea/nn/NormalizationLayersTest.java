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
 * BatchNorm1d/2d and LocalResponseNorm. Tests whose names end in {@code ThroughFusedOp} need the fused
 * {@code Tensor.batchNorm}/{@code localResponseNorm}; the others check state, shapes and validation.
 */
class NormalizationLayersTest {

    // ------------------------------------------------------------------ state and validation

    @Test
    void batchNormStateMatchesPyTorchKeysAndInitialValues() {
        BatchNorm2d bn = new BatchNorm2d(3);
        assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(bn.stateDict().keySet()));
        assertEquals(List.of("weight", "bias"), List.copyOf(bn.namedParameters().keySet()));
        assertEquals(6, bn.parameterCount());
        assertArrayEquals(new float[] {1, 1, 1}, bn.weight.data());
        assertArrayEquals(new float[] {0, 0, 0}, bn.bias.data());
        assertArrayEquals(new float[] {0, 0, 0}, bn.runningMean.data());
        assertArrayEquals(new float[] {1, 1, 1}, bn.runningVar.data());
        assertArrayEquals(new int[0], bn.numBatchesTracked.shape());
        assertEquals(0f, bn.numBatchesTracked.item());
        assertTrue(!bn.runningMean.requiresGrad() && !bn.numBatchesTracked.requiresGrad());
        assertEquals(1e-5f, bn.eps);
        assertEquals(0.1f, bn.momentum);
        // inside a Sequential the keys are prefixed like PyTorch's
        Sequential s = new Sequential(new Conv2d(1, 3, 3, new Random(0)), bn);
        assertTrue(s.stateDict().containsKey("1.running_var") && s.stateDict().containsKey("1.num_batches_tracked"));

        BatchNorm1d plain = new BatchNorm1d(4, 1e-3f, 0.01f, false);
        assertNull(plain.weight);
        assertNull(plain.bias);
        assertEquals(0, plain.parameterCount());
        assertEquals(List.of("running_mean", "running_var", "num_batches_tracked"), List.copyOf(plain.stateDict().keySet()));
        assertEquals("BatchNorm1d(numFeatures=4, eps=0.001, momentum=0.01, affine=false)", plain.toString());
    }

    @Test
    void batchNormValidation() {
        BatchNorm2d bn = new BatchNorm2d(16);
        var e = assertThrows(IllegalArgumentException.class, () -> bn.forward(Tensor.zeros(8, 3, 4, 4)));
        assertEquals("BatchNorm2d expects input of shape (N, 16, H, W); received (8, 3, 4, 4) (numFeatures=16)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchNorm1d(5).forward(Tensor.zeros(2, 5, 3, 3)));
        assertEquals("BatchNorm1d expects input of shape (N, 5) or (N, 5, L); received (2, 5, 3, 3) (numFeatures=5)", e.getMessage());
        // one value per channel cannot be normalised in training (PyTorch refuses too); the counter is untouched
        BatchNorm1d one = new BatchNorm1d(5);
        e = assertThrows(IllegalArgumentException.class, () -> one.forward(Tensor.zeros(1, 5)));
        assertTrue(e.getMessage().startsWith("BatchNorm1d expects more than 1 value per channel when training; received input (1, 5)"),
                e.getMessage());
        assertEquals(0f, one.numBatchesTracked.item());
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(0));
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(3, 0f, 0.1f, true));
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(3, 1e-5f, 1.5f, true));
    }

    @Test
    void lrnHyperparametersAndValidation() {
        LocalResponseNorm lrn = new LocalResponseNorm(5);
        assertEquals(1e-4f, lrn.alpha);
        assertEquals(0.75f, lrn.beta);
        assertEquals(1f, lrn.k);
        assertEquals(0, lrn.parameterCount());
        assertEquals("LocalResponseNorm(size=5, alpha=1.0E-4, beta=0.75, k=1.0)", lrn.toString());
        var e = assertThrows(IllegalArgumentException.class, () -> lrn.forward(Tensor.zeros(4, 3)));
        assertEquals("LocalResponseNorm expects input of shape (N, C, H, W) or (N, C, L); received (4, 3) "
                + "(size=5, alpha=1.0E-4, beta=0.75, k=1.0)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LocalResponseNorm(0));
    }

    // ------------------------------------------------------------------ computation (fused ops)

    @Test
    void batchNorm2dTrainingNormalisesAndUpdatesRunningStatsThroughFusedOp() {
        Random r = new Random(1);
        BatchNorm2d bn = new BatchNorm2d(3);
        Init.fromArray(bn.weight, 1.5f, 0.5f, 2f);
        Init.fromArray(bn.bias, 0.1f, -0.2f, 0.3f);
        Tensor x = Tensor.randn(r, 4, 3, 5, 2).mul(3f).add(1f);
        Tensor y = bn.forward(x);
        Reference.assertClose(Reference.batchNormTrain(x, bn.weight.data(), bn.bias.data(), 1e-5f), y.data(), 1e-4, "bn2d train");
        int count = 4 * 5 * 2;
        for (int c = 0; c < 3; c++) {
            double[] mv = Reference.meanVar(x, c);
            assertEquals(0.1 * mv[0], bn.runningMean.data()[c], 1e-5);
            // PyTorch stores the unbiased variance in running_var
            assertEquals(0.9 + 0.1 * mv[1] * count / (count - 1), bn.runningVar.data()[c], 1e-4);
        }
        assertEquals(1f, bn.numBatchesTracked.item());
        bn.forward(x);
        assertEquals(2f, bn.numBatchesTracked.item());
    }

    @Test
    void batchNormEvalUsesRunningStatsThroughFusedOp() {
        BatchNorm2d bn = new BatchNorm2d(2);
        Init.fromArray(bn.runningMean, 1f, -2f);
        Init.fromArray(bn.runningVar, 4f, 0.25f);
        Init.fromArray(bn.weight, 2f, 1f);
        Init.fromArray(bn.bias, 0f, 1f);
        bn.eval();
        Tensor x = Tensor.of(new float[] {3f, 5f, -2f, -1f}, 1, 2, 2, 1); // a batch of one is fine in eval
        Tensor y = bn.forward(x);
        double s0 = 2 / Math.sqrt(4 + 1e-5), s1 = 1 / Math.sqrt(0.25 + 1e-5);
        assertArrayEquals(new float[] {(float) (2 * s0), (float) (4 * s0), 1f, (float) (s1 + 1)}, y.data(), 1e-5f);
        assertEquals(0f, bn.numBatchesTracked.item());
        assertArrayEquals(new float[] {1f, -2f}, bn.runningMean.data());
    }

    @Test
    void batchNorm1dOnFeaturesAndSequencesThroughFusedOp() {
        Random r = new Random(2);
        BatchNorm1d bn = new BatchNorm1d(4);
        Tensor feats = Tensor.randn(r, 6, 4);
        Tensor y = bn.forward(feats);
        assertArrayEquals(new int[] {6, 4}, y.shape());
        Reference.assertClose(Reference.batchNormTrain(feats, null, null, 1e-5f), y.data(), 1e-4, "bn1d (N, C)");
        Tensor seq = Tensor.randn(r, 3, 4, 5);
        Tensor z = bn.forward(seq);
        assertArrayEquals(new int[] {3, 4, 5}, z.shape());
        Reference.assertClose(Reference.batchNormTrain(seq, null, null, 1e-5f), z.data(), 1e-4, "bn1d (N, C, L)");
        assertEquals(2f, bn.numBatchesTracked.item());
    }

    @Test
    void batchNormGradientsThroughFusedOp() {
        BatchNorm2d bn = new BatchNorm2d(3);
        Init.fromArray(bn.weight, 1.2f, 0.7f, -0.5f);
        Init.fromArray(bn.bias, 0.1f, 0.2f, 0.3f);
        GradCheck.check(in -> bn.forward(in[0]), GradCheck.input(3, 3, 3, 2, 2), bn.weight, bn.bias);
        BatchNorm1d bn1 = new BatchNorm1d(2);
        GradCheck.check(in -> bn1.forward(in[0]), GradCheck.input(4, 5, 2), bn1.weight, bn1.bias);
    }

    @Test
    void lrnMatchesReferenceThroughFusedOp() {
        Tensor x = GradCheck.input(5, 2, 7, 3, 3).mul(4f).detach().requiresGrad(true);
        for (int size : new int[] {1, 2, 5}) {
            LocalResponseNorm lrn = new LocalResponseNorm(size, 0.3f, 0.75f, 2f);
            Reference.assertClose(Reference.lrn(x, size, 0.3, 0.75, 2), lrn.forward(x).data(), 1e-5, "lrn size " + size);
        }
        Tensor seq = GradCheck.input(6, 2, 6, 4);
        LocalResponseNorm lrn = new LocalResponseNorm(3, 0.5f, 0.75f, 1f);
        Reference.assertClose(Reference.lrn(seq, 3, 0.5, 0.75, 1), lrn.forward(seq).data(), 1e-5, "lrn (N, C, L)");
        GradCheck.check(in -> lrn.forward(in[0]), GradCheck.input(7, 2, 5, 2, 2));
    }
}
