package dev.fovea.kernels.simd;

import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.Parallel;

import java.util.Arrays;

/**
 * 1x1, stride-1, unpadded convolutions ({@link ImplicitConv#pointwise}) as products that read the
 * image in place. Per image and group the forward pass is {@code out (m, hw) = weight (m, depth) *
 * in (depth, hw)}, and the right operand is the image itself: depth channels of hw positions,
 * each a contiguous row. So nothing is packed but the weight (a few thousand floats): the 8 x 48
 * micro-kernel {@link Simd#kernelRowsWide} loads three vectors of a channel's row per step of the
 * depth and broadcasts the weight, as {@link ImplicitConv}'s wide window kernel does for wider
 * kernels. The general GEMM path packed every image into B panels first (a copy of the input per
 * call) and stored its 8 x 32 tiles with a scalar edge for 28x28 maps (784 = 24.5 x 32 columns).
 * The input gradient is the same product with the transposed weight, {@code dIn (c, hw) +=
 * weight^T (c, oc) * dOut (oc, hw)}, added into the gradient.
 *
 * <p>A task is a block of column tiles (48 positions each) of one image and group, small enough
 * to stay in L2 ({@link #BLOCK_FLOATS}); each row panel of the weight sweeps the block along its
 * rows, and the epilogue (bias, residual, ReLU) finishes the block's outputs right after. The
 * last, partial tile of a row is only as many vectors wide as its columns need: one
 * ({@link Simd#kernelRowsNarrow}), read in place when its columns fill it; two, from a
 * zero-padded copy that is a packed panel of {@link Simd#kernel}; three, from a zero-padded copy.
 * Computed 48 wide, a 28x28 map's tail of 16 columns made 4% of the arithmetic wasted (conv_e's
 * forward on 2 threads ran at 208 GFLOP/s against 222 for a 24x32 map of whole tiles; narrow,
 * 0.802 -> 0.767 ms, and forward+backward 2.898 -> 2.823 ms on 2 threads and 5.775 -> 5.484 ms on
 * 1, best of 150 and 60 rounds in one JVM alternating). No load runs past the image, and a last
 * panel of fewer than 8 rows goes through a scratch tile, so no store runs past the output. Every
 * output is one fixed sum over the depth, in the same order whichever kernel computes it and
 * whatever the thread count. The GEMM stays the faster path for deep and large
 * products ({@link #applies}).
 */
final class Pointwise {

    /**
     * Floats of the image that one task's column block spans (its channels times its columns): a
     * quarter of a 1 MiB L2, so the block stays there while every row panel of the weight passes
     * over it, each panel sweeping the block's tiles along its rows (so the stores run along the
     * output's rows, as in {@link Gemm}). Visiting every row panel per tile instead scattered the
     * stores over all rows (256 -> 64 channels on 56x56 at batch 8, 2 threads: input gradient 5.8
     * against 4.7 ms this way; conv_e's passes the same within 3%).
     */
    private static final long BLOCK_FLOATS = 1 << 16;
    /**
     * Fewest tasks per call, so that a few images (one, in an inference at batch 1) still split
     * over the threads, in blocks of equal tiles give or take one. conv_e's passes measured the
     * same as with whole images as tasks (8 for its input gradient), within 2%.
     */
    private static final int MIN_TASKS = 16;
    /** Most positions per image: see {@link #applies}. */
    private static final int MAX_POSITIONS = 1024;
    /** Most input and output channels per group: see {@link #applies}. */
    private static final int MAX_DEPTH = 256;

    private Pointwise() {}

