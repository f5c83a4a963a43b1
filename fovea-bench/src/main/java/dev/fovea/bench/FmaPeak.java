package dev.fovea.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * The floating-point peak a Java thread can reach: a loop of fused multiply-adds on
 * {@link FloatVector#SPECIES_PREFERRED} with {@link #ACCUMULATORS} independent dependency chains.
 *
 * <p>An FMA has a latency of about 4 cycles and current x86 cores issue two per cycle, so at least 8
 * independent chains are needed to keep both units busy; 12 leave slack and still fit the 16 (AVX2)
 * or 32 (AVX-512) vector registers. Each chain computes {@code acc = acc * a + b} with
 * {@code a < 1}, which converges (to {@code b / (1 - a)}) instead of overflowing or going subnormal,
 * and which the JIT cannot fold because floating-point arithmetic is not reassociated.
 * This is the ceiling that GEMM and convolution GFLOP/s are compared with.
 */
public final class FmaPeak {

    public static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    public static final int ACCUMULATORS = 12;
    /**
     * Loop trips of one {@link #run} call in {@link #measure}: 12 FMAs per trip at 2 per cycle is
     * about 5 ms at 2.5 GHz, long against the tens of microseconds a barrier takes to wake threads.
     */
    public static final int ITERATIONS = 1 << 21;

    private FmaPeak() {}

    /** FLOPs of {@code run(iterations)}: two per lane per FMA. */
    public static double flops(int iterations) {
        return 2.0 * SPECIES.length() * ACCUMULATORS * iterations;
    }

    /** {@code iterations * ACCUMULATORS} vector FMAs; returns a value depending on all of them. */
    public static float run(int iterations, float a, float b) {
        FloatVector va = FloatVector.broadcast(SPECIES, a), vb = FloatVector.broadcast(SPECIES, b);
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
        FloatVector s6 = s0, s7 = s0, s8 = s0, s9 = s0, s10 = s0, s11 = s0;
        for (int i = 0; i < iterations; i++) {
            s0 = s0.fma(va, vb);
            s1 = s1.fma(va, vb);
            s2 = s2.fma(va, vb);
            s3 = s3.fma(va, vb);
            s4 = s4.fma(va, vb);
            s5 = s5.fma(va, vb);
            s6 = s6.fma(va, vb);
            s7 = s7.fma(va, vb);
            s8 = s8.fma(va, vb);
            s9 = s9.fma(va, vb);
            s10 = s10.fma(va, vb);
            s11 = s11.fma(va, vb);
        }
        FloatVector sum = s0.add(s1).add(s2).add(s3).add(s4).add(s5).add(s6).add(s7).add(s8).add(s9).add(s10).add(s11);
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Best GFLOP/s of {@code threads} threads running the loop at the same time (total over the
     * threads, so divide by {@code threads} for a per-core figure), over rounds lasting about
     * {@code seconds} in all after a warm-up that gets the loop compiled. Each round starts all
     * threads at a barrier and lasts until the slowest finishes.
     *
     * @throws IllegalArgumentException when {@code threads < 1} or {@code seconds <= 0}
     */
    public static double measure(int threads, double seconds) {
        if (threads < 1 || !(seconds > 0)) {
            throw new IllegalArgumentException("FmaPeak.measure expects threads >= 1 and seconds > 0; received threads="
                    + threads + ", seconds=" + seconds);
        }
        float sink = 0;
        for (int i = 0; i < 200; i++) sink += run(ITERATIONS / 64, 0.999f, 1e-3f); // C2 compiles run()
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        double best = 0;
        int rounds = 0;
        while (rounds < 5 || System.nanoTime() < deadline) {
            double elapsed = round(threads);
            best = Math.max(best, threads * flops(ITERATIONS) / elapsed / 1e9);
            rounds++;
        }
        if (sink == 42f) System.out.print(""); // keeps the warm-up observable
        return best;
    }

    /**
     * Seconds from the first thread starting one {@code run(ITERATIONS)} to the last one finishing,
     * all released together by a barrier. Each worker reads the clock itself: the releasing thread
     * may be descheduled on a busy machine, and its own clock would then miss part of the work.
     */
    private static double round(int threads) {
        CyclicBarrier start = new CyclicBarrier(threads);
        long[] begin = new long[threads], finish = new long[threads];
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException | BrokenBarrierException e) {
                    throw new IllegalStateException(e);
                }
                begin[id] = System.nanoTime();
                if (run(ITERATIONS, 0.999f, 1e-3f) == 42f) System.out.print("");
                finish[id] = System.nanoTime();
            });
            workers[t].start();
        }
        try {
            for (Thread w : workers) w.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("FMA probe interrupted", e);
        }
        long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
        for (int t = 0; t < threads; t++) {
            first = Math.min(first, begin[t]);
            last = Math.max(last, finish[t]);
        }
        return (last - first) / 1e9;
    }
}
