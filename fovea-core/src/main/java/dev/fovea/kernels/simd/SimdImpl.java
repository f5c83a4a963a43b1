package dev.fovea.kernels.simd;

import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandles;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Simd} for the species held in the static constant {@link #S}: the class data when this
 * class is loaded as a hidden class by {@link Simd#forSpecies}, otherwise the preferred species.
 *
 * <p>Each loop has the Lucene shape: a SIMD body up to {@code S.loopBound(len)} with FMA into vector
 * accumulators, then {@code reduceLanes(ADD)}, then a scalar tail. Vectors are made inside the
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
    void packRows(float[] src, int srcOff, int ld, int rows, int w, int width, float[] dst, int dstOff) {
        if (w == NR && width == NR) { // the B panels of the GEMM: two straight vector moves per row
            for (int r = 0, s = srcOff, d = dstOff; r < rows; r++, s += ld, d += NR) {
                FloatVector.fromArray(S, src, s).intoArray(dst, d);
                FloatVector.fromArray(S, src, s + V).intoArray(dst, d + V);
            }
        } else if (w == width) { // vector moves (masked for a width that is not whole vectors) beat System.arraycopy calls
            int full = width - width % V;
            VectorMask<Float> tail = S.indexInRange(full, width);
            for (int r = 0, s = srcOff, d = dstOff; r < rows; r++, s += ld, d += width) {
                int j = 0;
                for (; j < full; j += V) FloatVector.fromArray(S, src, s + j).intoArray(dst, d + j);
                if (j < width) FloatVector.fromArray(S, src, s + j, tail).intoArray(dst, d + j, tail);
            }
        } else {
            for (int r = 0, s = srcOff, d = dstOff; r < rows; r++, s += ld, d += width) {
                System.arraycopy(src, s, dst, d, w);
                Arrays.fill(dst, d + w, d + width, 0f);
            }
        }
    }

    @Override
    void packColumns(float[] src, int srcOff, int rows, int width, int[] index, float[] dst, int dstOff) {
        // a gather reads one value from each of V rows of src; on AVX-512 this transposes about
        // 1.5x faster than scalar code (conv weight-gradient GEMM: 63 -> 92 GFLOP/s)
        int full = width - width % V;
        VectorMask<Float> tail = S.indexInRange(full, width);
        for (int p = 0, d = dstOff; p < rows; p++, d += width) {
            int j = 0;
            for (; j < full; j += V) FloatVector.fromArray(S, src, srcOff + p, index, j).intoArray(dst, d + j);
            if (j < width) FloatVector.fromArray(S, src, srcOff + p, index, j, tail).intoArray(dst, d + j, tail);
        }
    }

    @Override
    void copy(float[] src, int srcOff, float[] dst, int dstOff, int len) {
        int i = 0;
        for (; i + V <= len; i += V) FloatVector.fromArray(S, src, srcOff + i).intoArray(dst, dstOff + i);
        if (i < len) {
            VectorMask<Float> m = S.indexInRange(i, len);
            FloatVector.fromArray(S, src, srcOff + i, m).intoArray(dst, dstOff + i, m);
        }
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
            sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
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
    float sum(float[] x, int off, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        float sum = 0f;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < bound; i += V) acc = acc.add(FloatVector.fromArray(S, x, off + i));
            sum = acc.reduceLanes(VectorOperators.ADD);
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
            sum = acc.reduceLanes(VectorOperators.ADD);
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
                acc = acc.add(FloatVector.fromArray(S, in, off + i).sub(vmax).lanewise(VectorOperators.EXP));
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < len; i++) sum += (float) Math.exp(in[off + i] - max);
        float logSum = (float) Math.log(sum) + max;
        i = 0;
        FloatVector vl = FloatVector.broadcast(S, logSum);
        for (; i < bound; i += V) FloatVector.fromArray(S, in, off + i).sub(vl).intoArray(out, off + i);
        for (; i < len; i++) out[off + i] = in[off + i] - logSum;
    }
}
