package dev.fovea.train;

import dev.fovea.kernels.Parallel;
import dev.fovea.models.LeNet5;
import dev.fovea.models.SmallCnn;
import dev.fovea.nn.Losses;
import dev.fovea.nn.Module;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataParallelTest {

    private static final int BATCH = 7;

    private final SplittableRandom rng = new SplittableRandom(11);
    private final LeNet5 model = new LeNet5(10, new SplittableRandom(3));
    private final Tensor images = Tensor.randn(rng, BATCH, 1, LeNet5.INPUT_SIZE, LeNet5.INPUT_SIZE);
    private final int[] labels = {3, 1, 4, 1, 5, 9, 2};

    /** The parameters' gradients after {@code run}, from zero, copied. */
    private List<float[]> gradients(Runnable run) {
        for (Tensor p : model.parameters()) p.clearGrad();
        run.run();
        List<float[]> out = new ArrayList<>();
        for (Tensor p : model.parameters()) out.add(p.gradBuffer().clone());
        return out;
    }

    @Test
    void shardsGiveTheWholeBatchsLossAndGradient() {
        model.train();
        float[] whole = new float[1];
        List<float[]> expected = gradients(() -> {
            Tensor loss = Losses.crossEntropy(model.forward(images), labels);
            whole[0] = loss.item();
            loss.backward();
        });
        long expectedCorrect = DataParallel.countCorrect(model.forward(images), labels);
        for (int shards : new int[] {1, 2, 3, 7, 9}) { // 7 samples: equal, uneven, one each, empty shards
            DataParallel step = new DataParallel(model, LossFunction.crossEntropy(), shards);
            DataParallel.Result[] result = new DataParallel.Result[1];
            List<float[]> actual = gradients(() -> result[0] = step.forwardBackward(images, labels));
            assertEquals(whole[0], result[0].loss(), 1e-5f * Math.abs(whole[0]), shards + " shards: loss");
            assertEquals(expectedCorrect, result[0].correct(), shards + " shards: correct");
            for (int i = 0; i < expected.size(); i++) {
                float[] e = expected.get(i), a = actual.get(i);
                for (int j = 0; j < e.length; j++) {
                    assertEquals(e[j], a[j], 1e-6f + 1e-4f * Math.abs(e[j]), shards + " shards: parameter " + i + "[" + j + "]");
                }
            }
        }
    }

    @Test
    void gradientsAddToWhatTheParametersHold() {
        model.train();
        DataParallel step = new DataParallel(model, LossFunction.crossEntropy(), 2);
        List<float[]> once = gradients(() -> step.forwardBackward(images, labels));
        List<float[]> twice = gradients(() -> {
            step.forwardBackward(images, labels);
            step.forwardBackward(images, labels);
        });
        for (int i = 0; i < once.size(); i++) {
            float[] o = once.get(i), t = twice.get(i);
            for (int j = 0; j < o.length; j++) assertEquals(2 * o[j], t[j], 1e-6f + 1e-5f * Math.abs(o[j]));
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        model.train();
        DataParallel step = new DataParallel(model, LossFunction.crossEntropy(), 3);
        List<List<float[]>> runs = new ArrayList<>();
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.withThreads(threads, () -> runs.add(gradients(() -> step.forwardBackward(images, labels))));
        }
        for (int r = 1; r < runs.size(); r++) {
            for (int i = 0; i < runs.get(0).size(); i++) {
                assertArrayEquals(runs.get(0).get(i), runs.get(r).get(i), "parameter " + i + ", run " + r);
            }
        }
    }

    @Test
    void refusesLayersThatMixTheSamplesOfABatch() {
        Module bn = new SmallCnn(10, new SplittableRandom(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DataParallel(bn, LossFunction.crossEntropy(), 2));
        assertTrue(e.getMessage().contains("'features.1' (BatchNorm2d)"), e.getMessage());
        bn.eval(); // frozen statistics and no dropout: every sample on its own
        new DataParallel(bn, LossFunction.crossEntropy(), 2);
    }

    @Test
    void refusesBadArgumentsWithoutTouchingTheGradients() {
        model.train();
        DataParallel step = new DataParallel(model, LossFunction.crossEntropy(), 2);
        assertThrows(IllegalArgumentException.class, () -> new DataParallel(model, LossFunction.crossEntropy(), 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> step.forwardBackward(images, new int[] {1, 2}));
        assertTrue(e.getMessage().contains("7 labels; received 2"), e.getMessage());
        Tensor needsGrad = images.copy().requiresGrad(true);
        assertThrows(IllegalArgumentException.class, () -> step.forwardBackward(needsGrad, labels));
        try (NoGrad _ = NoGrad.enter()) {
            assertThrows(IllegalStateException.class, () -> step.forwardBackward(images, labels));
        }
        Tensor withNaN = images.copy();
        withNaN.data()[5 * 32 * 32] = Float.NaN; // sample 5: the second shard
        for (Tensor p : model.parameters()) p.clearGrad();
        assertTrue(Float.isNaN(step.forwardBackward(withNaN, labels).loss()), "the second shard's loss is NaN");
        for (Tensor p : model.parameters()) assertNull(p.grad(), "no gradient added after a non-finite loss");
    }
}
