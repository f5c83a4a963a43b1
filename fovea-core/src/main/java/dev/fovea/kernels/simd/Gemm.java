package dev.fovea.kernels.simd;

import dev.fovea.kernels.Parallel;
import java.util.Arrays;

/**
 * SGEMM {@code c = alpha * op(a) * op(b) + beta * c} on row-major arrays, the contract of
 * {@link dev.fovea.kernels.Kernels#gemm}.
 *
 * <p>Large products use the blocked algorithm of Goto and van de Geijn, "Anatomy of
 * High-Performance Matrix Multiplication" (ACM TOMS 2008), as BLIS structures it (Van Zee and
 * van de Geijn 2015). op(A) is packed once, in parallel, into {@code mr}-row panels for every
 * {@code KC}-deep slice of k (or read in place, for a convolution's weight). Tasks then take
 * column blocks of C (and row blocks, for a tall C); a task packs its {@code KC x nc} block of
 * op(B) into {@code nr}-column panels right before using it, so the block is still in L2, and the
 * {@link Simd#kernel micro-kernel} multiplies one A panel (kept in L1) by one B panel (streamed
 * from L2) into an {@code mr x nr} tile of C held in registers. Tiles are visited along the rows of
 * C, so stores run sequentially through memory (prefetch-friendly: 72 -> 120 GFLOP/s for the
 * backward-input GEMM of a 64-channel 3x3 convolution, where k is only 64). Packing turns every
 * transpose variant and leading dimension into the same unit-stride layout; transposing packs
 * use gathers ({@link Simd#packColumns}).
 *
 * <p>Each C element is summed by one thread in one fixed order of k (slices in order, each
 * slice by one micro-kernel call), and the blocking depends only on (m, n, k), so the result is
 * bit-identical for any thread count. Products with {@code m*n*k < 32768}, and matrix-vector
 * products ({@code m == 1} or {@code n == 1}), skip packing: they go row by row through dot
 * products or axpy updates. So does {@code A * B^T} with at most {@link #DOT_ROWS} rows (a
 * linear layer on a small batch), through 4 x 4 tiles of dot products: packing B^T is a
 * transpose, too costly when each packed value then serves so few rows.
 */
final class Gemm {

    /** Depth of a packed slice: a {@code kc x nr} B panel is 32 KiB with 512-bit vectors (L1 is 48 KiB). */
    static final int KC = 256;
    /**
     * Up to this many rows of A, A * B^T goes through {@link #dotBlocked}: measured on AVX-512 with
     * n, k in the thousands, 16 rows: 59 against 44 GFLOP/s packed; 32 rows: 51 against 44;
     * 64 rows: about 64 against 75, so the packed path from 64 rows on.
     */
    static final int DOT_ROWS = 32;
    /** Depth of a k-slice of the dot-product path: a 4-row B tile is 16 KiB. */
    static final int KD = 1024;
    /**
     * Up to this many multiply-adds the blocked path stays on one thread. Handing work to a pool
     * thread costs a few microseconds now that idle workers spin ({@link Parallel}); with workers
     * that parked, a 256^3 product ran slower on two threads than on one and this was 2^24. At
     * 2^21, 256^3 on two threads takes 0.21-0.24 ms against 0.26 ms on one.
     */
    static final long PARALLEL_WORK = 1L << 21;
    /** The most B floats packed once for all the row-split tasks of a product (1 MB: half an L2). */
    static final long SHARED_B_FLOATS = 1 << 18;
    /** Below this many multiply-adds packing costs more than it saves. */
    static final long SMALL = 32 * 1024;

    private final Simd simd;
    private final int mr, nr, mc, nc;

