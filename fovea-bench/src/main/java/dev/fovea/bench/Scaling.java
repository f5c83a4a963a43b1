package dev.fovea.bench;

import dev.fovea.kernels.Parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Each workload's speed-up on the whole pool over one thread, measured in one JVM with the two
 * ways alternating: a block of runs on one thread ({@link Parallel#withThreads}), then a block on
 * the pool of {@code -Dfovea.threads}, round after round. {@code bench/compare.sh} times one and two
 * threads in separate JVMs minutes apart, so a slow spell of the host (this 2-vCPU guest has them,
 * with no steal time to show for it) or a JVM that compiled a kernel worse falls on one side of
 * the ratio only: ResNet-18 b1 measured 1.71x and 1.81x in two sets of one commit, and one thread
 * against two in alternating JVMs gave 2-thread times of 15.0 and 18.1 ms. Here both sides share
 * the host's spells and the compiled code, so the ratio is the one a change to the kernels moves.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -XX:+UseParallelGC -Xmx4g
 * -XX:+AlwaysPreTouch -Dfovea.threads=2 -cp fovea-bench/target/benchmarks.jar dev.fovea.bench.Scaling
 * [REGEX] [ROUNDS]}: the workloads of {@link Workload#all} whose names REGEX finds (default: the
 * ones the scaling target names, the conv layers and ResNet-18), ROUNDS rounds each
 * (default 15) after 3 for warm-up, which follow the comparison's own warm-up and its wait for
 * the JIT's compiler threads ({@link JitQuiet}). A block is as many runs as take about 50 ms on
 * one thread; the best run of each block counts, and the table gives the best and the median
 * block of each way and their ratios. ONNX
 * Runtime rows are left out: their threads are ONNX Runtime's own.
 */
public final class Scaling {

    private static final String DEFAULT_WORKLOADS = "^(conv_|resnet18_)";
    private static final long BLOCK_NANOS = 50_000_000L;
    /** Seconds of {@link Compare#warmUp} before the first workload. */
    private static final double WARM_UP_SECONDS = 5;

    private Scaling() {}

    public static void main(String[] args) {
        if (args.length > 2) {
            throw new IllegalArgumentException("arguments [REGEX] [ROUNDS] expected; received " + Arrays.toString(args));
        }
        Pattern only = Pattern.compile(args.length > 0 ? args[0] : DEFAULT_WORKLOADS);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        if (rounds < 1) throw new IllegalArgumentException("ROUNDS >= 1 expected; received " + rounds);
        int threads = Parallel.threads();
        if (threads < 2) {
            throw new IllegalArgumentException("-Dfovea.threads >= 2 expected (the pool to compare with one thread); received "
                    + threads);
        }
        List<Workload> selected = new ArrayList<>();
        for (Workload w : Workload.all()) {
            if (only.matcher(w.name()).find() && !w.name().endsWith(OrtResNet.SUFFIX)) selected.add(w);
        }
        if (selected.isEmpty()) throw new IllegalArgumentException("no workload matches '" + only + "'");
        System.out.printf(Locale.ROOT, "# scaling in one JVM, 1 vs %d threads alternating, %d rounds%n", threads, rounds);
        System.out.printf(Locale.ROOT, "workload\t1T best ms\t%dT best ms\tbest ratio\t1T median\t%dT median\tmedian ratio%n",
                threads, threads);
        Compare.warmUp(selected, WARM_UP_SECONDS);
        for (Workload w : selected) {
            Runnable body = w.setup().get();
            for (int i = 0; i < 2; i++) { // compiled code for both ways before the first block is sized
                Parallel.withThreads(1, body);
                body.run();
            }
            JitQuiet.await(2000); // a compilation still running holds one of the two vCPUs
            long once = System.nanoTime();
            Parallel.withThreads(1, body);
            int runs = (int) Math.max(1, Math.min(1000, BLOCK_NANOS / Math.max(1, System.nanoTime() - once)));
            long[][] best = new long[2][rounds];
            for (int r = -3; r < rounds; r++) {
                for (int way = 0; way < 2; way++) {
                    long[] block = {Long.MAX_VALUE};
                    Runnable timed = () -> {
                        for (int i = 0; i < runs; i++) {
                            long t0 = System.nanoTime();
                            body.run();
                            block[0] = Math.min(block[0], System.nanoTime() - t0);
                        }
                    };
                    if (way == 0) Parallel.withThreads(1, timed); else timed.run();
                    if (r >= 0) best[way][r] = block[0];
                }
            }
            Arrays.sort(best[0]);
            Arrays.sort(best[1]);
            long one = best[0][0], many = best[1][0], oneMedian = best[0][rounds / 2], manyMedian = best[1][rounds / 2];
            System.out.printf(Locale.ROOT, "%s\t%.4f\t%.4f\t%.2f\t%.4f\t%.4f\t%.2f%n", w.name(), one / 1e6, many / 1e6,
                    (double) one / many, oneMedian / 1e6, manyMedian / 1e6, (double) oneMedian / manyMedian);
            System.out.flush();
        }
    }
}
