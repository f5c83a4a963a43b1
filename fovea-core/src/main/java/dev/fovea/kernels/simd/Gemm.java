package dev.fovea.kernels.simd;

import dev.fovea.kernels.Parallel;
import java.util.Arrays;

/**
 * SGEMM {@code c = alpha * op(a) * op(b) + beta * c} on row-major arrays, the contract of
 * {@link dev.fovea.kernels.Kernels#gemm}.
 *
 * <p>Large products use the blocked algorithm of Goto and van de Geijn, "Anatomy of
 * High-Performance Matrix Multiplication" (ACM TOMS 2008), in the loop order of BLIS (Van Zee and
 * van de Geijn 2015): C is cut into {@code mc x nc} blocks; for each block and each
 * {@code kc}-slice of k, a {@code kc x nc} block of op(B) is packed into {@code nr}-wide panels
 * (a panel stays in L1 while it is used), an {@code mc x kc} block of op(A) is packed into
 * {@code mr}-tall panels (kept in L2), and the {@link Simd#kernel micro-kernel} multiplies one
 * A panel by one B panel into an {@code mr x nr} tile of C held in registers. Packing turns every
 * transpose variant and leading dimension into the same unit-stride layout.
 *
 * <p>Threads take whole blocks of C. The blocking depends only on (m, n, k), and each C element is
 * summed by one thread in one fixed order of k, so the result is bit-identical for any thread
 * count. Products with {@code m*n*k < 32768}, and matrix-vector products ({@code m == 1} or
 * {@code n == 1}), skip packing: they go row by row through dot products or axpy updates.
 */
final class Gemm {

    /** Depth of a packed slice: a {@code kc x nr} B panel is 32 KiB with 512-bit vectors (L1 is 48 KiB). */
    static final int KC = 256;
    /** Below this many multiply-adds packing costs more than it saves. */
    static final long SMALL = 32 * 1024;

    private final Simd simd;
    private final int mr, nr, mc, nc;

