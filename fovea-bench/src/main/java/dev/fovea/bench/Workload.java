package dev.fovea.bench;

import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.KernelsProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * A named piece of work timed by {@link Compare}; the same names and definitions are in
 * {@code bench/torch_bench.py}, so the two sides can be joined row by row.
 *
 * @param name        identifier shared with the PyTorch script: {@code sgemm_1024}, {@code conv_c_fwdbwd}, ...
 * @param description what it computes, for the table
 * @param flops       floating-point operations of one run (2 per multiply-add), for GFLOP/s
 * @param setup       allocates the inputs and returns the code to time (called once per measurement)
 */
public record Workload(String name, String description, double flops, Supplier<Runnable> setup) {

    /** Matrix sizes of the SGEMM rows. */
    public static final int[] GEMM_SIZES = {256, 512, 1024, 2048};

    /**
     * Every workload in table order: SGEMM {@code C = A B} for the {@link #GEMM_SIZES square sizes}
     * through {@link KernelsProvider#get()}, each {@link ConvLayer} forward and forward+backward,
     * and the {@link LeNetStep LeNet-5 training step}.
     */
    public static List<Workload> all() {
        List<Workload> list = new ArrayList<>();
        for (int n : GEMM_SIZES) {
            list.add(new Workload("sgemm_" + n, "SGEMM C = A B, " + n + "x" + n, 2.0 * n * n * n, () -> gemm(n)));
        }
        for (ConvLayer layer : ConvLayer.values()) {
            list.add(new Workload(layer.id + "_fwd", layer.description + ", forward", layer.forwardFlops(), () -> {
                ConvCase c = new ConvCase(layer);
                return c::forward;
            }));
            list.add(new Workload(layer.id + "_fwdbwd", layer.description + ", fwd+bwd", 3 * layer.forwardFlops(), () -> {
                ConvCase c = new ConvCase(layer);
                return c::forwardBackward;
            }));
        }
        list.add(new Workload("lenet5_step", "LeNet-5 train step b64 (fwd, CE, zeroGrad, bwd, Adam)",
                LeNetStep.flops(), () -> {
                    LeNetStep s = new LeNetStep();
                    return s::step;
                }));
        return list;
    }

    /** The workload called {@code name}, or an exception listing the names. */
    public static Workload byName(String name) {
        List<String> names = new ArrayList<>();
        for (Workload w : all()) {
            if (w.name.equals(name)) return w;
            names.add(w.name);
        }
        throw new IllegalArgumentException("workload name expected, one of " + names + "; received '" + name + "'");
    }

    /** {@code c (n, n) = a (n, n) b (n, n)} with N(0, 1) inputs, through the process-wide kernels. */
    private static Runnable gemm(int n) {
        SplittableRandom rng = new SplittableRandom(n);
        float[] a = gaussian(rng, n * n), b = gaussian(rng, n * n), c = new float[n * n];
        Kernels k = KernelsProvider.get();
        return () -> k.gemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
    }

    static float[] gaussian(SplittableRandom rng, int count) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float) rng.nextGaussian();
        return x;
    }
}
