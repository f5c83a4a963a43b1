package dev.fovea.bench;

import dev.fovea.kernels.Parallel;
import dev.fovea.kernels.RegionProfile;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Where one workload's threads wait, call site by call site ({@link RegionProfile}): how much of a
 * run the shared calls take, and of that how long the caller waits for a worker's last chunk, how
 * long the workers wait for the caller's, how late they arrive, and the serial time before each
 * site. It tells what keeps a workload below twice its one-thread speed on two threads, which
 * {@link Scaling} measures.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -XX:+UseParallelGC -Xmx4g
 * -XX:+AlwaysPreTouch -Dfovea.threads=2 -Dfovea.regionProfile=true -cp fovea-bench/target/benchmarks.jar
 * dev.fovea.bench.Regions WORKLOAD [SECONDS] [SITES]}: WORKLOAD a name of {@code Compare --list}
 * (not an ONNX Runtime row), timed for SECONDS (default 10) after 5 s of warm-up and the JIT's
 * compiler threads going idle; the SITES (default 15) with the most waiting are listed. Times are
 * per run of the workload, in milliseconds. The recording costs a few clock reads per shared call.
 */
public final class Regions {

    private Regions() {}

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 3) {
            throw new IllegalArgumentException("arguments WORKLOAD [SECONDS] [SITES] expected; received "
                    + Arrays.toString(args));
        }
        if (!RegionProfile.enabled()) {
            throw new IllegalStateException("Regions needs the JVM option -Dfovea.regionProfile=true (the recording "
                    + "is compiled away without it)");
        }
        Workload w = Workload.byName(args[0]);
        if (w.name().endsWith(OrtResNet.SUFFIX)) {
            throw new IllegalArgumentException("a Fovea workload expected; " + w.name() + " runs in ONNX Runtime's threads");
        }
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        int sites = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        if (!(seconds > 0) || sites < 1) {
            throw new IllegalArgumentException("SECONDS > 0 and SITES >= 1 expected; received " + seconds + ", " + sites);
        }
        Runnable body = w.setup().get();
        long warmEnd = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < warmEnd) body.run();
        JitQuiet.await(3000);
        RegionProfile.clear();
        int runs = 0;
        long start = System.nanoTime(), end = start + (long) (seconds * 1e9);
        do {
            body.run();
            runs++;
        } while (System.nanoTime() < end);
        double wall = (System.nanoTime() - start) / 1e6 / runs;
        List<RegionProfile.Totals> totals = RegionProfile.totals();
        long nanos = 0, callerWait = 0, workerIdle = 0, workerLate = 0, serial = 0;
        for (RegionProfile.Totals t : totals) {
            nanos += t.nanos();
            callerWait += t.callerWait();
            workerIdle += t.workerIdle();
            workerLate += t.workerLate();
            serial += t.serialBefore();
        }
        double per = 1e6 * runs;
        System.out.printf(Locale.ROOT, "# %s, %d thread(s), %d runs: %.3f ms a run, %.3f in shared calls%n", w.name(),
                Parallel.threads(), runs, wall, nanos / per);
        System.out.printf(Locale.ROOT, "# waiting a run: caller for workers %.3f ms, workers idle at the ends %.3f, "
                + "workers late %.3f, serial between calls %.3f%n", callerWait / per, workerIdle / per, workerLate / per,
                serial / per);
        System.out.println("site\tcalls/run\tms/run\tcaller wait\tworkers idle\tworkers late\tworker-calls missed/run\tserial before");
        for (RegionProfile.Totals t : totals.subList(0, Math.min(sites, totals.size()))) {
            System.out.printf(Locale.ROOT, "%s\t%.1f\t%.3f\t%.3f\t%.3f\t%.3f\t%.1f\t%.3f%n", t.site(),
                    t.calls() / (double) runs, t.nanos() / per, t.callerWait() / per, t.workerIdle() / per,
                    t.workerLate() / per, t.missed() / (double) runs, t.serialBefore() / per);
        }
    }
}
