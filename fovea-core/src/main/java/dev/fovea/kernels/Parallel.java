package dev.fovea.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

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
        return inWorker() || IN_REGION.get()[0] ? 1 : current().threads();
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
        Executor executor = current();
        if (chunks == 1 || executor.pool() == null || inWorker() || IN_REGION.get()[0]) {
            // the same chunks, in order, on this thread: nested calls and single-threaded runs see
            // exactly the boundaries a pool would
            for (int i = 0; i < chunks; i++) body.run(bound(n, i, chunks), bound(n, i + 1, chunks));
            return;
        }
        share(executor, n, chunks, body);
    }

    /**
     * Runs the chunks on the calling thread and {@code threads - 1} pool workers, each taking the
     * next unclaimed chunk until none is left. The caller works instead of waiting: handing a
     * whole range to the pool and blocking cost a worker wake-up and a caller wake-up per call,
     * tens of microseconds each, which made LeNet-5's sub-millisecond operations no faster on 2
     * threads than on 1. When the chunks are all done the caller closes the call; a helper that
     * wakes up after that returns at once, so the caller never waits for a thread to wake up only
     * to find nothing left, and it waits only for helpers inside a chunk.
     */
    private static void share(Executor executor, int n, int chunks, RangeBody body) {
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger active = new AtomicInteger(); // helpers inside; CLOSED (negative) once the caller is done
        Runnable claim = () -> {
            for (int i; failure.get() == null && (i = next.getAndIncrement()) < chunks; ) {
                try {
                    body.run(bound(n, i, chunks), bound(n, i + 1, chunks));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        };
        Runnable helper = () -> {
            if (active.getAndIncrement() < 0) return; // the call is over
            try {
                claim.run();
            } finally {
                active.decrementAndGet();
            }
        };
        int helpers = Math.min(executor.threads() - 1, chunks - 1);
        for (int h = 0; h < helpers; h++) executor.pool().execute(helper);
        boolean[] region = IN_REGION.get();
        region[0] = true; // nested calls from the caller's own chunks run inline, as on a worker
        try {
            claim.run();
        } finally {
            region[0] = false;
        }
        // every chunk is claimed; wait for the helpers still inside one, then close the call
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (!active.compareAndSet(0, CLOSED)) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException e) throw e;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException("a parallel chunk failed", t);
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
        // t - 1 workers, the calling thread being the t-th (see share), and no more: by default a
        // ForkJoinPool adds a spare worker when one blocks, and a profile of a 2-thread
        // convolution showed three busy workers sharing two cores
        return new Executor(t > 1 ? new ForkJoinPool(t - 1, Worker::new, null, false, t - 1, t - 1, 1, pool -> true,
                60, TimeUnit.SECONDS) : null, t);
    }

    /**
     * How long the caller spins for a helper that is still running a chunk before it blocks: a
     * chunk of a split kernel usually ends within microseconds of the caller's own, and a blocked
     * caller pays a wake-up on top.
     */
    private static final long SPIN_NANOS = 50_000;

    /** The state of a finished call: far enough below 0 that late helpers' increments keep it negative. */
    private static final int CLOSED = Integer.MIN_VALUE / 2;

    /** Set while the calling thread runs its share of a {@link #forRange}. */
    private static final ThreadLocal<boolean[]> IN_REGION = ThreadLocal.withInitial(() -> new boolean[1]);

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
}
