package dev.fovea.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fovea.kernels.Parallel;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link DeferredOutput#inPieces}: every piece is written exactly once, with what its task
 * computed, whether the array is given or allocated late (after some pieces are computed, so that
 * pieces are left to their threads' later tasks or to the calling thread at the end).
 */
class DeferredOutputTest {

    private static final int PIECES = 97, WIDTH = 5;

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2, 3})
    void writesEveryPieceOnceWhicheverThreadComputedIt(int threads) {
        Parallel.withThreads(threads, () -> {
            for (int way = 0; way < 3; way++) { // 0: array given; 1: allocated at once; 2: allocated slowly
                float[] given = new float[PIECES * WIDTH];
                long pause = way == 2 ? 2_000_000 : 0;
                DeferredOutput output = way == 0 ? DeferredOutput.of(given) : DeferredOutput.allocate(length -> {
                    LockSupport.parkNanos(pause); // the workers compute pieces meanwhile
                    return given;
                }, PIECES * WIDTH);
                float[] buffer = new float[PIECES * WIDTH];
                AtomicIntegerArray writes = new AtomicIntegerArray(PIECES);
                DeferredOutput.Pieces pieces = output.inPieces(PIECES, (p, array) -> {
                    writes.incrementAndGet(p);
                    System.arraycopy(buffer, p * WIDTH, array, p * WIDTH, WIDTH);
                });
                pieces.run(() -> Parallel.forRange(PIECES, 1, (p0, p1) -> {
                    for (int p = p0; p < p1; p++) {
                        for (int i = 0; i < WIDTH; i++) buffer[p * WIDTH + i] = p * 10 + i;
                        pieces.computed(p);
                    }
                }));
                String what = threads + " threads, way " + way;
                for (int p = 0; p < PIECES; p++) assertEquals(1, writes.get(p), what + ": writes of piece " + p);
                assertSame(given, output.array(), what);
                float[] expected = new float[PIECES * WIDTH];
                for (int p = 0; p < PIECES; p++) {
                    for (int i = 0; i < WIDTH; i++) expected[p * WIDTH + i] = p * 10 + i;
                }
                assertArrayEquals(expected, given, what);
            }
        });
        assertTrue(Parallel.threadIndex() == 0, "the test's own thread is no worker");
    }
}
