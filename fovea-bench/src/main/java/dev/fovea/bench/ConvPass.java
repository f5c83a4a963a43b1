package dev.fovea.bench;

import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.KernelsProvider;
import dev.fovea.kernels.Parallel;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times one {@link ConvLayer}'s forward+backward pass straight through {@link Kernels}, in the
 * order the autograd runs it (forward; the weight gradient with the input gradient's array taken
 * alongside; the input gradient), two ways, alternating in one JVM: with a fresh output and input
 * gradient every pass, and with both kept from pass to pass, the input gradient zeroed on all
 * threads, as a caching allocator (PyTorch's) would serve them. ({@link ConvCase#forwardBackward}
 * keeps both too, in a training workspace, and since 8 Dec 2026 writes the input gradient without
 * zeroing it first.) The difference is what
 * the JVM's zeroing of new arrays, on the calling thread, and the kernels' first touch of them
 * cost the pass; {@link ConvPhases} gives each kernel alone, its operands in cache.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Dfovea.threads=T -cp
 * fovea-bench/target/benchmarks.jar dev.fovea.bench.ConvPass LAYER [ROUNDS]} (LAYER conv_a ..
 * conv_e; ROUNDS of 10 passes each way, default 40, after as many for warm-up). Prints the best
 * and the median of the rounds' best passes, each phase and the whole.
 */
public final class ConvPass {

    private static final String[] PHASES = {"forward", "weight gradient", "input gradient", "pass"};

    private ConvPass() {}

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            throw new IllegalArgumentException("arguments LAYER [ROUNDS] expected (LAYER conv_a .. conv_e); received "
                    + Arrays.toString(args));
        }
        ConvLayer layer = ConvLayer.byId(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        if (rounds < 1) throw new IllegalArgumentException("ROUNDS >= 1 expected; received " + rounds);
        Kernels k = KernelsProvider.get();
        ConvGeometry g = ConvGeometry.of(layer.n, layer.c, layer.size, layer.size, layer.oc, layer.kernel,
                layer.stride, layer.pad);
        SplittableRandom rng = new SplittableRandom(1);
        float[] in = Workload.gaussian(rng, g.inputSize()), weight = Workload.gaussian(rng, g.weightSize());
        float[] bias = Workload.gaussian(rng, layer.oc), dOut = Workload.gaussian(rng, g.outputSize());
        Pass fresh = new Pass(k, g, in, weight, bias, dOut, false), kept = new Pass(k, g, in, weight, bias, dOut, true);
        long[][][] best = new long[2][PHASES.length][rounds];
        for (int r = -rounds; r < rounds; r++) {
            for (int way = 0; way < 2; way++) {
                long[] round = (way == 0 ? fresh : kept).bestOf(10);
                if (r >= 0) for (int p = 0; p < PHASES.length; p++) best[way][p][r] = round[p];
            }
        }
        System.out.printf(Locale.ROOT, "# %s %s, kernels=%s, threads=%d, %d rounds of 10 passes each way%n",
                layer.id, layer.description, k.name(), Parallel.threads(), rounds);
        System.out.println("phase\tfresh arrays best ms\tmedian\tkept arrays best ms\tmedian");
        for (int p = 0; p < PHASES.length; p++) {
            Arrays.sort(best[0][p]);
            Arrays.sort(best[1][p]);
            System.out.printf(Locale.ROOT, "%s\t%.3f\t%.3f\t%.3f\t%.3f%n", PHASES[p], best[0][p][0] / 1e6,
                    best[0][p][rounds / 2] / 1e6, best[1][p][0] / 1e6, best[1][p][rounds / 2] / 1e6);
        }
    }

    /** One way of running the pass; its arrays, when kept, live as long as it does. */
    private static final class Pass {
        final Kernels k;
        final ConvGeometry g;
        final float[] in, weight, bias, dOut;
        final boolean keep;
        float[] out, dIn;

        Pass(Kernels k, ConvGeometry g, float[] in, float[] weight, float[] bias, float[] dOut, boolean keep) {
            this.k = k;
            this.g = g;
            this.in = in;
            this.weight = weight;
            this.bias = bias;
            this.dOut = dOut;
            this.keep = keep;
        }

        /** The best of {@code passes} passes, in ns, per phase and for the whole pass. */
        long[] bestOf(int passes) {
            long[] best = new long[PHASES.length];
            Arrays.fill(best, Long.MAX_VALUE);
            for (int i = 0; i < passes; i++) {
                long t0 = System.nanoTime();
                if (!keep || out == null) out = new float[g.outputSize()];
                k.conv2dForward(out, in, weight, bias, g);
                long t1 = System.nanoTime();
                float[] dWeight = new float[g.weightSize()], dBias = new float[g.oc()];
                if (keep && dIn != null) {
                    float[] kept = dIn;
                    Parallel.forRange(kept.length, 1 << 16, (from, to) -> Arrays.fill(kept, from, to, 0f));
                    k.conv2dBackwardWeight(dWeight, dBias, dOut, in, g);
                } else {
                    Parallel.alongside(() -> dIn = new float[g.inputSize()],
                            () -> k.conv2dBackwardWeight(dWeight, dBias, dOut, in, g));
                }
                long t2 = System.nanoTime();
                k.conv2dBackwardInput(dIn, dOut, weight, g);
                long t3 = System.nanoTime();
                long[] took = {t1 - t0, t2 - t1, t3 - t2, t3 - t0};
                for (int p = 0; p < PHASES.length; p++) best[p] = Math.min(best[p], took[p]);
            }
            return best;
        }
    }
}