    /**
     * Whether a pointwise geometry goes this way rather than through the packed GEMM: with 8-row
     * kernels, images of at most {@link #MAX_POSITIONS} positions whose last, partial tile wastes
     * at most a sixteenth of the columns computed (28x28: 784 positions in 17 tiles of 48; 14x14,
     * 196 in 5, would waste a fifth), and products of at most {@link #MAX_DEPTH} each way, since
     * the forward pass and the input gradient each swap the two channel counts. Measured on 2
     * threads at batch 8, against the GEMM, forward / input gradient: 192 -> 64 channels on 28x28
     * (GoogLeNet's 3a 1x1 branch) 0.80 / 0.76 -> 0.74 / 0.73 ms; but 512 -> 128 on 28x28 4.24 / 4.15
     * -> 4.55 / 4.15, 128 -> 512 4.12 / 4.38 -> 4.26 / 4.57, 64 -> 256 on 56x56 4.47 / 5.23 -> 4.71
     * / 5.97 and 256 -> 64 5.13 / 4.47 -> 5.57 / 4.72 (deep or large products, whose operands and
     * outputs leave L2 and which the GEMM's blocking serves better).
     */
    static boolean applies(Simd simd, ConvGeometry g) {
        int hw = g.h() * g.w(), tw = 3 * simd.lanes(), tiles = (hw + tw - 1) / tw;
        return ImplicitConv.pointwise(g) && simd.hasRowsKernel() && hw <= MAX_POSITIONS
                && (long) tiles * tw - hw <= hw / 16 && g.cPerGroup() <= MAX_DEPTH && g.ocPerGroup() <= MAX_DEPTH;
    }

    /**
     * {@code out = weight * in} per image and group, finished by {@code epilogue}; a fresh output
     * array is asked for alongside the products, and the blocks computed before it exists go
     * through a buffer ({@link DeferredOutput#inPieces}), so that the JVM's zeroing of the array
     * on the calling thread no longer holds up the workers (1x1 192 -> 64 on 28x28 at batch 8, 2
     * threads, median of 20 rounds alternating in one JVM: 0.487 -> 0.465 ms; 1 thread even).
     */
    static void forward(Simd simd, ConvGeometry g, float[] weight, Epilogue epilogue, float[] in, DeferredOutput out) {
        int ocg = g.ocPerGroup(), cpg = g.cPerGroup();
        int size = panelsSize(simd, ocg, cpg);
        float[] panels = Scratch.get().weights(g.groups() * size);
        for (int grp = 0; grp < g.groups(); grp++) {
            ImplicitConv.packPanels(weight, grp * ocg * cpg, ocg, cpg, simd.mr(), panels, grp * size);
        }
        multiply(simd, g, g.groups(), ocg, cpg, g.oc(), g.c(), panels, in, out, false, epilogue);
    }

    /** {@code dIn += weight^T * dOut} per image and group, or {@code =} when not {@code accumulate}. */
    static void inputGradient(Simd simd, ConvGeometry g, float[] weight, float[] dOut, float[] dIn, boolean accumulate) {
        int ocg = g.ocPerGroup(), cpg = g.cPerGroup();
        float[] panels = Scratch.get().weights(g.groups() * panelsSize(simd, cpg, ocg));
        packTransposedPanels(simd, weight, g.groups(), ocg, cpg, panels);
        multiply(simd, g, g.groups(), cpg, ocg, g.c(), g.oc(), panels, dOut, DeferredOutput.of(dIn), accumulate,
                Epilogue.NONE);
    }

    /** Floats of one group's weight in mr-row panels: rows rounded up to whole panels, times the depth. */
    private static int panelsSize(Simd simd, int rows, int depth) {
        return (rows + simd.mr() - 1) / simd.mr() * simd.mr() * depth;
    }

    /**
     * Each group's transposed weight (cpg, ocg) in mr-row panels over the whole depth, the layout
     * of {@link ImplicitConv#packPanels} for the weight itself: input channel ci = pn*mr + r at
     * output channel o is at {@code grp*size + pn*ocg*mr + o*mr + r}, zero past the last channel.
     */
    private static void packTransposedPanels(Simd simd, float[] weight, int groups, int ocg, int cpg, float[] dst) {
        int mr = simd.mr(), panels = (cpg + mr - 1) / mr, size = panels * mr * ocg;
        for (int grp = 0; grp < groups; grp++) {
            int w0 = grp * ocg * cpg;
            for (int pn = 0; pn < panels; pn++) {
                int base = grp * size + pn * ocg * mr;
                for (int o = 0; o < ocg; o++) {
                    for (int r = 0, ci = pn * mr; r < mr; r++, ci++) {
                        dst[base + o * mr + r] = ci < cpg ? weight[w0 + o * cpg + ci] : 0f;
                    }
                }
            }
        }
    }

