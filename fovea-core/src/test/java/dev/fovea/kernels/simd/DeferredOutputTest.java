package dev.fovea.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.Parallel;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
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

    /**
     * A 1x1 layer's forward pass ({@link Pointwise}) into an output allocated late, on 2 threads:
     * the blocks computed before the array exists go through a buffer, and the result is the pass
     * into a given array, bit for bit, epilogue included; with every kind of a row's last tile
     * (in place, one and three vectors from a copy) and a last row panel of fewer than 8 rows.
     */
    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {512}) // the rows kernels Pointwise needs are 16-lane ones
    void aPointwiseForwardIntoALateOutputIsTheForwardPass(int bits) {
        VectorKernels v = new VectorKernels(VectorSpecies.of(float.class, VectorShape.forBitSize(bits)));
        Simd simd = Simd.forSpecies(VectorSpecies.of(float.class, VectorShape.forBitSize(bits)));
        java.util.Random rnd = new java.util.Random(41);
        ConvGeometry[] geometries = {
            ConvGeometry.of(2, 16, 28, 28, 20, 1, 1, 0),
            ConvGeometry.of(2, 12, 30, 30, 24, 1, 1, 0),
            ConvGeometry.of(3, 10, 27, 27, 13, 1, 1, 0),
            new ConvGeometry(3, 20, 8, 12, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2),
        };
        Parallel.withThreads(2, () -> {
            for (ConvGeometry g : geometries) {
                assertTrue(Pointwise.applies(simd, g), "taken by Pointwise: " + g);
                float[] in = random(rnd, g.inputSize()), weight = random(rnd, g.weightSize());
                float[] bias = random(rnd, g.oc()), residual = random(rnd, g.outputSize());
                float[] expected = new float[g.outputSize()];
                v.conv2dForwardFused(expected, in, weight, bias, residual, true, g);
                float[] given = new float[g.outputSize()];
                float[] actual = v.conv2dForwardAllocating(length -> {
                    LockSupport.parkNanos(2_000_000); // the worker computes blocks meanwhile
                    return given;
                }, in, weight, bias, residual, true, g);
                assertSame(given, actual, g.toString());
                assertArrayEquals(expected, actual, g.toString());
            }
        });
    }

    private static float[] random(java.util.Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
