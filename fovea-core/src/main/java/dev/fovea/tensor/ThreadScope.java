package dev.fovea.tensor;

/**
 * The span during which an object is its thread's active one of a kind (a {@link Workspace}, a
 * shard's {@link LeafGradients}): opened by putting it in the kind's thread-local slot, closed by
 * putting back what the slot held before, so that scopes nest.
 */
abstract class ThreadScope<T> implements AutoCloseable {

    private final ThreadLocal<T> slot;
    private final T outer;

    ThreadScope(ThreadLocal<T> slot, T value) {
        this.slot = slot;
        this.outer = slot.get();
        slot.set(value);
    }

    @Override
    public void close() {
        if (outer == null) {
            slot.remove();
        } else {
            slot.set(outer);
        }
    }
}
