package dev.fovea.bench;

import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.KernelsProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * A named piece of work timed by {@link Compare}; the same names and definitions are in
 * {@code bench/torch_bench.py}, so the two sides can be joined row by row.
 *
 * @param name        identifier shared with the PyTorch script: {@code sgemm_1024}, {@code conv_c_fwdbwd}, ...
 * @param description what it computes, for the table
 * @param flopCount   floating-point operations of one run (2 per multiply-add), for GFLOP/s; a supplier
 *                    because the ResNet-18 count comes from a forward pass, which only runs that time
 *                    a ResNet row should pay for (see {@link #flops()})
 * @param setup       allocates the inputs and returns the code to time (called once per measurement)
 */
public record Workload(String name, String description, DoubleSupplier flopCount, Supplier<Runnable> setup) {

    /** A workload whose FLOPs are known up front. */
    public Workload(String name, String description, double flops, Supplier<Runnable> setup) {
        this(name, description, () -> flops, setup);
    }

    /** Floating-point operations of one run (2 per multiply-add). */
    public double flops() {
        return flopCount.getAsDouble();
    }

    /** Matrix sizes of the SGEMM rows. */
    public static final int[] GEMM_SIZES = {256, 512, 1024, 2048};

    /** Batch sizes of the ResNet-18 inference rows. */
    public static final int[] RESNET_INFERENCE_BATCHES = {1, 16};
    /** Batch size of the ResNet-18 training-step row. */
    public static final int RESNET_TRAIN_BATCH = 16;

    /**
     * Every workload in table order: SGEMM {@code C = A B} for the {@link #GEMM_SIZES square sizes}
     * through {@link KernelsProvider#get()}, each {@link ConvLayer} forward and forward+backward,
     * the {@link LeNetStep LeNet-5 training step}, {@link ResNetCase ResNet-18} inference and
     * training step, and last ResNet-18 inference in {@link OrtResNet ONNX Runtime} (last, so that
     * ONNX Runtime's threads, which spin for a while after each run, never overlap a Fovea row).
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
        list.add(new Workload("lenet5_step", "LeNet-5 train step b64 (fwd, CE, zeroGrad, bwd, Adam; "
                + LeNetStep.SHARDS + " data-parallel shards)",
                LeNetStep.flops(), () -> {
                    LeNetStep s = new LeNetStep();
                    return s::step;
                }));
        for (int b : RESNET_INFERENCE_BATCHES) {
            list.add(new Workload("resnet18_infer_b" + b, "ResNet-18 inference b" + b + " 224x224 (eval, NoGrad)",
                    () -> b * ResNetCase.forwardFlopsPerImage(), () -> {
                        ResNetCase c = ResNetCase.inference(b);
                        return c::infer;
                    }));
        }
        int tb = RESNET_TRAIN_BATCH;
        list.add(new Workload("resnet18_train_b" + tb, "ResNet-18 train step b" + tb
                + " 224x224 (fwd, CE, zeroGrad, bwd, SGD momentum 0.9)",
                () -> tb * ResNetCase.trainFlopsPerImage(), () -> {
                    ResNetCase c = ResNetCase.training(tb);
                    return c::step;
                }));
        for (int b : RESNET_INFERENCE_BATCHES) {
            list.add(new Workload("resnet18_infer_b" + b + OrtResNet.SUFFIX, "ResNet-18 inference b" + b
                    + " 224x224 in ONNX Runtime", () -> b * ResNetCase.forwardFlopsPerImage(),
                    () -> OrtResNet.inference(b)));
        }
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
