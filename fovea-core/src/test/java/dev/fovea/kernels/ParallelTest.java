package dev.fovea.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void everyIndexIsVisitedExactlyOnce() {
        for (int threads : new int[] {1, 2, 3}) {
            for (int n : new int[] {1, 7, 1000, 100_000}) {
                for (int grain : new int[] {1, 10, 5000}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(n);
                    Parallel.withThreads(threads, () -> Parallel.forRange(n, grain, (from, to) -> {
                        for (int i = from; i < to; i++) seen.incrementAndGet(i);
                    }));
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, seen.get(i), "index " + i + " of n=" + n + " grain=" + grain + " threads=" + threads);
                    }
                }
            }
        }
    }

    @Test
    void anAlongsideTaskRunsOnceOnTheCallerWhetherOrNotTheBodySharesACall() {
        for (int threads : new int[] {1, 2, 3}) {
            for (int n : new int[] {0, 1, 100_000}) { // no call, one chunk (inline), shared chunks
                List<Thread> ranOn = Collections.synchronizedList(new ArrayList<>());
                AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(1, n));
                Parallel.withThreads(threads, () -> Parallel.alongside(() -> ranOn.add(Thread.currentThread()),
                        () -> Parallel.forRange(n, 100, (from, to) -> {
                            for (int i = from; i < to; i++) seen.incrementAndGet(i);
                        })));
                assertEquals(List.of(Thread.currentThread()), ranOn, "n=" + n + " threads=" + threads);
                for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "index " + i + " n=" + n + " threads=" + threads);
            }
        }
    }

    @Test
    void anAlongsideTaskIsTakenByTheFirstSharedCallOnly() {
        Parallel.withThreads(2, () -> {
            int[] callsBefore = {-1};
            int[] calls = {0};
            Parallel.alongside(() -> callsBefore[0] = calls[0], () -> {
                for (int c = 0; c < 3; c++) {
                    Parallel.forRange(1000, 1, (from, to) -> { });
                    calls[0]++;
                }
            });
            assertEquals(0, callsBefore[0], "the task runs during the first shared call");
        });
    }

    @Test
    void anAlongsideTaskThatThrowsReachesTheCallerAndLeavesThePoolUsable() {
        for (int threads : new int[] {1, 2}) {
            Parallel.withThreads(threads, () -> {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.alongside(() -> {
                    throw new IllegalStateException("task failed");
                }, () -> Parallel.forRange(10_000, 1, (from, to) -> { })));
                assertEquals("task failed", e.getMessage());
                AtomicIntegerArray seen = new AtomicIntegerArray(1000);
                Parallel.forRange(1000, 1, (from, to) -> {
                    for (int i = from; i < to; i++) seen.incrementAndGet(i);
                });
                for (int i = 0; i < 1000; i++) assertEquals(1, seen.get(i));
            });
        }
    }

    @Test
    void chunksDependOnRangeAndGrainOnly() {
        int n = 1003, grain = 7;
        List<String> one = chunkBounds(1, n, grain), four = chunkBounds(4, n, grain);
        assertEquals(one, four);
        int chunks = Parallel.chunks(n, grain);
        assertEquals(Math.min(n / grain, Parallel.MAX_CHUNKS), chunks);
        assertEquals(chunks, one.size());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < chunks; i++) expected.add((long) n * i / chunks + ".." + (long) n * (i + 1) / chunks);
        Collections.sort(expected);
        assertEquals(expected, one);
        assertEquals(1, Parallel.chunks(5, 100), "a range smaller than the grain is one chunk");
        assertEquals(0, Parallel.chunks(0, 1));
    }

    private static List<String> chunkBounds(int threads, int n, int grain) {
        Set<String> bounds = ConcurrentHashMap.newKeySet();
        Parallel.withThreads(threads, () -> Parallel.forRange(n, grain, (from, to) -> bounds.add(from + ".." + to)));
        List<String> sorted = new ArrayList<>(bounds);
        Collections.sort(sorted);
        return sorted;
    }

    @Test
    void twoThreadsRunChunksConcurrently() throws InterruptedException {
        CountDownLatch bothStarted = new CountDownLatch(2);
        AtomicBoolean metInTime = new AtomicBoolean(true);
        Parallel.withThreads(2, () -> Parallel.forRange(2, 1, (from, to) -> {
            bothStarted.countDown();
            try {
                // each chunk waits for the other: this only finishes if they run at the same time
                if (!bothStarted.await(30, TimeUnit.SECONDS)) metInTime.set(false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                metInTime.set(false);
            }
        }));
        assertTrue(metInTime.get(), "the two chunks did not run concurrently");
        assertEquals(0, bothStarted.getCount());
    }

    /**
     * The caller starts with the first share of the chunks and the worker with the second, so that
     * calls of one size hand each thread the same part; a thread helps with the other share only
     * once its own is done. The first chunks of the two shares wait for each other to start: the
     * caller cannot reach the second share, nor the worker the first, before both have begun.
     */
    @Test
    void eachThreadStartsWithItsOwnShare() {
        Thread caller = Thread.currentThread();
        Thread[] ranBy = new Thread[4];
        CountDownLatch firstShareStarted = new CountDownLatch(1), secondShareStarted = new CountDownLatch(1);
        AtomicBoolean metInTime = new AtomicBoolean(true);
        Parallel.withThreads(2, () -> Parallel.forRange(4, 1, (from, to) -> {
            ranBy[from] = Thread.currentThread();
            if (from != 0 && from != 2) return;
            (from == 0 ? firstShareStarted : secondShareStarted).countDown();
            try {
                if (!(from == 0 ? secondShareStarted : firstShareStarted).await(30, TimeUnit.SECONDS)) metInTime.set(false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                metInTime.set(false);
            }
        }));
        assertTrue(metInTime.get(), "the first chunks of the two shares did not run at the same time");
        assertSame(caller, ranBy[0], "the caller takes the first chunk of the first share");
        assertFalse(ranBy[2] == caller, "the worker takes the first chunk of the second share");
    }

    @Test
    void oneThreadRunsTheSameChunksInlineOnTheCaller() {
        Thread caller = Thread.currentThread();
        Set<Thread> used = ConcurrentHashMap.newKeySet();
        List<Integer> starts = Collections.synchronizedList(new ArrayList<>());
        Parallel.withThreads(1, () -> {
            assertEquals(1, Parallel.threads());
            Parallel.forRange(1000, 1, (from, to) -> {
                used.add(Thread.currentThread());
                starts.add(from);
            });
        });
        assertEquals(Set.of(caller), used);
        List<Integer> inOrder = new ArrayList<>(starts);
        Collections.sort(inOrder);
        assertEquals(inOrder, starts, "without a pool the chunks run in index order");
        assertEquals(Parallel.chunks(1000, 1), starts.size());
    }

    @Test
    void nestedCallsRunInlineOnTheWorker() {
        AtomicBoolean allInline = new AtomicBoolean(true);
        Parallel.withThreads(3, () -> {
            assertEquals(3, Parallel.threads());
            Parallel.forRange(6, 1, (from, to) -> {
                Thread outer = Thread.currentThread();
                if (Parallel.threads() != 1) allInline.set(false);
                Parallel.forRange(100, 1, (f, t) -> {
                    if (Thread.currentThread() != outer) allInline.set(false);
                });
            });
        });
        assertTrue(allInline.get());
    }

    @Test
    void withThreadsRestoresTheDefaultAfterwards() {
        int before = Parallel.threads();
        Parallel.withThreads(before == 3 ? 2 : 3, () -> { });
        assertEquals(before, Parallel.threads());
        assertEquals(Integer.getInteger("fovea.threads", Runtime.getRuntime().availableProcessors()), before);
    }

    @Test
    void exceptionsReachTheCaller() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () ->
                Parallel.withThreads(2, () -> Parallel.forRange(100, 1, (from, to) -> {
                    if (from <= 57 && 57 < to) throw new IllegalStateException("boom at 57");
                })));
        assertTrue(e.getMessage().contains("boom at 57"), e.getMessage());
    }

    @Test
    void emptyRangesRunNothing() {
        AtomicBoolean ran = new AtomicBoolean();
        Parallel.forRange(0, 1, (from, to) -> ran.set(true));
        Parallel.forRange(-3, 1, (from, to) -> ran.set(true));
        assertFalse(ran.get());
    }

    @Test
    void withThreadsRejectsFewerThanOneThread() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallel.withThreads(0, () -> { }));
        assertTrue(e.getMessage().contains("received 0"), e.getMessage());
    }

    @Test
    void smallRangesStayOnOneChunk() {
        List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
        Parallel.withThreads(2, () -> Parallel.forRange(10, 100, (from, to) -> {
            assertEquals(0, from);
            assertEquals(10, to);
            threads.add(Thread.currentThread());
        }));
        assertEquals(1, threads.size());
        assertSame(Thread.currentThread(), threads.get(0));
    }
}
