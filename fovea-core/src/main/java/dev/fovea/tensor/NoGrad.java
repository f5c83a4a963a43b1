package dev.fovea.tensor;

/**
 * A scope in which operations are not recorded for backpropagation: no tape, no saved activations.
 * Use for inference and for optimizer updates:
 * <pre>{@code
 * try (var off = NoGrad.enter()) {
 *     Tensor logits = model.forward(x);
 * }
 * }</pre>
 * The scope is per thread and nests.
 */
public final class NoGrad implements AutoCloseable {

    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private boolean closed;

    private NoGrad() {
        DEPTH.get()[0]++;
    }

    public static NoGrad enter() {
        return new NoGrad();
    }

    /** True when operations on this thread record their backward. */
    public static boolean isGradEnabled() {
        return DEPTH.get()[0] == 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            DEPTH.get()[0]--;
        }
    }
}
