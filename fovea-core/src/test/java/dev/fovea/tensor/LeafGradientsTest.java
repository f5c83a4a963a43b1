package dev.fovea.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LeafGradientsTest {

    private final Tensor w = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
    private final Tensor x = Tensor.of(new float[] {4, 5, 6}, 3);

    /** d(sum(w * x * scale))/dw = x * scale, added into whatever takes w's gradient. */
    private void backward(float scale) {
        w.mul(x).mul(scale).sum().backward();
    }

    @Test
    void aScopeTakesTheLeafGradientsUntilTheyAreAdded() {
        LeafGradients shard = new LeafGradients();
        try (LeafGradients.Scope _ = shard.enter()) {
            backward(1);
            backward(2); // accumulates within the scope
        }
        assertNull(w.grad(), "the leaf's own gradient is untouched while a scope takes it");
        w.gradBuffer()[0] = 100;
        shard.addToLeaves();
        assertArrayEquals(new float[] {112, 15, 18}, w.gradBuffer());
        try (LeafGradients.Scope _ = shard.enter()) { // a new scope starts its arrays from zero
            backward(1);
        }
        shard.addToLeaves();
        assertArrayEquals(new float[] {116, 20, 24}, w.gradBuffer());
        backward(1); // no scope: into the leaf, as always
        assertArrayEquals(new float[] {120, 25, 30}, w.gradBuffer());
    }

    @Test
    void scopesNestAndAddingInsideOneIsRefused() {
        LeafGradients outer = new LeafGradients(), inner = new LeafGradients();
        try (LeafGradients.Scope _ = outer.enter()) {
            try (LeafGradients.Scope _ = inner.enter()) {
                backward(1);
            }
            backward(3); // the outer scope again
            assertThrows(IllegalStateException.class, inner::addToLeaves);
        }
        inner.addToLeaves();
        assertArrayEquals(new float[] {4, 5, 6}, w.gradBuffer());
        outer.addToLeaves();
        assertArrayEquals(new float[] {16, 20, 24}, w.gradBuffer());
    }
}
