package dev.fovea.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one thread pool of Fovea, sized by {@code -Dfovea.threads} (default: all cores).
 *
 * <p>Work is split into a fixed number of contiguous chunks that depends only on the range and the
 * grain, never on the thread count, so a kernel that reduces per chunk and then combines chunks in
 * order gives bit-identical results with 1 or 64 threads.
 *
 * <p>Nested calls (a kernel that calls another parallel kernel from inside a chunk) run their
 * chunks in order on the calling worker: the outer split already keeps every core busy, and inline
 * nesting cannot deadlock. Single-threaded runs do the same. {@link #withThreads} runs a piece of code on a private pool of a chosen size, for tests
 * that check thread-count independence and for benchmarks that measure scaling.
 */
public final class Parallel {

    /** Most chunks one call is split into: enough to balance 64 threads 4 ways. */
    static final int MAX_CHUNKS = 4 * 64;

    private static final Executor DEFAULT = newExecutor(
            Integer.getInteger("fovea.threads", Runtime.getRuntime().availableProcessors()));

    /** The executor chosen by an enclosing {@link #withThreads}, if any. */
    private static final ScopedValue<Executor> SCOPED = ScopedValue.newInstance();

    private Parallel() {}

    /** A pool (null when single-threaded) and its size. */
    private record Executor(ForkJoinPool pool, int threads) {}

    /** Threads that {@link #forRange} will use from the calling thread (1 inside a worker). */
    public static int threads() {
        return inWorker() ? 1 : current().threads();
    }

    /** Body over a half-open index range. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over [0, n) in chunks of at least {@code grain} indices, in parallel when
     * there is more than one chunk and more than one thread. Chunk {@code i} of {@code chunks(n, grain)}
     * is {@code [floor(n*i/chunks), floor(n*(i+1)/chunks))} whatever the thread count; without a
     * pool (one thread, or a nested call) the chunks run in index order on the calling thread. An
     * exception thrown by the body reaches the caller (from a pool thread, as the same exception
     * type wrapping the original, which is how {@link ForkJoinPool} keeps the caller's stack).
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = chunks(n, grain);
        ForkJoinPool pool = current().pool();
        if (chunks == 1 || pool == null || inWorker()) {
            // the same chunks, in order, on this thread: nested calls and single-threaded runs see
            // exactly the boundaries a pool would
            for (int i = 0; i < chunks; i++) body.run(bound(n, i, chunks), bound(n, i + 1, chunks));
            return;
        }
        pool.invoke(new Chunk(body, n, chunks, 0, chunks));
    }

    /** The number of chunks {@link #forRange} splits {@code [0, n)} into: a function of n and grain only. */
    public static int chunks(int n, int grain) {
        if (n <= 0) return 0;
        return Math.max(1, Math.min(n / Math.max(1, grain), MAX_CHUNKS));
    }

    /**
     * Runs {@code body} on the calling thread with every {@link #forRange} inside it (on this thread)
     * using a private pool of {@code threads} threads; the pool is shut down afterwards. Meant for
     * tests and benchmarks: results of Fovea kernels do not depend on the thread count, only speed does.
     *
     * @throws IllegalArgumentException when {@code threads < 1}
     */
    public static void withThreads(int threads, Runnable body) {
        if (threads < 1) {
            throw new IllegalArgumentException("Parallel.withThreads expects threads >= 1; received " + threads);
        }
        Executor executor = newExecutor(threads);
        try {
            ScopedValue.where(SCOPED, executor).run(body);
        } finally {
            if (executor.pool() != null) executor.pool().close();
        }
    }

    /** Start of chunk {@code i} of {@code chunks} over [0, n). */
    private static int bound(int n, int i, int chunks) {
        return (int) ((long) n * i / chunks);
    }

    private static Executor current() {
        return SCOPED.orElse(DEFAULT);
    }

    private static Executor newExecutor(int threads) {
        int t = Math.max(1, threads);
        // at most t threads: by default a ForkJoinPool adds a spare worker when one blocks in a
        // join, and a profile of a 2-thread convolution showed three busy workers sharing two
        // cores; with the cap (and a saturate predicate that accepts it) a blocked join is helped
        // or waited for instead
        return new Executor(t > 1 ? new ForkJoinPool(t, Worker::new, null, false, t, t, 1, pool -> true,
                60, TimeUnit.SECONDS) : null, t);
    }

    private static boolean inWorker() {
        return Thread.currentThread() instanceof Worker;
    }

    /** Marks Fovea's pool threads, so nested calls from any of its pools are recognised and run inline. */
    private static final class Worker extends ForkJoinWorkerThread {
        private static final AtomicInteger COUNT = new AtomicInteger();

        Worker(ForkJoinPool pool) {
            super(null, pool, true);
            setName("fovea-worker-" + COUNT.incrementAndGet());
            setDaemon(true);
        }
    }

    private static final class Chunk extends RecursiveAction {
        private final RangeBody body;
        private final int n, chunks, lo, hi;

        Chunk(RangeBody body, int n, int chunks, int lo, int hi) {
            this.body = body; this.n = n; this.chunks = chunks; this.lo = lo; this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.run(bound(n, lo, chunks), bound(n, hi, chunks));
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Chunk(body, n, chunks, lo, mid), new Chunk(body, n, chunks, mid, hi));
        }
    }
}
