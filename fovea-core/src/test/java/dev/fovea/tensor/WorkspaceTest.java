package dev.fovea.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fovea.models.BasicBlock;
import dev.fovea.models.ResNet;
import dev.fovea.nn.BatchNorm2d;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Flatten;
import dev.fovea.nn.GlobalAvgPool2d;
import dev.fovea.nn.Linear;
import dev.fovea.nn.Losses;
import dev.fovea.nn.MaxPool2d;
import dev.fovea.nn.Module;
import dev.fovea.nn.ReLU;
import dev.fovea.nn.Sequential;
import dev.fovea.optim.Sgd;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Output arrays kept from one run to the next ({@link Workspace}). */
class WorkspaceTest {

    private static final int[] ONE = {1, 1}, PAD = {1, 1, 1, 1};

    /** conv -> max pool -> conv: three outputs a workspace may serve. */
    private static Tensor[] run(Tensor x, Tensor w1, Tensor w2) {
        Tensor a = x.conv2d(w1, null, ONE, PAD, ONE, 1);
        Tensor b = a.maxPool2d(new int[] {2, 2}, null, new int[] {0, 0}, ONE, false);
        Tensor c = b.conv2d(w2, null, ONE, PAD, ONE, 1);
        return new Tensor[] {a, b, c};
    }

    @Test
    void aRunReusesThePreviousRunsArraysUntilReleased() {
        SplittableRandom rng = new SplittableRandom(1);
        Tensor x = Tensor.randn(rng, 2, 3, 8, 8), w1 = Tensor.randn(rng, 4, 3, 3, 3), w2 = Tensor.randn(rng, 5, 4, 3, 3);
        Tensor[] plain = run(x, w1, w2);
        Workspace workspace = new Workspace();
        Tensor[] first, second;
        try (NoGrad _ = NoGrad.enter()) {
            try (Workspace.Scope _ = workspace.enter()) {
                first = run(x, w1, w2);
            }
            float[] kept = first[2].data().clone();
            workspace.release(first[2]);
            assertEquals(2, workspace.size(), "the released result is no longer handed out");
            try (Workspace.Scope _ = workspace.enter()) {
                second = run(Tensor.randn(rng, 2, 3, 8, 8), w1, w2);
            }
            assertSame(first[0].data(), second[0].data(), "the first output's array is reused");
            assertSame(first[1].data(), second[1].data(), "the pooling output's array is reused");
            assertNotSame(first[2].data(), second[2].data(), "a released result is not");
            assertArrayEquals(kept, first[2].data(), 0f, "the released result keeps its values");
            try (Workspace.Scope _ = workspace.enter()) {
                second = run(x, w1, w2);
            }
        }
        for (int i = 0; i < 3; i++) assertArrayEquals(plain[i].data(), second[i].data(), 0f, "output " + i + " of a reused run");
    }

    @Test
    void withGradientsOnOrNoWorkspaceEveryArrayIsNew() {
        SplittableRandom rng = new SplittableRandom(2);
        Tensor x = Tensor.randn(rng, 1, 3, 6, 6), w1 = Tensor.randn(rng, 4, 3, 3, 3), w2 = Tensor.randn(rng, 2, 4, 3, 3);
        Workspace workspace = new Workspace();
        Tensor[] first, second;
        try (Workspace.Scope _ = workspace.enter()) { // gradients on: saved tensors may need every output
            first = run(x, w1, w2);
            second = run(x, w1, w2);
        }
        assertEquals(0, workspace.size());
        for (int i = 0; i < 3; i++) assertNotSame(first[i].data(), second[i].data());
        try (NoGrad _ = NoGrad.enter()) { // no workspace active
            first = run(x, w1, w2);
            second = run(x, w1, w2);
        }
        for (int i = 0; i < 3; i++) assertNotSame(first[i].data(), second[i].data());
    }

    @Test
    void aNestedScopeRestoresTheOuterWorkspace() {
        SplittableRandom rng = new SplittableRandom(3);
        Tensor x = Tensor.randn(rng, 1, 3, 6, 6), w1 = Tensor.randn(rng, 4, 3, 3, 3), w2 = Tensor.randn(rng, 2, 4, 3, 3);
        Workspace outer = new Workspace(), inner = new Workspace();
        try (NoGrad _ = NoGrad.enter(); Workspace.Scope _ = outer.enter()) {
            try (Workspace.Scope _ = inner.enter()) {
                run(x, w1, w2);
            }
            run(x, w1, w2);
            run(x, w1, w2); // without a new enter() the outer workspace goes on to further arrays
        }
        assertEquals(3, inner.size());
        assertEquals(6, outer.size());
        outer.clear();
        assertEquals(0, outer.size());
    }

    /**
     * A training loop whose steps run in a workspace {@link Workspace#forTraining for training}
     * takes the arrays of the step before and trains exactly as with fresh arrays: the same
     * parameters, bit for bit, after three steps of a residual network with batch norm, max
     * pooling and SGD with momentum.
     */
    @Test
    void trainingStepsInAWorkspaceReuseArraysAndTrainTheSame() {
        Module plain = residualNet(), reusing = residualNet();
        SplittableRandom rng = new SplittableRandom(5);
        Tensor x = Tensor.randn(rng, 4, 3, 12, 12);
        int[] labels = {0, 1, 2, 1};
        Sgd plainSgd = new Sgd(plain.parameters(), 0.05).momentum(0.9), reusingSgd = new Sgd(reusing.parameters(), 0.05).momentum(0.9);
        Workspace steps = Workspace.forTraining();
        for (int step = 0; step < 3; step++) {
            float expected = trainStep(plain, plainSgd, x, labels);
            float actual;
            try (Workspace.Scope _ = steps.enter()) {
                actual = trainStep(reusing, reusingSgd, x, labels);
            }
            assertEquals(expected, actual, "loss of step " + step);
            assertTrue(steps.size() > 10, "the step's outputs come from the workspace: " + steps.size());
            assertEquals(1, steps.indexArrays(), "max pooling's argmax comes from the workspace");
        }
        Map<String, Tensor> a = plain.stateDict(), b = reusing.stateDict();
        for (String key : a.keySet()) assertArrayEquals(a.get(key).data(), b.get(key).data(), key);
    }

    private static Module residualNet() {
        SplittableRandom rng = new SplittableRandom(9);
        return new Sequential(new Conv2d(3, 8, 3, 1, 1, rng), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
                new BasicBlock(8, 8, 1, null, rng),
                new BasicBlock(8, 16, 2, new Sequential(ResNet.conv1x1(8, 16, 2, rng), new BatchNorm2d(16)), rng),
                new GlobalAvgPool2d(), new Flatten(), new Linear(16, 3, rng));
    }

    private static float trainStep(Module model, Sgd sgd, Tensor x, int[] labels) {
        Tensor loss = Losses.crossEntropy(model.forward(x), labels);
        sgd.zeroGrad();
        loss.backward();
        sgd.step();
        return loss.item();
    }
}
