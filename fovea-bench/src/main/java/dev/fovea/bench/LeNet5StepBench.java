package dev.fovea.bench;

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
 * One {@link LeNetStep LeNet-5 training step} on a batch of 64, unsharded and in data-parallel
 * shards; images/s = 64 000 / (ms per step).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmx4g"})
public class LeNet5StepBench {

    /** Shards the batch is cut into; 1: each operation split across the threads instead. */
    @Param({"1", "2"})
    public int shards;

    private LeNetStep step;

    @Setup
    public void setup() {
        step = new LeNetStep(shards);
    }

    @Benchmark
    public float trainStep() {
        return step.step();
    }
}
