package dev.fovea.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Gradient arrays reused within a backward pass ({@link GradientPool}) and the borrowed output gradient. */
class GradientPoolTest {

    /** A chain of same-sized element-wise ops: every intermediate gradient can reuse a freed array. */
    private static Tensor chain(Tensor x) {
        return x.mul(3f).tanh().mul(x).add(x.square()).sigmoid().mul(2f);
    }

    /** x's gradient through {@link #chain} for {@code gradOut}, from a fresh gradient; x's gradient is dropped after. */
    private static float[] gradientThroughChain(Tensor x, Tensor gradOut) {
        x.clearGrad();
        chain(x).backward(gradOut);
        float[] gradient = x.grad().data().clone();
        x.clearGrad();
        return gradient;
    }

    @Test
    void reusedGradientsGiveTheSameResultAsFreshOnes() {
        SplittableRandom rng = new SplittableRandom(3);
        // larger than one zeroing chunk, so reused arrays are cleared by several tasks
        Tensor x = Tensor.randn(rng, 3, 100_000).requiresGrad(true);
        Tensor gradOut = Tensor.randn(rng, 3, 100_000);
        float[] first = gradientThroughChain(x, gradOut);
        // the same pass again: stale values in a reused array would show up as a difference
        assertArrayEquals(first, gradientThroughChain(x, gradOut), 0f);
        // and against the derivative computed element by element
        float[] xs = x.data(), g = gradOut.data();
        for (int i = 0; i < xs.length; i += 997) {
            double v = xs[i], t = Math.tanh(3 * v), inner = t * v + v * v;
            double s = 1 / (1 + Math.exp(-inner));
            double dInner = 3 * (1 - t * t) * v + t + 2 * v;
            assertEquals(g[i] * 2 * s * (1 - s) * dInner, first[i], 1e-4 * (1 + Math.abs(first[i])));
        }
    }

    /**
     * Under a training workspace the pool outlives the pass: the next step's pass gets the arrays
     * freed by this one (zeroed), gives the same gradients, and never hands out a leaf's gradient.
     */
    @Test
    void aTrainingWorkspaceKeepsFreedGradientsForTheNextStep() {
        SplittableRandom rng = new SplittableRandom(4);
        Tensor x = Tensor.randn(rng, 2, 70_000).requiresGrad(true);
        Tensor gradOut = Tensor.randn(rng, 2, 70_000);
        float[] expected = gradientThroughChain(x, gradOut);
        Workspace steps = Workspace.forTraining();
        GradientPool[] seen = new GradientPool[2];
        for (int step = 0; step < 3; step++) {
            x.clearGrad();
            try (Workspace.Scope _ = steps.enter()) {
                chain(x).backward(gradOut);
                seen[step % 2] = Workspace.stepGradients();
            }
            assertArrayEquals(expected, x.grad().data(), 0f, "step " + step);
        }
        assertSame(seen[0], seen[1], "one pool for every step");
        float[] leaf = x.grad().data();
        try (Workspace.Scope _ = steps.enter(); GradientPool pool = GradientPool.enter()) {
            for (int i = 0; i < 8; i++) assertNotSame(leaf, GradientPool.zeroed(leaf.length), "a leaf's gradient stays its own");
        }
        steps.clear();
    }

    /**
     * A gradient cleared inside a training step ({@link Tensor#clearGrad}, PyTorch's
     * {@code x.grad = None}) goes back to the workspace: the next step's gradient of that size is
     * the same array, zeroed first, so each step's gradient is still the fresh one. Cleared outside
     * a training step, it is dropped.
     */
    @Test
    void aGradientClearedInATrainingStepServesTheNext() {
        SplittableRandom rng = new SplittableRandom(6);
        // a convolution: the input's gradient (2x3x7x6 = 252 floats) is the only array of its size
        Tensor x = Tensor.randn(rng, 2, 3, 7, 6).requiresGrad(true);
        Tensor weight = Tensor.randn(rng, 4, 3, 3, 3).requiresGrad(true);
        Tensor gradOut = Tensor.randn(rng, 2, 4, 5, 4);
        x.conv2d(weight, null, 1, 0).backward(gradOut);
        float[] expected = x.grad().data().clone(), outside = x.gradBuffer();
        x.clearGrad(); // outside a training step: dropped
        Workspace steps = Workspace.forTraining();
        float[] first = null;
        for (int step = 0; step < 4; step++) {
            try (Workspace.Scope _ = steps.enter()) {
                x.clearGrad();
                weight.clearGrad();
                x.conv2d(weight, null, 1, 0).backward(gradOut);
                if (first == null) first = x.gradBuffer();
                assertSame(first, x.gradBuffer(), "step " + step + ": the array cleared in the step before");
                assertArrayEquals(expected, x.grad().data(), 0f, "step " + step);
            }
        }
        assertNotSame(outside, first, "cleared outside a training step: not taken back");
        x.clearGrad(); // outside a step again: the next gradient is a new array
        x.conv2d(weight, null, 1, 0).backward(gradOut);
        assertNotSame(first, x.gradBuffer());
        assertArrayEquals(expected, x.grad().data(), 0f);
        steps.clear();
    }

    @Test
    void theCallersOutputGradientIsReadNeverWritten() {
        SplittableRandom rng = new SplittableRandom(5);
        Tensor x = Tensor.randn(rng, 4, 50).requiresGrad(true);
        Tensor gradOut = Tensor.randn(rng, 4, 50);
        float[] before = gradOut.data().clone();
        Tensor y = chain(x);
        y.backward(gradOut);
        assertArrayEquals(before, gradOut.data(), 0f);
        // nor handed out again: a second pass with it still gives the first pass's gradient
        float[] first = x.grad().data().clone();
        x.clearGrad();
        chain(x).backward(gradOut);
        assertArrayEquals(first, x.grad().data(), 0f);
        assertArrayEquals(before, gradOut.data(), 0f);
    }

    @Test
    void aLeafRootAccumulatesACopyOfTheOutputGradient() {
        Tensor x = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor gradOut = Tensor.of(new float[] {5, 7}, 2);
        x.backward(gradOut);
        x.backward(gradOut);
        assertArrayEquals(new float[] {10, 14}, x.grad().data(), 0f);
        assertNotSame(gradOut.data(), x.gradBuffer());
        assertArrayEquals(new float[] {5, 7}, gradOut.data(), 0f);
    }

    @Test
    void aGradientArrayTheCallerMadeIsNotReused() {
        // a non-leaf's gradient buffer requested before backward belongs to the caller: after the pass
        // it must still hold what the pass put there, not a later gradient of the same size
        // (x's gradient is requested after h's is freed, so a reused `mine` would become x's gradient)
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor h = x.mul(1f).mul(2f);
        float[] mine = h.gradBuffer();
        Tensor y = h.mul(3f).add(h.mul(0f)).mul(1f);
        y.backward(Tensor.ones(3));
        assertArrayEquals(new float[] {3, 3, 3}, mine, 0f);
        assertArrayEquals(new float[] {6, 6, 6}, x.grad().data(), 0f);
    }

    @Test
    void aLeafFedItsOwnGradientKeepsIt() {
        // x.backward(x.grad()): the output gradient shares the leaf's gradient array, so the seed
        // doubles it, and nothing of the borrowing for intermediate roots applies
        Tensor x = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        x.backward(Tensor.of(new float[] {3, 4}, 2));
        x.backward(x.grad());
        assertArrayEquals(new float[] {6, 8}, x.grad().data(), 0f);
    }
}
