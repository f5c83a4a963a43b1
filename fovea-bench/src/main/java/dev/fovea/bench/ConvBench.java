package dev.fovea.bench;

import dev.fovea.tensor.Tensor;
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

import java.util.concurrent.TimeUnit;

/**
 * The five {@link ConvLayer}s through {@code Tensor.conv2d}: inference, and a forward pass followed
 * by the backward pass (input, weight and bias gradients) of a fixed output gradient. See
 * {@link ConvCase} for exactly what one call does and {@link ConvLayer} for the FLOP counts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmx4g"})
public class ConvBench {

    @Param({"conv_a", "conv_b", "conv_c", "conv_d", "conv_e"})
    public String layer;

    private ConvCase conv;

    @Setup
    public void setup() {
        conv = new ConvCase(ConvLayer.byId(layer));
    }

    @Benchmark
    public Tensor forward() {
        return conv.forward();
    }

    @Benchmark
    public float[] forwardBackward() {
        return conv.forwardBackward();
    }
}