    Gemm(Simd simd) {
        this.simd = simd;
        this.mr = simd.mr();
        this.nr = simd.nr();
        // a block's A is mc x KC = 128 KiB with mr = 8 and its B is KC x nc = 512 KiB with nr = 32,
        // together well inside a 2 MiB L2
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
        } else if (!transA && transB && m <= DOT_ROWS) {
            dotBlocked(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            packed(m, n, k, alpha, panelsOfA(transA, a, aOff, lda), null, 0, 0, panelsOfB(transB, b, bOff, ldb),
                    beta, c, cOff, ldc);
        }
    }

    /**
     * Writes packed panels of an operand: the matrices of the arguments, or one that is never
     * stored as a matrix (an implicit im2col), so it never has to exist in memory.
     */
    @FunctionalInterface
    interface PanelSource {
        /**
         * Packs rows {@code [p0, p0+kCur)} of k and columns {@code [j0, j0+w)} of the panel
         * dimension (m for A, n for B) at {@code dst[off]}: for each p, {@code width} floats
         * (mr for A, nr for B), the first w from the operand and the rest zero.
         */
        void pack(int p0, int kCur, int j0, int w, float[] dst, int off);
    }

    /** Panels of op(a) for the blocked path. */
    PanelSource panelsOfA(boolean transA, float[] a, int aOff, int lda) {
        int[] index = transA ? null : gatherIndex(mr, lda);
        return (p0, kCur, i0, h, dst, off) -> packA(transA, a, aOff, lda, i0, h, p0, kCur, dst, off, index);
    }

    /** Panels of op(b) for the blocked path. */
    PanelSource panelsOfB(boolean transB, float[] b, int bOff, int ldb) {
        int[] index = transB ? gatherIndex(nr, ldb) : null;
        return (p0, kCur, j0, w, dst, off) -> packB(transB, b, bOff, ldb, j0, w, p0, kCur, dst, off, index);
    }

    /**
     * Panels of an m x (images*len) left operand made of equally shaped blocks side by side: row i,
     * column {@code t*len + q} is {@code x[off + t*imageStride + i*len + q]} (dOut of several images,
     * rows = channels, columns = positions).
     */
    PanelSource panelsOfImages(float[] x, int off, int len, int imageStride) {
        int[] index = gatherIndex(mr, len);
        return (p0, kCur, i0, h, dst, dstOff) -> {
            for (int p = p0; p < p0 + kCur; ) { // one run of positions per image
                int image = p / len, q = p % len, run = Math.min(len - q, p0 + kCur - p);
                packA(false, x, off + image * imageStride, len, i0, h, q, run, dst, dstOff + (p - p0) * mr, index);
                p += run;
            }
        };
    }

    /** Floats that {@link #prepackA} writes for an m x k left operand. */
    int prepackedSize(int m, int k) { return (m + mr - 1) / mr * mr * k; }

    /**
     * Packs all of op(A) (m x k) at {@code dst[off]} in the layout the blocked path reads, for
     * products that share a left operand (a convolution's weight over a batch): packing once saves
     * re-packing it for every image, which matters when n is small (7x7 feature maps).
     */
    void prepackA(PanelSource a, int m, int k, float[] dst, int off) {
        // in parallel from 64K values: packing ResNet-18's stride-2 weights at batch 1 on one
        // thread left the second idle for 6% of a 2-thread inference
        prepackA(a, m, k, dst, off, (long) m * k < (1 << 16));
    }

    /** {@link #prepackA}, the panels in parallel unless {@code serial}. */
    private void prepackA(PanelSource a, int m, int k, float[] dst, int off, boolean serial) {
        int mPad = (m + mr - 1) / mr * mr, mPanels = mPad / mr, slices = (k + KC - 1) / KC;
        Parallel.forRange(slices * mPanels, serial ? Integer.MAX_VALUE : 8, (q0, q1) -> {
            for (int q = q0; q < q1; q++) {
                int p0 = (q / mPanels) * KC, kCur = Math.min(KC, k - p0), i0 = (q % mPanels) * mr;
                a.pack(p0, kCur, i0, Math.min(mr, m - i0), dst, off + p0 * mPad + i0 * kCur);
            }
        });
    }

