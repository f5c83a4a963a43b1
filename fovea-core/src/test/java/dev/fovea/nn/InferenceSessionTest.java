package dev.fovea.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.ScalarKernels;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InferenceSessionTest {

    /**
     * Convolutions on every path of the kernels: a stride-1 3x3 with more than 16 output channels
     * (the packed GEMM), a stride-2 3x3 and a 1x1 (im2col and pointwise), a grouped one; batch
     * norm so that eval mode matters.
     */
    private static Module model(SplittableRandom rng) {
        return new Sequential(
                new Conv2d(3, 24, 3, 1, 1, rng), new BatchNorm2d(24), new ReLU(),
                new Conv2d(24, 32, 3, 2, 1, rng), new ReLU(),
                new Conv2d(32, 40, 1, 1, 0, rng),
                new Conv2d(40, 40, new int[] {3, 3}, new int[] {1, 1}, Padding.of(1), new int[] {1, 1}, 4, true, rng),
                new GlobalAvgPool2d(), new Flatten(), new Linear(40, 10, rng));
    }

    @Test
    void runGivesTheModulesEvalForwardPass() {
        SplittableRandom rng = new SplittableRandom(3);
        Module model = model(rng);
        Tensor warm = Tensor.randn(rng, 4, 3, 20, 20);
        model.forward(warm); // batch statistics move the running ones, so eval differs from train
        Tensor x = Tensor.randn(rng, 2, 3, 20, 20);
        model.eval();
        Tensor expected;
        try (NoGrad _ = NoGrad.enter()) {
            expected = model.forward(x);
        }
        model.train();
        try (InferenceSession session = InferenceSession.of(model)) {
            assertFalse(model.isTraining(), "a session runs the module in eval mode");
            for (Tensor input : new Tensor[] {x, Tensor.randn(rng, 5, 3, 20, 20), x}) { // batch sizes share the packing
                Tensor actual = session.run(input);
                assertFalse(actual.requiresGrad(), "nothing is recorded for backward");
                if (input == x) assertClose(expected.data(), actual.data());
            }
        }
        assertTrue(model.isTraining(), "closing restores the training mode");
    }

    /**
     * Intermediate outputs are reused from run to run, results never: a model that ends in a
     * convolution (whose output array a session would otherwise hand out again), run three times,
     * keeps every earlier result intact and gives the module's own forward pass each time.
     */
    @Test
    void earlierResultsSurviveLaterRuns() {
        SplittableRandom rng = new SplittableRandom(5);
        Module model = new Sequential(new Conv2d(3, 8, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 6, 3, 1, 1, rng));
        model.eval();
        Tensor x = Tensor.randn(rng, 2, 3, 10, 10), y = Tensor.randn(rng, 2, 3, 10, 10);
        Tensor expectedX, expectedY;
        try (NoGrad _ = NoGrad.enter()) {
            expectedX = model.forward(x);
            expectedY = model.forward(y);
        }
        try (InferenceSession session = InferenceSession.of(model)) {
            Tensor first = session.run(x), second = session.run(y), third = session.run(x);
            assertClose(expectedX.data(), first.data());
            assertClose(expectedY.data(), second.data());
            assertClose(expectedX.data(), third.data());
        }
    }

    @Test
    void closedSessionRefusesToRunAndReleasesTheWeights() {
        SplittableRandom rng = new SplittableRandom(4);
        Module model = model(rng);
        model.eval();
        Tensor x = Tensor.randn(rng, 1, 3, 12, 12);
        InferenceSession session = InferenceSession.of(model);
        session.run(x);
        session.close();
        session.close(); // twice: nothing more happens
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> session.run(x));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertFalse(model.isTraining(), "a module in eval mode before stays so");
        // released: a weight changed after the session is used as it is now (checked against the
        // reference kernels, which never hold a packed copy)
        Conv2d first = (Conv2d) model.children().values().iterator().next();
        float[] w = first.weight.data();
        for (int i = 0; i < w.length; i++) w[i] *= -3f;
        float[] expected = new float[1 * 24 * 12 * 12];
        new ScalarKernels().conv2dForward(expected, x.data(), w, first.bias.data(), ConvGeometry.of(1, 3, 12, 12, 24, 3, 1, 1));
        try (NoGrad _ = NoGrad.enter()) {
            assertClose(expected, first.forward(x).data());
        }
    }

    @Test
    void nullModuleIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InferenceSession.of(null));
        assertEquals("InferenceSession expects a module; received null", e.getMessage());
    }

    /** Equal within 1e-5 relative (and 1e-5 absolute near zero), element by element. */
    static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            float tolerance = 1e-5f * (1 + Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tolerance,
                    "element " + i + ": expected " + expected[i] + ", received " + actual[i]);
        }
    }
}
