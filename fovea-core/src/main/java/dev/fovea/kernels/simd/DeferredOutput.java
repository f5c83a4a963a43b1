package dev.fovea.kernels.simd;

import dev.fovea.kernels.Parallel;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntFunction;

/**
 * A convolution's output array, given, or allocated when a kernel first needs it
 * ({@link dev.fovea.kernels.Kernels#conv2dForwardAllocating}). The kernels that compute into
 * buffers of their own and copy out at the end (Winograd, the channels-last and the narrow direct
 * convolutions) run their products {@link #alongside} the allocation, so that the JVM's zeroing
 * of a fresh array, on the calling thread, overlaps with the workers' first chunks. A kernel whose
 * tasks each finish a piece of the output can also write each piece out as soon as it is computed
 * and the array exists ({@link #inPieces}), instead of in a pass of its own after the products.
 */
final class DeferredOutput {

    private final IntFunction<float[]> allocate;
    private final int length;
    /** Written on the calling thread; read by workers too ({@link Pieces#computed}). */
    private volatile float[] array;

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

    /** The array if it is allocated already, else null; from any thread. */
    float[] ready() {
        return array;
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
     * Runs {@code body}, whose tasks compute {@code count} pieces of the output into buffers of
     * their own and report each one to the returned {@link Pieces#computed}; each piece is written
     * out ({@code write.write(piece, array)}) by the thread that computed it, once the array exists:
     * right away when it does, else at that thread's first piece after the calling thread has
     * allocated the array alongside body's first shared call. A piece thus leaves its buffer while
     * still in that core's cache, and the write-out overlaps with other tasks' products instead of
     * taking a pass of its own after them. (Handing a worker's early pieces to the calling thread
     * instead, once it had the array, cost more than it saved: the worker's next writes to those
     * buffers then had to take their lines back from the other core, about 250 ns each on the
     * 2-vCPU EPYC guests, and LeNet-5's C1 tasks took 3.5 instead of 2 us.)
     */
    Pieces inPieces(int count, PieceWriter write) {
        return new Pieces(count, write);
    }

    /** Writes a computed piece of the output into the output's array. */
    @FunctionalInterface
    interface PieceWriter {
        void write(int piece, float[] array);
    }

    /** The pieces of one {@link #inPieces} pass: which are computed, by which thread, and which written. */
    final class Pieces {

        private static final int WRITTEN = -1;

        /** Per piece: 0 not computed yet, 1 + i computed by pool thread i ({@link Parallel#threadIndex}), or WRITTEN. */
        private final AtomicIntegerArray states;
        /** Per pool thread: whether it has written its pieces computed before the array existed (its own slot only). */
        private final boolean[] caughtUp;
        private final PieceWriter write;

        private Pieces(int count, PieceWriter write) {
            this.states = new AtomicIntegerArray(count);
            this.caughtUp = new boolean[Parallel.threads()];
            this.write = write;
        }

        /**
         * Runs body, then returns with every piece written. body must call {@link #computed} for
         * every piece, and touch the output's array only through the writer.
         */
        void run(Runnable body) {
            if (array != null) {
                body.run();
            } else {
                Parallel.alongside(DeferredOutput.this::array, body);
            }
            // pieces whose thread saw no array before its tasks ran out: written here, after every task
            float[] a = array();
            for (int p = 0; p < states.length(); p++) {
                if (states.get(p) > 0) {
                    states.set(p, WRITTEN);
                    write.write(p, a);
                }
            }
        }

        /**
         * Reports piece p computed by this thread, and writes it out if the array exists, with
         * this thread's pieces left from before the array existed. A piece is written by whoever
         * moves its state from computed to written, so by one thread only.
         */
        void computed(int p) {
            int thread = Math.min(Parallel.threadIndex(), caughtUp.length - 1);
            states.set(p, 1 + thread);
            float[] a = array;
            if (a == null) return;
            if (!caughtUp[thread]) {
                caughtUp[thread] = true;
                for (int q = 0; q < states.length(); q++) {
                    if (q != p && states.get(q) == 1 + thread && states.compareAndSet(q, 1 + thread, WRITTEN)) {
                        write.write(q, a);
                    }
                }
            }
            if (states.compareAndSet(p, 1 + thread, WRITTEN)) write.write(p, a);
        }
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