    Gemm(Simd simd) {
        this.simd = simd;
        this.mr = simd.mr();
        this.nr = simd.nr();
        // mc x kc of A: 128 KiB with mr = 8 (L2 is 2 MiB per core); kc x nc of B: 512 KiB at nr = 32
        this.mc = 16 * mr;
        this.nc = 16 * nr;
    }

    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0) { // an empty sum: c = alpha * 0 + beta * c
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = cOff + i * ldc + j;
                    c[ci] = beta == 0f ? alpha * 0f : alpha * 0f + beta * c[ci];
                }
            }
            return;
        }
        long work = (long) m * n * k;
        if (work < SMALL) {
            rows(transA, transB, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, 0, m, 0, n);
        } else if (m == 1) {
            // a row vector times a matrix: split the columns, about 64K multiply-adds per chunk
            Parallel.forRange(n, Math.max(nr, (1 << 16) / k), (j0, j1) ->
                    rows(transA, transB, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, 0, 1, j0, j1));
        } else if (n == 1) {
            Parallel.forRange(m, Math.max(1, (1 << 16) / k), (i0, i1) ->
                    rows(transA, transB, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, i0, i1, 0, 1));
        } else {
            packed(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    // ------------------------------------------------------------------ row-wise path

    /** C[i0:i1, j0:j1] one row at a time: dot products when op(B) has contiguous columns, axpy otherwise. */
    private void rows(boolean transA, boolean transB, int k, float alpha,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float beta, float[] c, int cOff, int ldc, int i0, int i1, int j0, int j1) {
        Scratch s = Scratch.get();
        float[] bCol = null;
        boolean byDot = transB;
        if (!transB && j1 - j0 == 1) { // a single strided column of B: gather it once, then use dot
            bCol = s.rowB(k);
            for (int p = 0; p < k; p++) bCol[p] = b[bOff + p * ldb + j0];
            byDot = true;
        }
        float[] aRow = transA ? s.rowA(k) : null;
        float[] acc = byDot ? null : s.rowC(j1 - j0);
        for (int i = i0; i < i1; i++) {
            float[] ar = a;
            int ao = aOff + i * lda;
            if (transA) {
                for (int p = 0; p < k; p++) aRow[p] = a[aOff + p * lda + i];
                ar = aRow;
                ao = 0;
            }
            int ci = cOff + i * ldc;
            if (byDot) {
                for (int j = j0; j < j1; j++) {
                    float d = bCol != null ? simd.dot(ar, ao, bCol, 0, k) : simd.dot(ar, ao, b, bOff + j * ldb, k);
                    c[ci + j] = beta == 0f ? alpha * d : alpha * d + beta * c[ci + j];
                }
            } else {
                int len = j1 - j0;
                Arrays.fill(acc, 0, len, 0f);
                for (int p = 0; p < k; p++) simd.axpy(ar[ao + p], b, bOff + p * ldb + j0, acc, 0, len);
                simd.axpby(alpha, acc, 0, beta, c, ci + j0, len);
            }
        }
    }

    // ------------------------------------------------------------------ blocked path

    private void packed(boolean transA, boolean transB, int m, int n, int k, float alpha,
                        float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                        float beta, float[] c, int cOff, int ldc) {
        int mBlocks = (m + mc - 1) / mc;
        int nBlocks = (n + nc - 1) / nc;
        Parallel.forRange(mBlocks * nBlocks, 1, (t0, t1) -> {
            Scratch s = Scratch.get();
            float[] pa = s.packA(mc * KC);
            float[] pb = s.packB(KC * nc);
            float[] tile = s.tile(mr * nr);
            for (int t = t0; t < t1; t++) {
                int i0 = (t % mBlocks) * mc;
                int j0 = (t / mBlocks) * nc;
                int mCur = Math.min(mc, m - i0);
                int nCur = Math.min(nc, n - j0);
                for (int p0 = 0; p0 < k; p0 += KC) {
                    int kCur = Math.min(KC, k - p0);
                    packB(transB, b, bOff, ldb, p0, kCur, j0, nCur, pb);
                    packA(transA, a, aOff, lda, i0, mCur, p0, kCur, pa);
                    // the first slice applies beta; later slices add onto what the earlier ones stored
                    float bet = p0 == 0 ? beta : 1f;
                    block(mCur, nCur, kCur, alpha, pa, pb, bet, c, cOff + i0 * ldc + j0, ldc, tile);
                }
            }
        });
    }

    /** One packed mc x kc block of A times one packed kc x nc block of B into C, tile by tile. */
    private void block(int mCur, int nCur, int kCur, float alpha, float[] pa, float[] pb, float beta,
                       float[] c, int cOff, int ldc, float[] tile) {
        for (int jr = 0; jr < nCur; jr += nr) { // B panel outside: it stays in L1 while A panels stream
            int w = Math.min(nr, nCur - jr);
            for (int ir = 0; ir < mCur; ir += mr) {
                int h = Math.min(mr, mCur - ir);
                int ci = cOff + ir * ldc + jr;
                if (h == mr && w == nr) {
                    simd.kernel(kCur, pa, ir * kCur, pb, jr * kCur, c, ci, ldc, alpha, beta);
                } else { // edge of C: compute the whole tile, then update only the part inside C
                    simd.kernel(kCur, pa, ir * kCur, pb, jr * kCur, tile, 0, nr, 1f, 0f);
                    for (int r = 0; r < h; r++) {
                        for (int j = 0; j < w; j++) {
                            int x = ci + r * ldc + j;
                            float v = tile[r * nr + j];
                            c[x] = beta == 0f ? alpha * v : alpha * v + beta * c[x];
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs op(A)[i0 : i0+mCur, p0 : p0+kCur] into mr-row panels: panel q holds, for each p, the
     * mr values op(A)[i0 + q*mr + r, p0 + p] contiguously; rows past mCur are zero.
     */
    private void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mCur, int p0, int kCur, float[] pa) {
        for (int ir = 0; ir < mCur; ir += mr) {
            int base = ir * kCur;
            int h = Math.min(mr, mCur - ir);
            if (transA) { // op(A)[i, p] = a[p, i]: mr consecutive values per p
                for (int p = 0; p < kCur; p++) {
                    int src = aOff + (p0 + p) * lda + i0 + ir;
                    int dst = base + p * mr;
                    System.arraycopy(a, src, pa, dst, h);
                    for (int r = h; r < mr; r++) pa[dst + r] = 0f;
                }
            } else { // op(A)[i, p] = a[i, p]: read each row along p, write with stride mr
                for (int r = 0; r < mr; r++) {
                    int dst = base + r;
                    if (r < h) {
                        int src = aOff + (i0 + ir + r) * lda + p0;
                        for (int p = 0; p < kCur; p++) pa[dst + p * mr] = a[src + p];
                    } else {
                        for (int p = 0; p < kCur; p++) pa[dst + p * mr] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs op(B)[p0 : p0+kCur, j0 : j0+nCur] into nr-column panels: panel q holds, for each p, the
     * nr values op(B)[p0 + p, j0 + q*nr + j] contiguously; columns past nCur are zero.
     */
    private void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kCur, int j0, int nCur, float[] pb) {
        for (int jr = 0; jr < nCur; jr += nr) {
            int base = jr * kCur;
            int w = Math.min(nr, nCur - jr);
            if (transB) { // op(B)[p, j] = b[j, p]: read each row of b along p, write with stride nr
                for (int j = 0; j < nr; j++) {
                    int dst = base + j;
                    if (j < w) {
                        int src = bOff + (j0 + jr + j) * ldb + p0;
                        for (int p = 0; p < kCur; p++) pb[dst + p * nr] = b[src + p];
                    } else {
                        for (int p = 0; p < kCur; p++) pb[dst + p * nr] = 0f;
                    }
                }
            } else {
                for (int p = 0; p < kCur; p++) {
                    int src = bOff + (p0 + p) * ldb + j0 + jr;
                    int dst = base + p * nr;
                    System.arraycopy(b, src, pb, dst, w);
                    for (int j = w; j < nr; j++) pb[dst + j] = 0f;
                }
            }
        }
    }
}