    /**
     * {@code c = alpha * A * B + beta * c} with A (m x k) either prepacked at {@code prepacked[prepackedOff]}
     * by {@link #prepackA} or, when {@code prepacked} is null, delivered by {@code a}, and B (k x n)
     * delivered by {@code b}. Always the blocked path.
     */
    void gemm(int m, int n, int k, float alpha, PanelSource a, float[] prepacked, int prepackedOff, PanelSource b,
              float beta, float[] c, int cOff, int ldc) {
        assert m > 0 && n > 0 && k > 0 : "empty product " + m + "x" + n + "x" + k;
        packed(m, n, k, alpha, a, prepacked, prepackedOff, 0, b, beta, c, cOff, ldc);
    }

    /**
     * {@code c = alpha * A * B + beta * c} with A (m x k) read in place, row-major at {@code a[aOff]}
     * with rows {@code lda} apart, by a micro-kernel that broadcasts from mr rows at once
     * ({@link Simd#kernelRows}); B (k x n) delivered by {@code b}. For a convolution's weight:
     * packing it cost a full read and write of the weight per call, which for ResNet-18's last
     * layers at batch 1 (9.4 MB of weights for 0.3 GFLOP) took as long as the arithmetic.
     */
    void gemmRowMajorA(int m, int n, int k, float alpha, float[] a, int aOff, int lda, PanelSource b,
                       float beta, float[] c, int cOff, int ldc) {
        assert m > 0 && n > 0 && k > 0 : "empty product " + m + "x" + n + "x" + k;
        if (simd.hasRowsKernel()) {
            packed(m, n, k, alpha, null, a, aOff, lda, b, beta, c, cOff, ldc);
        } else {
            packed(m, n, k, alpha, panelsOfA(false, a, aOff, lda), null, 0, 0, b, beta, c, cOff, ldc);
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

    /**
     * The blocked path. A is, by priority: read in place when {@code lda > 0} (row-major at
     * {@code prepacked[prepackedOff]}), prepacked by {@link #prepackA} when {@code prepacked} is not
     * null, or packed here from {@code a}.
     */
    private void packed(int m, int n, int k, float alpha, PanelSource a, float[] prepacked, int prepackedOff, int lda,
                        PanelSource b, float beta, float[] c, int cOff, int ldc) {
        int mPad = (m + mr - 1) / mr * mr;
        boolean serial = (long) m * n * k <= PARALLEL_WORK;
        float[] pa = prepacked;
        int paOff = prepackedOff;
        if (pa == null) { // all of A, every k-slice, packed once and shared by every task
            pa = Scratch.get().packA(prepackedSize(m, k));
            paOff = 0;
            prepackA(a, m, k, pa, 0, serial);
        }
        float[] packedA = pa;
        int aOff = paOff;
        int threads = serial ? 1 : Parallel.threads();
        int mBlocks = (m + mc - 1) / mc, ncUsed = nc, mSplit = 1;
        if (threads > 1 && n >= m) {
            // tasks split C's columns, at least 2 per thread, so the threads share a narrow C
            // evenly (a convolution's weight gradient has 576 columns for a 3x3, 64-channel layer);
            // every column block reads all of A, the smaller operand here
            ncUsed = Math.min(nc, Math.max(nr, ((n + 2 * threads - 1) / (2 * threads) + nr - 1) / nr * nr));
        } else if (threads > 1) {
            // a tall C (big weights, few positions: ResNet's last layers at batch 1): split the rows,
            // so each task reads only its part of A; tasks of a column block pack the same B block
            mSplit = Math.min(mBlocks, 2 * threads);
        }
        int nBlocks = (n + ncUsed - 1) / ncUsed, blockCols = ncUsed, rowSplit = mSplit;
        int ncPad = (Math.min(blockCols, n) + nr - 1) / nr * nr; // floats per packed row of the widest block
        // tasks that split the rows of a column block all read the same B: when all of it stays in
        // L2 it is packed once, here, in parallel, rather than by each of them. Measured on
        // ResNet-18's tall layers at batch 1, 2 threads: the strided 3x3 on 7x7 (B from im2col,
        // 0.6 MB) 1.04-1.07 -> 0.72-0.83 ms, on 14x14 (1 MB) 0.85-0.86 -> 0.68-0.75 ms; but the
        // stride-1 ones (2.4 and 1.8 MB, cheap window copies) 5-8% slower, so those pack per task
        boolean shareB = rowSplit > 1 && (long) nBlocks * k * ncPad <= SHARED_B_FLOATS;
        float[] shared = shareB ? packAllOfB(b, k, n, nBlocks, blockCols, ncPad) : null;
        Parallel.forRange(nBlocks * rowSplit, serial ? Integer.MAX_VALUE : 1, (t0, t1) -> {
            Scratch scratch = Scratch.get();
            float[] tile = scratch.tile(mr * nr);
            for (int t = t0; t < t1; t++) {
                int block = t / rowSplit, j0 = block * blockCols, nCur = Math.min(blockCols, n - j0);
                int nPanels = (nCur + nr - 1) / nr, part = t % rowSplit;
                int mbLo = mBlocks * part / rowSplit, mbHi = mBlocks * (part + 1) / rowSplit;
                float[] pb = shared != null ? shared : scratch.packB(nPanels * nr * Math.min(k, KC));
                for (int p0 = 0; p0 < k; p0 += KC) {
                    int kCur = Math.min(KC, k - p0), pbOff = 0;
                    if (shared != null) {
                        pbOff = (block * k + p0) * ncPad;
                    } else {
                        // this task's B block (KC x nc, 512 KiB) is packed right before its use, so the
                        // micro-kernel reads it from L2: packing a whole k-slice of B first and reading
                        // it back afterwards went through memory for wide products
                        for (int q = 0; q < nPanels; q++) {
                            b.pack(p0, kCur, j0 + q * nr, Math.min(nr, nCur - q * nr), pb, q * nr * kCur);
                        }
                    }
                    // the first slice applies beta; later slices add onto what the earlier ones stored
                    float bet = p0 == 0 ? beta : 1f;
                    for (int mb = mbLo; mb < mbHi; mb++) {
                        int i0 = mb * mc;
                        int aAt = lda > 0 ? aOff + i0 * lda + p0 : aOff + p0 * mPad + i0 * kCur;
                        block(Math.min(mc, m - i0), nCur, kCur, alpha, packedA, aAt, lda, pb, pbOff, bet,
                                c, cOff + i0 * ldc + j0, ldc, tile);
                    }
                }
            }
        });
    }

    /**
     * Every panel of B, column block by column block and k-slice by k-slice, in parallel: panel q of
     * slice p0 of block cb at {@code ((cb * k + p0) * ncPad + q * nr * kCur)}, laid out as the
     * per-task packing of {@link #packed} lays out one slice.
     */
    private float[] packAllOfB(PanelSource b, int k, int n, int nBlocks, int blockCols, int ncPad) {
        float[] all = Scratch.get().sharedB(nBlocks * k * ncPad);
        int slices = (k + KC - 1) / KC, panels = ncPad / nr;
        Parallel.forRange(nBlocks * slices * panels, 4, (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int q = u % panels, p0 = (u / panels) % slices * KC, block = u / (panels * slices);
                int j0 = block * blockCols, nCur = Math.min(blockCols, n - j0), kCur = Math.min(KC, k - p0);
                if (q * nr < nCur) { // the last block may have fewer panels
                    b.pack(p0, kCur, j0 + q * nr, Math.min(nr, nCur - q * nr), all, (block * k + p0) * ncPad + q * nr * kCur);
                }
            }
        });
        return all;
    }

    /**
     * {@code c = alpha * a * b^T + beta * c} with both operands read in place, rows contiguous along
     * k: 4 x 4 tiles of dot products ({@link Simd#kernelDot}). Used when packing would cost more
     * than it saves: B^T must be transposed to be packed, and with few rows of A each packed value
     * serves only a few multiply-adds.
     */
    private void dotBlocked(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
                            int ldb, float beta, float[] c, int cOff, int ldc) {
        int mBlocks = (m + 63) / 64, nBlocks = (n + 255) / 256;
        Parallel.forRange(mBlocks * nBlocks, (long) m * n * k <= PARALLEL_WORK ? Integer.MAX_VALUE : 1, (t0, t1) -> {
            float[] lanes = Scratch.get().tile(16 * simd.lanes());
            for (int t = t0; t < t1; t++) {
                int i0 = (t % mBlocks) * 64, i1 = Math.min(m, i0 + 64);
                int j0 = (t / mBlocks) * 256, j1 = Math.min(n, j0 + 256);
                for (int p0 = 0; p0 < k; p0 += KD) {
                    int kCur = Math.min(KD, k - p0);
                    float bet = p0 == 0 ? beta : 1f;
                    for (int j = j0; j < j1; j += 4) { // a 4-row tile of b stays in L1 while the rows of a pass
                        for (int i = i0; i < i1; i += 4) {
                            int ci = cOff + i * ldc + j;
                            if (i + 4 <= i1 && j + 4 <= j1) {
                                simd.kernelDot(kCur, a, aOff + i * lda + p0, lda, b, bOff + j * ldb + p0, ldb,
                                        c, ci, ldc, alpha, bet, lanes);
                                continue;
                            }
                            for (int r = i; r < Math.min(i + 4, i1); r++) { // edge of C: one dot product each
                                for (int q = j; q < Math.min(j + 4, j1); q++) {
                                    float d = simd.dot(a, aOff + r * lda + p0, b, bOff + q * ldb + p0, kCur);
                                    int x = cOff + r * ldc + q;
                                    c[x] = bet == 0f ? alpha * d : alpha * d + bet * c[x];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Offsets {@code j*ld} of the rows a transposing pack gathers from, padded with 0 to whole
     * vectors; null for panels narrower than a vector, which are transposed one value at a time.
     * A gather for mr = 8 rows with 16 lanes reads twice the values it keeps, and on the Zen 4
     * host gathers cost more than the scalar copy even at full width there: packing A by gathers
     * took 16% of a 256^3 product's samples on the calling thread, and about one JVM in three ran
     * the product at half speed, the worker thread's gathers 8x slower than in the other JVMs
     * (JFR). Scalar A panels, 256^3, best of 3 JVMs each: 1 thread 0.379 -> 0.337 ms, 2 threads
     * 0.219 -> 0.183 ms; 1024^3 within the noise. B^T panels (nr = 32: two whole gathers) keep
     * their gathers, measured 1.5x faster than scalar code on the Xeon host.
     */
    private int[] gatherIndex(int width, int ld) {
        int v = simd.lanes();
        if (width < v) return null;
        int[] index = new int[(width + v - 1) / v * v];
        for (int j = 0; j < width; j++) index[j] = j * ld;
        return index;
    }

    /**
     * One mc x kc block of A times one packed kc x nc block of B into C, tile by tile. A is packed
     * at {@code pa[paOff]}, or with {@code lda > 0} row-major there (a partial last panel of rows is
     * then packed on the fly, zero-padded to mr rows).
     */
    private void block(int mCur, int nCur, int kCur, float alpha, float[] pa, int paOff, int lda, float[] pb, int pbOff,
                       float beta, float[] c, int cOff, int ldc, float[] tile) {
        for (int ir = 0; ir < mCur; ir += mr) {
            int h = Math.min(mr, mCur - ir);
            float[] panel = pa;
            int at, rows = 0; // rows > 0: read mr rows in place, that far apart
            if (lda == 0) {
                at = paOff + ir * kCur;
            } else if (h == mr) {
                at = paOff + ir * lda;
                rows = lda;
            } else {
                panel = Scratch.get().edgeA(mr * kCur);
                at = 0;
                packA(false, pa, paOff + ir * lda, lda, 0, h, 0, kCur, panel, 0, null);
            }
            for (int jr = 0; jr < nCur; jr += nr) {
                int w = Math.min(nr, nCur - jr);
                int ci = cOff + ir * ldc + jr;
                if (h == mr && w == nr) {
                    kernel(kCur, panel, at, rows, pb, pbOff + jr * kCur, c, ci, ldc, alpha, beta);
                } else { // edge of C: compute the whole tile, then update only the part inside C
                    kernel(kCur, panel, at, rows, pb, pbOff + jr * kCur, tile, 0, nr, 1f, 0f);
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

    /** The micro-kernel on a packed A panel ({@code rows == 0}) or on mr rows of A {@code rows} apart. */
    private void kernel(int kCur, float[] a, int aOff, int rows, float[] b, int bOff, float[] c, int cOff, int ldc,
                        float alpha, float beta) {
        if (rows == 0) {
            simd.kernel(kCur, a, aOff, b, bOff, c, cOff, ldc, alpha, beta);
        } else {
            simd.kernelRows(kCur, a, aOff, rows, b, bOff, c, cOff, ldc, alpha, beta);
        }
    }

    /**
     * Packs the panel op(A)[i0 : i0+h, p0 : p0+kCur] at {@code pa[off]}: for each p, the mr values
     * op(A)[i0 + r, p0 + p] contiguously; rows past h are zero.
     */
    private void packA(boolean transA, float[] a, int aOff, int lda, int i0, int h, int p0, int kCur,
                       float[] pa, int off, int[] index) {
        if (transA) { // op(A)[i, p] = a[p, i]: h consecutive values per p
            simd.packRows(a, aOff + p0 * lda + i0, lda, kCur, h, mr, pa, off);
        } else if (h == mr && index != null) { // op(A)[i, p] = a[i, p]: a transpose, by gathers
            simd.packColumns(a, aOff + i0 * lda + p0, kCur, mr, index, 0, pa, off);
        } else { // the last, partial panel, or panels narrower than a vector (see gatherIndex)
            int src = aOff + i0 * lda + p0;
            for (int p = 0; p < kCur; p++) {
                int dst = off + p * mr;
                for (int r = 0; r < h; r++) pa[dst + r] = a[src + r * lda + p];
                for (int r = h; r < mr; r++) pa[dst + r] = 0f;
            }
        }
    }

    /**
     * Packs the panel op(B)[p0 : p0+kCur, j0 : j0+w] at {@code pb[off]}: for each p, the nr values
     * op(B)[p0 + p, j0 + j] contiguously; columns past w are zero.
     */
    private void packB(boolean transB, float[] b, int bOff, int ldb, int j0, int w, int p0, int kCur,
                       float[] pb, int off, int[] index) {
        if (transB && w == nr && index != null) { // op(B)[p, j] = b[j, p]: a transpose, by gathers
            simd.packColumns(b, bOff + j0 * ldb + p0, kCur, nr, index, 0, pb, off);
        } else if (transB) { // the last, partial panel
            int src = bOff + j0 * ldb + p0;
            for (int p = 0; p < kCur; p++) {
                int dst = off + p * nr;
                for (int j = 0; j < w; j++) pb[dst + j] = b[src + j * ldb + p];
                for (int j = w; j < nr; j++) pb[dst + j] = 0f;
            }
        } else {
            simd.packRows(b, bOff + p0 * ldb + j0, ldb, kCur, w, nr, pb, off);
        }
    }
}
