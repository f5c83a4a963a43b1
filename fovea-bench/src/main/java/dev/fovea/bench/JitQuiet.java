package dev.fovea.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Waits for the JIT compiler threads to go idle, so that a measurement does not share the CPUs
 * with a compilation. On a 2-vCPU host a C2 compilation of a vector kernel keeps one vCPU busy
 * for up to a few hundred milliseconds; the two Fovea threads then share the other, and a
 * 2-thread run times at 1-thread speed. Seen on LeNet-5's C1 (`conv_a_fwd`) after SGEMM had run:
 * best of 50 runs 0.26-0.29 ms against 0.16, the caller and the worker each getting 50% of a CPU
 * in those runs and C2's compiler thread the rest (per-thread CPU time from {@code /proc}), in 4
 * of 4 JVMs. PyTorch has no JIT in these workloads, so this puts Fovea's rows on the same steady
 * state, not a better one.
 *
 * <p>Linux only: the compiler threads' CPU time comes from {@code /proc/self/task/*}, where
 * HotSpot names them "C1 CompilerThre..." and "C2 CompilerThre..."; elsewhere this returns at once.
 */
final class JitQuiet {

    /** Idle this long (no compiler CPU tick, 10 ms each) counts as quiet. */
    private static final long QUIET_MILLIS = 100;
    private static final long POLL_MILLIS = 10;

    private JitQuiet() {}

    /**
     * Returns once the compiler threads have used no CPU for {@link #QUIET_MILLIS}, or after
     * {@code maxMillis}; the milliseconds waited.
     */
    static long await(long maxMillis) {
        long start = System.nanoTime(), deadline = start + maxMillis * 1_000_000L;
        long last = compilerTicks(), quietSince = System.nanoTime();
        if (last < 0) return 0;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            long now = compilerTicks();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= QUIET_MILLIS * 1_000_000L) {
                break;
            }
        }
        return (System.nanoTime() - start) / 1_000_000L;
    }

    /** User and system clock ticks of this process's JIT compiler threads so far; -1 without {@code /proc}. */
    static long compilerTicks() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) return -1;
        long ticks = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path task : dir) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended between the listing and the read
                }
                int open = stat.indexOf('('), close = stat.lastIndexOf(')');
                if (open < 0 || close < open || !stat.substring(open + 1, close).contains("CompilerThre")) continue;
                // after "(comm) ": state, then fields 4.. of proc(5); utime and stime are fields 14 and 15
                String[] fields = stat.substring(close + 2).split(" ");
                ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return ticks;
    }
}
