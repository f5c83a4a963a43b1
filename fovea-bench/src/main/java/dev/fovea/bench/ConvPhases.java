package dev.fovea.bench;

import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.KernelsProvider;
import dev.fovea.kernels.Parallel;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times the three convolution kernels of each {@link ConvLayer} separately, straight through
 * {@link Kernels} (no autograd, no allocation per call): forward, input gradient, weight (and bias)
 * gradient. Tells which phase a slow or badly scaling {@code conv_X_fwdbwd} row loses its time in,
 * and how much goes to the autograd layer around the kernels (the fwdbwd time minus the sum here).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Dfovea.threads=T -cp
 * fovea-bench/target/benchmarks.jar dev.fovea.bench.ConvPhases [--budget S]} (S seconds per phase,
 * default 2, best-of-N as in {@link Compare#time}). Each kernel gets its own 1 s warm-up on top.
 */
public final class ConvPhases {

    private ConvPhases() {}

    public static void main(String[] args) {
        double budget = 2;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--budget") && i + 1 < args.length) {
                budget = Double.parseDouble(args[++i]);
            } else {
                throw new IllegalArgumentException("option --budget S expected; received '" + args[i] + "'");
            }
        }
        Kernels k = KernelsProvider.get();
        System.out.printf(Locale.ROOT, "# kernels=%s threads=%d%n", k.name(), Parallel.threads());
        System.out.println("layer\tforward ms\tGFLOP/s\tbackward-input ms\tGFLOP/s\tbackward-weight ms\tGFLOP/s");
        for (ConvLayer layer : ConvLayer.values()) {
            ConvGeometry g = ConvGeometry.of(layer.n, layer.c, layer.size, layer.size, layer.oc, layer.kernel,
                    layer.stride, layer.pad);
            SplittableRandom rng = new SplittableRandom(1);
            float[] in = Workload.gaussian(rng, g.inputSize()), weight = Workload.gaussian(rng, g.weightSize());
            float[] bias = Workload.gaussian(rng, layer.oc), dOut = Workload.gaussian(rng, g.outputSize());
            float[] out = new float[g.outputSize()], dIn = new float[g.inputSize()];
            float[] dWeight = new float[g.weightSize()], dBias = new float[layer.oc];
            double gflop = layer.forwardFlops() / 1e6;
            double fwd = phase(() -> k.conv2dForward(out, in, weight, bias, g), budget);
            double bwdIn = phase(() -> k.conv2dBackwardInput(dIn, dOut, weight, g), budget);
            double bwdW = phase(() -> k.conv2dBackwardWeight(dWeight, dBias, dOut, in, g), budget);
            System.out.printf(Locale.ROOT, "%s\t%.3f\t%.0f\t%.3f\t%.0f\t%.3f\t%.0f%n", layer.id, fwd, gflop / fwd,
                    bwdIn, gflop / bwdIn, bwdW, gflop / bwdW);
        }
    }

    /** Best time in ms after a 1 s warm-up of this kernel alone. */
    private static double phase(Runnable body, double budget) {
        long warmEnd = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warmEnd) body.run();
        return Compare.time(body, budget)[0];
    }
}
