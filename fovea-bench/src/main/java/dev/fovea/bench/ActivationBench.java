package dev.fovea.bench;

import dev.fovea.kernels.Activation;
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
 * Activation kernels on LeNet-5's C1 output (64 x 6 x 28 x 28 = 301,056 values), forward and
 * backward, with the Vector API kernels against the scalar reference (which rounds
 * {@code java.lang.Math} in double). Threads as {@code -Dfovea.threads} (the reference is single-threaded).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmx4g"})
public class ActivationBench {

    static final int SIZE = 64 * 6 * 28 * 28;

    @Param({"vector", "scalar"})
    public String kernels;

    @Param({"TANH", "SIGMOID", "RELU", "ELU"})
    public String activation;

    private Kernels impl;
    private Activation f;
    private float[] in, out, dOut, dIn;

    @Setup
    public void setup() {
        impl = switch (kernels) {
            case "vector" -> new VectorKernels();
            case "scalar" -> new ScalarKernels();
            default -> throw new IllegalArgumentException("kernels vector or scalar expected; received " + kernels);
        };
        f = Activation.valueOf(activation);
        SplittableRandom rng = new SplittableRandom(SIZE);
        in = Workload.gaussian(rng, SIZE);
        dOut = Workload.gaussian(rng, SIZE);
        out = new float[SIZE];
        dIn = new float[SIZE];
        impl.activationForward(f, out, in, SIZE, 1f);
    }

    @Benchmark
    public float[] forward() {
        impl.activationForward(f, out, in, SIZE, 1f);
        return out;
    }

    @Benchmark
    public float[] backward() {
        impl.activationBackward(f, dIn, dOut, in, out, SIZE, 1f);
        return dIn;
    }
}
