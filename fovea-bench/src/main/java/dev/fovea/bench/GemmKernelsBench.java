package dev.fovea.bench;

import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.ScalarKernels;
import dev.fovea.kernels.simd.VectorKernels;
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
 * SGEMM 256 x 256 x 256 (0.0336 GFLOP) with the Vector API kernels against the scalar reference:
 * what the SIMD path buys. Only n = 256, because the reference needs seconds for 2048.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmx4g"})
public class GemmKernelsBench {

    static final int N = 256;

    @Param({"vector", "scalar"})
    public String kernels;

    private Kernels impl;
    private float[] a, b, c;

    @Setup
    public void setup() {
        impl = switch (kernels) {
            case "vector" -> new VectorKernels();
            case "scalar" -> new ScalarKernels();
            default -> throw new IllegalArgumentException("kernels vector or scalar expected; received " + kernels);
        };
        SplittableRandom rng = new SplittableRandom(N);
        a = Workload.gaussian(rng, N * N);
        b = Workload.gaussian(rng, N * N);
        c = new float[N * N];
    }

    @Benchmark
    public float[] sgemm256() {
        impl.gemm(false, false, N, N, N, 1f, a, 0, N, b, 0, N, 0f, c, 0, N);
        return c;
    }
}
