package dev.fovea.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The {@link FmaPeak} loop under JMH. The secondary result {@code flop} is in operations per
 * nanosecond, which is GFLOP/s: {@code perCore} runs one thread; {@code twoCores} two threads at
 * once, and JMH sums their counters, so it reports the total of both.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmx4g"})
public class FmaPeakBench {

    /** Loop trips per invocation: about 1 ms, long against JMH's per-call overhead. */
    static final int ITERATIONS = 1 << 18;

    /** Counts floating-point operations; JMH reports it as a rate next to the primary score. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public long flop;

        @Setup(Level.Iteration)
        public void clear() {
            flop = 0;
        }
    }

    @Benchmark
    @Threads(1)
    public float perCore(Flops counter) {
        counter.flop += (long) FmaPeak.flops(ITERATIONS);
        return FmaPeak.run(ITERATIONS, 0.999f, 1e-3f);
    }

    @Benchmark
    @Threads(2)
    public float twoCores(Flops counter) {
        counter.flop += (long) FmaPeak.flops(ITERATIONS);
        return FmaPeak.run(ITERATIONS, 0.999f, 1e-3f);
    }
}
