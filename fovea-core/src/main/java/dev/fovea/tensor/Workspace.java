package dev.fovea.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * Output arrays kept from one run of a forward pass to the next, for a pass that runs again and
 * again with the same shapes (an {@code nn.InferenceSession}), as ONNX Runtime's memory arena
 * does: the k-th array a run asks for is the k-th array of the previous run when the lengths
 * match, instead of a fresh {@code new float[]} that the JVM zeroes on the calling thread while
 * the other threads wait (ResNet-18 at batch 1: 4% of the samples, in {@code conv2d}).
 *
 * <p>Only operations whose kernels overwrite every element of their output take arrays from a
 * workspace ({@link #uninitialized}), and only while gradients are off, so no saved tensor of a
 * backward pass can see an array reused. Every tensor made during a run but its result is
 * therefore overwritten by the next run: the owner must {@link #release} the result of each run
 * (the arrays of a result are handed out no more) and must not let any other tensor of the run
 * escape. A workspace serves one thread at a time.
 *
 * <p>A workspace {@link #forTraining for training} serves them while gradients are recorded too,
 * for a loop whose runs are whole training steps (forward, loss, backward, update), as PyTorch's
 * caching allocator reuses a step's activations in the next: a run's tensors, the ones saved for
 * its backward pass included, are all dead when the next run enters, since that backward pass
 * has run. Within a run every array handed out is distinct, so a saved tensor never sees its
 * array reused before its backward pass. A gradient cleared during a step ({@link Tensor#clearGrad})
 * comes back to the workspace too, as {@code x.grad = None} frees it in PyTorch: the caller must
 * not keep the array.
 */
public final class Workspace {

    private static final ThreadLocal<Workspace> ACTIVE = new ThreadLocal<>();

    /** The arrays of the last run, in the order they were asked for; null once released. */
    private final List<float[]> arrays = new ArrayList<>();
    private int next;
    /** The index arrays of the last run (max pooling's argmax), in the order they were asked for. */
    private final List<int[]> indexArrays = new ArrayList<>();
    private int nextIndex;
    /** Whether this workspace serves outputs while gradients are recorded ({@link #forTraining}). */
    private final boolean recorded;
    /** The backward passes' gradient arrays, kept from step to step ({@link #forTraining} only). */
    private final GradientPool gradients;

    /** A workspace for inference: it serves outputs only while gradients are off. */
    public Workspace() {
        this(false);
    }

    private Workspace(boolean recorded) {
        this.recorded = recorded;
        this.gradients = recorded ? GradientPool.forSteps() : null;
    }

    /**
     * A workspace for the steps of a training loop: each {@link #enter} begins a step, and the
     * workspace serves the step's outputs while gradients are recorded as well, and the gradient
     * arrays of its backward pass from those of the step before ({@link GradientPool}). The caller must
     * not keep a tensor of a step (an output, an activation) past the next {@link #enter}, but
     * for those it {@link #release}s; a loss read with {@code item()} inside the step is safe.
     */
    public static Workspace forTraining() {
        return new Workspace(true);
    }

    /**
     * Makes this workspace serve this thread's outputs, from its first array, until the returned
     * scope is closed (which restores the workspace active before, if any).
     */
    public Scope enter() {
        next = 0;
        nextIndex = 0;
        return new Scope(this);
    }

    /**
     * Stops handing out the array of {@code result} (and of any tensor sharing it): the caller
     * keeps it. Call it for the result of every run.
     */
    public void release(Tensor result) {
        for (int i = 0; i < arrays.size(); i++) {
            if (arrays.get(i) == result.data()) arrays.set(i, null);
        }
    }

    /** Drops every array, so that they can be collected. */
    public void clear() {
        arrays.clear();
        next = 0;
        indexArrays.clear();
        nextIndex = 0;
        if (gradients != null) gradients.clear();
    }

    /** The gradient pool of the training workspace active on this thread, or null. */
    static GradientPool stepGradients() {
        Workspace workspace = ACTIVE.get();
        return workspace == null ? null : workspace.gradients;
    }

    /** Arrays held now (for tests). */
    int size() {
        return (int) arrays.stream().filter(a -> a != null).count();
    }

    /** Index arrays held now (for tests). */
    int indexArrays() {
        return indexArrays.size();
    }

    /**
     * An array of {@code length} floats whose contents are unspecified, for an output its kernel
     * overwrites entirely: the active workspace's next array when a workspace is active on this
     * thread and gradients are off (or it is one {@link #forTraining}), else a new array.
     */
    static float[] uninitialized(int length) {
        Workspace workspace = serving();
        return workspace == null ? new float[length]
                : take(workspace.arrays, workspace.next++, length, float[]::new, a -> a.length);
    }

    /**
     * {@link #uninitialized} for an array of indices its kernel overwrites entirely (max pooling's
     * argmax, saved for the backward pass: 3.2 million ints a ResNet-18 training step at batch 16,
     * which the JVM would zero on the calling thread while the others wait).
     */
    static int[] uninitializedIndices(int length) {
        Workspace workspace = serving();
        return workspace == null ? new int[length]
                : take(workspace.indexArrays, workspace.nextIndex++, length, int[]::new, a -> a.length);
    }

    /** The workspace active on this thread if it serves now (gradients off, or one for training), else null. */
    private static Workspace serving() {
        Workspace workspace = ACTIVE.get();
        return workspace == null || (NoGrad.isGradEnabled() && !workspace.recorded) ? null : workspace;
    }

    /** The array kept in {@code slot} when its length is {@code length}, else a new one kept there. */
    private static <A> A take(List<A> kept, int slot, int length, IntFunction<A> create, ToIntFunction<A> lengthOf) {
        A array = slot < kept.size() ? kept.get(slot) : null;
        if (array != null && lengthOf.applyAsInt(array) == length) return array;
        A fresh = create.apply(length);
        if (slot < kept.size()) {
            kept.set(slot, fresh);
        } else {
            kept.add(fresh);
        }
        return fresh;
    }

    /** The span of a workspace's service on one thread. */
    public static final class Scope extends ThreadScope<Workspace> {
        private Scope(Workspace value) {
            super(ACTIVE, value);
        }
    }
}
