package dev.fovea.bench;

import dev.fovea.kernels.KernelsProvider;
import dev.fovea.kernels.Parallel;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

import java.util.ArrayList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The Fovea side of {@code bench/compare.sh}: times every {@link Workload} as best-of-N wall time
 * and measures the {@link FmaPeak FMA peak}, at the thread count of {@code -Dfovea.threads}.
 * Simpler and much faster than JMH, which is what a table of some twenty rows at two thread counts needs;
 * the JMH benchmarks in this package are the tool for careful single measurements.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:+AlwaysPreTouch
 * -Dfovea.threads=2 -cp fovea-bench/target/benchmarks.jar dev.fovea.bench.Compare [options]}
 * (without the pre-touch, a workload timed while the heap's pages are first touched can run many
 * times slower on a virtual machine: see {@code bench/compare.sh}). Options:
 * <ul>
 *   <li>{@code --budget S}: seconds per workload (default 3): 40% warm-up (at least 2 runs), the rest
 *       measured runs (at least {@link #MIN_RUNS}, at most {@link #MAX_RUNS}); a workload slower
 *       than the budget allows gets its {@link #MIN_RUNS} runs all the same;</li>
 *   <li>{@code --only REGEX}: only the workloads whose name matches (find, not full match);</li>
 *   <li>{@code --peak-seconds S}: length of the FMA probe (default 2; 0 skips it);</li>
 *   <li>{@code --warmup S}: seconds of JIT warm-up over the selected kinds of workload before the
 *       first is timed (default 3);</li>
 *   <li>{@code --loop NAME --seconds S [--jfr FILE]}: run one workload over and over for S seconds
 *       after a 5 s warm-up, for a profiler to sample; with {@code --jfr}, a Java Flight Recorder
 *       recording (settings "profile": a stack sample every 10 ms per thread) covers exactly the
 *       timed loop and is written to FILE; prints runs and mean ms;</li>
 *   <li>{@code --list}: print the workloads and their FLOPs.</li>
 * </ul>
 * Standard output is tab-separated, one record a line, read by {@code bench/report.py}:
 * {@code # key=value ...} header lines, {@code peak THREADS GFLOPS} (total of the threads),
 * and {@code result NAME THREADS BEST_MS MEDIAN_MS REPS FLOPS}. Progress goes to standard error.
 *
 * <p>The {@code *_ort} workloads run ResNet-18 in ONNX Runtime ({@link OrtResNet}) and need
 * {@code -Dfovea.bench.onnx=FILE}; without it, or when ONNX Runtime cannot load, they are skipped
 * with a {@code # onnxruntime skipped=NAME reason} header line and the rest runs as usual.
 */
public final class Compare {

    private Compare() {}

    public static void main(String[] args) {
        double budget = 3, peakSeconds = 2, loopSeconds = 20, warmup = 3;
        Pattern only = null;
        String loop = null, jfr = null;
        boolean list = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--budget" -> budget = positive(a, value(args, ++i, a));
                case "--peak-seconds" -> peakSeconds = Double.parseDouble(value(args, ++i, a));
                case "--warmup" -> warmup = Double.parseDouble(value(args, ++i, a));
                case "--only" -> only = Pattern.compile(value(args, ++i, a));
                case "--loop" -> loop = value(args, ++i, a);
                case "--seconds" -> loopSeconds = positive(a, value(args, ++i, a));
                case "--jfr" -> jfr = value(args, ++i, a);
                case "--list" -> list = true;
                default -> throw new IllegalArgumentException("option --budget, --only, --peak-seconds, --loop, "
                        + "--warmup, --seconds, --jfr or --list expected; received '" + a + "'");
            }
        }
        int threads = Parallel.threads();
        if (list) {
            for (Workload w : Workload.all()) {
                System.out.printf(Locale.ROOT, "%s\t%.6g\t%s%n", w.name(), w.flops(), w.description());
            }
            return;
        }
        if (loop != null) {
            loop(Workload.byName(loop), loopSeconds, threads, jfr);
            return;
        }
        System.out.printf(Locale.ROOT, "# fovea\tkernels=%s\tthreads=%d\tjava=%s\tvector_bits=%d%n",
                KernelsProvider.get().name(), threads, System.getProperty("java.version"),
                FmaPeak.SPECIES.vectorBitSize());
        if (peakSeconds > 0) {
            double peak = FmaPeak.measure(threads, peakSeconds);
            System.out.printf(Locale.ROOT, "peak\t%d\t%.2f%n", threads, peak);
            System.err.printf(Locale.ROOT, "fovea: FMA peak %d thread(s): %.1f GFLOP/s (%.1f per core)%n",
                    threads, peak, peak / threads);
        }
        List<Workload> selected = new ArrayList<>();
        for (Workload w : Workload.all()) {
            if (only == null || only.matcher(w.name()).find()) selected.add(w);
        }
        warmUp(selected, warmup);
        boolean ortAnnounced = false;
        for (Workload w : selected) {
            if (w.name().endsWith(OrtResNet.SUFFIX)) {
                String why = OrtResNet.unavailableReason();
                if (why != null) {
                    // The other rows still count; the report shows "-" for the missing ones.
                    System.out.printf(Locale.ROOT, "# onnxruntime\tskipped=%s\t%s%n", w.name(), why);
                    System.err.printf(Locale.ROOT, "fovea: %s skipped: %s%n", w.name(), why);
                    continue;
                }
                if (!ortAnnounced) {
                    System.out.printf(Locale.ROOT, "# onnxruntime\t%s%n", OrtResNet.describe());
                    ortAnnounced = true;
                }
            }
            double[] ms = time(w.setup().get(), budget);
            double best = ms[0], median = ms[ms.length / 2];
            System.out.printf(Locale.ROOT, "result\t%s\t%d\t%.4f\t%.4f\t%d\t%.6g%n",
                    w.name(), threads, best, median, ms.length, w.flops());
            System.out.flush();
            System.err.printf(Locale.ROOT, "fovea: %-22s %d thread(s) %10.3f ms  %7.1f GFLOP/s  (%d runs)%n",
                    w.name(), threads, best, w.flops() / best / 1e6, ms.length);
        }
    }

    /**
     * Most measured runs of a workload. It was 50: a sub-millisecond workload then measured for a
     * few milliseconds right after its warm-up, and a transient that long (a compilation or a
     * collection elsewhere in the JVM holding one of the 2 vCPUs) spoiled every run; LeNet-5's C1
     * forward on 2 threads timed 0.26 against 0.16 ms in whole sets. Same in {@code torch_bench.py}.
     */
    static final int MAX_RUNS = 5000;

    /**
     * Fewest measured runs of a workload, however long it takes. It was 3: the ResNet-18 training
     * step (0.7-1.4 s a run) then had a best of 3 over about 2.5 s, and on this shared host two
     * complete runs of the comparison differed by 23-25% on that row in two sets of one session
     * (7 Dec 2026), more than the margin of the targets it decides. A best of 8 only rarely keeps
     * a slow spell of the host on both sides of the table. Same in {@code torch_bench.py}, so both
     * sides take the best of as many runs.
     */
    static final int MIN_RUNS = 8;

    /** Most warm-up runs while collections still interrupt them (a training step: about 8). */
    static final int MAX_WARMUP_RUNS = 20;

    /**
     * The JVM's collectors, looked up once when the class loads: the first lookup starts the
     * management classes, and in the first rows' warm-up their loading and compilation held one of
     * the 2 vCPUs past {@link JitQuiet}'s wait (SGEMM 1024 on 2 threads 11.9-12.6 against 10.5 ms,
     * conv_a's forward 0.22-0.26 against 0.16 ms, both runs of a set).
     */
    private static final List<GarbageCollectorMXBean> COLLECTORS = ManagementFactory.getGarbageCollectorMXBeans();

    /** Garbage collections so far, over all of the JVM's collectors. */
    private static long collections() {
        long count = 0;
        for (GarbageCollectorMXBean gc : COLLECTORS) {
            count += Math.max(0, gc.getCollectionCount());
        }
        return count;
    }

    /**
     * Runs {@code body} for about {@code budget} seconds: warm-up for 40% of it (at least 2 runs, so
     * the JIT has compiled the hot loops, and on until a run during which no garbage collection
     * ran, at most {@link #MAX_WARMUP_RUNS}), then measured runs for the remaining 60% (at least
     * {@link #MIN_RUNS}, at most {@link #MAX_RUNS}). Returns the measured times in milliseconds,
     * sorted. A workload slower than the budget (a ResNet-18 training step takes about a second)
     * thereby runs 2 or more + {@link #MIN_RUNS} times. Between the warm-up and the measured runs
     * it waits, up to 2 s, for the JIT's compiler threads to go idle ({@link JitQuiet}): on 2 vCPUs
     * a compilation still running takes one of them.
     *
     * <p>Why a run without a collection: the first steps of a training loop run kernels the earlier
     * rows did not compile, and until C2 has them the Vector API's interpreted and C1 code boxes
     * every vector (JFR: gigabytes of {@code Float512Vector}), so young collections come every step
     * or two, each copying the step's live activations (the training step on 2 threads: four pauses
     * of 0.35-1.23 s in its 5 runs, and the best of its 3 measured runs 775-824 ms in this
     * session's sets against 673-679 ms after a longer warm-up in one JVM). A steady training loop
     * collects rarely (none in 15 s of `--loop`); the PyTorch side has no collector to wait for.
     */
    static double[] time(Runnable body, double budget) {
        System.gc(); // garbage of the previous workload is not collected on this one's clock
        long start = System.nanoTime(), warmEnd = start + (long) (0.4 * budget * 1e9);
        long end = start + (long) (budget * 1e9);
        for (int i = 0; ; i++) {
            long collections = collections();
            body.run();
            boolean quiet = collections() == collections;
            if (i >= 1 && System.nanoTime() >= warmEnd && (quiet || i + 1 >= MAX_WARMUP_RUNS)) break;
        }
        JitQuiet.await(2000);
        // the measured runs get the rest of the budget whatever the warm-up and the wait took
        end = Math.max(end, System.nanoTime() + (long) (0.6 * budget * 1e9));
        List<Double> times = new ArrayList<>();
        while (times.size() < MIN_RUNS || (times.size() < MAX_RUNS && System.nanoTime() < end)) {
            long t0 = System.nanoTime();
            body.run();
            times.add((System.nanoTime() - t0) / 1e6);
        }
        double[] ms = times.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(ms);
        return ms;
    }

    /**
     * Runs the cheapest workload of each kind (SGEMM, convolution forward, convolution
     * forward+backward, LeNet-5 training step, ResNet-18 inference) among
     * {@code selected} in turn for {@code seconds}, before anything is timed. Vector API code is
     * about a hundred times slower until C2 has compiled it (a 256^3 SGEMM: 77 ms per call in the
     * first two seconds, 0.5 ms after), and the shared kernels (GEMM, packing, im2col) are compiled
     * once for all workloads; without this the first workload's own warm-up would have to absorb it.
     *
     * <p>For ResNet-18 only the b1 inference (about 0.1 s a run) takes part: the training step
     * (seconds a run) would stretch the warm-up, and its backward kernels are the ones the conv and
     * LeNet-5 rows compile anyway; {@link #time}'s own two warm-up runs absorb the rest. The ONNX
     * Runtime rows run native code, which needs no JIT warm-up.
     */
    static void warmUp(List<Workload> selected, double seconds) {
        if (!(seconds > 0) || selected.isEmpty()) return;
        List<Runnable> bodies = new ArrayList<>();
        for (String kind : new String[] {"^sgemm_", "^conv_.*_fwd$", "^conv_.*_fwdbwd$", "^lenet5_",
                "^resnet18_infer_b\\d+$"}) {
            Pattern p = Pattern.compile(kind);
            selected.stream().filter(w -> p.matcher(w.name()).find()).min(Comparator.comparingDouble(Workload::flops))
                    .ifPresent(w -> bodies.add(w.setup().get()));
        }
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            for (Runnable body : bodies) body.run();
        }
    }

    /**
     * Profiling mode: warm up for 5 s, then run until {@code seconds} have passed, recorded by JFR
     * into {@code jfrFile} when it is not null. Starting the recording here rather than with
     * {@code -XX:StartFlightRecording} keeps start-up and the interpreted phase of the Vector API
     * (slow fallbacks that vanish once C2 has compiled the kernels) out of the samples.
     */
    private static void loop(Workload w, double seconds, int threads, String jfrFile) {
        if (w.name().endsWith(OrtResNet.SUFFIX)) {
            String why = OrtResNet.unavailableReason();
            if (why != null) throw new IllegalStateException(w.name() + " cannot run: " + why);
        }
        Runnable body = w.setup().get();
        long warmEnd = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < warmEnd) body.run();
        Recording recording = null;
        if (jfrFile != null) {
            try {
                recording = new Recording(Configuration.getConfiguration("profile"));
                recording.setDestination(Path.of(jfrFile));
            } catch (IOException | ParseException e) {
                throw new UncheckedIOException("cannot set up the JFR recording " + jfrFile,
                        e instanceof IOException io ? io : new IOException(e));
            }
            recording.start();
        }
        long t0 = System.nanoTime(), end = t0 + (long) (seconds * 1e9);
        int runs = 0;
        while (System.nanoTime() < end) {
            body.run();
            runs++;
        }
        double meanMs = (System.nanoTime() - t0) / 1e6 / runs;
        if (recording != null) {
            recording.stop(); // writes the destination file
            recording.close();
        }
        System.out.printf(Locale.ROOT, "loop\t%s\t%d\t%d runs\t%.4f ms mean%n", w.name(), threads, runs, meanMs);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " expects a value; received none");
        return args[i];
    }

    private static double positive(String option, String text) {
        double v = Double.parseDouble(text);
        if (!(v > 0)) throw new IllegalArgumentException(option + " expects a number > 0; received " + text);
        return v;
    }
}
