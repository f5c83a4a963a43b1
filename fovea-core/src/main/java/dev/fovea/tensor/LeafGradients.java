package dev.fovea.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gradients of leaf tensors (a model's parameters) kept apart from the leaves' own, for one shard
 * of a data-parallel step: while a scope of it is entered on a thread ({@link #enter}), the backward
 * passes run on that thread add each leaf's gradient into an array of this object instead of into
 * the leaf's ({@link Tensor#gradBuffer}). Several shards can then run their backward passes at the
 * same time on different threads over the same parameters, and their gradients are added into the
 * leaves afterwards, one shard after the other ({@link #addToLeaves}), so that every gradient is
 * the same sum in the same order however the shards were spread over threads.
 *
 * <p>The arrays are kept from scope to scope (a training step's shard needs the same ones every
 * step), and each is zeroed the first time a scope asks for it. One thread at a time uses an
 * instance.
 */
public final class LeafGradients {

    private static final ThreadLocal<LeafGradients> ACTIVE = new ThreadLocal<>();

    private final Map<Tensor, float[]> arrays = new IdentityHashMap<>();
    /** The leaves given a gradient in the current (or last) scope, in the order they were first asked for. */
    private final List<Tensor> touched = new ArrayList<>();
    private final Set<Tensor> touchedSet = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * Makes the backward passes on this thread add leaf gradients here, starting from zero, until
     * the returned scope is closed (which restores the scope active before, if any).
     */
    public Scope enter() {
        touched.clear();
        touchedSet.clear();
        return new Scope(this);
    }

    /** The leaf-gradient scope active on this thread, or null. */
    static LeafGradients active() {
        return ACTIVE.get();
    }

    /** The array that takes {@code leaf}'s gradient in this scope, zeroed when first asked for. */
    float[] buffer(Tensor leaf) {
        float[] a = arrays.get(leaf);
        boolean first = touchedSet.add(leaf);
        if (a == null || a.length != leaf.data().length) {
            a = new float[leaf.data().length];
            arrays.put(leaf, a);
        } else if (first) {
            Arrays.fill(a, 0f);
        }
        if (first) touched.add(leaf);
        return a;
    }

    /**
     * Adds the gradients of the last scope into the leaves' own ({@link Tensor#gradBuffer}, as a
     * backward pass without this scope would have), leaf by leaf in the order the scope first
     * touched them. Call it on a thread with no scope of this kind entered.
     */
    public void addToLeaves() {
        if (ACTIVE.get() != null) {
            throw new IllegalStateException("addToLeaves adds into the leaves' own gradients; "
                    + "call it outside any LeafGradients scope (one is entered on this thread)");
        }
        for (Tensor leaf : touched) {
            float[] from = arrays.get(leaf);
            Tensor.K.axpy(1f, from, 0, leaf.gradBuffer(), 0, from.length);
        }
    }

    /** The span of a leaf-gradient scope on one thread. */
    public static final class Scope extends ThreadScope<LeafGradients> {
        private Scope(LeafGradients value) {
            super(ACTIVE, value);
        }
    }
}
