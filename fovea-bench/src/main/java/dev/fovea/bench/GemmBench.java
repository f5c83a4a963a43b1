package dev.fovea.bench;

import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.KernelsProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * SGEMM {@code C (n, n) = A (n, n) B (n, n)}, no transposes, through the process-wide kernels
 * ({@code -Dfovea.kernels}, default the Vector API). One call is {@code 2 n^3} FLOPs, so
 * GFLOP/s = {@code 2 n^3 / (ms * 1e6)}: 256 -> 0.0336 GFLOP, 512 -> 0.268, 1024 -> 2.15, 2048 -> 17.2.
 *
 * <p>Threads: {@code java -jar benchmarks.jar GemmBench -jvmArgsAppend -Dfovea.threads=1}. The
 * Vector API flag is in {@code jvmArgsPrepend} so that a command-line {@code -jvmArgsAppend}, which
 * replaces the annotation's list of the same name, cannot drop it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmx4g"})
public class GemmBench {

    @Param({"256", "512", "1024", "2048"})
    public int n;

    private Kernels kernels;
    private float[] a, b, c;

    @Setup
    public void setup() {
        kernels = KernelsProvider.get();
        SplittableRandom rng = new SplittableRandom(n);
        a = Workload.gaussian(rng, n * n);
        b = Workload.gaussian(rng, n * n);
        c = new float[n * n];
    }

    @Benchmark
    public float[] sgemm() {
        kernels.gemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        return c;
    }
}
