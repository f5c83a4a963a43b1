package dev.fovea.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
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
 * nesting cannot deadlock. Single-threaded runs do the same, and so does a call made while another
 * application thread is sharing the pool. {@link #withThreads} runs a piece of code on a private
 * pool of a chosen size, for tests that check thread-count independence and for benchmarks that
 * measure scaling.
 *
 * <p>The workers are plain threads that spin for a short while after each call before they park
 * (as OpenMP runtimes do between parallel regions), because a training step is a long sequence of
 * sub-millisecond calls; a {@link java.util.concurrent.ForkJoinPool} parks its workers at once.
 */
public final class Parallel {

    /** Most chunks one call is split into: enough to balance 64 threads 4 ways. */
    static final int MAX_CHUNKS = 4 * 64;

    private static final Pool DEFAULT = new Pool(
            Integer.getInteger("fovea.threads", Runtime.getRuntime().availableProcessors()));

    /** The pool chosen by an enclosing {@link #withThreads}, if any. */
    private static final ScopedValue<Pool> SCOPED = ScopedValue.newInstance();

    private Parallel() {}

    /** Threads that {@link #forRange} will use from the calling thread (1 inside a worker). */
    public static int threads() {
        return inWorker() || STATE.get().inRegion ? 1 : current().threads;
    }

    /**
     * Which of its pool's threads runs this: 0 on the thread that shares a call (or any thread
     * outside a pool), i on the pool's i-th worker, below the {@link #threads()} seen by the
     * caller of the shared call it runs a chunk of. A chunk's result must never depend on it.
     */
    public static int threadIndex() {
        return Thread.currentThread() instanceof Worker w ? w.share : 0;
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
     * pool (one thread, a nested call, or a call made while another thread shares the pool) the
     * chunks run in index order on the calling thread. The first exception thrown by the body
     * (on any thread) reaches the caller, and no further chunks are started.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = chunks(n, grain);
        Pool pool = current();
        if (chunks == 1 || pool.threads == 1 || inWorker() || STATE.get().inRegion || !pool.owner.compareAndSet(false, true)) {
            // the same chunks, in order, on this thread: nested calls, single-threaded runs and a
            // call made while another thread is sharing the pool see exactly the boundaries a
            // shared call would
            for (int i = 0; i < chunks; i++) body.run(bound(n, i, chunks), bound(n, i + 1, chunks));
            return;
        }
        try {
            share(pool, new Call(++pool.calls, n, chunks, pool.threads, body));
        } finally {
            pool.owner.set(false);
        }
    }

    /**
     * Runs {@code body}, and {@code task} on the calling thread while the pool's workers begin the
     * first shared {@link #forRange} of the body: the caller runs the task right after handing the
     * call to the workers, then joins them on the chunks left (its own share first, which the
     * workers take from once theirs is done). So serial work the body does not depend on, such as
     * allocating an array the JVM must zero, overlaps with the body's kernels instead of keeping
     * the workers waiting. When the body shares no call (one thread, a nested call), the task runs
     * after it. Chunk boundaries do not change, so neither do results. An exception from the task
     * ends the shared call as a chunk's would, and reaches the caller.
     */
    public static void alongside(Runnable task, Runnable body) {
        ThreadState state = STATE.get();
        Runnable outer = state.side;
        state.side = task;
        boolean done = false;
        try {
            body.run();
            done = true;
        } finally {
            Runnable left = state.side;
            state.side = outer;
            if (done && left != null) left.run();
        }
    }

    /**
     * Runs the chunks on the calling thread and the pool's workers, each taking the unclaimed chunks
     * of its own share first, then the others' ({@link Call}), until none is left. The caller works
     * instead of waiting: handing a whole range to the pool and blocking cost a worker wake-up and
     * a caller wake-up per call, tens of microseconds each, which made LeNet-5's sub-millisecond
     * operations no faster on 2 threads than on 1. When the chunks are all done the caller closes
     * the call; a worker that arrives after that returns at once, so the caller never waits for a
     * thread to wake up only to find nothing left, and it waits only for workers inside a chunk.
     */
    private static void share(Pool pool, Call call) {
        long start = RegionProfile.ENABLED ? System.nanoTime() : 0;
        pool.call = call; // published before the parked flags are read: see Worker.run
        for (Worker w : pool.workers) {
            if (w.parked) LockSupport.unpark(w);
        }
        ThreadState state = STATE.get();
        state.inRegion = true; // nested calls from the caller's own chunks run inline, as on a worker
        try {
            if (state.side != null) runSide(state, call); // while the workers start on the chunks
            call.claim(0);
        } finally {
            state.inRegion = false;
        }
        long callerDone = RegionProfile.ENABLED ? System.nanoTime() : 0;
        // every chunk is claimed; wait for the workers still inside one, then close the call
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (!call.active.compareAndSet(0, CLOSED)) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
        pool.call = null;
        if (RegionProfile.ENABLED) {
            long closed = System.nanoTime();
            RegionProfile.record(call.body, pool.lastClose, start, callerDone, closed, call.arrived, call.left);
            pool.lastClose = closed;
        }
        Throwable t = call.failure.get();
        if (t instanceof RuntimeException e) throw e;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException("a parallel chunk failed", t);
    }

    /** Runs the pending {@link #alongside} task of a caller that has just shared {@code call}; a failure ends the call. */
    private static void runSide(ThreadState state, Call call) {
        Runnable task = state.side;
        state.side = null;
        try {
            task.run();
        } catch (Throwable t) {
            call.failure.compareAndSet(null, t);
        }
    }

    /**
     * One shared {@link #forRange} call: its chunks, who has claimed which, and who is inside.
     *
     * <p>Each thread of the pool owns a contiguous share of the chunks (the caller the first, worker
     * i the (i+1)-th) and claims them through a counter of its own; once its share is done it helps
     * with the others' from their front. Two reasons, both measured on a 2-vCPU EPYC guest whose
     * cores exchange a cache line in about 250 ns (a round trip of 500 ns): one shared counter bounced
     * between the cores at every claim, and with it every chunk went to whichever thread came first,
     * so a layer's output was read by the other core in the next call. With fixed shares the same
     * thread takes the same part of equal-sized calls in a row (an element-wise chain, a convolution's
     * copy after its product), as OpenMP's static schedule does. Which thread runs a chunk never
     * changes the chunk boundaries, so results stay independent of the thread count.
     */
    private static final class Call {
        /** The pool's count of shared calls when this one started: how a worker tells calls apart. */
        final long id;
        final int n, chunks, shares;
        final RangeBody body;
        /** Chunks claimed so far of each share, one cache line apart ({@link #LINE} ints). */
        final AtomicIntegerArray claimed;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        /** Workers inside; CLOSED (negative) once the caller is done. */
        final AtomicInteger active = new AtomicInteger();
        /**
         * When each worker (share 1, 2, ...) entered and left the call, for {@link RegionProfile}
         * only (else null): written before the worker leaves {@link #active}, read after the close.
         */
        final long[] arrived, left;

        Call(long id, int n, int chunks, int shares, RangeBody body) {
            this.id = id;
            this.n = n;
            this.chunks = chunks;
            this.shares = shares;
            this.body = body;
            this.claimed = new AtomicIntegerArray(shares * LINE);
            this.arrived = RegionProfile.ENABLED ? new long[shares - 1] : null;
            this.left = RegionProfile.ENABLED ? new long[shares - 1] : null;
        }

        /** Runs the chunks of share {@code own}, then helps with the other shares until none is left. */
        void claim(int own) {
            for (int k = 0; k < shares && failure.get() == null; k++) {
                int share = (own + k) % shares, first = bound(chunks, share, shares);
                int count = bound(chunks, share + 1, shares) - first;
                for (int i; failure.get() == null && (i = claimed.getAndIncrement(share * LINE)) < count; ) {
                    int chunk = first + i;
                    try {
                        body.run(bound(n, chunk, chunks), bound(n, chunk + 1, chunks));
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }
            }
        }

        /** A worker's part: nothing when the call is already over. */
        void help(int share) {
            if (active.getAndIncrement() < 0) return;
            if (RegionProfile.ENABLED) arrived[share - 1] = System.nanoTime();
            try {
                claim(share);
            } finally {
                if (RegionProfile.ENABLED) left[share - 1] = System.nanoTime();
                active.decrementAndGet();
            }
        }
    }

    /** Ints per cache line: the spacing of {@link Call#claimed}'s counters. */
    private static final int LINE = 16;

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
        Pool pool = new Pool(threads);
        try {
            ScopedValue.where(SCOPED, pool).run(body);
        } finally {
            pool.close();
        }
    }

    /** Start of chunk {@code i} of {@code chunks} over [0, n). */
    private static int bound(int n, int i, int chunks) {
        return (int) ((long) n * i / chunks);
    }

    private static Pool current() {
        return SCOPED.orElse(DEFAULT);
    }

    /**
     * How long the caller spins for a helper that is still running a chunk before it blocks: a
     * chunk of a split kernel usually ends within microseconds of the caller's own, and a blocked
     * caller pays a wake-up on top.
     */
    private static final long SPIN_NANOS = 50_000;

    /** The state of a finished call: far enough below 0 that late helpers' increments keep it negative. */
    private static final int CLOSED = Integer.MIN_VALUE / 2;

    /**
     * What {@link #forRange} needs to know of the calling thread: whether it is running its share
     * of a shared call ({@code inRegion}), and its pending {@link #alongside} task: one thread-local
     * lookup per shared call for both.
     */
    private static final class ThreadState {
        boolean inRegion;
        Runnable side;
    }

    private static final ThreadLocal<ThreadState> STATE = ThreadLocal.withInitial(ThreadState::new);

    private static boolean inWorker() {
        return Thread.currentThread() instanceof Worker;
    }

    /**
     * {@code threads - 1} workers; the calling thread is the last one (see {@link #share}). One call
     * is shared at a time ({@link #owner}); workers wait for the next one spinning for
     * {@link #IDLE_SPIN_NANOS}, then parked.
     */
    private static final class Pool {
        final int threads;
        final Worker[] workers;
        /** Held by the thread whose call the workers are helping with. */
        final AtomicBoolean owner = new AtomicBoolean();
        /** The call being shared, or null. */
        volatile Call call;
        /** Calls shared so far; written only by the {@link #owner}. */
        long calls;
        /** When the last shared call closed, for {@link RegionProfile}; written only by the {@link #owner}. */
        long lastClose;
        volatile boolean closed;

        Pool(int threads) {
            this.threads = Math.max(1, threads);
            workers = new Worker[this.threads - 1];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(this, i + 1);
                workers[i].start();
            }
        }

        void close() {
            closed = true;
            for (Worker w : workers) LockSupport.unpark(w);
        }
    }

    /**
     * How long an idle worker spins for the next call before it parks. A training step makes one
     * call after another with a few microseconds of serial work between them (autograd
     * bookkeeping, small tensors), and waking a parked thread costs tens of microseconds on a
     * virtual machine (the host has to reschedule a halted vCPU): with parked workers LeNet-5's
     * training step was no faster on 2 threads than on 1. OpenMP runtimes spin likewise between
     * parallel regions (GCC's libgomp: {@code GOMP_SPINCOUNT}; Intel's: {@code KMP_BLOCKTIME},
     * 200 ms by default). Set by {@code -Dfovea.spinMicros}.
     */
    private static final long IDLE_SPIN_NANOS = Long.getLong("fovea.spinMicros", 200) * 1000;

    /** A pool thread: helps with each new call of its pool, spinning between calls, then parking. */
    private static final class Worker extends Thread {
        private static final AtomicInteger COUNT = new AtomicInteger();
        private final Pool pool;
        /** The share of each call this thread takes first (the caller takes share 0). */
        private final int share;
        /** Set while parked or about to park, so that a new call unparks this thread. */
        volatile boolean parked;

        Worker(Pool pool, int share) {
            super("fovea-worker-" + COUNT.incrementAndGet());
            this.pool = pool;
            this.share = share;
            setDaemon(true);
        }

        @Override
        public void run() {
            long last = 0; // the id of the last call helped with; not the call, which would keep its data alive
            long idleSince = System.nanoTime();
            while (!pool.closed) {
                Call call = pool.call;
                if (call != null && call.id != last) {
                    last = call.id;
                    call.help(share);
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < IDLE_SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    // flag, then look again: a caller publishes its call, then reads the flag, so
                    // either this thread sees the call or the caller sees the flag and unparks it
                    parked = true;
                    Call again = pool.call;
                    if ((again == null || again.id == last) && !pool.closed) LockSupport.park(this);
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }
}