    /**
     * {@code dst_(b, grp) (m, hw) (+)= panels_grp (m, depth) * src_(b, grp) (depth, hw)} for every
     * image b and group, where image b's group grp starts at channel {@code grp*depth} of
     * {@code srcChannels} in src and {@code grp*m} of {@code dstChannels} in dst, the output's array
     * (asked for alongside the products when it is not allocated yet).
     */
    private static void multiply(Simd simd, ConvGeometry g, int groups, int m, int depth, int dstChannels,
                                 int srcChannels, float[] panels, float[] src, DeferredOutput output, boolean add,
                                 Epilogue epilogue) {
        int mr = simd.mr(), v = simd.lanes(), tw = 3 * v, hw = g.h() * g.w(), tiles = (hw + tw - 1) / tw;
        // a row's last, partial tile: as many vectors as its columns need; one vector read in
        // place when its columns fill it (no load past the image), else a zero-padded copy, which
        // for two vectors is a packed panel of the GEMM's micro-kernel
        int rest = hw % tw, tailVectors = rest <= v ? 1 : rest <= 2 * v && simd.nr() == 2 * v ? 2 : 3;
        boolean tailInPlace = rest == v;
        int rowPanels = (m + mr - 1) / mr, size = rowPanels * mr * depth;
        // blocks of equal tiles (give or take one), at least MIN_TASKS of them in all
        int most = (int) Math.clamp(BLOCK_FLOATS / ((long) depth * tw), 1, tiles);
        int spread = Math.min(tiles, Math.max((tiles + most - 1) / most, (MIN_TASKS + g.n() * groups - 1) / (g.n() * groups)));
        int blockTiles = (tiles + spread - 1) / spread, blocks = (tiles + blockTiles - 1) / blockTiles;
        long perBlock = (long) size * tw * blockTiles;
        // an output not allocated yet: the blocks computed before it exists go to a buffer, m rows
        // of the block's width each, written out by their thread once it does
        int tasks = g.n() * groups * blocks, width = blockTiles * tw, pieceFloats = m * width;
        // (on one thread the allocation would only come after every block: it comes first instead)
        if (Parallel.threads() == 1) output.array();
        float[] buffer = output.ready() != null ? null : Scratch.get().products(tasks * pieceFloats);
        boolean[] buffered = buffer == null ? null : new boolean[tasks];
        DeferredOutput.Pieces pieces = buffer == null ? null : output.inPieces(tasks, (q, out) -> {
            if (!buffered[q]) return; // computed into the output itself
            int image = q / (groups * blocks), grp = q / blocks % groups, j0 = q % blocks * blockTiles * tw;
            int cols = Math.min(hw, j0 + width) - j0, dstAt = (image * dstChannels + grp * m) * hw;
            for (int o = 0; o < m; o++) {
                System.arraycopy(buffer, q * pieceFloats + o * width, out, dstAt + o * hw + j0, cols);
                if (!epilogue.isNone()) epilogue.apply(simd, grp * m + o, out, dstAt + o * hw + j0, cols);
            }
        });
        Runnable products = () -> Parallel.forRange(tasks, (int) Math.max(1, (1L << 20) / perBlock), (q0, q1) -> {
            Scratch scratch = Scratch.get();
            for (int q = q0; q < q1; q++) {
                int image = q / (groups * blocks), grp = q / blocks % groups, t0 = q % blocks * blockTiles;
                int t1 = Math.min(tiles, t0 + blockTiles), j0 = t0 * tw, cols = Math.min(hw, t1 * tw) - j0;
                int xAt = (image * srcChannels + grp * depth) * hw;
                // into the output where it exists, else into this block's part of the buffer, whose
                // columns start at the block's first (so a tile's column is t*tw - shift)
                float[] ready = output.ready();
                boolean direct = ready != null;
                float[] dst = direct ? ready : buffer;
                int ld = direct ? hw : width, shift = direct ? 0 : j0;
                int dstAt = direct ? (image * dstChannels + grp * m) * hw : q * pieceFloats;
                int full = t1 * tw <= hw ? t1 : t1 - 1; // tiles of tw columns, then the rest, if in this block
                float[] tail = src;
                int tailAt = xAt + full * tw, tailLd = hw, tailWidth = tailVectors * v;
                if (full < t1 && !tailInPlace) { // its columns, zero-padded to whole vectors
                    tail = scratch.packB(depth * tailWidth);
                    tailAt = 0;
                    tailLd = tailWidth;
                    for (int p = 0; p < depth; p++) {
                        System.arraycopy(src, xAt + p * hw + full * tw, tail, p * tailWidth, rest);
                        Arrays.fill(tail, p * tailWidth + rest, (p + 1) * tailWidth, 0f);
                    }
                }
                for (int pn = 0; pn < rowPanels; pn++) {
                    int h = Math.min(mr, m - pn * mr), at = dstAt + pn * mr * ld - shift, aAt = grp * size + pn * depth * mr;
                    for (int t = t0; t < full; t++) {
                        if (h == mr) {
                            simd.kernelRowsWide(depth, panels, aAt, src, xAt + t * tw, hw, dst, at + t * tw, ld, add);
                        } else {
                            edge(simd, depth, panels, aAt, src, xAt + t * tw, hw, dst, at + t * tw, ld, h, tw, 3, add, scratch);
                        }
                    }
                    if (full < t1) {
                        if (h == mr && tailInPlace) {
                            simd.kernelRowsNarrow(depth, panels, aAt, src, tailAt, hw, dst, at + full * tw, ld, add);
                        } else {
                            edge(simd, depth, panels, aAt, tail, tailAt, tailLd, dst, at + full * tw, ld, h, rest,
                                    tailVectors, add, scratch);
                        }
                    }
                }
                if (direct && !epilogue.isNone()) {
                    for (int o = 0; o < m; o++) epilogue.apply(simd, grp * m + o, dst, dstAt + o * hw + j0, cols);
                }
                if (pieces != null) {
                    buffered[q] = !direct;
                    pieces.computed(q);
                }
            }
        });
        if (pieces != null) {
            pieces.run(products);
        } else {
            products.run();
        }
    }

    /**
     * A tile at an edge of the output, {@code h x w} of mr x {@code vectors} vectors (3: a whole
     * tile, 1 or 2: a row's last, the two from a packed copy), through a scratch copy of the tile.
     */
    private static void edge(Simd simd, int depth, float[] panels, int aAt, float[] x, int xAt, int ldx, float[] dst,
                             int at, int ld, int h, int w, int vectors, boolean add, Scratch scratch) {
        int mr = simd.mr(), tw = vectors * simd.lanes();
        float[] tile = scratch.tile(mr * tw);
        if (add) {
            for (int r = 0; r < h; r++) System.arraycopy(dst, at + r * ld, tile, r * tw, w);
        }
        switch (vectors) {
            case 3 -> simd.kernelRowsWide(depth, panels, aAt, x, xAt, ldx, tile, 0, tw, add);
            case 2 -> simd.kernel(depth, panels, aAt, x, xAt, tile, 0, tw, 1f, add ? 1f : 0f); // x: rows of nr
            default -> simd.kernelRowsNarrow(depth, panels, aAt, x, xAt, ldx, tile, 0, tw, add);
        }
        for (int r = 0; r < h; r++) System.arraycopy(tile, r * tw, dst, at + r * ld, w);
    }
}
