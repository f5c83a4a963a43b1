package dev.fovea.kernels;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the threads of {@link Parallel}'s shared calls wait, call site by call site: for a
 * developer asking why a workload runs less than twice as fast on two threads as on one. Off
 * unless the JVM starts with {@code -Dfovea.regionProfile=true}; off, the checks are constant
 * false and the JIT compiles them away.
 *
 * <p>For every call that the pool's threads share it adds up, under the call site (the first
 * frame outside {@code Parallel} when the site was first seen, as class.method:line; one site
 * per lambda class):
 * <ul>
 *   <li>the call's time, from handing it to the workers until it closed;</li>
 *   <li>the calling thread's wait at its end: its chunks were done, a worker's last one was not;</li>
 *   <li>the workers' idle time at its end: from a worker's last chunk until the call closed, while
 *       the caller or another worker still ran one;</li>
 *   <li>the workers' lateness: from the hand-over until a worker took its first chunk (waking a
 *       parked thread, or the JVM holding it), and how many calls a worker missed altogether;</li>
 *   <li>the serial time before the call: since the previous shared call of its pool closed, when
 *       the workers only spin (autograd bookkeeping, a single-chunk call, allocation).</li>
 * </ul>
 * The caller's wait and the workers' idle time, against the calls' time, are what finer chunks or
 * an even split would win; a large serial time before a site points at the code before it. Calls
 * run inline (one thread, nested, one chunk) are not counted.
 */
public final class RegionProfile {

    /** Whether shared calls are recorded: {@code -Dfovea.regionProfile=true}. */
    static final boolean ENABLED = Boolean.getBoolean("fovea.regionProfile");

    private static final Map<Class<?>, Site> SITES = new ConcurrentHashMap<>();

    private RegionProfile() {}

    /**
     * The totals of one call site, in nanoseconds.
     *
     * @param site         class, method and line of the first frame outside {@code Parallel}
     * @param calls        shared calls recorded
     * @param nanos        their time, hand-over to close
     * @param callerWait   the caller's wait for workers still inside a chunk
     * @param workerIdle   the workers' time between their last chunk and the close
     * @param workerLate   the workers' time from the hand-over to their first chunk
     * @param missed       worker-calls in which a worker took no chunk (it came too late or not at all)
     * @param serialBefore time since the previous shared call of the same pool closed
     */
    public record Totals(String site, long calls, long nanos, long callerWait, long workerIdle, long workerLate,
                         long missed, long serialBefore) {}

    /** Whether this JVM records shared calls ({@code -Dfovea.regionProfile=true}). */
    public static boolean enabled() {
        return ENABLED;
    }

    /** Forgets everything recorded so far (after a warm-up, say). */
    public static void clear() {
        SITES.clear();
    }

    /** The totals of every call site recorded since the last {@link #clear}, most waiting first. */
    public static List<Totals> totals() {
        List<Totals> list = new ArrayList<>();
        for (Site s : SITES.values()) {
            synchronized (s) {
                list.add(new Totals(s.name, s.calls, s.nanos, s.callerWait, s.workerIdle, s.workerLate, s.missed,
                        s.serialBefore));
            }
        }
        list.sort(Comparator.comparingLong((Totals t) -> t.callerWait() + t.workerIdle() + t.workerLate()).reversed());
        return list;
    }

    /**
     * Records one shared call of {@code body}: handed over at {@code start}, the caller's chunks
     * done at {@code callerDone}, closed at {@code closed}; each worker's first and last chunk
     * times (0 where it took none); the pool's previous close (0 for its first call).
     */
    static void record(Object body, long previousClose, long start, long callerDone, long closed, long[] arrived,
                       long[] left) {
        Site s = SITES.computeIfAbsent(body.getClass(), c -> new Site(callSite()));
        synchronized (s) {
            s.calls++;
            s.nanos += closed - start;
            s.callerWait += closed - callerDone;
            for (int i = 0; i < arrived.length; i++) {
                if (arrived[i] == 0) {
                    s.missed++;
                    continue;
                }
                s.workerLate += arrived[i] - start;
                s.workerIdle += Math.max(0, closed - left[i]);
            }
            if (previousClose != 0) s.serialBefore += Math.max(0, start - previousClose);
        }
    }

    /** The first frame outside {@link Parallel} and this class: the code that shared the call. */
    private static String callSite() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !ownFrame(f.getClassName(), Parallel.class) && !ownFrame(f.getClassName(), RegionProfile.class)
                        && !f.getClassName().startsWith("java."))
                .findFirst()
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName()
                        + ":" + f.getLineNumber())
                .orElse("?"));
    }

    /** Whether a frame's class is {@code c} or one nested in it (a lambda's included). */
    private static boolean ownFrame(String className, Class<?> c) {
        return className.equals(c.getName()) || className.startsWith(c.getName() + "$");
    }

    private static final class Site {
        final String name;
        long calls, nanos, callerWait, workerIdle, workerLate, missed, serialBefore;

        Site(String name) {
            this.name = name;
        }
    }
}
