package dev.fovea.kernels.simd;

import dev.fovea.kernels.Parallel;

import java.util.function.IntFunction;

/**
 * A convolution's output array, given, or allocated when a kernel first needs it
 * ({@link dev.fovea.kernels.Kernels#conv2dForwardAllocating}). The kernels that compute into
 * buffers of their own and copy out at the end (Winograd, the channels-last and the narrow direct
 * convolutions) run their products {@link #alongside} the allocation, so that the JVM's zeroing
 * of a fresh array, on the calling thread, overlaps with the workers' first chunks. Used on the
 * calling thread only: the workers see the array through the shared calls that write it.
 */
final class DeferredOutput {

    private final IntFunction<float[]> allocate;
    private final int length;
    private float[] array;

    private DeferredOutput(float[] array, IntFunction<float[]> allocate, int length) {
        this.array = array;
        this.allocate = allocate;
        this.length = length;
    }

    /** An output that is the given array. */
    static DeferredOutput of(float[] array) {
        return new DeferredOutput(array, null, array.length);
    }

    /** An output of {@code length} floats that {@code allocate} gives when first asked for. */
    static DeferredOutput allocate(IntFunction<float[]> allocate, int length) {
        return new DeferredOutput(null, allocate, length);
    }

    /** The array, allocated now if it was not yet. */
    float[] array() {
        if (array == null) {
            float[] a = allocate.apply(length);
            if (a == null || a.length < length) {
                throw new IllegalStateException("a convolution's output allocator must give at least " + length
                        + " floats; it gave " + (a == null ? "null" : a.length + " floats"));
            }
            array = a;
        }
        return array;
    }

    /**
     * Runs {@code body}, which must not touch the output, and allocates the array on this thread
     * alongside body's first shared call ({@link Parallel#alongside}) when it is not allocated yet.
     */
    void alongside(Runnable body) {
        if (array != null) {
            body.run();
        } else {
            Parallel.alongside(this::array, body);
        }
    }
}
