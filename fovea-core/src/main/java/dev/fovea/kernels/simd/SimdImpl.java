package dev.fovea.kernels.simd;

import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Simd} for the species held in the static constant {@link #S}: the class data when this
 * class is loaded as a hidden class by {@link Simd#forSpecies}, otherwise the preferred species.
 *
 * <p>Each loop has the Lucene shape: a SIMD body up to {@code S.loopBound(len)} with FMA into vector
 * accumulators, then a horizontal sum, then a scalar tail. The horizontal sum ({@link #sumLanes})
 * and the exponential ({@link #exp}) are written in plain lane-wise IEEE operations instead of
 * {@code reduceLanes(ADD)} and {@code lanewise(EXP)}: those two may round differently when
 * intrinsified by C2 than in their Java fallback (lane order, SVML versus Math.exp), so the same
 * call could give different bits before and after JIT compilation. Vectors are made inside the
 * methods, never kept in static fields, and the micro-kernel stores its tile inline rather than
 * through a helper: a {@code static final} zero vector and an un-inlined store helper each cost
 * the micro-kernel an order of magnitude (C2 then boxes the vectors). Do not reference this class
 * by name elsewhere: hidden copies share its bytes, so everything it needs must be inside it.
 */
final class SimdImpl extends Simd {

    private static final VectorSpecies<Float> S = species();
    private static final int V = S.length();
    /**
     * Micro-tile rows. With 512-bit vectors (32 registers on AVX-512) an 8 x 2V tile keeps 16
     * accumulators + 2 B vectors + 1 broadcast in registers; with 256 bits or less (AVX2 has 16
     * registers) 6 x 2V keeps 12 + 2 + 1, the classic Haswell shape (Goto & van de Geijn 2008).
     * Measured on AVX-512: 6x32 132, 8x32 146, 12x32 144, 4x48 144 GFLOP/s for the bare kernel, so
     * 8 rows, which also divides the usual channel counts without padding.
     */
    private static final int MR = V >= 16 ? 8 : 6;
    private static final int NR = 2 * V;

    /**
     * Vectors of half S's width: a row of a transposed A's 8-row panel with 16-lane S. Packed with
     * a masked 16-lane load and a whole store, such rows took 4.1 ns each (the Winograd weight
     * gradient's GEMMs spent as long packing A as multiplying); with these, 1.2 ns.
     */
    private static final VectorSpecies<Float> HALF = VectorSpecies.of(float.class,
            VectorShape.forBitSize(Math.max(64, S.vectorBitSize() / 2)));

    /** Ints with as many lanes as S: argmax indexes of max pooling. */
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);
    /** 0, 2, 4, ...: the lanes of two consecutive vectors that hold every other element (selectFrom indexes). */
    private static final float[] EVEN_INDEXES = new float[V];
    /** i / 2 for i < 2V: lanes [0, V) repeat each element of the lower half of a vector twice, [V, 2V) of the upper. */
    private static final float[] HALF_INDEXES = new float[2 * V];
    /** Lanes 0, 2, 4, ... set. */
    private static final long EVEN_LANES = 0x5555_5555_5555_5555L & (V >= 64 ? -1L : (1L << V) - 1);

    static {
        for (int i = 0; i < V; i++) EVEN_INDEXES[i] = 2 * i;
        for (int i = 0; i < 2 * V; i++) HALF_INDEXES[i] = i / 2;
    }

    /**
     * The even and odd lanes of two vectors (index i >= V: lane i - V of the second), and each lane
     * of a vector's lower or upper half twice, as shuffles made once: {@code selectFrom} with a
     * vector of float indexes converts them on every call.
     */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i);
    /**
     * Lanes 0, V, 1, V+1, ... of two vectors (the lower halves interleaved) and V/2, V + V/2, ...
     * (the upper halves), for two-vector {@code rearrange}: an index below zero (i - V) takes lane i
     * of the second vector.
     */
    private static final VectorShuffle<Float> INTERLEAVE_LOW = VectorShuffle.fromOp(S, i -> i % 2 == 0 ? i / 2 : i / 2 - V);
    private static final VectorShuffle<Float> INTERLEAVE_HIGH = VectorShuffle.fromOp(S,
            i -> i % 2 == 0 ? V / 2 + i / 2 : V / 2 + i / 2 - V);
    private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(S, i -> 2 * i + 1);
    private static final VectorShuffle<Float> LOWER_TWICE = VectorShuffle.fromOp(S, i -> i / 2);
    private static final VectorShuffle<Float> UPPER_TWICE = VectorShuffle.fromOp(S, i -> (V + i) / 2);
    /** Lane i from lane (i + w) mod V, for w = 8, 4, 2 and 1: {@link #sumLanes}' rotations. */
    private static final VectorShuffle<Float> ROTATE_8 = VectorShuffle.iota(S, 8, 1, true),
            ROTATE_4 = VectorShuffle.iota(S, 4, 1, true), ROTATE_2 = VectorShuffle.iota(S, 2, 1, true),
            ROTATE_1 = VectorShuffle.iota(S, 1, 1, true);

    @SuppressWarnings("unchecked")
    private static VectorSpecies<Float> species() {
        try {
            VectorSpecies<Float> s = MethodHandles.classData(MethodHandles.lookup(), ConstantDescs.DEFAULT_NAME,
                    VectorSpecies.class);
            return s != null ? s : FloatVector.SPECIES_PREFERRED;
        } catch (IllegalAccessException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    int lanes() { return V; }

    @Override
    int mr() { return MR; }

    @Override
    int nr() { return NR; }

    @Override
    void kernel(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc,
                float alpha, float beta) {
        if (MR == 8) {
            kernel8(kc, a, aOff, b, bOff, c, cOff, ldc, alpha, beta);
        } else {
            kernel6(kc, a, aOff, b, bOff, c, cOff, ldc, alpha, beta);
        }
    }

    /** The 8 x 2V micro-kernel: 16 accumulators, two B loads and 8 broadcasts per step of k. */
    private static void kernel8(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc,
                                float alpha, float beta) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero,
                c40 = zero, c41 = zero, c50 = zero, c51 = zero, c60 = zero, c61 = zero, c70 = zero, c71 = zero;
        int ai = aOff, bi = bOff;
        for (int p = 0; p < kc; p++, ai += 8, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + V);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ai + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ai + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) { // C is write-only: NaN in it must not leak into the result
            c00.mul(va).intoArray(c, cOff);
            c01.mul(va).intoArray(c, cOff + V);
            c10.mul(va).intoArray(c, cOff + ldc);
            c11.mul(va).intoArray(c, cOff + ldc + V);
            c20.mul(va).intoArray(c, cOff + 2 * ldc);
            c21.mul(va).intoArray(c, cOff + 2 * ldc + V);
            c30.mul(va).intoArray(c, cOff + 3 * ldc);
            c31.mul(va).intoArray(c, cOff + 3 * ldc + V);
            c40.mul(va).intoArray(c, cOff + 4 * ldc);
            c41.mul(va).intoArray(c, cOff + 4 * ldc + V);
            c50.mul(va).intoArray(c, cOff + 5 * ldc);
            c51.mul(va).intoArray(c, cOff + 5 * ldc + V);
            c60.mul(va).intoArray(c, cOff + 6 * ldc);
            c61.mul(va).intoArray(c, cOff + 6 * ldc + V);
            c70.mul(va).intoArray(c, cOff + 7 * ldc);
            c71.mul(va).intoArray(c, cOff + 7 * ldc + V);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            c00.fma(va, FloatVector.fromArray(S, c, cOff).mul(vb)).intoArray(c, cOff);
            c01.fma(va, FloatVector.fromArray(S, c, cOff + V).mul(vb)).intoArray(c, cOff + V);
            c10.fma(va, FloatVector.fromArray(S, c, cOff + ldc).mul(vb)).intoArray(c, cOff + ldc);
            c11.fma(va, FloatVector.fromArray(S, c, cOff + ldc + V).mul(vb)).intoArray(c, cOff + ldc + V);
            c20.fma(va, FloatVector.fromArray(S, c, cOff + 2 * ldc).mul(vb)).intoArray(c, cOff + 2 * ldc);
            c21.fma(va, FloatVector.fromArray(S, c, cOff + 2 * ldc + V).mul(vb)).intoArray(c, cOff + 2 * ldc + V);
            c30.fma(va, FloatVector.fromArray(S, c, cOff + 3 * ldc).mul(vb)).intoArray(c, cOff + 3 * ldc);
            c31.fma(va, FloatVector.fromArray(S, c, cOff + 3 * ldc + V).mul(vb)).intoArray(c, cOff + 3 * ldc + V);
            c40.fma(va, FloatVector.fromArray(S, c, cOff + 4 * ldc).mul(vb)).intoArray(c, cOff + 4 * ldc);
            c41.fma(va, FloatVector.fromArray(S, c, cOff + 4 * ldc + V).mul(vb)).intoArray(c, cOff + 4 * ldc + V);
            c50.fma(va, FloatVector.fromArray(S, c, cOff + 5 * ldc).mul(vb)).intoArray(c, cOff + 5 * ldc);
            c51.fma(va, FloatVector.fromArray(S, c, cOff + 5 * ldc + V).mul(vb)).intoArray(c, cOff + 5 * ldc + V);
            c60.fma(va, FloatVector.fromArray(S, c, cOff + 6 * ldc).mul(vb)).intoArray(c, cOff + 6 * ldc);
            c61.fma(va, FloatVector.fromArray(S, c, cOff + 6 * ldc + V).mul(vb)).intoArray(c, cOff + 6 * ldc + V);
            c70.fma(va, FloatVector.fromArray(S, c, cOff + 7 * ldc).mul(vb)).intoArray(c, cOff + 7 * ldc);
            c71.fma(va, FloatVector.fromArray(S, c, cOff + 7 * ldc + V).mul(vb)).intoArray(c, cOff + 7 * ldc + V);
        }
    }

    @Override
    boolean hasRowsKernel() { return MR == 8; }

    @Override
    void kernelWindows(int kc, float[] data, int aOff, int[] offsets, int j0, float[] c, int cOff, int ldc) {
        if (MR != 8) throw new UnsupportedOperationException("kernelWindows needs 8-row tiles; this species has " + MR);
        kernel8Windows(kc, data, aOff, offsets, j0, c, cOff, ldc);
    }

    /**
     * {@link #kernel8} with each B row loaded from its window of {@code d} (two unaligned
     * loads) instead of a packed panel, and the A panel in the same array (one array base in the
     * loop: see {@link ImplicitConv#WIDE_WINDOW_POSITIONS}); the tile is stored inline, as in
     * kernel8 (a store helper that C2 does not inline makes it box the accumulators).
     */
    private static void kernel8Windows(int kc, float[] d, int aOff, int[] offsets, int j0, float[] c, int cOff,
                                       int ldc) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero,
                c40 = zero, c41 = zero, c50 = zero, c51 = zero, c60 = zero, c61 = zero, c70 = zero, c71 = zero;
        int ai = aOff;
        for (int p = 0; p < kc; p++, ai += 8) {
            int s = offsets[p] + j0;
            FloatVector b0 = FloatVector.fromArray(S, d, s);
            FloatVector b1 = FloatVector.fromArray(S, d, s + V);
            FloatVector x;
            x = FloatVector.broadcast(S, d[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, d[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, d[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, d[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, d[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, d[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, d[ai + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, d[ai + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + V);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + V);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + V);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + V);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + V);
        c50.intoArray(c, cOff + 5 * ldc);
        c51.intoArray(c, cOff + 5 * ldc + V);
        c60.intoArray(c, cOff + 6 * ldc);
        c61.intoArray(c, cOff + 6 * ldc + V);
        c70.intoArray(c, cOff + 7 * ldc);
        c71.intoArray(c, cOff + 7 * ldc + V);
    }

    @Override
    void kernelWindowsWide(int kc, float[] data, int aOff, int[] starts, float[] c, int cOff, int ldc) {
        if (MR != 8) throw new UnsupportedOperationException("kernelWindowsWide needs 8-row tiles; this species has " + MR);
        kernel8x3Windows(data, starts, aOff, kc, c, cOff, ldc);
    }

    /** {@link #kernel8Windows} over three vectors of columns, weight and windows in one array. */
    private static void kernel8x3Windows(float[] d, int[] starts, int aOff, int kc, float[] c, int cOff, int ldc) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c02 = zero, c10 = zero, c11 = zero, c12 = zero,
                c20 = zero, c21 = zero, c22 = zero, c30 = zero, c31 = zero, c32 = zero,
                c40 = zero, c41 = zero, c42 = zero, c50 = zero, c51 = zero, c52 = zero,
                c60 = zero, c61 = zero, c62 = zero, c70 = zero, c71 = zero, c72 = zero;
        for (int p = 0, ai = aOff; p < kc; p++, ai += 8) {
            int s = starts[p];
            FloatVector b0 = FloatVector.fromArray(S, d, s);
            FloatVector b1 = FloatVector.fromArray(S, d, s + V);
            FloatVector b2 = FloatVector.fromArray(S, d, s + 2 * V);
            FloatVector x;
            x = FloatVector.broadcast(S, d[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, d[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, d[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, d[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, d[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, d[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, d[ai + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61); c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, d[ai + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71); c72 = x.fma(b2, c72);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + V);
        c02.intoArray(c, cOff + 2 * V);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + V);
        c12.intoArray(c, cOff + ldc + 2 * V);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + V);
        c22.intoArray(c, cOff + 2 * ldc + 2 * V);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + V);
        c32.intoArray(c, cOff + 3 * ldc + 2 * V);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + V);
        c42.intoArray(c, cOff + 4 * ldc + 2 * V);
        c50.intoArray(c, cOff + 5 * ldc);
        c51.intoArray(c, cOff + 5 * ldc + V);
        c52.intoArray(c, cOff + 5 * ldc + 2 * V);
        c60.intoArray(c, cOff + 6 * ldc);
        c61.intoArray(c, cOff + 6 * ldc + V);
        c62.intoArray(c, cOff + 6 * ldc + 2 * V);
        c70.intoArray(c, cOff + 7 * ldc);
        c71.intoArray(c, cOff + 7 * ldc + V);
        c72.intoArray(c, cOff + 7 * ldc + 2 * V);
    }

    @Override
    void kernelRowsWide(int kc, float[] a, int aOff, float[] x, int xOff, int ldx, float[] c, int cOff, int ldc,
                        boolean add) {
        if (MR != 8) throw new UnsupportedOperationException("kernelRowsWide needs 8-row tiles; this species has " + MR);
        if (add) {
            kernel8x3RowsAdd(kc, a, aOff, x, xOff, ldx, c, cOff, ldc);
        } else {
            kernel8x3Rows(kc, a, aOff, x, xOff, ldx, c, cOff, ldc);
        }
    }

    @Override
    void kernelRowsNarrow(int kc, float[] a, int aOff, float[] x, int xOff, int ldx, float[] c, int cOff, int ldc,
                          boolean add) {
        if (MR != 8) throw new UnsupportedOperationException("kernelRowsNarrow needs 8-row tiles; this species has " + MR);
        kernel8x1Rows(kc, a, aOff, x, xOff, ldx, c, cOff, ldc, add);
    }

    /**
     * {@link #kernel8x3Rows} one vector wide. Eight accumulators still cover the FMA's latency (4
     * cycles at one 512-bit FMA a cycle), so the tail of a row runs at about the wide tile's rate
     * instead of computing a 48-column tile of which a third is kept. The sums are added to c, when
     * {@code add}, only once they are complete, as in {@link #kernel8x3RowsAdd}.
     */
    private static void kernel8x1Rows(int kc, float[] a, int aOff, float[] xs, int xOff, int ldx, float[] c, int cOff,
                                      int ldc, boolean add) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector c0 = zero, c1 = zero, c2 = zero, c3 = zero, c4 = zero, c5 = zero, c6 = zero, c7 = zero;
        for (int p = 0, ai = aOff, s = xOff; p < kc; p++, ai += 8, s += ldx) {
            FloatVector b = FloatVector.fromArray(S, xs, s);
            c0 = FloatVector.broadcast(S, a[ai]).fma(b, c0);
            c1 = FloatVector.broadcast(S, a[ai + 1]).fma(b, c1);
            c2 = FloatVector.broadcast(S, a[ai + 2]).fma(b, c2);
            c3 = FloatVector.broadcast(S, a[ai + 3]).fma(b, c3);
            c4 = FloatVector.broadcast(S, a[ai + 4]).fma(b, c4);
            c5 = FloatVector.broadcast(S, a[ai + 5]).fma(b, c5);
            c6 = FloatVector.broadcast(S, a[ai + 6]).fma(b, c6);
            c7 = FloatVector.broadcast(S, a[ai + 7]).fma(b, c7);
        }
        store(c0, c, cOff, add);
        store(c1, c, cOff + ldc, add);
        store(c2, c, cOff + 2 * ldc, add);
        store(c3, c, cOff + 3 * ldc, add);
        store(c4, c, cOff + 4 * ldc, add);
        store(c5, c, cOff + 5 * ldc, add);
        store(c6, c, cOff + 6 * ldc, add);
        store(c7, c, cOff + 7 * ldc, add);
    }

    /** {@code c[off..off+V) = sum}, or {@code += sum} when {@code add}. */
    private static void store(FloatVector sum, float[] c, int off, boolean add) {
        (add ? sum.add(FloatVector.fromArray(S, c, off)) : sum).intoArray(c, off);
    }

    /**
     * {@link #kernel8x3Windows} with the rows of the right operand {@code ldx} apart in an array of
     * their own. The adding form is a method of its own: with one method and a flag, C2 compiled
     * both forms slower once both had run (conv_e's forward 1.49 -> 1.71-1.86 ms on one thread,
     * interleaved with its input gradient).
     */
    private static void kernel8x3Rows(int kc, float[] a, int aOff, float[] xs, int xOff, int ldx, float[] c, int cOff,
                                      int ldc) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c02 = zero, c10 = zero, c11 = zero, c12 = zero,
                c20 = zero, c21 = zero, c22 = zero, c30 = zero, c31 = zero, c32 = zero,
                c40 = zero, c41 = zero, c42 = zero, c50 = zero, c51 = zero, c52 = zero,
                c60 = zero, c61 = zero, c62 = zero, c70 = zero, c71 = zero, c72 = zero;
        for (int p = 0, ai = aOff, s = xOff; p < kc; p++, ai += 8, s += ldx) {
            FloatVector b0 = FloatVector.fromArray(S, xs, s);
            FloatVector b1 = FloatVector.fromArray(S, xs, s + V);
            FloatVector b2 = FloatVector.fromArray(S, xs, s + 2 * V);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, a[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, a[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, a[ai + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61); c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, a[ai + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71); c72 = x.fma(b2, c72);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + V);
        c02.intoArray(c, cOff + 2 * V);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + V);
        c12.intoArray(c, cOff + ldc + 2 * V);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + V);
        c22.intoArray(c, cOff + 2 * ldc + 2 * V);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + V);
        c32.intoArray(c, cOff + 3 * ldc + 2 * V);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + V);
        c42.intoArray(c, cOff + 4 * ldc + 2 * V);
        c50.intoArray(c, cOff + 5 * ldc);
        c51.intoArray(c, cOff + 5 * ldc + V);
        c52.intoArray(c, cOff + 5 * ldc + 2 * V);
        c60.intoArray(c, cOff + 6 * ldc);
        c61.intoArray(c, cOff + 6 * ldc + V);
        c62.intoArray(c, cOff + 6 * ldc + 2 * V);
        c70.intoArray(c, cOff + 7 * ldc);
        c71.intoArray(c, cOff + 7 * ldc + V);
        c72.intoArray(c, cOff + 7 * ldc + 2 * V);
    }


    /**
     * {@link #kernel8x3Rows} adding its sums to the tile in c once they are complete: loading the
     * tile first made every call wait for it from memory before its first step (conv_e's input
     * gradient, whose 4.8 MB the tiles visit once each, 1.53 -> 1.79 ms on one thread).
     */
    private static void kernel8x3RowsAdd(int kc, float[] a, int aOff, float[] xs, int xOff, int ldx, float[] c, int cOff,
                                      int ldc) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c02 = zero, c10 = zero, c11 = zero, c12 = zero,
                c20 = zero, c21 = zero, c22 = zero, c30 = zero, c31 = zero, c32 = zero,
                c40 = zero, c41 = zero, c42 = zero, c50 = zero, c51 = zero, c52 = zero,
                c60 = zero, c61 = zero, c62 = zero, c70 = zero, c71 = zero, c72 = zero;
        for (int p = 0, ai = aOff, s = xOff; p < kc; p++, ai += 8, s += ldx) {
            FloatVector b0 = FloatVector.fromArray(S, xs, s);
            FloatVector b1 = FloatVector.fromArray(S, xs, s + V);
            FloatVector b2 = FloatVector.fromArray(S, xs, s + 2 * V);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, a[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, a[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22);
            x = FloatVector.broadcast(S, a[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32);
            x = FloatVector.broadcast(S, a[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42);
            x = FloatVector.broadcast(S, a[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52);
            x = FloatVector.broadcast(S, a[ai + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61); c62 = x.fma(b2, c62);
            x = FloatVector.broadcast(S, a[ai + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71); c72 = x.fma(b2, c72);
        }
        c00.add(FloatVector.fromArray(S, c, cOff)).intoArray(c, cOff);
        c01.add(FloatVector.fromArray(S, c, cOff + V)).intoArray(c, cOff + V);
        c02.add(FloatVector.fromArray(S, c, cOff + 2 * V)).intoArray(c, cOff + 2 * V);
        c10.add(FloatVector.fromArray(S, c, cOff + ldc)).intoArray(c, cOff + ldc);
        c11.add(FloatVector.fromArray(S, c, cOff + ldc + V)).intoArray(c, cOff + ldc + V);
        c12.add(FloatVector.fromArray(S, c, cOff + ldc + 2 * V)).intoArray(c, cOff + ldc + 2 * V);
        c20.add(FloatVector.fromArray(S, c, cOff + 2 * ldc)).intoArray(c, cOff + 2 * ldc);
        c21.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + V)).intoArray(c, cOff + 2 * ldc + V);
        c22.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + 2 * V)).intoArray(c, cOff + 2 * ldc + 2 * V);
        c30.add(FloatVector.fromArray(S, c, cOff + 3 * ldc)).intoArray(c, cOff + 3 * ldc);
        c31.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + V)).intoArray(c, cOff + 3 * ldc + V);
        c32.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + 2 * V)).intoArray(c, cOff + 3 * ldc + 2 * V);
        c40.add(FloatVector.fromArray(S, c, cOff + 4 * ldc)).intoArray(c, cOff + 4 * ldc);
        c41.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + V)).intoArray(c, cOff + 4 * ldc + V);
        c42.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + 2 * V)).intoArray(c, cOff + 4 * ldc + 2 * V);
        c50.add(FloatVector.fromArray(S, c, cOff + 5 * ldc)).intoArray(c, cOff + 5 * ldc);
        c51.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + V)).intoArray(c, cOff + 5 * ldc + V);
        c52.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + 2 * V)).intoArray(c, cOff + 5 * ldc + 2 * V);
        c60.add(FloatVector.fromArray(S, c, cOff + 6 * ldc)).intoArray(c, cOff + 6 * ldc);
        c61.add(FloatVector.fromArray(S, c, cOff + 6 * ldc + V)).intoArray(c, cOff + 6 * ldc + V);
        c62.add(FloatVector.fromArray(S, c, cOff + 6 * ldc + 2 * V)).intoArray(c, cOff + 6 * ldc + 2 * V);
        c70.add(FloatVector.fromArray(S, c, cOff + 7 * ldc)).intoArray(c, cOff + 7 * ldc);
        c71.add(FloatVector.fromArray(S, c, cOff + 7 * ldc + V)).intoArray(c, cOff + 7 * ldc + V);
        c72.add(FloatVector.fromArray(S, c, cOff + 7 * ldc + 2 * V)).intoArray(c, cOff + 7 * ldc + 2 * V);
    }


    @Override
    void kernelGradientWindows(int kc, float[] data, int[] starts, int startsOff, int q0, float[] g, int gOff,
                               float[] c, int cOff, int ldc) {
        if (V != 16) throw new UnsupportedOperationException("kernelGradientWindows needs 16-lane vectors; this species has " + V);
        kernel6x4Gradient(kc, data, starts[startsOff] + q0, starts[startsOff + 1] + q0, starts[startsOff + 2] + q0,
                starts[startsOff + 3] + q0, starts[startsOff + 4] + q0, starts[startsOff + 5] + q0, g, gOff, c, cOff, ldc);
    }

    /**
     * {@link #kernel8x3Windows} with the roles turned: the six broadcasts per step come from six
     * windows (one position of each) and the four vectors from a row of the transposed output
     * gradient, so 24 accumulators + 4 vectors + 1 broadcast fill 29 of the 32 registers. The
     * accumulators start from the tile in c (the sum runs over chunks of positions); the tile is
     * loaded and stored inline, as in kernel8. The gradient's index is computed from p with a
     * constant stride rather than kept as a second induction variable stepped by a parameter: C2
     * then hoists every range check out of the loop, and the 13 general registers suffice (with
     * the stride as a parameter the index lived on the stack, stored and reloaded every step,
     * and conv_d's forward+backward took 50 or 70 ms from run to run with the same machine code,
     * likely where that store 4K-aliased a data load; now 45-48 ms in every run).
     */
    private static void kernel6x4Gradient(int kc, float[] d, int s0, int s1, int s2, int s3, int s4, int s5, float[] gr,
                                          int gOff, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, cOff), c01 = FloatVector.fromArray(S, c, cOff + V),
                c02 = FloatVector.fromArray(S, c, cOff + 2 * V), c03 = FloatVector.fromArray(S, c, cOff + 3 * V),
                c10 = FloatVector.fromArray(S, c, cOff + ldc), c11 = FloatVector.fromArray(S, c, cOff + ldc + V),
                c12 = FloatVector.fromArray(S, c, cOff + ldc + 2 * V), c13 = FloatVector.fromArray(S, c, cOff + ldc + 3 * V),
                c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc), c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + V),
                c22 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 2 * V), c23 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 3 * V),
                c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc), c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + V),
                c32 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 2 * V), c33 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 3 * V),
                c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc), c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + V),
                c42 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 2 * V), c43 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 3 * V),
                c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc), c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + V),
                c52 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 2 * V), c53 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 3 * V);
        for (int p = 0; p < kc; p++) {
            int g = gOff + p * (4 * V);
            FloatVector b0 = FloatVector.fromArray(S, gr, g);
            FloatVector b1 = FloatVector.fromArray(S, gr, g + V);
            FloatVector b2 = FloatVector.fromArray(S, gr, g + 2 * V);
            FloatVector b3 = FloatVector.fromArray(S, gr, g + 3 * V);
            FloatVector x;
            x = FloatVector.broadcast(S, d[s0 + p]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, d[s1 + p]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, d[s2 + p]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, d[s3 + p]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(S, d[s4 + p]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41); c42 = x.fma(b2, c42); c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(S, d[s5 + p]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51); c52 = x.fma(b2, c52); c53 = x.fma(b3, c53);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + V);
        c02.intoArray(c, cOff + 2 * V);
        c03.intoArray(c, cOff + 3 * V);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + V);
        c12.intoArray(c, cOff + ldc + 2 * V);
        c13.intoArray(c, cOff + ldc + 3 * V);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + V);
        c22.intoArray(c, cOff + 2 * ldc + 2 * V);
        c23.intoArray(c, cOff + 2 * ldc + 3 * V);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + V);
        c32.intoArray(c, cOff + 3 * ldc + 2 * V);
        c33.intoArray(c, cOff + 3 * ldc + 3 * V);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + V);
        c42.intoArray(c, cOff + 4 * ldc + 2 * V);
        c43.intoArray(c, cOff + 4 * ldc + 3 * V);
        c50.intoArray(c, cOff + 5 * ldc);
        c51.intoArray(c, cOff + 5 * ldc + V);
        c52.intoArray(c, cOff + 5 * ldc + 2 * V);
        c53.intoArray(c, cOff + 5 * ldc + 3 * V);
    }

    @Override
    void kernelRows(int kc, float[] a, int aOff, int lda, float[] b, int bOff, float[] c, int cOff, int ldc,
                    float alpha, float beta) {
        if (MR != 8) throw new UnsupportedOperationException("kernelRows needs 8-row tiles; this species has " + MR);
        kernel8Rows(kc, a, aOff, lda, b, bOff, c, cOff, ldc, alpha, beta);
    }

    /**
     * {@link #kernel8} with the 8 rows of A read where they are: the broadcasts walk 8 rows of
     * the weight matrix side by side (8 streams that stay in L1 while the B panels pass).
     */
    private static void kernel8Rows(int kc, float[] a, int aOff, int lda, float[] b, int bOff, float[] c, int cOff,
                                    int ldc, float alpha, float beta) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero,
                c40 = zero, c41 = zero, c50 = zero, c51 = zero, c60 = zero, c61 = zero, c70 = zero, c71 = zero;
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda,
                a7 = a6 + lda;
        int bi = bOff;
        for (int p = 0; p < kc; p++, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + V);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + p]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + p]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + p]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) { // C is write-only: NaN in it must not leak into the result
            c00.mul(va).intoArray(c, cOff);
            c01.mul(va).intoArray(c, cOff + V);
            c10.mul(va).intoArray(c, cOff + ldc);
            c11.mul(va).intoArray(c, cOff + ldc + V);
            c20.mul(va).intoArray(c, cOff + 2 * ldc);
            c21.mul(va).intoArray(c, cOff + 2 * ldc + V);
            c30.mul(va).intoArray(c, cOff + 3 * ldc);
            c31.mul(va).intoArray(c, cOff + 3 * ldc + V);
            c40.mul(va).intoArray(c, cOff + 4 * ldc);
            c41.mul(va).intoArray(c, cOff + 4 * ldc + V);
            c50.mul(va).intoArray(c, cOff + 5 * ldc);
            c51.mul(va).intoArray(c, cOff + 5 * ldc + V);
            c60.mul(va).intoArray(c, cOff + 6 * ldc);
            c61.mul(va).intoArray(c, cOff + 6 * ldc + V);
            c70.mul(va).intoArray(c, cOff + 7 * ldc);
            c71.mul(va).intoArray(c, cOff + 7 * ldc + V);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            c00.fma(va, FloatVector.fromArray(S, c, cOff).mul(vb)).intoArray(c, cOff);
            c01.fma(va, FloatVector.fromArray(S, c, cOff + V).mul(vb)).intoArray(c, cOff + V);
            c10.fma(va, FloatVector.fromArray(S, c, cOff + ldc).mul(vb)).intoArray(c, cOff + ldc);
            c11.fma(va, FloatVector.fromArray(S, c, cOff + ldc + V).mul(vb)).intoArray(c, cOff + ldc + V);
            c20.fma(va, FloatVector.fromArray(S, c, cOff + 2 * ldc).mul(vb)).intoArray(c, cOff + 2 * ldc);
            c21.fma(va, FloatVector.fromArray(S, c, cOff + 2 * ldc + V).mul(vb)).intoArray(c, cOff + 2 * ldc + V);
            c30.fma(va, FloatVector.fromArray(S, c, cOff + 3 * ldc).mul(vb)).intoArray(c, cOff + 3 * ldc);
            c31.fma(va, FloatVector.fromArray(S, c, cOff + 3 * ldc + V).mul(vb)).intoArray(c, cOff + 3 * ldc + V);
            c40.fma(va, FloatVector.fromArray(S, c, cOff + 4 * ldc).mul(vb)).intoArray(c, cOff + 4 * ldc);
            c41.fma(va, FloatVector.fromArray(S, c, cOff + 4 * ldc + V).mul(vb)).intoArray(c, cOff + 4 * ldc + V);
            c50.fma(va, FloatVector.fromArray(S, c, cOff + 5 * ldc).mul(vb)).intoArray(c, cOff + 5 * ldc);
            c51.fma(va, FloatVector.fromArray(S, c, cOff + 5 * ldc + V).mul(vb)).intoArray(c, cOff + 5 * ldc + V);
            c60.fma(va, FloatVector.fromArray(S, c, cOff + 6 * ldc).mul(vb)).intoArray(c, cOff + 6 * ldc);
            c61.fma(va, FloatVector.fromArray(S, c, cOff + 6 * ldc + V).mul(vb)).intoArray(c, cOff + 6 * ldc + V);
            c70.fma(va, FloatVector.fromArray(S, c, cOff + 7 * ldc).mul(vb)).intoArray(c, cOff + 7 * ldc);
            c71.fma(va, FloatVector.fromArray(S, c, cOff + 7 * ldc + V).mul(vb)).intoArray(c, cOff + 7 * ldc + V);
        }
    }

    /** The 6 x 2V micro-kernel: 12 accumulators, two B loads and 6 broadcasts per step of k. */
    private static void kernel6(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc,
                                float alpha, float beta) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero,
                c30 = zero, c31 = zero, c40 = zero, c41 = zero, c50 = zero, c51 = zero;
        int ai = aOff, bi = bOff;
        for (int p = 0; p < kc; p++, ai += 6, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + V);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ai]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) { // C is write-only: NaN in it must not leak into the result
            c00.mul(va).intoArray(c, cOff);
            c01.mul(va).intoArray(c, cOff + V);
            c10.mul(va).intoArray(c, cOff + ldc);
            c11.mul(va).intoArray(c, cOff + ldc + V);
            c20.mul(va).intoArray(c, cOff + 2 * ldc);
            c21.mul(va).intoArray(c, cOff + 2 * ldc + V);
            c30.mul(va).intoArray(c, cOff + 3 * ldc);
            c31.mul(va).intoArray(c, cOff + 3 * ldc + V);
            c40.mul(va).intoArray(c, cOff + 4 * ldc);
            c41.mul(va).intoArray(c, cOff + 4 * ldc + V);
            c50.mul(va).intoArray(c, cOff + 5 * ldc);
            c51.mul(va).intoArray(c, cOff + 5 * ldc + V);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            c00.fma(va, FloatVector.fromArray(S, c, cOff).mul(vb)).intoArray(c, cOff);
            c01.fma(va, FloatVector.fromArray(S, c, cOff + V).mul(vb)).intoArray(c, cOff + V);
            c10.fma(va, FloatVector.fromArray(S, c, cOff + ldc).mul(vb)).intoArray(c, cOff + ldc);
            c11.fma(va, FloatVector.fromArray(S, c, cOff + ldc + V).mul(vb)).intoArray(c, cOff + ldc + V);
            c20.fma(va, FloatVector.fromArray(S, c, cOff + 2 * ldc).mul(vb)).intoArray(c, cOff + 2 * ldc);
            c21.fma(va, FloatVector.fromArray(S, c, cOff + 2 * ldc + V).mul(vb)).intoArray(c, cOff + 2 * ldc + V);
            c30.fma(va, FloatVector.fromArray(S, c, cOff + 3 * ldc).mul(vb)).intoArray(c, cOff + 3 * ldc);
            c31.fma(va, FloatVector.fromArray(S, c, cOff + 3 * ldc + V).mul(vb)).intoArray(c, cOff + 3 * ldc + V);
            c40.fma(va, FloatVector.fromArray(S, c, cOff + 4 * ldc).mul(vb)).intoArray(c, cOff + 4 * ldc);
            c41.fma(va, FloatVector.fromArray(S, c, cOff + 4 * ldc + V).mul(vb)).intoArray(c, cOff + 4 * ldc + V);
            c50.fma(va, FloatVector.fromArray(S, c, cOff + 5 * ldc).mul(vb)).intoArray(c, cOff + 5 * ldc);
            c51.fma(va, FloatVector.fromArray(S, c, cOff + 5 * ldc + V).mul(vb)).intoArray(c, cOff + 5 * ldc + V);
        }
    }

    @Override
    void kernelDot(int kc, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                   float alpha, float beta, float[] lanes) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c02 = zero, c03 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero,
                c20 = zero, c21 = zero, c22 = zero, c23 = zero, c30 = zero, c31 = zero, c32 = zero, c33 = zero;
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        int b0 = bOff, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        int bound = S.loopBound(kc);
        for (int p = 0; p < bound; p += V) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p), x1 = FloatVector.fromArray(S, a, a1 + p);
            FloatVector x2 = FloatVector.fromArray(S, a, a2 + p), x3 = FloatVector.fromArray(S, a, a3 + p);
            FloatVector y = FloatVector.fromArray(S, b, b0 + p);
            c00 = x0.fma(y, c00); c10 = x1.fma(y, c10); c20 = x2.fma(y, c20); c30 = x3.fma(y, c30);
            y = FloatVector.fromArray(S, b, b1 + p);
            c01 = x0.fma(y, c01); c11 = x1.fma(y, c11); c21 = x2.fma(y, c21); c31 = x3.fma(y, c31);
            y = FloatVector.fromArray(S, b, b2 + p);
            c02 = x0.fma(y, c02); c12 = x1.fma(y, c12); c22 = x2.fma(y, c22); c32 = x3.fma(y, c32);
            y = FloatVector.fromArray(S, b, b3 + p);
            c03 = x0.fma(y, c03); c13 = x1.fma(y, c13); c23 = x2.fma(y, c23); c33 = x3.fma(y, c33);
        }
        // lane sums through memory, in lane order: sumLanes on 16 accumulators is too big for C2 to
        // inline, and the vectors would then be boxed
        c00.intoArray(lanes, 0); c01.intoArray(lanes, V); c02.intoArray(lanes, 2 * V); c03.intoArray(lanes, 3 * V);
        c10.intoArray(lanes, 4 * V); c11.intoArray(lanes, 5 * V); c12.intoArray(lanes, 6 * V); c13.intoArray(lanes, 7 * V);
        c20.intoArray(lanes, 8 * V); c21.intoArray(lanes, 9 * V); c22.intoArray(lanes, 10 * V); c23.intoArray(lanes, 11 * V);
        c30.intoArray(lanes, 12 * V); c31.intoArray(lanes, 13 * V); c32.intoArray(lanes, 14 * V); c33.intoArray(lanes, 15 * V);
        float s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0,
                s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
        for (int l = 0; l < V; l++) {
            s00 += lanes[l]; s01 += lanes[V + l]; s02 += lanes[2 * V + l]; s03 += lanes[3 * V + l];
            s10 += lanes[4 * V + l]; s11 += lanes[5 * V + l]; s12 += lanes[6 * V + l]; s13 += lanes[7 * V + l];
            s20 += lanes[8 * V + l]; s21 += lanes[9 * V + l]; s22 += lanes[10 * V + l]; s23 += lanes[11 * V + l];
            s30 += lanes[12 * V + l]; s31 += lanes[13 * V + l]; s32 += lanes[14 * V + l]; s33 += lanes[15 * V + l];
        }
        for (int p = bound; p < kc; p++) {
            float x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p];
            float y0 = b[b0 + p], y1 = b[b1 + p], y2 = b[b2 + p], y3 = b[b3 + p];
            s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
            s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
            s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
            s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
        }
        store4(c, cOff, alpha, beta, s00, s01, s02, s03);
        store4(c, cOff + ldc, alpha, beta, s10, s11, s12, s13);
        store4(c, cOff + 2 * ldc, alpha, beta, s20, s21, s22, s23);
        store4(c, cOff + 3 * ldc, alpha, beta, s30, s31, s32, s33);
    }

    @Override
    void dotTile(int len, int count, float[] a, int a0, int a1, int a2, int a3, int aStep, float[] b, int b0, int b1,
                 int b2, int b3, int bStep, float[] lanes) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c02 = zero, c03 = zero, c10 = zero, c11 = zero, c12 = zero, c13 = zero,
                c20 = zero, c21 = zero, c22 = zero, c23 = zero, c30 = zero, c31 = zero, c32 = zero, c33 = zero;
        for (int i = 0, ai = 0, bi = 0; i < count; i++, ai += aStep, bi += bStep) {
            for (int p = 0; p < len; p += V) {
                FloatVector x0 = FloatVector.fromArray(S, a, a0 + ai + p), x1 = FloatVector.fromArray(S, a, a1 + ai + p);
                FloatVector x2 = FloatVector.fromArray(S, a, a2 + ai + p), x3 = FloatVector.fromArray(S, a, a3 + ai + p);
                FloatVector y = FloatVector.fromArray(S, b, b0 + bi + p);
                c00 = x0.fma(y, c00); c10 = x1.fma(y, c10); c20 = x2.fma(y, c20); c30 = x3.fma(y, c30);
                y = FloatVector.fromArray(S, b, b1 + bi + p);
                c01 = x0.fma(y, c01); c11 = x1.fma(y, c11); c21 = x2.fma(y, c21); c31 = x3.fma(y, c31);
                y = FloatVector.fromArray(S, b, b2 + bi + p);
                c02 = x0.fma(y, c02); c12 = x1.fma(y, c12); c22 = x2.fma(y, c22); c32 = x3.fma(y, c32);
                y = FloatVector.fromArray(S, b, b3 + bi + p);
                c03 = x0.fma(y, c03); c13 = x1.fma(y, c13); c23 = x2.fma(y, c23); c33 = x3.fma(y, c33);
            }
        }
        c00.intoArray(lanes, 0); c01.intoArray(lanes, V); c02.intoArray(lanes, 2 * V); c03.intoArray(lanes, 3 * V);
        c10.intoArray(lanes, 4 * V); c11.intoArray(lanes, 5 * V); c12.intoArray(lanes, 6 * V); c13.intoArray(lanes, 7 * V);
        c20.intoArray(lanes, 8 * V); c21.intoArray(lanes, 9 * V); c22.intoArray(lanes, 10 * V); c23.intoArray(lanes, 11 * V);
        c30.intoArray(lanes, 12 * V); c31.intoArray(lanes, 13 * V); c32.intoArray(lanes, 14 * V); c33.intoArray(lanes, 15 * V);
    }

    @Override
    void dotTile6x3(int len, int count, float[] a, int a0, int aRow, int aStep, float[] b, int b0, int b1, int b2,
                    int bStep, float[] lanes) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c02 = zero, c10 = zero, c11 = zero, c12 = zero,
                c20 = zero, c21 = zero, c22 = zero, c30 = zero, c31 = zero, c32 = zero,
                c40 = zero, c41 = zero, c42 = zero, c50 = zero, c51 = zero, c52 = zero;
        for (int i = 0, ai = a0, bi = 0; i < count; i++, ai += aStep, bi += bStep) {
            for (int p = 0; p < len; p += V) {
                FloatVector y0 = FloatVector.fromArray(S, b, b0 + bi + p), y1 = FloatVector.fromArray(S, b, b1 + bi + p);
                FloatVector y2 = FloatVector.fromArray(S, b, b2 + bi + p), x;
                x = FloatVector.fromArray(S, a, ai + p); c00 = x.fma(y0, c00); c01 = x.fma(y1, c01); c02 = x.fma(y2, c02);
                x = FloatVector.fromArray(S, a, ai + aRow + p); c10 = x.fma(y0, c10); c11 = x.fma(y1, c11); c12 = x.fma(y2, c12);
                x = FloatVector.fromArray(S, a, ai + 2 * aRow + p); c20 = x.fma(y0, c20); c21 = x.fma(y1, c21); c22 = x.fma(y2, c22);
                x = FloatVector.fromArray(S, a, ai + 3 * aRow + p); c30 = x.fma(y0, c30); c31 = x.fma(y1, c31); c32 = x.fma(y2, c32);
                x = FloatVector.fromArray(S, a, ai + 4 * aRow + p); c40 = x.fma(y0, c40); c41 = x.fma(y1, c41); c42 = x.fma(y2, c42);
                x = FloatVector.fromArray(S, a, ai + 5 * aRow + p); c50 = x.fma(y0, c50); c51 = x.fma(y1, c51); c52 = x.fma(y2, c52);
            }
        }
        c00.intoArray(lanes, 0);
        c01.intoArray(lanes, V);
        c02.intoArray(lanes, 2 * V);
        c10.intoArray(lanes, 3 * V);
        c11.intoArray(lanes, 4 * V);
        c12.intoArray(lanes, 5 * V);
        c20.intoArray(lanes, 6 * V);
        c21.intoArray(lanes, 7 * V);
        c22.intoArray(lanes, 8 * V);
        c30.intoArray(lanes, 9 * V);
        c31.intoArray(lanes, 10 * V);
        c32.intoArray(lanes, 11 * V);
        c40.intoArray(lanes, 12 * V);
        c41.intoArray(lanes, 13 * V);
        c42.intoArray(lanes, 14 * V);
        c50.intoArray(lanes, 15 * V);
        c51.intoArray(lanes, 16 * V);
        c52.intoArray(lanes, 17 * V);
    }

    /** Four scalars of a row of C: c = alpha * s + beta * c, without reading c when beta is 0. */
    private static void store4(float[] c, int off, float alpha, float beta, float s0, float s1, float s2, float s3) {
        if (beta == 0f) {
            c[off] = alpha * s0; c[off + 1] = alpha * s1; c[off + 2] = alpha * s2; c[off + 3] = alpha * s3;
        } else {
            c[off] = alpha * s0 + beta * c[off];
            c[off + 1] = alpha * s1 + beta * c[off + 1];
            c[off + 2] = alpha * s2 + beta * c[off + 2];
            c[off + 3] = alpha * s3 + beta * c[off + 3];
        }
    }

    /**
     * Sum of the lanes in a fixed pairwise order: lane i gets lane (i + w) mod V added for
     * w = V/2, ..., 1. Every step is an exact IEEE add, so the result is the same in every
     * execution mode; rotating with {@code rearrange} is as fast as {@code reduceLanes} here,
     * {@code slice} three times slower. The rotations are constants: a shuffle made with
     * {@code iota} on every call was 3.7% of the ResNet-18 training step's samples (JFR, 2
     * threads; batch norm sums one row of each channel and image at a time).
     */
    private static float sumLanes(FloatVector v) {
        if (V > 8) v = v.add(v.rearrange(ROTATE_8));
        if (V > 4) v = v.add(v.rearrange(ROTATE_4));
        if (V > 2) v = v.add(v.rearrange(ROTATE_2));
        v = v.add(v.rearrange(ROTATE_1));
        return v.lane(0);
    }

    /**
     * e^x lane by lane, Cephes' {@code expf}: x = n ln2 + r with |r| <= ln2/2 (ln2 split in two
     * parts so n ln2 is exact), {@code 1 + r + r^2 P(r)} with P of degree 5 for e^r, and 2^n built in
     * the exponent bits. Relative error about 1e-7; inputs are clamped to [-87.3, 88.3], so that
     * -126 <= n <= 127 and 2^n is a normal float.
     */
    private static FloatVector exp(FloatVector x) {
        x = x.max(-87.33654f).min(88.37626f);
        // round(x / ln2) by the 1.5 * 2^23 trick: exact for |x / ln2| < 2^22
        FloatVector n = x.mul(1.44269504088896341f).add(12582912f).sub(12582912f);
        FloatVector r = n.fma(FloatVector.broadcast(S, -0.693359375f), x)
                .sub(n.mul(-2.12194440e-4f));
        FloatVector p = r.mul(1.9875691500e-4f).add(1.3981999507e-3f);
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        FloatVector y = p.mul(r.mul(r)).add(r).add(1f);
        FloatVector pow2n = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127)
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(pow2n);
    }

    /*
     * Packing writes whole vectors only, never a masked store, except where a vector would cross the
     * end of the panel being packed: a panel row shorter than a vector (mr = 8 floats with 16 lanes)
     * or a partial last vector is stored in full, and the excess lands in the next row of the same
     * panel, which is written afterwards. Masked stores cost 12-14% of a 3x3 convolution's
     * forward+backward (JFR: FloatVector.intoArray(.., mask) -> AbstractMask.checkIndexByLane), and a
     * panel's end is where another thread's panel begins, so nothing may spill past it: the vector
     * that would is written lane by lane. (The one masked store per panel that did this before
     * showed as 4% of the ResNet-18 training step in JFR, under the packing of the Winograd weight
     * gradient's 8-row panels of A.)
     */

    @Override
    void packRows(float[] src, int srcOff, int ld, int rows, int w, int width, float[] dst, int dstOff) {
        if (w == NR && width == NR) { // the B panels of the GEMM: two straight vector moves per row
            for (int r = 0, s = srcOff, d = dstOff; r < rows; r++, s += ld, d += NR) {
                FloatVector.fromArray(S, src, s).intoArray(dst, d);
                FloatVector.fromArray(S, src, s + V).intoArray(dst, d + V);
            }
            return;
        }
        if (w == width && width == HALF.length()) { // a transposed A's panels on AVX-512 (mr = 8): one half-width move per row
            for (int r = 0, s = srcOff, d = dstOff; r < rows; r++, s += ld, d += width) {
                FloatVector.fromArray(HALF, src, s).intoArray(dst, d);
            }
            return;
        }
        int fullW = w - w % V, end = dstOff + rows * width;
        VectorMask<Float> valuesTail = S.indexInRange(fullW, w);
        for (int r = 0, s = srcOff, d = dstOff; r < rows; r++, s += ld, d += width) {
            for (int j = 0; j < width; j += V) {
                if (d + j + V > end) { // the panel's last vector, lane by lane (see above)
                    for (int t = j; t < width; t++) dst[d + t] = t < w ? src[s + t] : 0f;
                } else if (j < fullW) {
                    FloatVector.fromArray(S, src, s + j).intoArray(dst, d + j);
                } else if (j < w) {
                    FloatVector.fromArray(S, src, s + j, valuesTail).intoArray(dst, d + j); // zero past w
                } else {
                    FloatVector.zero(S).intoArray(dst, d + j);
                }
            }
        }
    }

    @Override
    void packColumns(float[] src, int srcOff, int rows, int width, int[] index, int indexOff, float[] dst,
                     int dstOff) {
        // a gather reads one value from each of V rows of src; on AVX-512 this transposes about
        // 1.5x faster than scalar code (conv weight-gradient GEMM: 63 -> 92 GFLOP/s). index is 0
        // past width, so a whole-vector gather stays inside src; what it reads there is overwritten
        // (next row) or, at the end of the panel, not written: that last part is copied one value at
        // a time, since a masked store at the end of dst took the Vector API's slow Java path
        int end = dstOff + rows * width;
        for (int p = 0, d = dstOff; p < rows; p++, d += width) {
            for (int j = 0; j < width; j += V) {
                if (d + j + V <= end) {
                    FloatVector.fromArray(S, src, srcOff + p, index, indexOff + j).intoArray(dst, d + j);
                } else {
                    for (int q = d + j; q < end; q++) dst[q] = src[srcOff + p + index[indexOff + q - d]];
                }
            }
        }
    }

    @Override
    void kernelWindows1(int kc, float[] a, int aOff, float[] src, int[] offsets, int j0, float[] c, int cOff) {
        final FloatVector zero = FloatVector.zero(S);
        // four phases of p, two vectors each: eight independent chains hide the FMA latency
        FloatVector s00 = zero, s01 = zero, s10 = zero, s11 = zero, s20 = zero, s21 = zero, s30 = zero, s31 = zero;
        int p = 0;
        for (; p + 4 <= kc; p += 4) {
            int q = offsets[p] + j0;
            FloatVector x = FloatVector.broadcast(S, a[aOff + p]);
            s00 = x.fma(FloatVector.fromArray(S, src, q), s00);
            s01 = x.fma(FloatVector.fromArray(S, src, q + V), s01);
            q = offsets[p + 1] + j0;
            x = FloatVector.broadcast(S, a[aOff + p + 1]);
            s10 = x.fma(FloatVector.fromArray(S, src, q), s10);
            s11 = x.fma(FloatVector.fromArray(S, src, q + V), s11);
            q = offsets[p + 2] + j0;
            x = FloatVector.broadcast(S, a[aOff + p + 2]);
            s20 = x.fma(FloatVector.fromArray(S, src, q), s20);
            s21 = x.fma(FloatVector.fromArray(S, src, q + V), s21);
            q = offsets[p + 3] + j0;
            x = FloatVector.broadcast(S, a[aOff + p + 3]);
            s30 = x.fma(FloatVector.fromArray(S, src, q), s30);
            s31 = x.fma(FloatVector.fromArray(S, src, q + V), s31);
        }
        for (; p < kc; p++) {
            int q = offsets[p] + j0;
            FloatVector x = FloatVector.broadcast(S, a[aOff + p]);
            s00 = x.fma(FloatVector.fromArray(S, src, q), s00);
            s01 = x.fma(FloatVector.fromArray(S, src, q + V), s01);
        }
        s00.add(s10).add(s20.add(s30)).intoArray(c, cOff);
        s01.add(s11).add(s21.add(s31)).intoArray(c, cOff + V);
    }

    // The transforms keep all 16 points in named locals, written out row by row: in an array the
    // vectors would be allocated, and the input transform, on the hot path, measured about 6% slower
    // (conv_c's forward pass, one thread) with its rows' stores moved into a helper method.

    @Override
    void winogradInput(float[] x, int at, int rowStride, int colStride, int count, float[] v, int vAt, int pointStride) {
        for (int c = 0; c < count; c += V) {
            // B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]: W = B^T d down each column j, then V = W B along each row
            int q0 = at + 0 * colStride + c;
            FloatVector d00 = FloatVector.fromArray(S, x, q0), d10 = FloatVector.fromArray(S, x, q0 + rowStride),
                    d20 = FloatVector.fromArray(S, x, q0 + 2 * rowStride), d30 = FloatVector.fromArray(S, x, q0 + 3 * rowStride);
            FloatVector w00 = d00.sub(d20), w10 = d10.add(d20), w20 = d20.sub(d10), w30 = d10.sub(d30);
            int q1 = at + 1 * colStride + c;
            FloatVector d01 = FloatVector.fromArray(S, x, q1), d11 = FloatVector.fromArray(S, x, q1 + rowStride),
                    d21 = FloatVector.fromArray(S, x, q1 + 2 * rowStride), d31 = FloatVector.fromArray(S, x, q1 + 3 * rowStride);
            FloatVector w01 = d01.sub(d21), w11 = d11.add(d21), w21 = d21.sub(d11), w31 = d11.sub(d31);
            int q2 = at + 2 * colStride + c;
            FloatVector d02 = FloatVector.fromArray(S, x, q2), d12 = FloatVector.fromArray(S, x, q2 + rowStride),
                    d22 = FloatVector.fromArray(S, x, q2 + 2 * rowStride), d32 = FloatVector.fromArray(S, x, q2 + 3 * rowStride);
            FloatVector w02 = d02.sub(d22), w12 = d12.add(d22), w22 = d22.sub(d12), w32 = d12.sub(d32);
            int q3 = at + 3 * colStride + c;
            FloatVector d03 = FloatVector.fromArray(S, x, q3), d13 = FloatVector.fromArray(S, x, q3 + rowStride),
                    d23 = FloatVector.fromArray(S, x, q3 + 2 * rowStride), d33 = FloatVector.fromArray(S, x, q3 + 3 * rowStride);
            FloatVector w03 = d03.sub(d23), w13 = d13.add(d23), w23 = d23.sub(d13), w33 = d13.sub(d33);
            int r0 = vAt + 0 * pointStride + c;
            w00.sub(w02).intoArray(v, r0);
            w01.add(w02).intoArray(v, r0 + pointStride);
            w02.sub(w01).intoArray(v, r0 + 2 * pointStride);
            w01.sub(w03).intoArray(v, r0 + 3 * pointStride);
            int r1 = vAt + 4 * pointStride + c;
            w10.sub(w12).intoArray(v, r1);
            w11.add(w12).intoArray(v, r1 + pointStride);
            w12.sub(w11).intoArray(v, r1 + 2 * pointStride);
            w11.sub(w13).intoArray(v, r1 + 3 * pointStride);
            int r2 = vAt + 8 * pointStride + c;
            w20.sub(w22).intoArray(v, r2);
            w21.add(w22).intoArray(v, r2 + pointStride);
            w22.sub(w21).intoArray(v, r2 + 2 * pointStride);
            w21.sub(w23).intoArray(v, r2 + 3 * pointStride);
            int r3 = vAt + 12 * pointStride + c;
            w30.sub(w32).intoArray(v, r3);
            w31.add(w32).intoArray(v, r3 + pointStride);
            w32.sub(w31).intoArray(v, r3 + 2 * pointStride);
            w31.sub(w33).intoArray(v, r3 + 3 * pointStride);
        }
    }

    @Override
    void winogradKernel(float[] w, int at, int tapStride, int count, float[] u, int uAt, int pointStride) {
        FloatVector half = FloatVector.broadcast(S, 0.5f);
        for (int c = 0; c < count; c += V) {
            // G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]: T = g G^T along each row ky, then U = G T down each column
            int q0 = at + 0 * tapStride + c;
            FloatVector g00 = FloatVector.fromArray(S, w, q0), g01 = FloatVector.fromArray(S, w, q0 + tapStride),
                    g02 = FloatVector.fromArray(S, w, q0 + 2 * tapStride);
            FloatVector o0 = g00.add(g02).mul(half), h0 = g01.mul(half);
            FloatVector t00 = g00, t01 = o0.add(h0), t02 = o0.sub(h0), t03 = g02;
            int q1 = at + 3 * tapStride + c;
            FloatVector g10 = FloatVector.fromArray(S, w, q1), g11 = FloatVector.fromArray(S, w, q1 + tapStride),
                    g12 = FloatVector.fromArray(S, w, q1 + 2 * tapStride);
            FloatVector o1 = g10.add(g12).mul(half), h1 = g11.mul(half);
            FloatVector t10 = g10, t11 = o1.add(h1), t12 = o1.sub(h1), t13 = g12;
            int q2 = at + 6 * tapStride + c;
            FloatVector g20 = FloatVector.fromArray(S, w, q2), g21 = FloatVector.fromArray(S, w, q2 + tapStride),
                    g22 = FloatVector.fromArray(S, w, q2 + 2 * tapStride);
            FloatVector o2 = g20.add(g22).mul(half), h2 = g21.mul(half);
            FloatVector t20 = g20, t21 = o2.add(h2), t22 = o2.sub(h2), t23 = g22;
            kernelColumn(t00, t10, t20, half, u, uAt + 0 * pointStride + c, pointStride);
            kernelColumn(t01, t11, t21, half, u, uAt + 1 * pointStride + c, pointStride);
            kernelColumn(t02, t12, t22, half, u, uAt + 2 * pointStride + c, pointStride);
            kernelColumn(t03, t13, t23, half, u, uAt + 3 * pointStride + c, pointStride);
        }
    }

    /** Column j of {@code U = G T} from column j of T (rows r0, r1, r2): points j, 4+j, 8+j, 12+j. */
    private static void kernelColumn(FloatVector r0, FloatVector r1, FloatVector r2, FloatVector half, float[] u, int at,
                                     int pointStride) {
        FloatVector outer = r0.add(r2).mul(half), inner = r1.mul(half);
        r0.intoArray(u, at);
        outer.add(inner).intoArray(u, at + 4 * pointStride);
        outer.sub(inner).intoArray(u, at + 8 * pointStride);
        r2.intoArray(u, at + 12 * pointStride);
    }

    @Override
    void winogradGradient(float[] x, int at, int rowStride, int colStride, int count, float[] u, int uAt, int pointStride) {
        FloatVector half = FloatVector.broadcast(S, 0.5f);
        for (int c = 0; c < count; c += V) {
            // S G = [1 0; 1/2 1/2; 1/2 -1/2; 0 -1] down each column j, then along each row
            int q0 = at + 0 * colStride + c;
            FloatVector f00 = FloatVector.fromArray(S, x, q0), f10 = FloatVector.fromArray(S, x, q0 + rowStride);
            FloatVector t00 = f00, t10 = f00.add(f10).mul(half), t20 = f00.sub(f10).mul(half), t30 = f10.neg();
            int q1 = at + 1 * colStride + c;
            FloatVector f01 = FloatVector.fromArray(S, x, q1), f11 = FloatVector.fromArray(S, x, q1 + rowStride);
            FloatVector t01 = f01, t11 = f01.add(f11).mul(half), t21 = f01.sub(f11).mul(half), t31 = f11.neg();
            int r0 = uAt + 0 * pointStride + c;
            t00.intoArray(u, r0);
            t00.add(t01).mul(half).intoArray(u, r0 + pointStride);
            t00.sub(t01).mul(half).intoArray(u, r0 + 2 * pointStride);
            t01.neg().intoArray(u, r0 + 3 * pointStride);
            int r1 = uAt + 4 * pointStride + c;
            t10.intoArray(u, r1);
            t10.add(t11).mul(half).intoArray(u, r1 + pointStride);
            t10.sub(t11).mul(half).intoArray(u, r1 + 2 * pointStride);
            t11.neg().intoArray(u, r1 + 3 * pointStride);
            int r2 = uAt + 8 * pointStride + c;
            t20.intoArray(u, r2);
            t20.add(t21).mul(half).intoArray(u, r2 + pointStride);
            t20.sub(t21).mul(half).intoArray(u, r2 + 2 * pointStride);
            t21.neg().intoArray(u, r2 + 3 * pointStride);
            int r3 = uAt + 12 * pointStride + c;
            t30.intoArray(u, r3);
            t30.add(t31).mul(half).intoArray(u, r3 + pointStride);
            t30.sub(t31).mul(half).intoArray(u, r3 + 2 * pointStride);
            t31.neg().intoArray(u, r3 + 3 * pointStride);
        }
    }

    @Override
    void winogradOutput(float[] m, int at, int pointStride, int count, float[] y, int[] to) {
        int to0 = to[0], to1 = to[1], to2 = to[2], to3 = to[3];
        for (int c = 0; c < count; c += V) {
            // A^T = [1 1 1 0; 0 1 -1 -1]: S = A^T M down each column j, then Y = S A along each row
            int q0 = at + 0 * pointStride + c;
            FloatVector m00 = FloatVector.fromArray(S, m, q0), m10 = FloatVector.fromArray(S, m, q0 + 4 * pointStride),
                    m20 = FloatVector.fromArray(S, m, q0 + 8 * pointStride), m30 = FloatVector.fromArray(S, m, q0 + 12 * pointStride);
            FloatVector s00 = m00.add(m10).add(m20), s10 = m10.sub(m20).sub(m30);
            int q1 = at + 1 * pointStride + c;
            FloatVector m01 = FloatVector.fromArray(S, m, q1), m11 = FloatVector.fromArray(S, m, q1 + 4 * pointStride),
                    m21 = FloatVector.fromArray(S, m, q1 + 8 * pointStride), m31 = FloatVector.fromArray(S, m, q1 + 12 * pointStride);
            FloatVector s01 = m01.add(m11).add(m21), s11 = m11.sub(m21).sub(m31);
            int q2 = at + 2 * pointStride + c;
            FloatVector m02 = FloatVector.fromArray(S, m, q2), m12 = FloatVector.fromArray(S, m, q2 + 4 * pointStride),
                    m22 = FloatVector.fromArray(S, m, q2 + 8 * pointStride), m32 = FloatVector.fromArray(S, m, q2 + 12 * pointStride);
            FloatVector s02 = m02.add(m12).add(m22), s12 = m12.sub(m22).sub(m32);
            int q3 = at + 3 * pointStride + c;
            FloatVector m03 = FloatVector.fromArray(S, m, q3), m13 = FloatVector.fromArray(S, m, q3 + 4 * pointStride),
                    m23 = FloatVector.fromArray(S, m, q3 + 8 * pointStride), m33 = FloatVector.fromArray(S, m, q3 + 12 * pointStride);
            FloatVector s03 = m03.add(m13).add(m23), s13 = m13.sub(m23).sub(m33);
            if (to0 >= 0) s00.add(s01).add(s02).intoArray(y, to0 + c);
            if (to1 >= 0) s01.sub(s02).sub(s03).intoArray(y, to1 + c);
            if (to2 >= 0) s10.add(s11).add(s12).intoArray(y, to2 + c);
            if (to3 >= 0) s11.sub(s12).sub(s13).intoArray(y, to3 + c);
        }
    }

    // F(4x4, 3x3): 36 points are more vectors than there are registers, so each transform runs in
    // two passes through a small buffer (36 vectors, in L1): one 1-D transform along every row into
    // tmp, then one down every column of tmp. The 1-D transforms load and store their own vectors:
    // C2 declined to inline a helper taking six vectors (callee too large), and boxed them.

    @Override
    void winogradInput6(float[] x, int at, int rowStride, int colStride, int count, float[] v, int vAt, int pointStride,
                        float[] tmp) {
        for (int c = 0; c < count; c += V) {
            for (int i = 0; i < 6; i++) input6(x, at + i * rowStride + c, colStride, tmp, 6 * i * V, V); // d B along row i
            for (int k = 0; k < 6; k++) input6(tmp, k * V, 6 * V, v, vAt + k * pointStride + c, 6 * pointStride); // B^T down column k
        }
    }

    /**
     * {@code B^T d} of F(4x4, 3x3) for the six vectors {@code d_i = src[at + i*stride]}, element l
     * to {@code dst[to + l*step]}: B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0;
     * 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
     */
    private static void input6(float[] src, int at, int stride, float[] dst, int to, int step) {
        FloatVector four = FloatVector.broadcast(S, 4f), minusFour = FloatVector.broadcast(S, -4f),
                minusFive = FloatVector.broadcast(S, -5f);
        FloatVector d0 = FloatVector.fromArray(S, src, at), d1 = FloatVector.fromArray(S, src, at + stride),
                d2 = FloatVector.fromArray(S, src, at + 2 * stride), d3 = FloatVector.fromArray(S, src, at + 3 * stride),
                d4 = FloatVector.fromArray(S, src, at + 4 * stride), d5 = FloatVector.fromArray(S, src, at + 5 * stride);
        FloatVector t1 = d2.fma(minusFour, d4), t2 = d1.fma(minusFour, d3); // d4 - 4 d2, d3 - 4 d1
        FloatVector t3 = d4.sub(d2), t4 = d3.sub(d1).add(d3.sub(d1)); // d4 - d2, 2 (d3 - d1)
        d0.fma(four, d2.fma(minusFive, d4)).intoArray(dst, to);
        t1.add(t2).intoArray(dst, to + step);
        t1.sub(t2).intoArray(dst, to + 2 * step);
        t3.add(t4).intoArray(dst, to + 3 * step);
        t3.sub(t4).intoArray(dst, to + 4 * step);
        d1.fma(four, d3.fma(minusFive, d5)).intoArray(dst, to + 5 * step);
    }

    @Override
    void winogradKernel6(float[] w, int at, int tapStride, int count, float[] u, int uAt, int pointStride, float[] tmp) {
        for (int c = 0; c < count; c += V) {
            for (int ky = 0; ky < 3; ky++) kernel6(w, at + 3 * ky * tapStride + c, tapStride, tmp, 6 * ky * V, V); // g G^T along row ky
            for (int k = 0; k < 6; k++) kernel6(tmp, k * V, 6 * V, u, uAt + k * pointStride + c, 6 * pointStride); // G down column k
        }
    }

    /**
     * {@code G g} of F(4x4, 3x3) for the three vectors {@code g_i = src[at + i*stride]}, element l
     * to {@code dst[to + l*step]}: G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6;
     * 1/24 -1/12 1/6; 0 0 1].
     */
    private static void kernel6(float[] src, int at, int stride, float[] dst, int to, int step) {
        FloatVector g0 = FloatVector.fromArray(S, src, at), g1 = FloatVector.fromArray(S, src, at + stride),
                g2 = FloatVector.fromArray(S, src, at + 2 * stride);
        FloatVector minusSixth = FloatVector.broadcast(S, -1f / 6);
        FloatVector outer = g0.add(g2), odd = g0.mul(1f / 24).add(g2.mul(1f / 6)), even = g1.mul(1f / 12);
        g0.mul(0.25f).intoArray(dst, to);
        outer.add(g1).mul(minusSixth).intoArray(dst, to + step);
        outer.sub(g1).mul(minusSixth).intoArray(dst, to + 2 * step);
        odd.add(even).intoArray(dst, to + 3 * step);
        odd.sub(even).intoArray(dst, to + 4 * step);
        g2.intoArray(dst, to + 5 * step);
    }

    @Override
    void winogradTaps(float[] sums, int q, int stride, float[] dw, int w, float[] tmp) {
        // down each column into tmp (3 rows of 4 vectors), then along each row into tmp's last 9
        // vectors: the intermediate vectors pass through memory, as in winogradInput6.
        // A^T = [1 1 1 0; 0 1 -1 0; 0 1 1 1]
        int out = 12 * V;
        for (int j = 0; j < 4; j++) {
            FloatVector m0 = FloatVector.fromArray(S, sums, j * stride + q), m1 = FloatVector.fromArray(S, sums, (4 + j) * stride + q),
                    m2 = FloatVector.fromArray(S, sums, (8 + j) * stride + q), m3 = FloatVector.fromArray(S, sums, (12 + j) * stride + q);
            m0.add(m1).add(m2).intoArray(tmp, j * V);
            m1.sub(m2).intoArray(tmp, (4 + j) * V);
            m1.add(m2).add(m3).intoArray(tmp, (8 + j) * V);
        }
        for (int a = 0; a < 3; a++) {
            int row = 4 * a * V;
            FloatVector r0 = FloatVector.fromArray(S, tmp, row), r1 = FloatVector.fromArray(S, tmp, row + V),
                    r2 = FloatVector.fromArray(S, tmp, row + 2 * V), r3 = FloatVector.fromArray(S, tmp, row + 3 * V);
            r0.add(r1).add(r2).intoArray(tmp, out + 3 * a * V);
            r1.sub(r2).intoArray(tmp, out + (3 * a + 1) * V);
            r1.add(r2).add(r3).intoArray(tmp, out + (3 * a + 2) * V);
        }
        addTaps(tmp, out, dw, w);
    }

    @Override
    void winogradTaps6(float[] sums, int q, int stride, float[] dw, int w, float[] tmp) {
        // as winogradTaps, by G^T = [1/4 -1/6 -1/6 1/24 1/24 0; 0 -1/6 1/6 1/12 -1/12 0; 0 -1/6 -1/6 1/6 1/6 1]
        int out = 18 * V;
        for (int j = 0; j < 6; j++) taps4(sums, j * stride + q, 6 * stride, tmp, j * V, 6 * V);
        for (int a = 0; a < 3; a++) taps4(tmp, 6 * a * V, V, tmp, out + 3 * a * V, V);
        addTaps(tmp, out, dw, w);
    }

    /** Tap t of lane l ({@code tmp[out + t*V + l]}) onto its pair's 9 contiguous taps at {@code dw[w + 9*l]}. */
    private static void addTaps(float[] tmp, int out, float[] dw, int w) {
        for (int l = 0; l < V; l++) {
            for (int t = 0; t < 9; t++) dw[w + 9 * l + t] += tmp[out + t * V + l];
        }
    }

    /**
     * G^T's three rows against the six vectors {@code m_k = src[from + k*stride]}: to
     * {@code tmp[at]}, {@code tmp[at + step]}, {@code tmp[at + 2*step]}. It loads its own operands:
     * vectors passed as arguments were boxed, allocated on the heap at every call, wherever C2
     * did not inline this method (JFR allocation samples, ResNet-18 training step).
     */
    private static void taps4(float[] src, int from, int stride, float[] tmp, int at, int step) {
        FloatVector m0 = FloatVector.fromArray(S, src, from), m1 = FloatVector.fromArray(S, src, from + stride),
                m2 = FloatVector.fromArray(S, src, from + 2 * stride), m3 = FloatVector.fromArray(S, src, from + 3 * stride),
                m4 = FloatVector.fromArray(S, src, from + 4 * stride), m5 = FloatVector.fromArray(S, src, from + 5 * stride);
        FloatVector s12 = m1.add(m2), d12 = m1.sub(m2), s34 = m3.add(m4), d34 = m3.sub(m4);
        m0.mul(0.25f).sub(s12.mul(SIXTH)).add(s34.mul(TWENTY_FOURTH)).intoArray(tmp, at);
        d34.mul(TWELFTH).sub(d12.mul(SIXTH)).intoArray(tmp, at + step);
        s34.sub(s12).mul(SIXTH).add(m5).intoArray(tmp, at + 2 * step);
    }

    /** F(4x4, 3x3)'s fractions, rounded to float once: {@link #winogradTaps6} multiplies by them, as Winograd's scalar taps do. */
    private static final float SIXTH = 1f / 6, TWELFTH = 1f / 12, TWENTY_FOURTH = 1f / 24;

    @Override
    void winogradGradient6(float[] x, int at, int rowStride, int colStride, int count, float[] u, int uAt, int pointStride,
                           float[] tmp) {
        for (int c = 0; c < count; c += V) {
            for (int i = 0; i < 4; i++) gradient6(x, at + i * rowStride + c, colStride, tmp, 6 * i * V, V); // f A^T along row i
            for (int k = 0; k < 6; k++) gradient6(tmp, k * V, 6 * V, u, uAt + k * pointStride + c, 6 * pointStride); // A down column k
        }
    }

    /**
     * {@code A f} of F(4x4, 3x3) for the four vectors {@code f_i = src[at + i*stride]}, element l
     * to {@code dst[to + l*step]}: A = [1 0 0 0; 1 1 1 1; 1 -1 1 -1; 1 2 4 8; 1 -2 4 -8; 0 0 0 1].
     */
    private static void gradient6(float[] src, int at, int stride, float[] dst, int to, int step) {
        FloatVector f0 = FloatVector.fromArray(S, src, at), f1 = FloatVector.fromArray(S, src, at + stride),
                f2 = FloatVector.fromArray(S, src, at + 2 * stride), f3 = FloatVector.fromArray(S, src, at + 3 * stride);
        FloatVector four = FloatVector.broadcast(S, 4f), two = FloatVector.broadcast(S, 2f), eight = FloatVector.broadcast(S, 8f);
        FloatVector even = f0.add(f2), odd = f1.add(f3), even4 = f2.fma(four, f0), odd8 = f3.fma(eight, f1.mul(two));
        f0.intoArray(dst, to);
        even.add(odd).intoArray(dst, to + step);
        even.sub(odd).intoArray(dst, to + 2 * step);
        even4.add(odd8).intoArray(dst, to + 3 * step);
        even4.sub(odd8).intoArray(dst, to + 4 * step);
        f3.intoArray(dst, to + 5 * step);
    }

    @Override
    void winogradOutput6(float[] m, int at, int pointStride, int count, float[] y, int[] to, float[] tmp) {
        FloatVector two = FloatVector.broadcast(S, 2f), four = FloatVector.broadcast(S, 4f),
                eight = FloatVector.broadcast(S, 8f);
        for (int c = 0; c < count; c += V) {
            for (int j = 0; j < 6; j++) { // A^T down column j, to tmp[(6*a + j)*V]
                int q = at + j * pointStride + c;
                FloatVector m0 = FloatVector.fromArray(S, m, q), m1 = FloatVector.fromArray(S, m, q + 6 * pointStride),
                        m2 = FloatVector.fromArray(S, m, q + 12 * pointStride),
                        m3 = FloatVector.fromArray(S, m, q + 18 * pointStride),
                        m4 = FloatVector.fromArray(S, m, q + 24 * pointStride),
                        m5 = FloatVector.fromArray(S, m, q + 30 * pointStride);
                FloatVector sum12 = m1.add(m2), diff12 = m1.sub(m2), sum34 = m3.add(m4), diff34 = m3.sub(m4);
                int t = j * V;
                m0.add(sum12).add(sum34).intoArray(tmp, t);
                diff34.fma(two, diff12).intoArray(tmp, t + 6 * V);
                sum34.fma(four, sum12).intoArray(tmp, t + 12 * V);
                diff34.fma(eight, diff12).add(m5).intoArray(tmp, t + 18 * V);
            }
            for (int a = 0; a < 4; a++) { // A^T along row a: outputs (a, 0..3)
                int t = 6 * a * V;
                FloatVector m0 = FloatVector.fromArray(S, tmp, t), m1 = FloatVector.fromArray(S, tmp, t + V),
                        m2 = FloatVector.fromArray(S, tmp, t + 2 * V), m3 = FloatVector.fromArray(S, tmp, t + 3 * V),
                        m4 = FloatVector.fromArray(S, tmp, t + 4 * V), m5 = FloatVector.fromArray(S, tmp, t + 5 * V);
                FloatVector sum12 = m1.add(m2), diff12 = m1.sub(m2), sum34 = m3.add(m4), diff34 = m3.sub(m4);
                int to0 = to[4 * a], to1 = to[4 * a + 1], to2 = to[4 * a + 2], to3 = to[4 * a + 3];
                if (to0 >= 0) m0.add(sum12).add(sum34).intoArray(y, to0 + c);
                if (to1 >= 0) diff34.fma(two, diff12).intoArray(y, to1 + c);
                if (to2 >= 0) sum34.fma(four, sum12).intoArray(y, to2 + c);
                if (to3 >= 0) diff34.fma(eight, diff12).add(m5).intoArray(y, to3 + c);
            }
        }
    }

    @Override
    void transpose(float[] src, int srcOff, int[] index, int count, int len, float[] dst, int dstOff, int dstStride) {
        if (V == 16 && count >= V && len >= V) {
            // 16 x 16 blocks through registers, the last block of rows and of columns overlapping the
            // one before where 16 does not divide them (its values are written twice, the same)
            int from = srcOff + index[0], stride = index[1] - index[0];
            for (int c0 = 0; c0 < count; c0 += V) {
                int c = Math.min(c0, count - V);
                for (int x0 = 0; x0 < len; x0 += V) {
                    int x = Math.min(x0, len - V);
                    transpose16(src, from + c * stride + x, stride, dst, dstOff + x * dstStride + c, dstStride);
                }
            }
            return;
        }
        int whole = count / V * V; // channels gathered a vector at a time; the rest one by one
        for (int x = 0; x < len; x++) {
            int d = dstOff + x * dstStride;
            for (int c = 0; c < whole; c += V) {
                FloatVector.fromArray(S, src, srcOff + x, index, c).intoArray(dst, d + c);
            }
            for (int c = whole; c < count; c++) dst[d + c] = src[srcOff + index[c] + x];
        }
    }

    /**
     * {@code dst[to + x*dstStride + c] = src[at + c*srcStride + x]} for c, x < 16, with 16-lane S:
     * 16 rows loaded, four rounds of interleaving the lower and upper halves of rows r and r + 8
     * (after log2(16) rounds row x holds column x), 16 rows stored. 64 two-vector permutes move
     * the 256 values where gathers load them one by one: 64 channels of a 56x56 image
     * channels-last in 0.063-0.072 ms against 0.093-0.113 ms by gathers.
     */
    private static void transpose16(float[] src, int at, int srcStride, float[] dst, int to, int dstStride) {
        FloatVector r0 = FloatVector.fromArray(S, src, at), r1 = FloatVector.fromArray(S, src, at + srcStride),
                r2 = FloatVector.fromArray(S, src, at + 2 * srcStride), r3 = FloatVector.fromArray(S, src, at + 3 * srcStride),
                r4 = FloatVector.fromArray(S, src, at + 4 * srcStride), r5 = FloatVector.fromArray(S, src, at + 5 * srcStride),
                r6 = FloatVector.fromArray(S, src, at + 6 * srcStride), r7 = FloatVector.fromArray(S, src, at + 7 * srcStride),
                r8 = FloatVector.fromArray(S, src, at + 8 * srcStride), r9 = FloatVector.fromArray(S, src, at + 9 * srcStride),
                r10 = FloatVector.fromArray(S, src, at + 10 * srcStride), r11 = FloatVector.fromArray(S, src, at + 11 * srcStride),
                r12 = FloatVector.fromArray(S, src, at + 12 * srcStride), r13 = FloatVector.fromArray(S, src, at + 13 * srcStride),
                r14 = FloatVector.fromArray(S, src, at + 14 * srcStride), r15 = FloatVector.fromArray(S, src, at + 15 * srcStride);
        for (int round = 0; round < 4; round++) {
            FloatVector n0 = r0.rearrange(INTERLEAVE_LOW, r8), n1 = r0.rearrange(INTERLEAVE_HIGH, r8);
            FloatVector n2 = r1.rearrange(INTERLEAVE_LOW, r9), n3 = r1.rearrange(INTERLEAVE_HIGH, r9);
            FloatVector n4 = r2.rearrange(INTERLEAVE_LOW, r10), n5 = r2.rearrange(INTERLEAVE_HIGH, r10);
            FloatVector n6 = r3.rearrange(INTERLEAVE_LOW, r11), n7 = r3.rearrange(INTERLEAVE_HIGH, r11);
            FloatVector n8 = r4.rearrange(INTERLEAVE_LOW, r12), n9 = r4.rearrange(INTERLEAVE_HIGH, r12);
            FloatVector n10 = r5.rearrange(INTERLEAVE_LOW, r13), n11 = r5.rearrange(INTERLEAVE_HIGH, r13);
            FloatVector n12 = r6.rearrange(INTERLEAVE_LOW, r14), n13 = r6.rearrange(INTERLEAVE_HIGH, r14);
            FloatVector n14 = r7.rearrange(INTERLEAVE_LOW, r15), n15 = r7.rearrange(INTERLEAVE_HIGH, r15);
            r0 = n0; r1 = n1; r2 = n2; r3 = n3; r4 = n4; r5 = n5; r6 = n6; r7 = n7;
            r8 = n8; r9 = n9; r10 = n10; r11 = n11; r12 = n12; r13 = n13; r14 = n14; r15 = n15;
        }
        r0.intoArray(dst, to);
        r1.intoArray(dst, to + dstStride);
        r2.intoArray(dst, to + 2 * dstStride);
        r3.intoArray(dst, to + 3 * dstStride);
        r4.intoArray(dst, to + 4 * dstStride);
        r5.intoArray(dst, to + 5 * dstStride);
        r6.intoArray(dst, to + 6 * dstStride);
        r7.intoArray(dst, to + 7 * dstStride);
        r8.intoArray(dst, to + 8 * dstStride);
        r9.intoArray(dst, to + 9 * dstStride);
        r10.intoArray(dst, to + 10 * dstStride);
        r11.intoArray(dst, to + 11 * dstStride);
        r12.intoArray(dst, to + 12 * dstStride);
        r13.intoArray(dst, to + 13 * dstStride);
        r14.intoArray(dst, to + 14 * dstStride);
        r15.intoArray(dst, to + 15 * dstStride);
    }

    /**
     * The twelve broadcasts of a step are loads at constant distances from one index, so C2 checks
     * their bounds twice per step instead of twelve times (range-check smearing).
     */
    @Override
    void kernelRowTile(int depth, float[] x, int at, int[] offsets, float[] w, int wAt, int count, float[] c,
                       int cOff) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero,
                a6 = zero, a7 = zero, a8 = zero, a9 = zero, a10 = zero, a11 = zero;
        for (int d = 0; d < depth; d++) {
            int s = at + offsets[d];
            FloatVector k = FloatVector.fromArray(S, w, wAt + d * V);
            a0 = FloatVector.broadcast(S, x[s]).fma(k, a0);
            a1 = FloatVector.broadcast(S, x[s + 1]).fma(k, a1);
            a2 = FloatVector.broadcast(S, x[s + 2]).fma(k, a2);
            a3 = FloatVector.broadcast(S, x[s + 3]).fma(k, a3);
            a4 = FloatVector.broadcast(S, x[s + 4]).fma(k, a4);
            a5 = FloatVector.broadcast(S, x[s + 5]).fma(k, a5);
            a6 = FloatVector.broadcast(S, x[s + 6]).fma(k, a6);
            a7 = FloatVector.broadcast(S, x[s + 7]).fma(k, a7);
            a8 = FloatVector.broadcast(S, x[s + 8]).fma(k, a8);
            a9 = FloatVector.broadcast(S, x[s + 9]).fma(k, a9);
            a10 = FloatVector.broadcast(S, x[s + 10]).fma(k, a10);
            a11 = FloatVector.broadcast(S, x[s + 11]).fma(k, a11);
        }
        a0.intoArray(c, cOff);
        if (count > 1) a1.intoArray(c, cOff + V);
        if (count > 2) a2.intoArray(c, cOff + 2 * V);
        if (count > 3) a3.intoArray(c, cOff + 3 * V);
        if (count > 4) a4.intoArray(c, cOff + 4 * V);
        if (count > 5) a5.intoArray(c, cOff + 5 * V);
        if (count > 6) a6.intoArray(c, cOff + 6 * V);
        if (count > 7) a7.intoArray(c, cOff + 7 * V);
        if (count > 8) a8.intoArray(c, cOff + 8 * V);
        if (count > 9) a9.intoArray(c, cOff + 9 * V);
        if (count > 10) a10.intoArray(c, cOff + 10 * V);
        if (count > 11) a11.intoArray(c, cOff + 11 * V);
    }

    /** Six broadcasts for eighteen multiply-adds a step, whole vectors stored (see {@link NarrowConv#rows}). */
    @Override
    void kernelChannelRows(int from, int to, float[] x, int at, int rowStep, int[] offsets, float[] w, int wAt,
                           float[] c, int cOff, int channelStep, int rowStep2) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = zero, c01 = zero, c02 = zero, c10 = zero, c11 = zero, c12 = zero,
                c20 = zero, c21 = zero, c22 = zero, c30 = zero, c31 = zero, c32 = zero,
                c40 = zero, c41 = zero, c42 = zero, c50 = zero, c51 = zero, c52 = zero;
        for (int d = from, k = wAt + 6 * from; d < to; d++, k += 6) {
            int s = at + offsets[d];
            FloatVector v0 = FloatVector.fromArray(S, x, s);
            FloatVector v1 = FloatVector.fromArray(S, x, s + rowStep);
            FloatVector v2 = FloatVector.fromArray(S, x, s + 2 * rowStep);
            FloatVector b;
            b = FloatVector.broadcast(S, w[k]); c00 = b.fma(v0, c00); c01 = b.fma(v1, c01); c02 = b.fma(v2, c02);
            b = FloatVector.broadcast(S, w[k + 1]); c10 = b.fma(v0, c10); c11 = b.fma(v1, c11); c12 = b.fma(v2, c12);
            b = FloatVector.broadcast(S, w[k + 2]); c20 = b.fma(v0, c20); c21 = b.fma(v1, c21); c22 = b.fma(v2, c22);
            b = FloatVector.broadcast(S, w[k + 3]); c30 = b.fma(v0, c30); c31 = b.fma(v1, c31); c32 = b.fma(v2, c32);
            b = FloatVector.broadcast(S, w[k + 4]); c40 = b.fma(v0, c40); c41 = b.fma(v1, c41); c42 = b.fma(v2, c42);
            b = FloatVector.broadcast(S, w[k + 5]); c50 = b.fma(v0, c50); c51 = b.fma(v1, c51); c52 = b.fma(v2, c52);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + rowStep2);
        c02.intoArray(c, cOff + 2 * rowStep2);
        c10.intoArray(c, cOff + channelStep);
        c11.intoArray(c, cOff + channelStep + rowStep2);
        c12.intoArray(c, cOff + channelStep + 2 * rowStep2);
        c20.intoArray(c, cOff + 2 * channelStep);
        c21.intoArray(c, cOff + 2 * channelStep + rowStep2);
        c22.intoArray(c, cOff + 2 * channelStep + 2 * rowStep2);
        c30.intoArray(c, cOff + 3 * channelStep);
        c31.intoArray(c, cOff + 3 * channelStep + rowStep2);
        c32.intoArray(c, cOff + 3 * channelStep + 2 * rowStep2);
        c40.intoArray(c, cOff + 4 * channelStep);
        c41.intoArray(c, cOff + 4 * channelStep + rowStep2);
        c42.intoArray(c, cOff + 4 * channelStep + 2 * rowStep2);
        c50.intoArray(c, cOff + 5 * channelStep);
        c51.intoArray(c, cOff + 5 * channelStep + rowStep2);
        c52.intoArray(c, cOff + 5 * channelStep + 2 * rowStep2);
    }

    /**
     * {@link #kernelRowTile} for rows of five taps (5 x 5 kernels, dilation 1 across): a kernel row's
     * five weight vectors stay in registers, so each of the 16 input values of the row segment is
     * broadcast once for up to five multiply-adds (60 per 16 broadcasts, where the general kernel
     * broadcasts once per multiply-add). {@code rows} kernel rows (input channel, ky), the first
     * tap of row r at {@code offsets[5*r]}, its weights at {@code w[wAt + 5*r*lanes()]}.
     */
    @Override
    void kernelRowTile5(int rows, float[] x, int at, int[] offsets, float[] w, int wAt, int count, float[] c, int cOff) {
        final FloatVector zero = FloatVector.zero(S);
        FloatVector a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero,
                a6 = zero, a7 = zero, a8 = zero, a9 = zero, a10 = zero, a11 = zero;
        for (int r = 0; r < rows; r++) {
            int s = at + offsets[5 * r], k = wAt + 5 * r * V;
            FloatVector w0 = FloatVector.fromArray(S, w, k), w1 = FloatVector.fromArray(S, w, k + V),
                    w2 = FloatVector.fromArray(S, w, k + 2 * V), w3 = FloatVector.fromArray(S, w, k + 3 * V),
                    w4 = FloatVector.fromArray(S, w, k + 4 * V), b;
            b = FloatVector.broadcast(S, x[s]);
            a0 = b.fma(w0, a0);
            b = FloatVector.broadcast(S, x[s + 1]);
            a1 = b.fma(w0, a1); a0 = b.fma(w1, a0);
            b = FloatVector.broadcast(S, x[s + 2]);
            a2 = b.fma(w0, a2); a1 = b.fma(w1, a1); a0 = b.fma(w2, a0);
            b = FloatVector.broadcast(S, x[s + 3]);
            a3 = b.fma(w0, a3); a2 = b.fma(w1, a2); a1 = b.fma(w2, a1); a0 = b.fma(w3, a0);
            b = FloatVector.broadcast(S, x[s + 4]);
            a4 = b.fma(w0, a4); a3 = b.fma(w1, a3); a2 = b.fma(w2, a2); a1 = b.fma(w3, a1); a0 = b.fma(w4, a0);
            b = FloatVector.broadcast(S, x[s + 5]);
            a5 = b.fma(w0, a5); a4 = b.fma(w1, a4); a3 = b.fma(w2, a3); a2 = b.fma(w3, a2); a1 = b.fma(w4, a1);
            b = FloatVector.broadcast(S, x[s + 6]);
            a6 = b.fma(w0, a6); a5 = b.fma(w1, a5); a4 = b.fma(w2, a4); a3 = b.fma(w3, a3); a2 = b.fma(w4, a2);
            b = FloatVector.broadcast(S, x[s + 7]);
            a7 = b.fma(w0, a7); a6 = b.fma(w1, a6); a5 = b.fma(w2, a5); a4 = b.fma(w3, a4); a3 = b.fma(w4, a3);
            b = FloatVector.broadcast(S, x[s + 8]);
            a8 = b.fma(w0, a8); a7 = b.fma(w1, a7); a6 = b.fma(w2, a6); a5 = b.fma(w3, a5); a4 = b.fma(w4, a4);
            b = FloatVector.broadcast(S, x[s + 9]);
            a9 = b.fma(w0, a9); a8 = b.fma(w1, a8); a7 = b.fma(w2, a7); a6 = b.fma(w3, a6); a5 = b.fma(w4, a5);
            b = FloatVector.broadcast(S, x[s + 10]);
            a10 = b.fma(w0, a10); a9 = b.fma(w1, a9); a8 = b.fma(w2, a8); a7 = b.fma(w3, a7); a6 = b.fma(w4, a6);
            b = FloatVector.broadcast(S, x[s + 11]);
            a11 = b.fma(w0, a11); a10 = b.fma(w1, a10); a9 = b.fma(w2, a9); a8 = b.fma(w3, a8); a7 = b.fma(w4, a7);
            b = FloatVector.broadcast(S, x[s + 12]);
            a11 = b.fma(w1, a11); a10 = b.fma(w2, a10); a9 = b.fma(w3, a9); a8 = b.fma(w4, a8);
            b = FloatVector.broadcast(S, x[s + 13]);
            a11 = b.fma(w2, a11); a10 = b.fma(w3, a10); a9 = b.fma(w4, a9);
            b = FloatVector.broadcast(S, x[s + 14]);
            a11 = b.fma(w3, a11); a10 = b.fma(w4, a10);
            b = FloatVector.broadcast(S, x[s + 15]);
            a11 = b.fma(w4, a11);
        }
        a0.intoArray(c, cOff);
        if (count > 1) a1.intoArray(c, cOff + V);
        if (count > 2) a2.intoArray(c, cOff + 2 * V);
        if (count > 3) a3.intoArray(c, cOff + 3 * V);
        if (count > 4) a4.intoArray(c, cOff + 4 * V);
        if (count > 5) a5.intoArray(c, cOff + 5 * V);
        if (count > 6) a6.intoArray(c, cOff + 6 * V);
        if (count > 7) a7.intoArray(c, cOff + 7 * V);
        if (count > 8) a8.intoArray(c, cOff + 8 * V);
        if (count > 9) a9.intoArray(c, cOff + 9 * V);
        if (count > 10) a10.intoArray(c, cOff + 10 * V);
        if (count > 11) a11.intoArray(c, cOff + 11 * V);
    }

    /**
     * {@link #kernelRowGradient} for two kernel rows of five taps (dilation 1 across): input value j
     * of a row serves the five taps kx of positions j - kx, so five output-gradient vectors slide
     * along in registers and each input value is broadcast once for five multiply-adds. The rows'
     * first four and last four input values meet fewer positions, taken apart.
     */
    @Override
    void kernelRowGradient5(int rows, int count, float[] x, int at, int rowStep, int o0, int o1, float[] g, int gAt,
                            int gStep, float[] c, int cOff) {
        FloatVector a0 = FloatVector.fromArray(S, c, cOff), b0 = FloatVector.fromArray(S, c, cOff + 5 * V);
        FloatVector a1 = FloatVector.fromArray(S, c, cOff + 1 * V), b1 = FloatVector.fromArray(S, c, cOff + 6 * V);
        FloatVector a2 = FloatVector.fromArray(S, c, cOff + 2 * V), b2 = FloatVector.fromArray(S, c, cOff + 7 * V);
        FloatVector a3 = FloatVector.fromArray(S, c, cOff + 3 * V), b3 = FloatVector.fromArray(S, c, cOff + 8 * V);
        FloatVector a4 = FloatVector.fromArray(S, c, cOff + 4 * V), b4 = FloatVector.fromArray(S, c, cOff + 9 * V);
        final FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            int s0 = at + r * rowStep + o0, s1 = at + r * rowStep + o1, gr = gAt + r * count * gStep;
            FloatVector w0, w1 = zero, w2 = zero, w3 = zero, w4 = zero, p, q;
            w0 = FloatVector.fromArray(S, g, gr);
            p = FloatVector.broadcast(S, x[s0]); q = FloatVector.broadcast(S, x[s1]);
            a0 = p.fma(w0, a0); b0 = q.fma(w0, b0);
            w1 = w0;
            w0 = FloatVector.fromArray(S, g, gr + 1 * gStep);
            p = FloatVector.broadcast(S, x[s0 + 1]); q = FloatVector.broadcast(S, x[s1 + 1]);
            a0 = p.fma(w0, a0); b0 = q.fma(w0, b0); a1 = p.fma(w1, a1); b1 = q.fma(w1, b1);
            w2 = w1; w1 = w0;
            w0 = FloatVector.fromArray(S, g, gr + 2 * gStep);
            p = FloatVector.broadcast(S, x[s0 + 2]); q = FloatVector.broadcast(S, x[s1 + 2]);
            a0 = p.fma(w0, a0); b0 = q.fma(w0, b0); a1 = p.fma(w1, a1); b1 = q.fma(w1, b1); a2 = p.fma(w2, a2); b2 = q.fma(w2, b2);
            w3 = w2; w2 = w1; w1 = w0;
            w0 = FloatVector.fromArray(S, g, gr + 3 * gStep);
            p = FloatVector.broadcast(S, x[s0 + 3]); q = FloatVector.broadcast(S, x[s1 + 3]);
            a0 = p.fma(w0, a0); b0 = q.fma(w0, b0); a1 = p.fma(w1, a1); b1 = q.fma(w1, b1); a2 = p.fma(w2, a2); b2 = q.fma(w2, b2); a3 = p.fma(w3, a3); b3 = q.fma(w3, b3);
            for (int j = 4; j < count; j++) {
                w4 = w3; w3 = w2; w2 = w1; w1 = w0;
                w0 = FloatVector.fromArray(S, g, gr + j * gStep);
                p = FloatVector.broadcast(S, x[s0 + j]); q = FloatVector.broadcast(S, x[s1 + j]);
                a0 = p.fma(w0, a0); b0 = q.fma(w0, b0); a1 = p.fma(w1, a1); b1 = q.fma(w1, b1); a2 = p.fma(w2, a2); b2 = q.fma(w2, b2); a3 = p.fma(w3, a3); b3 = q.fma(w3, b3); a4 = p.fma(w4, a4); b4 = q.fma(w4, b4);
            }
            w4 = w3; w3 = w2; w2 = w1; w1 = w0;
            p = FloatVector.broadcast(S, x[s0 + count]); q = FloatVector.broadcast(S, x[s1 + count]);
            a1 = p.fma(w1, a1); b1 = q.fma(w1, b1); a2 = p.fma(w2, a2); b2 = q.fma(w2, b2); a3 = p.fma(w3, a3); b3 = q.fma(w3, b3); a4 = p.fma(w4, a4); b4 = q.fma(w4, b4);
            w4 = w3; w3 = w2; w2 = w1;
            p = FloatVector.broadcast(S, x[s0 + (count + 1)]); q = FloatVector.broadcast(S, x[s1 + (count + 1)]);
            a2 = p.fma(w2, a2); b2 = q.fma(w2, b2); a3 = p.fma(w3, a3); b3 = q.fma(w3, b3); a4 = p.fma(w4, a4); b4 = q.fma(w4, b4);
            w4 = w3; w3 = w2;
            p = FloatVector.broadcast(S, x[s0 + (count + 2)]); q = FloatVector.broadcast(S, x[s1 + (count + 2)]);
            a3 = p.fma(w3, a3); b3 = q.fma(w3, b3); a4 = p.fma(w4, a4); b4 = q.fma(w4, b4);
            w4 = w3;
            p = FloatVector.broadcast(S, x[s0 + (count + 3)]); q = FloatVector.broadcast(S, x[s1 + (count + 3)]);
            a4 = p.fma(w4, a4); b4 = q.fma(w4, b4);
        }
        a0.intoArray(c, cOff);
        b0.intoArray(c, cOff + 5 * V);
        a1.intoArray(c, cOff + 1 * V);
        b1.intoArray(c, cOff + 6 * V);
        a2.intoArray(c, cOff + 2 * V);
        b2.intoArray(c, cOff + 7 * V);
        a3.intoArray(c, cOff + 3 * V);
        b3.intoArray(c, cOff + 8 * V);
        a4.intoArray(c, cOff + 4 * V);
        b4.intoArray(c, cOff + 9 * V);
    }

    /**
     * The inner loop runs along a row, so every load's index is the loop counter plus an invariant:
     * C2 moves all bounds checks out of it.
     */
    @Override
    void kernelRowGradient(int rows, int count, float[] x, int at, int rowStep, int[] offsets, int offsetsAt,
                           float[] g, int gAt, int gStep, float[] c, int cOff) {
        int o0 = offsets[offsetsAt], o1 = offsets[offsetsAt + 1], o2 = offsets[offsetsAt + 2],
                o3 = offsets[offsetsAt + 3], o4 = offsets[offsetsAt + 4], o5 = offsets[offsetsAt + 5],
                o6 = offsets[offsetsAt + 6], o7 = offsets[offsetsAt + 7], o8 = offsets[offsetsAt + 8],
                o9 = offsets[offsetsAt + 9], o10 = offsets[offsetsAt + 10], o11 = offsets[offsetsAt + 11];
        FloatVector a0 = FloatVector.fromArray(S, c, cOff), a1 = FloatVector.fromArray(S, c, cOff + V),
                a2 = FloatVector.fromArray(S, c, cOff + 2 * V), a3 = FloatVector.fromArray(S, c, cOff + 3 * V),
                a4 = FloatVector.fromArray(S, c, cOff + 4 * V), a5 = FloatVector.fromArray(S, c, cOff + 5 * V),
                a6 = FloatVector.fromArray(S, c, cOff + 6 * V), a7 = FloatVector.fromArray(S, c, cOff + 7 * V),
                a8 = FloatVector.fromArray(S, c, cOff + 8 * V), a9 = FloatVector.fromArray(S, c, cOff + 9 * V),
                a10 = FloatVector.fromArray(S, c, cOff + 10 * V), a11 = FloatVector.fromArray(S, c, cOff + 11 * V);
        for (int r = 0; r < rows; r++) {
            int xr = at + r * rowStep, gr = gAt + r * count * gStep;
            for (int p = 0; p < count; p++) {
                FloatVector d = FloatVector.fromArray(S, g, gr + p * gStep);
                int s = xr + p;
                a0 = FloatVector.broadcast(S, x[s + o0]).fma(d, a0);
                a1 = FloatVector.broadcast(S, x[s + o1]).fma(d, a1);
                a2 = FloatVector.broadcast(S, x[s + o2]).fma(d, a2);
                a3 = FloatVector.broadcast(S, x[s + o3]).fma(d, a3);
                a4 = FloatVector.broadcast(S, x[s + o4]).fma(d, a4);
                a5 = FloatVector.broadcast(S, x[s + o5]).fma(d, a5);
                a6 = FloatVector.broadcast(S, x[s + o6]).fma(d, a6);
                a7 = FloatVector.broadcast(S, x[s + o7]).fma(d, a7);
                a8 = FloatVector.broadcast(S, x[s + o8]).fma(d, a8);
                a9 = FloatVector.broadcast(S, x[s + o9]).fma(d, a9);
                a10 = FloatVector.broadcast(S, x[s + o10]).fma(d, a10);
                a11 = FloatVector.broadcast(S, x[s + o11]).fma(d, a11);
            }
        }
        a0.intoArray(c, cOff);
        a1.intoArray(c, cOff + V);
        a2.intoArray(c, cOff + 2 * V);
        a3.intoArray(c, cOff + 3 * V);
        a4.intoArray(c, cOff + 4 * V);
        a5.intoArray(c, cOff + 5 * V);
        a6.intoArray(c, cOff + 6 * V);
        a7.intoArray(c, cOff + 7 * V);
        a8.intoArray(c, cOff + 8 * V);
        a9.intoArray(c, cOff + 9 * V);
        a10.intoArray(c, cOff + 10 * V);
        a11.intoArray(c, cOff + 11 * V);
    }

    @Override
    void packShifted(float[] src, int j0, int[] offsets, int p0, int rows, float[] dst, int off) {
        for (int p = 0, d = off; p < rows; p++, d += NR) {
            int s = offsets[p0 + p] + j0;
            FloatVector.fromArray(S, src, s).intoArray(dst, d);
            FloatVector.fromArray(S, src, s + V).intoArray(dst, d + V);
        }
    }

    @Override
    void copyRun(float[] src, int srcOff, float[] dst, int dstOff, int len, int dstEnd) {
        int i = 0;
        for (; i + V <= len; i += V) FloatVector.fromArray(S, src, srcOff + i).intoArray(dst, dstOff + i);
        if (i < len) {
            if (dstOff + i + V <= dstEnd && srcOff + i + V <= src.length) { // a whole vector, excess included
                FloatVector.fromArray(S, src, srcOff + i).intoArray(dst, dstOff + i);
            } else {
                VectorMask<Float> m = S.indexInRange(i, len);
                FloatVector.fromArray(S, src, srcOff + i, m).intoArray(dst, dstOff + i, m);
            }
        }
    }

    @Override
    void copyEvenRun(float[] src, int srcOff, float[] dst, int dstOff, int len) {
        int i = 0;
        // whole vectors while the run lasts and both source vectors lie inside the array (i + V <= len,
        // srcOff + 2i + 2V <= src.length): the even lanes of two consecutive vectors, picked by a
        // two-table selectFrom as in the stride-2 pooling
        int last = Math.min(len - V, (src.length - srcOff) / 2 - V);
        if (last >= 0) {
            FloatVector even = FloatVector.fromArray(S, EVEN_INDEXES, 0);
            for (; i <= last; i += V) {
                int at = srcOff + 2 * i;
                even.selectFrom(FloatVector.fromArray(S, src, at), FloatVector.fromArray(S, src, at + V))
                        .intoArray(dst, dstOff + i);
            }
        }
        for (; i < len; i++) dst[dstOff + i] = src[srcOff + 2 * i];
    }

    @Override
    float dot(float[] x, int xOff, float[] y, int yOff, int len) {
        int i = 0;
        float sum = 0f;
        int bound2 = len & -(2 * V);
        if (bound2 > 0) {
            // two accumulators hide the 4-cycle FMA latency (Lucene's dotProduct uses four)
            FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
            for (; i < bound2; i += 2 * V) {
                acc0 = FloatVector.fromArray(S, x, xOff + i).fma(FloatVector.fromArray(S, y, yOff + i), acc0);
                acc1 = FloatVector.fromArray(S, x, xOff + i + V).fma(FloatVector.fromArray(S, y, yOff + i + V), acc1);
            }
            sum = sumLanes(acc0.add(acc1));
        }
        for (; i < len; i++) sum += x[xOff + i] * y[yOff + i];
        return sum;
    }

    @Override
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (; i < bound; i += V) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < len; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    @Override
    void axpby(float alpha, float[] x, int xOff, float beta, float[] y, int yOff, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector va = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            for (; i < bound; i += V) FloatVector.fromArray(S, x, xOff + i).mul(va).intoArray(y, yOff + i);
            for (; i < len; i++) y[yOff + i] = alpha * x[xOff + i];
        } else {
            for (; i < bound; i += V) {
                FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i).mul(beta))
                        .intoArray(y, yOff + i);
            }
            for (; i < len; i++) y[yOff + i] = alpha * x[xOff + i] + beta * y[yOff + i];
        }
    }

    @Override
    void addScalar(float v, float[] x, int off, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += V) FloatVector.fromArray(S, x, off + i).add(v).intoArray(x, off + i);
        for (; i < len; i++) x[off + i] += v;
    }

    @Override
    void finishOutputs(float[] x, int off, int len, boolean addBias, float bias, float[] residual, boolean rectify) {
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += V) { // the flags are loop-invariant: C2 unswitches or predicts them
            FloatVector y = FloatVector.fromArray(S, x, off + i);
            if (addBias) y = y.add(bias);
            if (residual != null) y = y.add(FloatVector.fromArray(S, residual, off + i));
            if (rectify) y = y.blend(0f, y.compare(VectorOperators.LE, 0f));
            y.intoArray(x, off + i);
        }
        for (; i < len; i++) {
            float y = x[off + i];
            if (addBias) y += bias;
            if (residual != null) y += residual[off + i];
            x[off + i] = rectify && y <= 0f ? 0f : y;
        }
    }

    @Override
    float sum(float[] x, int off, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        float sum = 0f;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < bound; i += V) acc = acc.add(FloatVector.fromArray(S, x, off + i));
            sum = sumLanes(acc);
        }
        for (; i < len; i++) sum += x[off + i];
        return sum;
    }

    @Override
    float sumSquaredDeviation(float[] x, int off, int len, float mean) {
        int i = 0;
        int bound = S.loopBound(len);
        float sum = 0f;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            FloatVector vm = FloatVector.broadcast(S, mean);
            for (; i < bound; i += V) {
                FloatVector d = FloatVector.fromArray(S, x, off + i).sub(vm);
                acc = d.fma(d, acc);
            }
            sum = sumLanes(acc);
        }
        for (; i < len; i++) {
            float d = x[off + i] - mean;
            sum += d * d;
        }
        return sum;
    }

    @Override
    void normalize(float[] out, float[] in, int off, int len, float mean, float scale, float shift) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector vm = FloatVector.broadcast(S, mean);
        FloatVector vs = FloatVector.broadcast(S, scale);
        FloatVector vb = FloatVector.broadcast(S, shift);
        for (; i < bound; i += V) FloatVector.fromArray(S, in, off + i).sub(vm).fma(vs, vb).intoArray(out, off + i);
        for (; i < len; i++) out[off + i] = (in[off + i] - mean) * scale + shift;
    }

    @Override
    void logSoftmaxRow(float[] out, float[] in, int off, int len) {
        int bound = S.loopBound(len);
        float max = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (bound > 0) {
            FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += V) vmax = vmax.max(FloatVector.fromArray(S, in, off + i));
            max = vmax.reduceLanes(VectorOperators.MAX);
        }
        for (; i < len; i++) max = Math.max(max, in[off + i]);
        // subtracting the maximum keeps exp() in range (the log-sum-exp trick)
        float sum = 0f;
        i = 0;
        if (bound > 0) {
            FloatVector vmax = FloatVector.broadcast(S, max);
            FloatVector acc = FloatVector.zero(S);
            for (; i < bound; i += V) {
                acc = acc.add(exp(FloatVector.fromArray(S, in, off + i).sub(vmax)));
            }
            sum = sumLanes(acc);
        }
        for (; i < len; i++) sum += (float) Math.exp(in[off + i] - max);
        float logSum = (float) Math.log(sum) + max;
        i = 0;
        FloatVector vl = FloatVector.broadcast(S, logSum);
        for (; i < bound; i += V) FloatVector.fromArray(S, in, off + i).sub(vl).intoArray(out, off + i);
        for (; i < len; i++) out[off + i] = in[off + i] - logSum;
    }

    // ---------------------------------------------------------------- activations
    //
    // Every loop runs whole vectors, then one masked vector for the tail (no scalar tail): an
    // element's result is a function of its input alone, the same at every width and position.
    // The transcendentals are plain lane-wise IEEE arithmetic (add, mul, fma, div, min/max, bit
    // operations), never lanewise(EXP/TANH): see the class comment. Largest errors against
    // java.lang.Math (double, rounded to float) over every one of the 2^32 floats, in units in the
    // last place of the float result (relative error about ulps * 6e-8), measured with
    // ActivationAccuracy in the test sources:
    //   exp                 <= 1 ulp (subnormal results, x < -87.3: within 1 unit of 2^-149)
    //   tanh                <= 2 ulps
    //   sigmoid             <= 2 ulps
    //   e^x - 1 (ELU, alpha 1)  <= 1 ulp
    //   SELU                <= 2 ulps, as the reference: its two multiplications round in float
    // The backward passes are the reference's formulas operation for operation (no fused
    // multiply-add), so they give the reference's bits exactly.

    /** Below this e^x rounds to 0 in float (e^-103.97 is half the smallest subnormal). */
    private static final float EXP_UNDERFLOW = -104f;
    /** Above this e^x rounds to infinity (ln of Float.MAX_VALUE is 88.72). */
    private static final float EXP_OVERFLOW = 89f;
    /** Beyond this |x|, tanh(x) rounds to +-1 in float: 1 - tanh(x) ~ 2e^-2x is below half an ulp of 1 from 9.01. */
    private static final float TANH_SATURATION = 9.1f;
    /** Below this e^x - 1 rounds to -1 in float (e^x < 2^-25 from x = -17.4). */
    private static final float EXPM1_SATURATION = -20f;

    /**
     * e^x for every float x, with gradual underflow to the subnormals and overflow to infinity:
     * Cephes' reduction and polynomial as in {@link #exp}, e^r computed as 1 + (r + r^2 P(r)) with
     * fused multiply-adds, and 2^n applied as two factors 2^(n/2) so that each is a normal float
     * for n down to -150 (the product then rounds once, to the correctly underflowed value).
     */
    private static FloatVector expFull(FloatVector x) {
        x = x.max(EXP_UNDERFLOW).min(EXP_OVERFLOW); // NaN stays NaN (Math.max/min semantics)
        FloatVector n = x.mul(1.44269504088896341f).add(12582912f).sub(12582912f);
        FloatVector em1 = expm1Reduced(x, n);
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector scale1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector scale2 = ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return em1.add(1f).mul(scale1).mul(scale2);
    }

    /**
     * e^x - 1 for x in [-20, 20] (callers clamp), accurate also near 0 where e^x - 1 would cancel:
     * with x = n ln2 + r, {@code e^x - 1 = 2^n (e^r - 1) + (2^n - 1)}, where e^r - 1 = r + r^2 P(r)
     * keeps full relative precision and 2^n - 1 is exact for |n| <= 24 (and rounded once beyond,
     * where it dominates). For |x| < ln2/2, n = 0 and the result is e^r - 1 itself. The sign of a
     * zero is not kept (e^-0 - 1 gives +0).
     */
    private static FloatVector expm1(FloatVector x) {
        FloatVector n = x.mul(1.44269504088896341f).add(12582912f).sub(12582912f);
        FloatVector em1r = expm1Reduced(x, n);
        FloatVector pow2n = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127)
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return em1r.fma(pow2n, pow2n.sub(1f));
    }

    /**
     * e^r - 1 = r + r^2 P(r) for r = x - n ln2, given n = round(x / ln2): Cody and Waite's
     * reduction with ln2 split so n * 0.693359375 is exact, and Cephes' degree-5 P of {@code expf}.
     */
    private static FloatVector expm1Reduced(FloatVector x, FloatVector n) {
        FloatVector r = n.fma(FloatVector.broadcast(S, -0.693359375f), x);
        r = n.fma(FloatVector.broadcast(S, 2.12194440e-4f), r);
        FloatVector p = r.mul(1.9875691500e-4f).add(1.3981999507e-3f);
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        return p.fma(r.mul(r), r);
    }

    /**
     * tanh x = sign(x) * t(|x|) with {@code t(a) = (e^2a - 1) / (e^2a - 1 + 2)}: through e^x - 1
     * the numerator keeps its relative precision for tiny a (where 1 - 2/(e^2a + 1) would cancel),
     * the denominator lies in [2, 2e18], and the odd symmetry is exact (tanh(-0) = -0).
     */
    private static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs().min(TANH_SATURATION);
        FloatVector e = expm1(a.add(a));
        FloatVector t = e.div(e.add(2f));
        IntVector sign = x.reinterpretAsInts().and(0x80000000);
        return t.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }

    /**
     * 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) for x < 0, both from e = e^-|x| <= 1, so
     * nothing overflows and tiny results keep their relative precision (as the reference's two
     * branches).
     */
    private static FloatVector sigmoid(FloatVector x) {
        FloatVector e = expFull(x.abs().neg());
        FloatVector numerator = FloatVector.broadcast(S, 1f).blend(e, x.compare(VectorOperators.LT, 0f));
        return numerator.div(e.add(1f));
    }

    /** scale * (x > 0 ? x : alpha * (e^x - 1)), with e^-0 - 1 = -0 as in Math.expm1. */
    private static FloatVector elu(FloatVector x, float alpha, float scale) {
        FloatVector em1 = expm1(x.min(0f).max(EXPM1_SATURATION));
        em1 = em1.blend(x, x.compare(VectorOperators.EQ, 0f));
        return em1.mul(alpha).blend(x, x.compare(VectorOperators.GT, 0f)).mul(scale);
    }

    @Override
    void expForward(float[] out, float[] in, int from, int to) {
        int i = from;
        for (; i + V <= to; i += V) expFull(FloatVector.fromArray(S, in, i)).intoArray(out, i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            expFull(FloatVector.fromArray(S, in, i, m)).intoArray(out, i, m);
        }
    }

    @Override
    void tanhForward(float[] out, float[] in, int from, int to) {
        int i = from;
        for (; i + V <= to; i += V) tanh(FloatVector.fromArray(S, in, i)).intoArray(out, i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            tanh(FloatVector.fromArray(S, in, i, m)).intoArray(out, i, m);
        }
    }

    @Override
    void sigmoidForward(float[] out, float[] in, int from, int to) {
        int i = from;
        for (; i + V <= to; i += V) sigmoid(FloatVector.fromArray(S, in, i)).intoArray(out, i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            sigmoid(FloatVector.fromArray(S, in, i, m)).intoArray(out, i, m);
        }
    }

    @Override
    void reluForward(float[] out, float[] in, int from, int to) {
        int i = from;
        for (; i + V <= to; i += V) {
            FloatVector x = FloatVector.fromArray(S, in, i);
            x.blend(0f, x.compare(VectorOperators.LE, 0f)).intoArray(out, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector x = FloatVector.fromArray(S, in, i, m);
            x.blend(0f, x.compare(VectorOperators.LE, 0f)).intoArray(out, i, m);
        }
    }

    @Override
    void leakyReluForward(float slope, float[] out, float[] in, int from, int to) {
        int i = from;
        for (; i + V <= to; i += V) {
            FloatVector x = FloatVector.fromArray(S, in, i);
            x.mul(slope).blend(x, x.compare(VectorOperators.GT, 0f)).intoArray(out, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector x = FloatVector.fromArray(S, in, i, m);
            x.mul(slope).blend(x, x.compare(VectorOperators.GT, 0f)).intoArray(out, i, m);
        }
    }

    @Override
    void eluForward(float alpha, float scale, float[] out, float[] in, int from, int to) {
        int i = from;
        for (; i + V <= to; i += V) elu(FloatVector.fromArray(S, in, i), alpha, scale).intoArray(out, i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            elu(FloatVector.fromArray(S, in, i, m), alpha, scale).intoArray(out, i, m);
        }
    }

    @Override
    void expBackward(float[] dIn, float[] dOut, float[] out, int from, int to) {
        int i = from;
        for (; i + V <= to; i += V) {
            FloatVector g = FloatVector.fromArray(S, dOut, i), y = FloatVector.fromArray(S, out, i);
            FloatVector.fromArray(S, dIn, i).add(g.mul(y)).intoArray(dIn, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dOut, i, m), y = FloatVector.fromArray(S, out, i, m);
            FloatVector.fromArray(S, dIn, i, m).add(g.mul(y)).intoArray(dIn, i, m);
        }
    }

    @Override
    void tanhBackward(float[] dIn, float[] dOut, float[] out, int from, int to) {
        int i = from;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i + V <= to; i += V) {
            FloatVector g = FloatVector.fromArray(S, dOut, i), y = FloatVector.fromArray(S, out, i);
            FloatVector.fromArray(S, dIn, i).add(g.mul(one.sub(y.mul(y)))).intoArray(dIn, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dOut, i, m), y = FloatVector.fromArray(S, out, i, m);
            FloatVector.fromArray(S, dIn, i, m).add(g.mul(one.sub(y.mul(y)))).intoArray(dIn, i, m);
        }
    }

    @Override
    void sigmoidBackward(float[] dIn, float[] dOut, float[] out, int from, int to) {
        int i = from;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (; i + V <= to; i += V) {
            FloatVector g = FloatVector.fromArray(S, dOut, i), y = FloatVector.fromArray(S, out, i);
            FloatVector.fromArray(S, dIn, i).add(g.mul(y).mul(one.sub(y))).intoArray(dIn, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dOut, i, m), y = FloatVector.fromArray(S, out, i, m);
            FloatVector.fromArray(S, dIn, i, m).add(g.mul(y).mul(one.sub(y))).intoArray(dIn, i, m);
        }
    }

    @Override
    void reluBackward(float[] dIn, float[] dOut, float[] in, int from, int to) {
        int i = from;
        for (; i + V <= to; i += V) {
            FloatVector g = FloatVector.fromArray(S, dOut, i), x = FloatVector.fromArray(S, in, i);
            // a masked add leaves the other lanes as they were (adding +0 would turn -0 into +0)
            FloatVector.fromArray(S, dIn, i).add(g, x.compare(VectorOperators.GT, 0f)).intoArray(dIn, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dOut, i, m), x = FloatVector.fromArray(S, in, i, m);
            FloatVector.fromArray(S, dIn, i, m).add(g, x.compare(VectorOperators.GT, 0f)).intoArray(dIn, i, m);
        }
    }

    @Override
    void leakyReluBackward(float slope, float[] dIn, float[] dOut, float[] in, int from, int to) {
        int i = from;
        for (; i + V <= to; i += V) {
            FloatVector g = FloatVector.fromArray(S, dOut, i), x = FloatVector.fromArray(S, in, i);
            FloatVector d = g.mul(slope).blend(g, x.compare(VectorOperators.GT, 0f));
            FloatVector.fromArray(S, dIn, i).add(d).intoArray(dIn, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dOut, i, m), x = FloatVector.fromArray(S, in, i, m);
            FloatVector d = g.mul(slope).blend(g, x.compare(VectorOperators.GT, 0f));
            FloatVector.fromArray(S, dIn, i, m).add(d).intoArray(dIn, i, m);
        }
    }

    @Override
    void eluBackward(float scale, float shift, float[] dIn, float[] dOut, float[] in, float[] out, int from, int to) {
        int i = from;
        for (; i + V <= to; i += V) {
            FloatVector g = FloatVector.fromArray(S, dOut, i), x = FloatVector.fromArray(S, in, i);
            FloatVector y = FloatVector.fromArray(S, out, i);
            FloatVector d = g.mul(y.add(shift)).blend(g.mul(scale), x.compare(VectorOperators.GT, 0f));
            FloatVector.fromArray(S, dIn, i).add(d).intoArray(dIn, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dOut, i, m), x = FloatVector.fromArray(S, in, i, m);
            FloatVector y = FloatVector.fromArray(S, out, i, m);
            FloatVector d = g.mul(y.add(shift)).blend(g.mul(scale), x.compare(VectorOperators.GT, 0f));
            FloatVector.fromArray(S, dIn, i, m).add(d).intoArray(dIn, i, m);
        }
    }

    // ---------------------------------------------------------------- optimizer updates
    //
    // Whole vectors, then a scalar tail: every operation is an IEEE add, multiply, divide, square
    // root or maximum, done in the reference's order without fused multiply-adds, so vector lanes
    // and the scalar tail give the same bits.

    @Override
    void adamUpdate(float[] w, float[] g, float[] m, float[] v, float[] vMax, int from, int to,
                    float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                    float negStepSize, float bc2Sqrt, float eps) {
        int j = from;
        for (int bound = from + S.loopBound(to - from); j < bound; j += V) {
            FloatVector gj = FloatVector.fromArray(S, g, j);
            FloatVector mj = FloatVector.fromArray(S, m, j).mul(beta1).add(gj.mul(oneMinusBeta1));
            FloatVector vj = FloatVector.fromArray(S, v, j).mul(beta2).add(gj.mul(oneMinusBeta2).mul(gj));
            mj.intoArray(m, j);
            vj.intoArray(v, j);
            if (vMax != null) {
                vj = FloatVector.fromArray(S, vMax, j).max(vj);
                vj.intoArray(vMax, j);
            }
            FloatVector denom = vj.sqrt().div(bc2Sqrt).add(eps);
            FloatVector.fromArray(S, w, j).add(mj.mul(negStepSize).div(denom)).intoArray(w, j);
        }
        for (; j < to; j++) {
            m[j] = m[j] * beta1 + oneMinusBeta1 * g[j];
            v[j] = v[j] * beta2 + oneMinusBeta2 * g[j] * g[j];
            float second = v[j];
            if (vMax != null) second = vMax[j] = Math.max(vMax[j], v[j]);
            float denom = (float) Math.sqrt(second) / bc2Sqrt + eps;
            w[j] = w[j] + negStepSize * m[j] / denom;
        }
    }

    @Override
    void sgdMomentumUpdate(float[] w, float[] g, float[] b, int from, int to, float negLr, float mu, float keep,
                           boolean firstStep, boolean nesterov) {
        int j = from;
        for (int bound = from + S.loopBound(to - from); j < bound; j += V) {
            FloatVector gj = FloatVector.fromArray(S, g, j);
            FloatVector bj = firstStep ? gj : FloatVector.fromArray(S, b, j).mul(mu).add(gj.mul(keep));
            bj.intoArray(b, j);
            FloatVector d = nesterov ? gj.add(bj.mul(mu)) : bj;
            FloatVector.fromArray(S, w, j).add(d.mul(negLr)).intoArray(w, j);
        }
        for (; j < to; j++) {
            b[j] = firstStep ? g[j] : b[j] * mu + keep * g[j];
            float d = nesterov ? g[j] + mu * b[j] : b[j];
            w[j] = w[j] + negLr * d;
        }
    }
    // ---------------------------------------------------------------- pooling rows
    //
    // Vectors run along output columns: lane j is output column j of the run. With stride 1 the lanes
    // of a tap are consecutive input elements; with stride 2 they are every other element, picked
    // from two consecutive vectors with a two-table selectFrom (one vpermt2ps on AVX-512), which is
    // faster than a gather and needs no index array. Every operation is an exact IEEE operation or a
    // selection, so the results are those of the scalar reference bit for bit.
    //
    // The shape of this code is about the JIT more than the arithmetic. C2 keeps vectors in
    // registers only in compiled code whose profile covered every branch it takes; a branch its
    // profile never saw becomes an uncommon trap, and a trapped method goes back to the interpreter
    // and C1, where every vector is a boxed object and the Vector API runs its Java fallbacks
    // (100x slower or more), until C2 has compiled it again: on a busy 2-core machine that took
    // seconds, and LeNet-5 steps of 15 ms took 500-800 ms for the whole of a benchmark. Hence:
    //  - the vector methods do either whole chunks of V outputs (no masks) or one partial chunk
    //    (masks), each in its own small method with no data-dependent branch but its loops; the
    //    dispatchers (overridden methods, scalar code only, cheap in any tier) decide how many chunks
    //    are safe and whether the partial one fits;
    //  - masks come from VectorMask.fromLong (branch-free) and are never all-true, and no masked
    //    access reaches past the end of an array: both would take branches inside the Vector API
    //    (a masked store's all-true shortcut, the range check's slow path) that trapped in practice;
    //  - no helper takes or returns a vector: one that was not inlined ("callee is too large",
    //    "already compiled into a big method" in -XX:+PrintInlining) had every vector boxed;
    //  - methods stay small: a 440-byte one failed C1's tier-3 compile ("out of virtual registers in
    //    linear scan") and was left in tier-2 code.
    // What is left to trap is the shape of loops (a kernel width seen for the first time), once.

    /** Whole chunks of V outputs from {@code first} that read inside {@code length} (reach: elements read from a chunk's first tap). */
    private static int safeChunks(int count, int first, int strideW, int reach, int length) {
        int room = length - reach - first; // chunk c reads from first + c * V * strideW
        return room < 0 ? 0 : Math.min(count / V, room / (V * strideW) + 1);
    }

    /** Lanes [0, lanes) set, as the mask bits of VectorMask.fromLong (no lane when lanes <= 0). */
    private static long laneBits(int lanes) {
        return (1L << Math.max(0, lanes)) - 1;
    }

    @Override
    int maxPoolRow(float[] in, int first, int rows, int rowStep, int kw, int dilationW, int strideW, int count,
                   float[] out, int[] argmax, int outOff) {
        int reach = (rows - 1) * rowStep + (kw - 1) * dilationW + V * strideW;
        int chunks = safeChunks(count, first, strideW, reach, in.length);
        if (strideW == 1) {
            maxPoolChunks1(in, first, rows, rowStep, kw, dilationW, chunks, out, argmax, outOff);
        } else {
            maxPoolChunks2(in, first, rows, rowStep, kw, dilationW, chunks, out, argmax, outOff);
        }
        int j = chunks * V, lanes = count - j, at = first + j * strideW;
        if (j < count && lanes < V && at + reach <= in.length
                && outOff + j + V <= Math.min(out.length, argmax == null ? out.length : argmax.length)) {
            maxPoolTail(in, at, rows, rowStep, kw, dilationW, strideW, lanes, out, argmax, outOff + j);
            return count;
        }
        return j;
    }

    /**
     * Chunks of V max-pooling outputs, stride 1. Starting from -inf with the first tap's index, the
     * rule "take v when !(v <= best) and best is not NaN" applied to every tap in window order gives
     * the reference's result: the first tap wins the first comparison unless it is -inf, which
     * leaves the same value and index; later, !(v <= best) is "v > best, or v is NaN", and a NaN
     * best is never replaced (the first NaN wins).
     */
    private static void maxPoolChunks1(float[] in, int first, int rows, int rowStep, int kw, int dilationW, int chunks,
                                       float[] out, int[] argmax, int outOff) {
        IntVector laneOffsets = IntVector.zero(I).addIndex(1);
        for (int c = 0; c < chunks; c++) {
            int base = first + c * V;
            FloatVector best = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            IntVector index = laneOffsets.add(base);
            for (int r = 0; r < rows; r++) {
                for (int kx = 0; kx < kw; kx++) {
                    int tap = base + r * rowStep + kx * dilationW;
                    FloatVector v = FloatVector.fromArray(S, in, tap);
                    VectorMask<Float> take = v.compare(VectorOperators.LE, best).not()
                            .and(best.compare(VectorOperators.EQ, best));
                    best = best.blend(v, take);
                    if (argmax != null) index = index.blend(laneOffsets.add(tap), take.cast(I));
                }
            }
            best.intoArray(out, outOff + c * V);
            if (argmax != null) index.intoArray(argmax, outOff + c * V);
        }
    }

    /** {@link #maxPoolChunks1} with the taps of lanes two elements apart, picked from two vectors. */
    private static void maxPoolChunks2(float[] in, int first, int rows, int rowStep, int kw, int dilationW, int chunks,
                                       float[] out, int[] argmax, int outOff) {
        FloatVector even = FloatVector.fromArray(S, EVEN_INDEXES, 0);
        IntVector laneOffsets = IntVector.zero(I).addIndex(2);
        for (int c = 0; c < chunks; c++) {
            int base = first + 2 * c * V;
            FloatVector best = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            IntVector index = laneOffsets.add(base);
            for (int r = 0; r < rows; r++) {
                for (int kx = 0; kx < kw; kx++) {
                    int tap = base + r * rowStep + kx * dilationW;
                    FloatVector v = even.selectFrom(FloatVector.fromArray(S, in, tap), FloatVector.fromArray(S, in, tap + V));
                    VectorMask<Float> take = v.compare(VectorOperators.LE, best).not()
                            .and(best.compare(VectorOperators.EQ, best));
                    best = best.blend(v, take);
                    if (argmax != null) index = index.blend(laneOffsets.add(tap), take.cast(I));
                }
            }
            best.intoArray(out, outOff + c * V);
            if (argmax != null) index.intoArray(argmax, outOff + c * V);
        }
    }

    /**
     * The last {@code lanes < V} outputs of a run: taps loaded whole (the caller checked that they
     * lie inside {@code in}, lanes past the run read real but unused data), stores masked.
     */
    private static void maxPoolTail(float[] in, int base, int rows, int rowStep, int kw, int dilationW, int strideW,
                                    int lanes, float[] out, int[] argmax, int outOff) {
        FloatVector even = FloatVector.fromArray(S, EVEN_INDEXES, 0);
        FloatVector stride = FloatVector.broadcast(S, (float) (strideW - 1)); // 0: lane i reads tap + i
        FloatVector lanesIndex = FloatVector.zero(S).addIndex(1);
        FloatVector pick = lanesIndex.add(lanesIndex.mul(stride)); // lane i -> element i * strideW of (v0, v1)
        IntVector laneOffsets = IntVector.zero(I).addIndex(strideW);
        FloatVector best = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        IntVector index = laneOffsets.add(base);
        for (int r = 0; r < rows; r++) {
            for (int kx = 0; kx < kw; kx++) {
                int tap = base + r * rowStep + kx * dilationW;
                FloatVector v = pick.selectFrom(FloatVector.fromArray(S, in, tap), FloatVector.fromArray(S, in, tap + V * (strideW - 1)));
                VectorMask<Float> take = v.compare(VectorOperators.LE, best).not()
                        .and(best.compare(VectorOperators.EQ, best));
                best = best.blend(v, take);
                if (argmax != null) index = index.blend(laneOffsets.add(tap), take.cast(I));
            }
        }
        long bits = laneBits(lanes);
        best.intoArray(out, outOff, VectorMask.fromLong(S, bits));
        if (argmax != null) index.intoArray(argmax, outOff, VectorMask.fromLong(I, bits));
    }

    @Override
    int avgPoolRow(float[] in, int first, int rows, int rowStep, int kw, int strideW, int count,
                   float divisor, float[] out, int outOff) {
        int reach = (rows - 1) * rowStep + (kw - 1) + V * strideW;
        int chunks = safeChunks(count, first, strideW, reach, in.length);
        if (strideW == 1) {
            avgPoolChunks1(in, first, rows, rowStep, kw, chunks, divisor, out, outOff);
        } else {
            avgPoolChunks2(in, first, rows, rowStep, kw, chunks, divisor, out, outOff);
        }
        int j = chunks * V, lanes = count - j, at = first + j * strideW;
        if (j < count && lanes < V && at + reach <= in.length && outOff + j + V <= out.length) {
            avgPoolTail(in, at, rows, rowStep, kw, strideW, lanes, divisor, out, outOff + j);
            return count;
        }
        return j;
    }

    /** Chunks of V averages, stride 1: {@code (0 + tap_0 + tap_1 + ...) / divisor}, as the reference sums from 0f. */
    private static void avgPoolChunks1(float[] in, int first, int rows, int rowStep, int kw, int chunks, float divisor,
                                       float[] out, int outOff) {
        for (int c = 0; c < chunks; c++) {
            int base = first + c * V;
            FloatVector sum = FloatVector.zero(S);
            for (int r = 0; r < rows; r++) {
                for (int kx = 0; kx < kw; kx++) sum = sum.add(FloatVector.fromArray(S, in, base + r * rowStep + kx));
            }
            sum.div(divisor).intoArray(out, outOff + c * V);
        }
    }

    private static void avgPoolChunks2(float[] in, int first, int rows, int rowStep, int kw, int chunks, float divisor,
                                       float[] out, int outOff) {
        FloatVector even = FloatVector.fromArray(S, EVEN_INDEXES, 0);
        for (int c = 0; c < chunks; c++) {
            int base = first + 2 * c * V;
            FloatVector sum = FloatVector.zero(S);
            for (int r = 0; r < rows; r++) {
                for (int kx = 0; kx < kw; kx++) {
                    int tap = base + r * rowStep + kx;
                    sum = sum.add(even.selectFrom(FloatVector.fromArray(S, in, tap), FloatVector.fromArray(S, in, tap + V)));
                }
            }
            sum.div(divisor).intoArray(out, outOff + c * V);
        }
    }

    /** The last {@code lanes < V} averages of a run (see {@link #maxPoolTail}). */
    private static void avgPoolTail(float[] in, int base, int rows, int rowStep, int kw, int strideW, int lanes,
                                    float divisor, float[] out, int outOff) {
        FloatVector lanesIndex = FloatVector.zero(S).addIndex(1);
        FloatVector pick = lanesIndex.add(lanesIndex.mul((float) (strideW - 1)));
        FloatVector sum = FloatVector.zero(S);
        for (int r = 0; r < rows; r++) {
            for (int kx = 0; kx < kw; kx++) {
                int tap = base + r * rowStep + kx;
                sum = sum.add(pick.selectFrom(FloatVector.fromArray(S, in, tap), FloatVector.fromArray(S, in, tap + V * (strideW - 1))));
            }
        }
        sum.div(divisor).intoArray(out, outOff, VectorMask.fromLong(S, laneBits(lanes)));
    }

    /**
     * A vector of outputs per step, even and odd columns taken from two loads of each input row.
     * A row shorter than a vector is stored whole while the excess lands in the plane's next rows,
     * which are written after it; only where it would pass the plane's end are its own lanes stored.
     */
    @Override
    void avgPool2x2(float[] in, int inOff, int w, int oh, int ow, float[] out, int outOff) {
        for (int y = 0; y < oh; y++) {
            int top = inOff + 2 * y * w, bottom = top + w, o = outOff + y * ow;
            for (int x = 0; x < ow; x += V) {
                int lanes = Math.min(V, ow - x), at = 2 * x;
                FloatVector t0, t1, b0, b1;
                if (bottom + at + 2 * V <= in.length) { // whole loads: lanes past the row are dropped
                    t0 = FloatVector.fromArray(S, in, top + at);
                    t1 = FloatVector.fromArray(S, in, top + at + V);
                    b0 = FloatVector.fromArray(S, in, bottom + at);
                    b1 = FloatVector.fromArray(S, in, bottom + at + V);
                } else {
                    VectorMask<Float> m0 = VectorMask.fromLong(S, laneBits(Math.min(V, 2 * lanes)));
                    VectorMask<Float> m1 = VectorMask.fromLong(S, laneBits(Math.max(0, 2 * lanes - V)));
                    t0 = FloatVector.fromArray(S, in, top + at, m0);
                    t1 = FloatVector.fromArray(S, in, top + at + V, m1);
                    b0 = FloatVector.fromArray(S, in, bottom + at, m0);
                    b1 = FloatVector.fromArray(S, in, bottom + at + V, m1);
                }
                // x / 4 and x * 0.25 are the same correctly rounded value
                FloatVector sum = FloatVector.zero(S).add(t0.rearrange(EVEN, t1)).add(t0.rearrange(ODD, t1))
                        .add(b0.rearrange(EVEN, b1)).add(b0.rearrange(ODD, b1)).mul(0.25f);
                if (o + x + V <= outOff + oh * ow) {
                    sum.intoArray(out, o + x);
                } else {
                    sum.intoArray(out, o + x, VectorMask.fromLong(S, laneBits(lanes)));
                }
            }
        }
    }

    /**
     * Each output's quarter added to its four inputs: two doubled vectors per input row and step.
     * A part-used step adds under a mask but loads and stores whole vectors (the other lanes written
     * back unchanged) while they stay inside the plane's windows; past them, another thread's plane
     * may begin, so only the step's own lanes are touched.
     */
    @Override
    void avgPool2x2Backward(float[] dIn, int inOff, int w, int oh, int ow, float[] dOut, int outOff) {
        int end = inOff + 2 * oh * w;
        for (int y = 0; y < oh; y++) {
            int top = inOff + 2 * y * w, o = outOff + y * ow;
            for (int x = 0; x < ow; x += V) {
                int lanes = Math.min(V, ow - x), at = 2 * x;
                FloatVector d = (lanes == V ? FloatVector.fromArray(S, dOut, o + x)
                        : FloatVector.fromArray(S, dOut, o + x, VectorMask.fromLong(S, laneBits(lanes)))).mul(0.25f);
                FloatVector lo = d.rearrange(LOWER_TWICE), hi = d.rearrange(UPPER_TWICE);
                VectorMask<Float> m0 = VectorMask.fromLong(S, laneBits(Math.min(V, 2 * lanes)));
                VectorMask<Float> m1 = VectorMask.fromLong(S, laneBits(Math.max(0, 2 * lanes - V)));
                for (int row = top; row <= top + w; row += w) {
                    if (row + at + 2 * V <= end) {
                        FloatVector.fromArray(S, dIn, row + at).add(lo, m0).intoArray(dIn, row + at);
                        FloatVector.fromArray(S, dIn, row + at + V).add(hi, m1).intoArray(dIn, row + at + V);
                    } else {
                        FloatVector.fromArray(S, dIn, row + at, m0).add(lo).intoArray(dIn, row + at, m0);
                        FloatVector.fromArray(S, dIn, row + at + V, m1).add(hi).intoArray(dIn, row + at + V, m1);
                    }
                }
            }
        }
    }

    /**
     * Taps are added in decreasing kx: an input element reached by outputs ox &lt; ox' is tap kx of ox
     * and a smaller kx' of ox', so this order (with chunks in increasing ox) adds the contributions
     * in increasing ox, as the reference does.
     */
    @Override
    int avgPoolRowBackward(float[] dIn, int first, int rows, int rowStep, int kw, int strideW, int count,
                           float divisor, float[] dOut, int outOff) {
        // stride 2 with an odd kw touches one element past a chunk's last tap (a masked-off lane)
        int reach = (rows - 1) * rowStep + (kw - 1) + V * strideW;
        int chunks = safeChunks(count, first, strideW, reach, dIn.length);
        int j = chunks * V, lanes = count - j;
        boolean tail = j < count && lanes < V && first + j * strideW + reach <= dIn.length && outOff + j + V <= dOut.length;
        if (strideW == 1) {
            avgPoolBackward1(dIn, first, rows, rowStep, kw, chunks, divisor, dOut, outOff);
            if (tail) avgPoolBackwardTail1(dIn, first + j, rows, rowStep, kw, laneBits(lanes), divisor, dOut, outOff + j);
        } else if (kw % 2 == 1) { // odd kernels (no model of the zoo): whole chunks only, the caller does the tail
            avgPoolBackward2Odd(dIn, first, rows, rowStep, kw, chunks, divisor, dOut, outOff);
            tail = false;
        } else {
            avgPoolBackward2Even(dIn, first, rows, rowStep, kw, chunks, divisor, dOut, outOff);
            // the doubled tail (d0 d0 d1 d1 ...) covers 2 * lanes columns: with lanes >= V/2 the whole
            // lower vector and part of the upper one, otherwise part of the lower one only
            if (tail && 2 * lanes >= V) {
                avgPoolBackwardTail2Wide(dIn, first + 2 * j, rows, rowStep, kw, laneBits(lanes), laneBits(2 * lanes - V),
                        divisor, dOut, outOff + j);
            } else if (tail) {
                avgPoolBackwardTail2Narrow(dIn, first + 2 * j, rows, rowStep, kw, laneBits(lanes), laneBits(2 * lanes),
                        divisor, dOut, outOff + j);
            }
        }
        return tail ? count : j;
    }

    private static void avgPoolBackward1(float[] dIn, int first, int rows, int rowStep, int kw, int chunks,
                                         float divisor, float[] dOut, int outOff) {
        for (int c = 0; c < chunks; c++) {
            FloatVector d = FloatVector.fromArray(S, dOut, outOff + c * V).div(divisor);
            for (int r = 0; r < rows; r++) {
                for (int kx = kw - 1; kx >= 0; kx--) {
                    int at = first + c * V + r * rowStep + kx;
                    FloatVector.fromArray(S, dIn, at).add(d).intoArray(dIn, at);
                }
            }
        }
    }

    /** The last outputs of a stride-1 run, lanes {@code live} (mask bits). */
    private static void avgPoolBackwardTail1(float[] dIn, int base, int rows, int rowStep, int kw, long live,
                                             float divisor, float[] dOut, int outOff) {
        VectorMask<Float> m = VectorMask.fromLong(S, live);
        FloatVector d = FloatVector.fromArray(S, dOut, outOff, m).div(divisor);
        for (int r = 0; r < rows; r++) {
            for (int kx = kw - 1; kx >= 0; kx--) {
                int at = base + r * rowStep + kx;
                FloatVector.fromArray(S, dIn, at, m).add(d).intoArray(dIn, at, m);
            }
        }
    }

    /**
     * Stride 2, even kw: taps kx - 1 and kx of an output are adjacent columns, so one add of the
     * doubled vector (d0 d0 d1 d1 ...) at tap kx - 1 covers both, pairs in decreasing kx (two
     * contributions to one element come from taps of equal parity, hence from different pairs).
     */
    private static void avgPoolBackward2Even(float[] dIn, int first, int rows, int rowStep, int kw, int chunks,
                                             float divisor, float[] dOut, int outOff) {
        FloatVector lower = FloatVector.fromArray(S, HALF_INDEXES, 0), upper = FloatVector.fromArray(S, HALF_INDEXES, V);
        for (int c = 0; c < chunks; c++) {
            FloatVector d = FloatVector.fromArray(S, dOut, outOff + c * V).div(divisor);
            FloatVector lo = lower.selectFrom(d, d), hi = upper.selectFrom(d, d);
            for (int r = 0; r < rows; r++) {
                int row = first + 2 * c * V + r * rowStep;
                for (int kx = kw - 1; kx > 0; kx -= 2) {
                    FloatVector.fromArray(S, dIn, row + kx - 1).add(lo).intoArray(dIn, row + kx - 1);
                    FloatVector.fromArray(S, dIn, row + kx - 1 + V).add(hi).intoArray(dIn, row + kx - 1 + V);
                }
            }
        }
    }

    /** Stride 2, odd kw: the pairs from the top down, then tap 0 alone into the even lanes. */
    private static void avgPoolBackward2Odd(float[] dIn, int first, int rows, int rowStep, int kw, int chunks,
                                            float divisor, float[] dOut, int outOff) {
        FloatVector lower = FloatVector.fromArray(S, HALF_INDEXES, 0), upper = FloatVector.fromArray(S, HALF_INDEXES, V);
        VectorMask<Float> even = VectorMask.fromLong(S, EVEN_LANES);
        for (int c = 0; c < chunks; c++) {
            FloatVector d = FloatVector.fromArray(S, dOut, outOff + c * V).div(divisor);
            FloatVector lo = lower.selectFrom(d, d), hi = upper.selectFrom(d, d);
            for (int r = 0; r < rows; r++) {
                int row = first + 2 * c * V + r * rowStep;
                for (int kx = kw - 1; kx > 0; kx -= 2) {
                    FloatVector.fromArray(S, dIn, row + kx - 1).add(lo).intoArray(dIn, row + kx - 1);
                    FloatVector.fromArray(S, dIn, row + kx - 1 + V).add(hi).intoArray(dIn, row + kx - 1 + V);
                }
                FloatVector.fromArray(S, dIn, row, even).add(lo).intoArray(dIn, row, even);
                FloatVector.fromArray(S, dIn, row + V, even).add(hi).intoArray(dIn, row + V, even);
            }
        }
    }

    /**
     * The last {@code lanes} (mask bits {@code live}) outputs of a stride-2 run with even kw and
     * lanes >= V/2: the doubled vector's lower half is all live (plain load and store), its upper
     * half has the lanes of {@code hi}.
     */
    private static void avgPoolBackwardTail2Wide(float[] dIn, int base, int rows, int rowStep, int kw, long live,
                                                 long hi, float divisor, float[] dOut, int outOff) {
        FloatVector lower = FloatVector.fromArray(S, HALF_INDEXES, 0), upper = FloatVector.fromArray(S, HALF_INDEXES, V);
        VectorMask<Float> hiLive = VectorMask.fromLong(S, hi);
        FloatVector d = FloatVector.fromArray(S, dOut, outOff, VectorMask.fromLong(S, live)).div(divisor);
        FloatVector dLo = lower.selectFrom(d, d), dHi = upper.selectFrom(d, d);
        for (int r = 0; r < rows; r++) {
            int row = base + r * rowStep;
            for (int kx = kw - 1; kx > 0; kx -= 2) {
                FloatVector.fromArray(S, dIn, row + kx - 1).add(dLo).intoArray(dIn, row + kx - 1);
                FloatVector.fromArray(S, dIn, row + kx - 1 + V, hiLive).add(dHi).intoArray(dIn, row + kx - 1 + V, hiLive);
            }
        }
    }

    /** As {@link #avgPoolBackwardTail2Wide} with lanes &lt; V/2: only the lanes {@code lo} of the lower half are live. */
    private static void avgPoolBackwardTail2Narrow(float[] dIn, int base, int rows, int rowStep, int kw, long live,
                                                   long lo, float divisor, float[] dOut, int outOff) {
        FloatVector lower = FloatVector.fromArray(S, HALF_INDEXES, 0);
        VectorMask<Float> loLive = VectorMask.fromLong(S, lo);
        FloatVector d = FloatVector.fromArray(S, dOut, outOff, VectorMask.fromLong(S, live)).div(divisor);
        FloatVector dLo = lower.selectFrom(d, d);
        for (int r = 0; r < rows; r++) {
            int row = base + r * rowStep;
            for (int kx = kw - 1; kx > 0; kx -= 2) {
                FloatVector.fromArray(S, dIn, row + kx - 1, loLive).add(dLo).intoArray(dIn, row + kx - 1, loLive);
            }
        }
    }

    // ---------------------------------------------------------------- batch-norm backward and LRN

    @Override
    float sumWhere(float[] dy, float[] mask, int off, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        float sum = 0f;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < bound; i += V) {
                VectorMask<Float> on = FloatVector.fromArray(S, mask, off + i).compare(VectorOperators.GT, 0f);
                acc = acc.add(FloatVector.fromArray(S, dy, off + i), on);
            }
            sum = sumLanes(acc);
        }
        for (; i < len; i++) if (mask[off + i] > 0f) sum += dy[off + i];
        return sum;
    }

    @Override
    float sumProductCenteredWhere(float[] dy, float[] mask, float[] x, int off, int len, float mean) {
        int i = 0;
        int bound = S.loopBound(len);
        float sum = 0f;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            FloatVector vm = FloatVector.broadcast(S, mean);
            for (; i < bound; i += V) { // the null test is loop-invariant: C2 unswitches it
                FloatVector d = FloatVector.fromArray(S, dy, off + i);
                if (mask != null) {
                    d = FloatVector.zero(S).blend(d, FloatVector.fromArray(S, mask, off + i).compare(VectorOperators.GT, 0f));
                }
                acc = FloatVector.fromArray(S, x, off + i).sub(vm).fma(d, acc);
            }
            sum = sumLanes(acc);
        }
        for (; i < len; i++) if (mask == null || mask[off + i] > 0f) sum += dy[off + i] * (x[off + i] - mean);
        return sum;
    }

    @Override
    void batchNormBackwardRowWhere(float[] dIn, float[] dResidual, float[] dOut, float[] mask, float[] x, int off,
                                   int len, float mean, float a, float b, float c) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector vm = FloatVector.broadcast(S, mean), va = FloatVector.broadcast(S, a);
        FloatVector vb = FloatVector.broadcast(S, b), vc = FloatVector.broadcast(S, c);
        for (; i < bound; i += V) { // the null tests are loop-invariant: C2 unswitches them
            FloatVector d = FloatVector.fromArray(S, dOut, off + i);
            if (mask != null) {
                d = FloatVector.zero(S).blend(d, FloatVector.fromArray(S, mask, off + i).compare(VectorOperators.GT, 0f));
            }
            if (dIn != null && x == null) {
                d.fma(va, FloatVector.fromArray(S, dIn, off + i)).intoArray(dIn, off + i);
            } else if (dIn != null) {
                FloatVector t = FloatVector.fromArray(S, x, off + i).sub(vm).fma(vb, vc);
                FloatVector.fromArray(S, dIn, off + i).add(d.fma(va, t)).intoArray(dIn, off + i);
            }
            if (dResidual != null) FloatVector.fromArray(S, dResidual, off + i).add(d).intoArray(dResidual, off + i);
        }
        for (; i < len; i++) {
            float d = mask == null || mask[off + i] > 0f ? dOut[off + i] : 0f;
            if (dIn != null && x == null) {
                dIn[off + i] = Math.fma(a, d, dIn[off + i]);
            } else if (dIn != null) {
                dIn[off + i] += a * d + (b * (x[off + i] - mean) + c);
            }
            if (dResidual != null) dResidual[off + i] += d;
        }
    }

    /**
     * Channel after channel, vectors along the positions: the window sum of squares is summed
     * directly (size FMAs) rather than slid, which would subtract and accumulate rounding errors;
     * then {@code out = in * scale^-beta} by {@link #mulPowNeg}.
     */
    @Override
    void lrnForward(float[] out, float[] scale, float[] in, int image, int c, int spatial, int s0, int len,
                    int size, float alphaOverSize, float beta, float k) {
        int bound = S.loopBound(len);
        FloatVector va = FloatVector.broadcast(S, alphaOverSize), vk = FloatVector.broadcast(S, k);
        for (int ch = 0; ch < c; ch++) {
            int lo = Math.max(0, ch - size / 2), hi = Math.min(c - 1, ch + (size - 1) / 2);
            int row = image + ch * spatial + s0;
            int i = 0;
            for (; i < bound; i += V) {
                FloatVector sum = FloatVector.zero(S);
                for (int j = lo; j <= hi; j++) {
                    FloatVector a = FloatVector.fromArray(S, in, image + j * spatial + s0 + i);
                    sum = a.fma(a, sum);
                }
                sum.fma(va, vk).intoArray(scale, row + i);
            }
            for (; i < len; i++) {
                float sum = 0f;
                for (int j = lo; j <= hi; j++) {
                    float a = in[image + j * spatial + s0 + i];
                    sum = Math.fma(a, a, sum);
                }
                scale[row + i] = Math.fma(sum, alphaOverSize, k);
            }
            mulPowNeg(scale, row, in, row, out, row, len, beta);
        }
    }

    /**
     * First {@code dOut * out / scale} of every channel into {@code ratio} (each is summed by
     * {@code size} channels), then per channel {@code t = dOut * scale^-beta} into the last row of
     * {@code ratio} by {@link #mulPowNeg}, then {@code dIn += t - factor * in * (window sum of ratios)}.
     */
    @Override
    void lrnBackward(float[] dIn, float[] dOut, float[] in, float[] out, float[] scale, int image, int c,
                     int spatial, int s0, int len, int size, float factor, float beta, float[] ratio) {
        int bound = S.loopBound(len);
        for (int j = 0; j < c; j++) {
            int row = image + j * spatial + s0, r = j * len;
            int i = 0;
            for (; i < bound; i += V) {
                FloatVector.fromArray(S, dOut, row + i).mul(FloatVector.fromArray(S, out, row + i))
                        .div(FloatVector.fromArray(S, scale, row + i)).intoArray(ratio, r + i);
            }
            for (; i < len; i++) ratio[r + i] = dOut[row + i] * out[row + i] / scale[row + i];
        }
        int t = c * len;
        FloatVector vf = FloatVector.broadcast(S, factor);
        for (int ch = 0; ch < c; ch++) {
            int lo = Math.max(0, ch - (size - 1) / 2), hi = Math.min(c - 1, ch + size / 2);
            int row = image + ch * spatial + s0;
            mulPowNeg(scale, row, dOut, row, ratio, t, len, beta);
            int i = 0;
            for (; i < bound; i += V) {
                FloatVector sum = FloatVector.zero(S);
                for (int j = lo; j <= hi; j++) sum = sum.add(FloatVector.fromArray(S, ratio, j * len + i));
                FloatVector d = FloatVector.fromArray(S, ratio, t + i)
                        .sub(FloatVector.fromArray(S, in, row + i).mul(vf).mul(sum));
                FloatVector.fromArray(S, dIn, row + i).add(d).intoArray(dIn, row + i);
            }
            for (; i < len; i++) {
                float sum = 0f;
                for (int j = lo; j <= hi; j++) sum += ratio[j * len + i];
                dIn[row + i] += ratio[t + i] - in[row + i] * factor * sum;
            }
        }
    }

    /**
     * {@code dst = y * x^-beta} over {@code len} elements, with {@code x^-beta = exp(-beta * log(x))}
     * lane by lane in plain IEEE operations: Cephes' {@code logf}, then the same {@code expf} as
     * {@link #exp} (both written out here, so that no vector crosses a method boundary; see the
     * pooling section). Relative error of x^-beta about (1 + |beta log x|) * 1e-7. A vector with a
     * lane outside the positive normal floats (0, subnormal, infinity, NaN), and the tail, take
     * {@code y * StrictMath.pow(x, -beta)} in double, the reference's formula.
     *
     * <p>logf: x = m 2^e with m in [sqrt(1/2), sqrt(2)), f = m - 1, {@code log(1 + f) = f - f^2/2 +
     * f^3 P(f)} with P of degree 8, and e ln2 added in two parts (ln2 = 0.693359375 - 2.12194440e-4)
     * so that e ln2 is exact.
     */
    private static void mulPowNeg(float[] x, int xOff, float[] y, int yOff, float[] dst, int dOff, int len, float beta) {
        int bound = S.loopBound(len);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (; i < bound; i += V) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            if (!v.compare(VectorOperators.GE, Float.MIN_NORMAL).and(v.compare(VectorOperators.LT, Float.POSITIVE_INFINITY))
                    .allTrue()) {
                for (int l = i; l < i + V; l++) dst[dOff + l] = (float) (y[yOff + l] * StrictMath.pow(x[xOff + l], -beta));
                continue;
            }
            // log: x = m * 2^e with m in [0.5, 1): the exponent field minus 126, the mantissa with exponent -1
            IntVector bits = v.reinterpretAsInts();
            IntVector e = bits.lanewise(VectorOperators.LSHR, 23).sub(126);
            FloatVector m = bits.and(0x007f_ffff).or(0x3f00_0000).reinterpretAsFloats();
            // below sqrt(1/2) take 2m and e - 1, so f = m - 1 lies in [-0.29, 0.41]; 2m - 1 = (m - 1) + m is exact
            VectorMask<Float> small = m.compare(VectorOperators.LT, 0.707106781186547524f);
            FloatVector f = m.sub(1f).add(m, small);
            FloatVector fe = ((FloatVector) e.convert(VectorOperators.I2F, 0)).sub(one, small);
            FloatVector z = f.mul(f);
            FloatVector p = f.mul(7.0376836292e-2f).add(-1.1514610310e-1f);
            p = p.fma(f, FloatVector.broadcast(S, 1.1676998740e-1f));
            p = p.fma(f, FloatVector.broadcast(S, -1.2420140846e-1f));
            p = p.fma(f, FloatVector.broadcast(S, 1.4249322787e-1f));
            p = p.fma(f, FloatVector.broadcast(S, -1.6668057665e-1f));
            p = p.fma(f, FloatVector.broadcast(S, 2.0000714765e-1f));
            p = p.fma(f, FloatVector.broadcast(S, -2.4999993993e-1f));
            p = p.fma(f, FloatVector.broadcast(S, 3.3333331174e-1f));
            FloatVector lg = p.mul(f.mul(z));
            lg = fe.fma(FloatVector.broadcast(S, -2.12194440e-4f), lg);
            lg = z.fma(FloatVector.broadcast(S, -0.5f), lg);
            lg = fe.fma(FloatVector.broadcast(S, 0.693359375f), f.add(lg));
            // exp(-beta * log x), as exp() above
            FloatVector a = lg.mul(-beta).max(-87.33654f).min(88.37626f);
            FloatVector n = a.mul(1.44269504088896341f).add(12582912f).sub(12582912f);
            FloatVector r = n.fma(FloatVector.broadcast(S, -0.693359375f), a).sub(n.mul(-2.12194440e-4f));
            FloatVector q = r.mul(1.9875691500e-4f).add(1.3981999507e-3f);
            q = q.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
            q = q.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
            q = q.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
            q = q.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
            FloatVector ex = q.mul(r.mul(r)).add(r).add(1f);
            FloatVector pow2n = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127)
                    .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector.fromArray(S, y, yOff + i).mul(ex.mul(pow2n)).intoArray(dst, dOff + i);
        }
        for (; i < len; i++) dst[dOff + i] = (float) (y[yOff + i] * StrictMath.pow(x[xOff + i], -beta));
    }
}
