package dev.fovea.bench;

import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.Parallel;
import dev.fovea.kernels.PoolGeometry;
import dev.fovea.kernels.ScalarKernels;
import dev.fovea.kernels.simd.VectorKernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times the pooling, batch-norm backward and LRN kernels on LeNet-5, ResNet and AlexNet shapes,
 * straight through {@link Kernels}, for the scalar reference and the vector kernels in the same
 * JVM, interleaved (A, B, A, B, ...) and best-of-N, so that a busy shared machine slows both alike.
 * Until the vector kernels had their own pooling, BN backward and LRN they delegated to the
 * reference, so the scalar column is also the "before" of those kernels.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -Dfovea.threads=T -cp
 * fovea-bench/target/benchmarks.jar dev.fovea.bench.PoolNormPhases [--budget S] [--rounds R]}:
 * R rounds (default 3) of S seconds (default 0.5) per kernel and implementation, after a warm-up
 * round; prints the best ms of each and the ratio.
 */
public final class PoolNormPhases {

    private PoolNormPhases() {}

    /** One kernel call on fixed buffers, run by each implementation. */
    private record Case(String name, KernelCall call) {}

    @FunctionalInterface
    private interface KernelCall {
        void run(Kernels k);
    }

    public static void main(String[] args) {
        double budget = 0.5;
        int rounds = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--budget" -> budget = Double.parseDouble(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("option --budget S or --rounds R expected; received '"
                        + args[i] + "'");
            }
        }
        Kernels scalar = new ScalarKernels(), vector = new VectorKernels();
        System.out.printf(Locale.ROOT, "# scalar vs %s, threads=%d%n", vector.name(), Parallel.threads());
        System.out.println("kernel\tscalar ms\tvector ms\tspeed-up");
        for (Case c : cases()) {
            double bestScalar = Double.MAX_VALUE, bestVector = Double.MAX_VALUE;
            for (int round = 0; round <= rounds; round++) { // round 0 warms up both
                double s = Compare.time(() -> c.call().run(scalar), budget)[0];
                double v = Compare.time(() -> c.call().run(vector), budget)[0];
                if (round > 0) {
                    bestScalar = Math.min(bestScalar, s);
                    bestVector = Math.min(bestVector, v);
                }
            }
            System.out.printf(Locale.ROOT, "%s\t%.3f\t%.3f\t%.1fx%n", c.name(), bestScalar, bestVector,
                    bestScalar / bestVector);
        }
    }

    private static List<Case> cases() {
        SplittableRandom rng = new SplittableRandom(1);
        List<Case> cases = new ArrayList<>();
        pooling(cases, rng, "lenet_s2 avg 2x2/2 64x6x28x28", PoolGeometry.of(64, 6, 28, 28, 2, 2, 0), false);
        pooling(cases, rng, "lenet_s4 avg 2x2/2 64x16x10x10", PoolGeometry.of(64, 16, 10, 10, 2, 2, 0), false);
        pooling(cases, rng, "resnet max 3x3/2 pad 1 8x64x112x112", PoolGeometry.of(8, 64, 112, 112, 3, 2, 1), true);
        pooling(cases, rng, "smallcnn max 2x2/2 64x32x28x28", PoolGeometry.of(64, 32, 28, 28, 2, 2, 0), true);

        int n = 16, c = 64, spatial = 56 * 56;
        float[] x = Workload.gaussian(rng, n * c * spatial), dy = Workload.gaussian(rng, n * c * spatial);
        float[] mean = new float[c], var = new float[c], invStd = new float[c], gamma = Workload.gaussian(rng, c);
        new ScalarKernels().channelMeanVar(mean, var, x, n, c, spatial);
        for (int ch = 0; ch < c; ch++) invStd[ch] = (float) (1 / Math.sqrt(var[ch] + 1e-5));
        float[] dx = new float[x.length], dGamma = new float[c], dBeta = new float[c];
        cases.add(new Case("bn backward train 16x64x56x56",
                k -> k.batchNormBackward(dx, dGamma, dBeta, dy, x, mean, invStd, gamma, n, c, spatial, true)));

        int ln = 8, lc = 96, ls = 55 * 55; // AlexNet's first LRN
        float[] lin = Workload.gaussian(rng, ln * lc * ls), ldy = Workload.gaussian(rng, ln * lc * ls);
        float[] lout = new float[lin.length], lscale = new float[lin.length], ldx = new float[lin.length];
        cases.add(new Case("lrn forward 8x96x55x55 size 5",
                k -> k.lrnForward(lout, lscale, lin, ln, lc, ls, 5, 1e-4f, 0.75f, 2f)));
        cases.add(new Case("lrn backward 8x96x55x55 size 5",
                k -> k.lrnBackward(ldx, ldy, lin, lout, lscale, ln, lc, ls, 5, 1e-4f, 0.75f, 2f)));
        return cases;
    }

    private static void pooling(List<Case> cases, SplittableRandom rng, String name, PoolGeometry g, boolean max) {
        float[] in = Workload.gaussian(rng, g.inputSize()), dOut = Workload.gaussian(rng, g.outputSize());
        float[] out = new float[g.outputSize()], dIn = new float[g.inputSize()];
        if (max) {
            int[] argmax = new int[g.outputSize()];
            new ScalarKernels().maxPool2dForward(out, argmax, in, g);
            cases.add(new Case(name + " forward", k -> k.maxPool2dForward(out, argmax, in, g)));
            cases.add(new Case(name + " backward", k -> k.maxPool2dBackward(dIn, dOut, argmax, g)));
        } else {
            cases.add(new Case(name + " forward", k -> k.avgPool2dForward(out, in, g)));
            cases.add(new Case(name + " backward", k -> k.avgPool2dBackward(dIn, dOut, g)));
        }
    }
}
