package dev.fovea.kernels.simd;

import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.Parallel;
import java.util.Arrays;

/**
 * Convolution as an implicit GEMM: the column matrix of im2col is never built, because in the
 * right layout each of its rows is a contiguous window of the zero-padded input. At stride 1, with
 * the image copied into a zero-bordered buffer and an output computed at <em>every</em> column of
 * the padded width, row {@code (ci, ky, kx)} of the column matrix starts at
 * {@code ci*plane + ky*dh*rowStride + kx*dw}. So a GEMM panel of it is one straight copy per row
 * ({@link Simd#packShifted}) instead of the per-output-row segments, bounds and padding tests of a
 * general im2col (which cost about a third of a 3x3, 64-channel forward pass). With stride s the
 * padded image is first split into its s x s phases (rows {@code y = py mod sh}, columns
 * {@code x = px mod sw}); tap {@code (ky, kx)} then reads phase {@code (ky*dh mod sh, kx*dw mod sw)}
 * at shift {@code (ky*dh / sh, kx*dw / sw)}, a stride-1 window again (the polyphase decomposition
 * of a strided filter).
 *
 * <p>The price is the positions computed and dropped: windows that wrap around the right border
 * and below the bottom of each image, 3.6% for a 3x3 "same" convolution on 56x56, 15% on 14x14.
 * The same routine computes the input gradient of a stride-1 convolution, which is the "full"
 * convolution of the output gradient with the kernel flipped in space and transposed in channels
 * (the adjoint of cross-correlation; Dumoulin and Visin, "A guide to convolution arithmetic for
 * deep learning", 2016, section 4), so it needs no col2im scatter either, and the weight gradient,
 * whose transposed column panels are gathered from the same layout.
 */
final class ImplicitConv {

    /**
     * Floats copied per parallel chunk when the layout is filled or the output copied out: a copy
     * runs at several floats per nanosecond, so much smaller chunks would cost more to hand to a
     * pool thread (a few microseconds, the workers spinning between calls) than they save. At 2^16
     * LeNet-5's C3 output (100 KB) was copied by one thread.
     */
    static final int COPY_GRAIN = 1 << 14;

    /**
     * Below this many output positions the weight is read in place by the micro-kernel
     * ({@link Gemm#gemmRowMajorA}) rather than packed: packing costs a pass over the weight that
     * few positions do not amortise. Measured forward passes, packed against in place: 3x3 on
     * 56x56 batch 8 (26,000 positions) 17.5 against 20.4 ms, on 14x14 batch 8 (1,800) 16.9 against
     * 19.9 ms; ResNet-18 at batch 1, 256 channels on 14x14 (225) 3.4 against 3.0 ms, 512 on 7x7
     * (64) 5.5 against 3.2 ms.
     */
    static final int DIRECT_WEIGHT_POSITIONS = 1024;

    /**
     * Most floats of wide output (rows rounded up to whole tiles, times positions) that
     * {@link #batch} computes at once: a larger batch is cut into parts of whole images, each
     * padded, multiplied and copied out while its wide output is still in L2 (2 MB here), instead
     * of the whole batch's output going out to memory and coming back for the copy. ResNet-18's
     * 7x7 stride-2 stem at batch 16 (51 MB of output), forward, 1 thread: 46-64 -> 37-38 ms; AlexNet's
     * conv1 at batch 8 16.5-18.3 -> 14.6-15.9 ms; ResNet-18 inference at batch 16 537-554 -> 519-531
     * ms; at 2 threads and for layers whose output fits already (64 channels on 56x56 at batch 8)
     * the same within the noise. Parts of 2^20 and 2^21 floats measured no better.
     */
    static final long BATCH_PART_FLOATS = 1 << 19;

    /**
     * From this many parts of {@link #BATCH_PART_FLOATS} per thread, {@link #batch} gives each
     * thread whole parts (padded, multiplied and copied out by the one thread) instead of splitting
     * every step of every part across the threads: a thread then reads only the images it padded,
     * from its own L2, and the threads meet once per layer instead of three times per part. Each
     * part is computed the same either way, so the result does not change. Fewer parts than this
     * would leave a thread idle for a part's time. 2 threads on the EPYC host, interleaved runs,
     * best of each: AlexNet's conv1 at batch 8 (8 parts) forward 6.8-7.3 -> 5.6-6.0 ms; ResNet-18
     * inference at batch 16 187-196 -> 180-185 ms; conv_c (4 parts) and the ResNet-18 training
     * step within the noise.
     */
    private static final int PARTS_PER_THREAD = 2;

    /**
     * Up to this many output channels {@link #batch} reads the windows in place
     * ({@link #byWindows}) instead of packing them for the GEMM: a packed window value then serves
     * only 8 or 16 multiply-adds, so packing costs about as much as the arithmetic.
     */
    private static final int WINDOW_ROWS = 16;

    /**
     * From this many output positions, products with more rows than {@link #WINDOW_ROWS} read the
     * windows in place too ({@link #byWideWindows}) instead of packing them for the GEMM. Forward
     * passes, 1 thread, packed GEMM against wide windows: 3x3, 64 channels on 56x56 at batch 8
     * 16.2 -> 12.6 ms, 256 on 14x14 15.0 -> 13.8 ms; ResNet-18 at batch 1: 64 on 56x56 1.83 -> 1.49 ms,
     * 128 on 28x28 2.21 -> 1.66, 256 on 14x14 (225 positions) 2.47 -> 2.23; but 512 on 7x7 (64
     * positions) 2.3 -> 4.5 ms, where the GEMM reads the weight in place and packing it, as the
     * window kernel needs, costs more than the product.
     */
    static final int WIDE_WINDOW_POSITIONS = 200;

    private ImplicitConv() {}

    /**
     * One image's convolution: {@code c} channels of {@code h x w}, zero-padded by the four pads,
     * a {@code kh x kw} kernel with dilation {@code (dh, dw)}, stride 1.
     */
    record Shape(int c, int h, int w, int padTop, int padLeft, int padBottom, int padRight,
                 int kh, int kw, int dh, int dw, int sh, int sw) {

        int hp() { return h + padTop + padBottom; }

        int wp() { return w + padLeft + padRight; }

        int oh() { return (hp() - (kh - 1) * dh - 1) / sh + 1; }

        int ow() { return (wp() - (kw - 1) * dw - 1) / sw + 1; }

        /** Rows of the column matrix: the depth of the GEMM. */
        int depth() { return c * kh * kw; }

        /** Output positions computed per channel of one image by {@link #weightGradient}: every column of the padded width. */
        int wide() { return oh() * wp(); }

        private boolean strided() { return sh > 1 || sw > 1; }

        /**
         * Row stride of the batch layout of {@link #batch}. Stride 1: neighbouring rows share
         * their zero columns, since a window that runs off a row's left end lands in the previous
         * row's right padding, so {@code max(padLeft, padRight)} zeros per row suffice. Strided:
         * the width of a phase plane, {@code ceil(wp / sw)}.
         */
        int rowStride() { return strided() ? (wp() + sw - 1) / sw : w + Math.max(padLeft, padRight); }

        /** Rows per image in the batch layout (stride 1: neighbouring images share their zero rows likewise). */
        int planeRows() { return strided() ? (hp() + sh - 1) / sh : h + Math.max(padTop, padBottom); }

        /** Floats per image and plane in the batch layout, and output positions computed per image. */
        int plane() { return planeRows() * rowStride(); }

        /** Zeros before the first image of a plane, so that every window offset is non-negative (stride 1). */
        int lead() { return strided() ? 0 : padTop * rowStride() + padLeft; }

        /** Planes per input channel: one per phase {@code (y mod sh, x mod sw)} of the padded image. */
        int phases() { return sh * sw; }
    }

    /** Stride 1 in both directions: the only case where the column matrix rows are windows. */
    static boolean applies(ConvGeometry g) {
        return g.strideH() == 1 && g.strideW() == 1;
    }

    /** A 1x1, stride-1, unpadded convolution: each input channel of an image is its own window. */
    static boolean pointwise(ConvGeometry g) {
        return g.kh() == 1 && g.kw() == 1 && applies(g)
                && g.padTop() == 0 && g.padLeft() == 0 && g.padBottom() == 0 && g.padRight() == 0;
    }

    /**
     * The forward pass of one group: input channels {@code c/groups}, padding, dilation and stride
     * as given. Null, for the im2col path, when a padding at stride 1 is wider than the kernel's
     * reach, since outputs that see only padding do not fit the shared-padding layout of
     * {@link #batch} (ConvGeometry allows it; nobody uses it), and when a strided kernel has fewer
     * than 4 taps per phase: splitting the image into phases is a scalar pass over it, which
     * ResNet's 3x3 and 1x1 stride-2 layers do not earn back (3x3 on 56x56, 64 -> 128: 1.6 -> 2.0 ms;
     * ResNet's 7x7 stride-2 stem: 4.6 -> 3.2 ms; AlexNet's 11x11 stride 4: 24.0 -> 20.5 ms).
     */
    static Shape forward(ConvGeometry g) {
        int reachH = (g.kh() - 1) * g.dilationH(), reachW = (g.kw() - 1) * g.dilationW();
        boolean stride1 = applies(g);
        if (stride1 && (Math.min(g.padTop(), g.padBottom()) > reachH || Math.min(g.padLeft(), g.padRight()) > reachW)) {
            return null;
        }
        if (!stride1 && g.kh() * g.kw() < 4 * g.strideH() * g.strideW()) return null;
        return shape(g);
    }

    /** One group's input of g with its zero border, whichever path reads it. */
    static Shape shape(ConvGeometry g) {
        return new Shape(g.cPerGroup(), g.h(), g.w(), g.padTop(), g.padLeft(), g.padBottom(), g.padRight(),
                g.kh(), g.kw(), g.dilationH(), g.dilationW(), g.strideH(), g.strideW());
    }

    /**
     * The input gradient of one group as a forward convolution of the output gradient: padding
     * {@code dilation*(k-1) - pad} on each side, so it exists only when no pad exceeds the kernel's
     * reach (always true for "valid" and "same" padding); null otherwise.
     */
    static Shape inputGradient(ConvGeometry g) {
        int reachH = (g.kh() - 1) * g.dilationH(), reachW = (g.kw() - 1) * g.dilationW();
        if (g.padTop() > reachH || g.padBottom() > reachH || g.padLeft() > reachW || g.padRight() > reachW) {
            return null;
        }
        return new Shape(g.ocPerGroup(), g.oh(), g.ow(), reachH - g.padTop(), reachW - g.padLeft(),
                reachH - g.padBottom(), reachW - g.padRight(), g.kh(), g.kw(), g.dilationH(), g.dilationW(), 1, 1);
    }

    /**
     * The weight of the input-gradient convolution of every group, laid out for {@link #batch}:
     * {@code flipped[grp][ci][(o*kh + ky)*kw + kx] = weight[grp*ocg + o][ci][kh-1-ky][kw-1-kx]}, in the
     * calling thread's {@link Scratch#weights} buffer (valid until its next use).
     */
    static float[] flippedWeight(float[] weight, ConvGeometry g) {
        int cpg = g.cPerGroup(), ocg = g.ocPerGroup(), kh = g.kh(), kw = g.kw(), taps = kh * kw;
        float[] flipped = Scratch.get().weights(weight.length); // every value is written below
        // in parallel over output channels: serial, it was 2% of a 2-thread ResNet-18 training step
        Parallel.forRange(g.groups() * ocg, Math.max(1, COPY_GRAIN / (cpg * taps)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int grp = r / ocg, o = r % ocg;
                for (int ci = 0; ci < cpg; ci++) {
                    int src = ((grp * ocg + o) * cpg + ci) * taps;
                    int dst = (grp * cpg + ci) * ocg * taps + o * taps;
                    for (int t = 0; t < taps; t++) flipped[dst + taps - 1 - t] = weight[src + t];
                }
            }
        });
        return flipped;
    }

    /**
     * For every image b of the batch, {@code dst_b (m, oh, ow) = weight (m, depth) * columns(src_b)}
     * finished by {@code epilogue} (bias {@code channelOff + o} of output channel o, residual, ReLU), or
     * {@code dst_b += weight * columns(src_b)} when {@code accumulate}. Image b's {@code c x h x w}
     * input is at {@code src[srcOff + b*srcStride]} and its output at {@code dst[dstOff + b*dstStride]};
     * the weight is row-major (m, depth) at {@code weight[weightOff]}, or, when {@code packedWeight} is
     * not null, already packed by {@link Gemm#prepackA} at {@code packedWeight[packedOff]}: the GEMM of
     * a product with more than {@link #WINDOW_ROWS} rows then reads that, below
     * {@link #DIRECT_WEIGHT_POSITIONS} positions; from there the wide window kernel copies the
     * weight into its own panels as without it.
     *
     * <p>One GEMM covers the whole batch: the padded images are stored channel-major
     * ({@code c, n, hp, wp}), so a window of channel ci runs on from one image into the next and
     * the positions of all images form one wide output of {@code n*hp*wp} columns (the bottom
     * {@code (kh-1)*dh} rows of each image's plane are dropped like the wrapped columns). Small
     * layers then make one large product instead of many thin ones: LeNet-5's C1 has 6 output
     * channels and 25 taps, so per image the packing and the tile stores outweigh the arithmetic.
     * A batch whose wide output would exceed {@link #BATCH_PART_FLOATS} is taken in parts of whole
     * images (a function of the geometry, so the result does not depend on the thread count).
     */
    static void batch(Gemm gemm, Simd simd, Shape s, int n, int m, float[] weight, int weightOff,
                      float[] packedWeight, int packedOff, float[] src, int srcOff, int srcStride, Epilogue epilogue,
                      int channelOff, float[] dst, int dstOff, int dstStride, boolean accumulate) {
        int mPad = (m + simd.mr() - 1) / simd.mr() * simd.mr(); // rows of the wide output
        int perPart = (int) Math.clamp(BATCH_PART_FLOATS / ((long) mPad * s.plane()), 1, n);
        int parts = (n + perPart - 1) / perPart;
        Parallel.RangeBody run = (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int b0 = p * perPart, images = Math.min(perPart, n - b0);
                batchPart(gemm, simd, s, images, m, weight, weightOff, packedWeight, packedOff, src,
                        srcOff + b0 * srcStride, srcStride, epilogue, channelOff, dst, dstOff + b0 * dstStride,
                        dstStride, accumulate);
            }
        };
        if (parts >= PARTS_PER_THREAD * Parallel.threads() && Parallel.threads() > 1) {
            Parallel.forRange(parts, 1, run); // whole parts per thread, each part's calls inline
        } else {
            run.run(0, parts); // one part after the other, each split across the threads
        }
    }

    /** {@link #batch} over images that all fit in one batch layout and one wide output. */
    private static void batchPart(Gemm gemm, Simd simd, Shape s, int n, int m, float[] weight, int weightOff,
                                  float[] packedWeight, int packedOff, float[] src, int srcOff, int srcStride,
                                  Epilogue epilogue, int channelOff, float[] dst, int dstOff, int dstStride,
                                  boolean accumulate) {
        int oh = s.oh(), ow = s.ow(), depth = s.depth(), rs = s.rowStride(), plane = s.plane(), positions = n * plane;
        Scratch scratch = Scratch.get();
        // a weight packed already by the caller (an inference session) serves the GEMM unless the
        // positions are many enough for copying it into the window kernel's panels to pay off too
        boolean wide = m > WINDOW_ROWS && simd.hasRowsKernel() && positions >= WIDE_WINDOW_POSITIONS
                && (packedWeight == null || positions >= DIRECT_WEIGHT_POSITIONS);
        boolean narrow = m > 1 && m <= WINDOW_ROWS && simd.hasRowsKernel();
        int mPad = (m + simd.mr() - 1) / simd.mr() * simd.mr();
        float[] padded = padBatch(simd, s, n, src, srcOff, srcStride, wide || narrow ? mPad * depth : 0);
        int[] offsets = scratch.offsets(depth);
        float[] out;
        int ld; // of out
        if (m == 1) { // one row: the single-row window kernel, no tile rows wasted
            ld = (positions + simd.nr() - 1) / simd.nr() * simd.nr();
            out = scratch.wide(ld);
            int nr = simd.nr(), tiles = ld / nr;
            Parallel.forRange(tiles, Math.max(1, (1 << 16) / (nr * depth)), (t0, t1) -> {
                for (int t = t0; t < t1; t++) {
                    simd.kernelWindows1(depth, weight, weightOff, padded, offsets, t * nr, out, t * nr);
                }
            });
        } else if (narrow) {
            ld = (positions + simd.nr() - 1) / simd.nr() * simd.nr();
            out = scratch.wide(mPad * ld);
            byWindows(simd, m, depth, weight, weightOff, padded, windowsEnd(simd, s, n), offsets, out, ld);
        } else if (wide) {
            int tw = 3 * simd.lanes();
            ld = (positions + tw - 1) / tw * tw;
            out = scratch.wide(mPad * ld);
            byWideWindows(simd, m, depth, weight, weightOff, padded, windowsEnd(simd, s, n), offsets, out, ld);
        } else {
            ld = positions;
            out = scratch.wide(m * positions);
            Gemm.PanelSource windows = (p0, kCur, j0, cols, panel, off) ->
                    simd.packShifted(padded, j0, offsets, p0, kCur, panel, off);
            if (packedWeight != null) { // packed by the caller, once for many calls
                gemm.gemm(m, positions, depth, 1f, null, packedWeight, packedOff, windows, 0f, out, 0, positions);
            } else if (positions >= DIRECT_WEIGHT_POSITIONS) { // the weight packed once, then read by every column block
                gemm.gemm(m, positions, depth, 1f, gemm.panelsOfA(false, weight, weightOff, depth), null, 0, windows,
                        0f, out, 0, positions);
            } else { // few positions (a small batch of small images): packing the weight would not pay off
                gemm.gemmRowMajorA(m, positions, depth, 1f, weight, weightOff, depth, windows, 0f, out, 0, positions);
            }
        }
        Parallel.forRange(m * n, Math.max(1, COPY_GRAIN / (oh * ow)), (t0, t1) -> {
            for (int t = t0; t < t1; t++) { // images in order; the first ow of every rs columns, the first oh rows
                int o = t % m, b = t / m, to = dstOff + b * dstStride + o * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int from = o * ld + b * plane + oy * rs;
                    if (accumulate) {
                        simd.axpy(1f, out, from, dst, to + oy * ow, ow);
                    } else {
                        System.arraycopy(out, from, dst, to + oy * ow, ow);
                    }
                }
                epilogue.apply(simd, channelOff + o, dst, to, oh * ow);
            }
        });
    }

    /**
     * {@code out (mPad, ld) = weight (m, depth) * columns}, rows past m unspecified, with the
     * windows read in place by {@link Simd#kernelWindows}: one task per nr columns, every row panel
     * of the weight against them. The weight is packed first ({@link #packPanels}, m * depth floats,
     * a few thousand) at {@code padded[at]}, past the windows.
     */
    private static void byWindows(Simd simd, int m, int depth, float[] weight, int weightOff, float[] padded,
                                  int at, int[] offsets, float[] out, int ld) {
        int mr = simd.mr(), nr = simd.nr(), panels = (m + mr - 1) / mr, tiles = ld / nr;
        packPanels(weight, weightOff, m, depth, mr, padded, at);
        long perTile = (long) panels * mr * nr * depth;
        Parallel.forRange(tiles, (int) Math.max(1, (1L << 20) / perTile), (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                for (int pn = 0; pn < panels; pn++) {
                    simd.kernelWindows(depth, padded, at + pn * depth * mr, offsets, t * nr, out, pn * mr * ld + t * nr, ld);
                }
            }
        });
    }

    /**
     * The weight (m, depth) in mr-row panels over the whole depth at {@code dst[at]}, past the
     * windows of the padded batch: {@code dst[at + pn*depth*mr + p*mr + r] = weight[pn*mr + r][p]},
     * zero past m. The window kernels read both from one array (see {@link #WIDE_WINDOW_POSITIONS}).
     */
    static void packPanels(float[] weight, int weightOff, int m, int depth, int mr, float[] dst, int at) {
        int panels = (m + mr - 1) / mr;
        Parallel.forRange(panels, Math.max(1, COPY_GRAIN / (mr * depth)), (pn0, pn1) -> {
            for (int pn = pn0; pn < pn1; pn++) {
                int base = at + pn * depth * mr;
                for (int p = 0; p < depth; p++) {
                    for (int r = 0, i = pn * mr; r < mr; r++, i++) {
                        dst[base + p * mr + r] = i < m ? weight[weightOff + i * depth + p] : 0f;
                    }
                }
            }
        });
    }

    /**
     * {@code out (mPad, ld) = weight (m, depth) * columns}, rows past m unspecified, for products
     * with more than {@link #WINDOW_ROWS} rows: the windows read in place by
     * {@link Simd#kernelWindowsWide} (8 x 3 vectors), nothing packed but the weight, which goes
     * into 8-row panels at {@code padded[at]}, past the windows, so that the kernel's loop reads
     * one float array. A task is a run of (tile, row panel) pairs in tile-major order: the panels
     * of a tile usually share a thread (and the window starts it computes once per tile), and a
     * small image (ResNet-18's 14x14 at batch 1 makes 5 tiles) still splits over the threads.
     */
    private static void byWideWindows(Simd simd, int m, int depth, float[] weight, int weightOff, float[] padded,
                                      int at, int[] offsets, float[] out, int ld) {
        int mr = simd.mr(), nr = 3 * simd.lanes(), panels = (m + mr - 1) / mr, tiles = ld / nr;
        packPanels(weight, weightOff, m, depth, mr, padded, at);
        long perPair = (long) mr * nr * depth;
        Parallel.forRange(tiles * panels, (int) Math.max(1, (1L << 20) / perPair), (q0, q1) -> {
            int[] starts = Scratch.get().starts(depth);
            int filled = -1;
            for (int q = q0; q < q1; q++) {
                int t = q / panels, pn = q % panels;
                if (filled != t) {
                    for (int p = 0; p < depth; p++) starts[p] = offsets[p] + t * nr;
                    filled = t;
                }
                simd.kernelWindowsWide(depth, padded, at + pn * depth * mr, starts, out, pn * mr * ld + t * nr, ld);
            }
        });
    }

    /**
     * Where the windows of {@link #padBatch} end: the planes, then zeros for the windows of the last
     * image's dropped positions and of the last, partly used column tile (3 vectors wide at most).
     * Past this the scratch buffer is free for the window kernels' weight panels.
     */
    private static int windowsEnd(Simd simd, Shape s, int n) {
        int block = s.lead() + n * s.plane(), planes = s.c() * s.phases() * block;
        int reach = (s.kh() - 1) * s.dh() / s.sh() * s.rowStride() + (s.kw() - 1) * s.dw() / s.sw();
        return planes + reach + 3 * simd.lanes();
    }

    /**
     * The batch layout of {@link #batch} in the calling thread's {@link Scratch#padded} buffer, and
     * the window offset of every column-matrix row in {@link Scratch#offsets} (padded with zeros to
     * a whole number of nr-wide panels): channel ci of image b, row y, column x is at
     * {@code ci*(lead + n*plane) + lead + b*plane + y*rowStride + x}; row {@code (ci, ky, kx)} of
     * the column matrix at position q is {@code padded[offsets[row] + q]}.
     */
    private static float[] padBatch(Simd simd, Shape s, int n, float[] src, int srcOff, int srcStride, int reserve) {
        int c = s.c(), h = s.h(), w = s.w(), rs = s.rowStride(), plane = s.plane(), lead = s.lead();
        int sh = s.sh(), sw = s.sw(), phases = s.phases();
        int block = lead + n * plane, planes = c * phases * block, depth = s.depth(), nr = simd.nr();
        Scratch scratch = Scratch.get();
        // windows of the dropped positions of the last image, and the last GEMM panel, read past
        // the last plane: zeros there keep every value read finite
        int end = windowsEnd(simd, s, n); // the scratch buffer may be longer: only this much is read
        float[] padded = scratch.padded(end + reserve);
        // images in order: each thread's share of this call (Parallel) then pads the images whose
        // columns its share of the product reads, and the copy-out below keeps the same order
        Parallel.forRange(c * n, Math.max(1, COPY_GRAIN / plane), (q0, q1) -> {
            for (int q = q0; q < q1; q++) { // channel q % c of image q / c
                int ci = q % c, b = q / c, from = srcOff + b * srcStride + ci * h * w;
                if (phases == 1) {
                    int d = ci * block + lead + b * plane;
                    if (b == 0) Arrays.fill(padded, ci * block, d, 0f);
                    for (int y = 0; y < h; y++, d += rs) {
                        System.arraycopy(src, from + y * w, padded, d, w);
                        Arrays.fill(padded, d + w, d + rs, 0f);
                    }
                    Arrays.fill(padded, d, ci * block + lead + (b + 1) * plane, 0f);
                    continue;
                }
                // phase (py, px) holds the padded image's rows py, py + sh, ... and columns px, px + sw, ...
                for (int py = 0; py < sh; py++) {
                    for (int px = 0; px < sw; px++) {
                        int d = ((ci * sh + py) * sw + px) * block + b * plane;
                        for (int row = 0; row < s.planeRows(); row++, d += rs) {
                            int y = row * sh + py - s.padTop();
                            if (y < 0 || y >= h) {
                                Arrays.fill(padded, d, d + rs, 0f);
                                continue;
                            }
                            int rowFrom = from + y * w;
                            for (int col = 0, x = px - s.padLeft(); col < rs; col++, x += sw) {
                                padded[d + col] = x >= 0 && x < w ? src[rowFrom + x] : 0f;
                            }
                        }
                    }
                }
            }
        });
        Arrays.fill(padded, planes, end, 0f);
        int rows = (depth + nr - 1) / nr * nr;
        int[] offsets = scratch.offsets(rows);
        for (int ci = 0, row = 0; ci < c; ci++) {
            for (int ky = 0; ky < s.kh(); ky++) {
                for (int kx = 0; kx < s.kw(); kx++) {
                    int ty = ky * s.dh(), tx = kx * s.dw(); // the tap's offset in the padded image
                    offsets[row++] = ((ci * sh + ty % sh) * sw + tx % sw) * block + ty / sh * rs + tx / sw;
                }
            }
        }
        Arrays.fill(offsets, depth, rows, 0);
        return padded;
    }

    /**
     * {@code dWeight_g += dOut_g (m, positions) * columns^T (positions, depth)} for each group: one
     * GEMM per group whose depth runs over every output position of the batch, in the layout of
     * {@link #batch}. The output gradient is spread to that layout with zeros at the dropped
     * positions, and the column matrix is never built: its transposed panels are gathered from
     * the padded batch ({@link Simd#packColumns}). This replaces an explicit im2col of every image
     * (a 7 MB matrix per image for a 3x3, 64-channel layer on 56x56) that cost about a tenth of a
     * forward+backward pass.
     */
    static void weightGradientBatch(Gemm gemm, Simd simd, ConvGeometry g, Shape s, float[] dWeight, float[] dOut,
                                    float[] in) {
        int n = g.n(), ocg = g.ocPerGroup(), depth = s.depth(), nr = simd.nr();
        int oh = s.oh(), ow = s.ow(), rs = s.rowStride(), plane = s.plane(), positions = n * plane;
        int hw = g.h() * g.w(), ohw = oh * ow;
        for (int grp = 0; grp < g.groups(); grp++) {
            float[] padded = padBatch(simd, s, n, in, grp * s.c() * hw, g.c() * hw, 0);
            int[] offsets = Scratch.get().offsets(0);
            float[] spread = Scratch.get().wide(ocg * positions);
            spreadOutputGradient(g, s, dOut, grp * ocg * ohw, spread);
            Gemm.PanelSource columnsT = (p0, kCur, j0, w, panel, off) -> {
                simd.packColumns(padded, p0, kCur, nr, offsets, j0, panel, off);
                if (w < nr) { // past the last row of the column matrix: zeros, as panels are defined
                    for (int p = 0; p < kCur; p++) Arrays.fill(panel, off + p * nr + w, off + (p + 1) * nr, 0f);
                }
            };
            gemm.gemm(ocg, depth, positions, 1f, gemm.panelsOfA(false, spread, 0, positions), null, 0, columnsT,
                    1f, dWeight, grp * ocg * depth, depth);
        }
    }

    /**
     * One group's output gradient (starting at {@code dOut[dOutOff]} in image 0) in the layout of
     * {@link #batch}, channel-major: {@code spread[o*positions + q]} for position q of the padded
     * batch, zero at the dropped positions.
     */
    private static void spreadOutputGradient(ConvGeometry g, Shape s, float[] dOut, int dOutOff, float[] spread) {
        int n = g.n(), oh = s.oh(), ow = s.ow(), ohw = oh * ow, rs = s.rowStride(), plane = s.plane();
        int positions = n * plane;
        Parallel.forRange(g.ocPerGroup() * n, Math.max(1, COPY_GRAIN / plane), (t0, t1) -> {
            for (int t = t0; t < t1; t++) { // images in order, as in padBatch
                int o = t % g.ocPerGroup(), b = t / g.ocPerGroup();
                int d = o * positions + b * plane, from = dOutOff + (b * g.oc() + o) * ohw;
                for (int oy = 0; oy < oh; oy++, d += rs) {
                    System.arraycopy(dOut, from + oy * ow, spread, d, ow);
                    Arrays.fill(spread, d + ow, d + rs, 0f);
                }
                Arrays.fill(spread, d, o * positions + (b + 1) * plane, 0f);
            }
        });
    }

    /**
     * Output positions per step of {@link #weightGradientWindows}: every tile of a run takes this
     * many positions before the next tile does, so that the chunk of the transposed output
     * gradient they share (128 x 64 channels, 32 KB) stays in L1 (48 KB here). 3x3, 1 thread,
     * best of runs in two JVMs: 64 channels on 56x56 at batch 8, chunks of 64 / 128 / 256 / 512
     * positions 15.8-15.9 / 14.3-15.3 / 15.8-16.5 / 15.8-16.5 ms; 512 on 7x7 at batch 8
     * 21.0-21.2 / 19.4-19.9 / 30.9-31.0 / 29.6-30.1 ms.
     */
    private static final int GRADIENT_CHUNK = 128;

    /**
     * {@link #GRADIENT_CHUNK} for a 1x1 layer's weight gradient, whose six windows are channel rows
     * read in place (no padded copy, so nothing to keep in L1 but the gradient's chunk and the
     * tiles): longer chunks mean fewer loads and stores of the tiles' sums. 2 threads, batch 8,
     * one JVM alternating, 128 against 256: 192 -> 64 on 28x28 0.79 -> 0.78 ms, 480 -> 192 on
     * 14x14 1.50 -> 1.44, 512 -> 128 on 28x28 4.19 -> 4.05, 256 -> 64 on 56x56 4.63 -> 4.47,
     * 64 -> 256 on 56x56 7.7 -> 7.5; 128 -> 512 on 28x28 5.60 -> 5.70.
     */
    private static final int POINTWISE_CHUNK = 256;

    /**
     * Tiles of {@link #weightGradientWindows} that take each chunk of positions in turn before the
     * next run of tiles starts: their sums (1.5 KB each) stay in L2 while the chunks pass (24 to
     * 384 tiles measured within 5% of each other).
     */
    private static final int GRADIENT_TILES = 96;

    /**
     * Tasks {@link #weightGradientWindows} aims at (a function of the geometry, never of the
     * thread count): parts of the positions times runs of tiles.
     */
    private static final int GRADIENT_TASKS = 8;

    /** Fewest positions in a part of {@link #weightGradientWindows}: 16 chunks. */
    private static final int GRADIENT_PART = 16 * GRADIENT_CHUNK;

    /** Weight-gradient rows per tile of {@link Simd#kernelGradientWindows}. */
    private static final int GRADIENT_ROWS = 6;

    /**
     * From this many output positions (batch x plane of the layout of {@link #batch}) the weight
     * gradient is taken by {@link #weightGradientWindows}. 3x3 layers, 1 thread, best of runs,
     * packed GEMM ({@link #weightGradientBatch} or {@link #weightGradientChannelsLast}) against
     * windows: 128 channels on 28x28 at batch 1 (841 positions) 2.0-3.5 -> 1.7-1.8 ms; 256 on
     * 14x14 at batch 4 (900) 8.1-8.7 -> 7.7-8.1 ms, at batch 8 16.8 -> 14.6 ms; 512 on 7x7 at
     * batch 16 (1,024) 38.1-40.2 -> 36.6-39.0 ms (2 threads 18.8-23.9 -> 19.9-27.0, even); but
     * 512 on 7x7 at batch 8 (512) 16.7-18.4 -> 19.9-21.6 ms and 256 on 14x14 at batch 1 (225)
     * 1.9-2.0 -> 2.6 ms: with few positions per tile the sums of the many tiles are zeroed,
     * loaded, stored and added to dWeight for too little arithmetic.
     */
    static final int GRADIENT_POSITIONS = 1024;

    /**
     * Whether {@link #weightGradientWindows} applies: enough positions, and 16-lane vectors (the
     * 29 registers of its 6 x 64 tile want AVX-512's 32).
     */
    static boolean windowsWeightGradient(Simd simd, ConvGeometry g, Shape s) {
        return simd.lanes() == 16 && (long) g.n() * s.plane() >= GRADIENT_POSITIONS;
    }

    /**
     * Whether a 1x1 stride-1 unpadded weight gradient is taken by {@link #weightGradientWindows},
     * reading the input in place, rather than by a GEMM per chunk of images with the input packed:
     * as {@link #windowsWeightGradient}, and images of at least {@link #GRADIENT_CHUNK} positions,
     * since a chunk does not cross an image. 1 thread, best of 2 runs, GEMM against in place:
     * 192 -> 64 on 28x28 at batch 8 1.88-1.93 -> 1.29 ms (2 threads 1.21-1.54 -> 0.75-0.96);
     * 256 -> 64 on 56x56 at batch 1 1.18-1.20 -> 0.79 ms; 1024 -> 256 on 14x14 at batch 8
     * 7.6-8.1 -> 6.3 ms; 480 -> 192 on 14x14 at batch 16 5.9-6.1 -> 4.5-4.6 ms; but 7x7 images
     * (49-position chunks), 2048 -> 512 at batch 16 15.2-15.5 against 14.8-16.1 ms and 512 ->
     * 2048 at batch 32 29.9-30.6 against 30.8-32.1 ms, no better.
     */
    static boolean pointwiseWeightGradient(Simd simd, ConvGeometry g, Shape s) {
        return windowsWeightGradient(simd, g, s) && s.plane() >= GRADIENT_CHUNK;
    }

    /**
     * {@code dWeight_g += dOut_g (m, positions) * columns^T (positions, depth)} with nothing packed
     * but the output gradient: the transposed product {@code columns (depth, positions) *
     * dOut_g^T} is an outer-product GEMM whose left operand, row by row, is a window of the padded
     * batch read in place (the roles of {@link #byWideWindows} turned round: broadcasts from six
     * windows, vectors from a row of 64 output channels). The output gradient is copied once into
     * the batch layout, position-major in blocks of 64 channels (zero at the dropped positions and
     * past the last channel), into the same array as the windows (one array in the kernel's loop:
     * see {@link #WIDE_WINDOW_POSITIONS}). {@link #weightGradientBatch} gathers every value of
     * every transposed column panel instead (576 per position for a 3x3, 64-channel layer, 64
     * here). A task is a run of (channel block, row tile) pairs over a part of the positions,
     * taken {@link #GRADIENT_CHUNK} at a time in order; with one part it adds its sums to dWeight
     * transposed, with several the parts' sums are added in order afterwards. Parts and runs are
     * functions of the geometry, so every weight is the same sum in the same order whatever the
     * thread count. Parts let a layer with few tiles but many positions (ResNet's 7x7 stem: 25
     * tiles, 211,600 positions at batch 16) read its data once instead of once per run: its weight
     * gradient on 2 threads 34.7-36.5 -> 22.4-28.2 ms, against runs of tiles split by thread count.
     * 3x3, 64 channels on 56x56 at batch 8, 1 thread: 19.0-20.5 -> 14.4 ms against the packed GEMM
     * (the kernel itself 150-158 GFLOP/s on operands in L1, 85-90% of the FMA peak). A 1x1
     * stride-1 unpadded kernel's windows are the input's channel rows themselves, so it reads the
     * input in place, nothing padded, in chunks that stay within an image
     * ({@link #pointwiseWeightGradient}).
     */
    static void weightGradientWindows(Simd simd, ConvGeometry g, Shape s, float[] dWeight, float[] dOut, float[] in) {
        int n = g.n(), ocg = g.ocPerGroup(), depth = s.depth(), cols = 4 * simd.lanes(), rows = GRADIENT_ROWS;
        int oBlocks = (ocg + cols - 1) / cols, rTiles = (depth + rows - 1) / rows, tile = rows * cols;
        int positions = n * s.plane(), hw = g.h() * g.w(), ohw = s.oh() * s.ow();
        // a 1x1 stride-1 unpadded kernel's windows are the input's own channel rows: read in place,
        // image by image (its positions are not contiguous across images), nothing padded
        boolean inPlace = pointwise(g);
        int end = inPlace ? 0 : windowsEnd(simd, s, n), at = (end + cols - 1) / cols * cols; // the gradient's rows start whole lines
        int block = positions * cols; // floats per channel block of the transposed gradient
        int[] starts = Scratch.get().starts(rTiles * rows);
        // chunks of about GRADIENT_CHUNK positions (POINTWISE_CHUNK in place), equal within a span
        // (an image in place, else the whole batch), so that none is a short remainder
        int spans = inPlace ? n : 1, span = positions / spans, chunk = inPlace ? POINTWISE_CHUNK : GRADIENT_CHUNK;
        int perSpan = (span + chunk - 1) / chunk;
        int chunks = spans * perSpan, spanStride = inPlace ? g.c() * hw : span;
        // tasks: (part of the chunks, run of tiles), a function of the geometry only, so every
        // weight is the same sum in the same order whatever the thread count
        int units = oBlocks * rTiles;
        // a power of two, so that parts times runs is GRADIENT_TASKS where there are enough tiles:
        // 3 parts made 9 tasks, 5 against 4 on 2 threads (conv_e, 1x1 192 -> 64 on 28x28 at batch
        // 8: 2 threads 1.76x one)
        int parts = Integer.highestOneBit(Math.clamp(positions / GRADIENT_PART, 1,
                Math.min(GRADIENT_TASKS, Math.max(1, (1 << 21) / (units * tile)))));
        int runs = Math.min(units, Math.max((units + GRADIENT_TILES - 1) / GRADIENT_TILES, (GRADIENT_TASKS + parts - 1) / parts));
        int runLength = (units + runs - 1) / runs;
        runs = (units + runLength - 1) / runLength;
        float[] partial = parts > 1 ? Scratch.get().partials(parts * units * tile) : null;
        for (int grp = 0; grp < g.groups(); grp++) {
            float[] data, gradient;
            if (inPlace) {
                data = in;
                gradient = Scratch.get().padded(oBlocks * block);
                for (int r = 0; r < rTiles * rows; r++) starts[r] = (grp * s.c() + Math.min(r, depth - 1)) * hw;
            } else {
                data = gradient = padBatch(simd, s, n, in, grp * s.c() * hw, g.c() * hw, at - end + oBlocks * block);
                int[] offsets = Scratch.get().offsets(0);
                for (int r = 0; r < rTiles * rows; r++) starts[r] = offsets[Math.min(r, depth - 1)]; // rows past depth: dropped
            }
            transposeOutputGradient(simd, g, s, dOut, grp * ocg * ohw, gradient, at, cols);
            int dwOff = grp * ocg * depth, runCount = runs;
            Parallel.forRange(parts * runs, 1, (t0, t1) -> {
                for (int t = t0; t < t1; t++) {
                    int part = t / runCount, u0 = t % runCount * runLength, u1 = Math.min(units, u0 + runLength);
                    int ka = (int) ((long) chunks * part / parts), kb = (int) ((long) chunks * (part + 1) / parts);
                    float[] sum = parts > 1 ? partial : Scratch.get().tile(runLength * tile);
                    int sumOff = parts > 1 ? (part * units + u0) * tile : 0;
                    Arrays.fill(sum, sumOff, sumOff + (u1 - u0) * tile, 0f);
                    for (int k = ka; k < kb; k++) { // tiles of one channel block are neighbours
                        int sp = k / perSpan, i = k % perSpan;
                        int p0 = (int) ((long) span * i / perSpan), kc = (int) ((long) span * (i + 1) / perSpan) - p0;
                        int q0 = sp * span + p0, dataQ = sp * spanStride + p0;
                        for (int u = u0; u < u1; u++) {
                            simd.kernelGradientWindows(kc, data, starts, u % rTiles * rows, dataQ,
                                    gradient, at + u / rTiles * block + q0 * cols, sum, sumOff + (u - u0) * tile, cols);
                        }
                    }
                    if (parts == 1) addTiles(dWeight, dwOff, sum, 0, 0, 1, u0, u1, rTiles, ocg, depth, cols);
                }
            });
            if (parts > 1) { // the parts' sums, in order, over ranges of tiles of their own: with
                // one run (conv_c: 96 tiles, 8 parts) this was one thread's work, 5% of the pass on 2
                Parallel.forRange(units, Math.max(1, COPY_GRAIN / (parts * tile)), (v0, v1) ->
                        addTiles(dWeight, dwOff, partial, v0 * tile, units * tile, parts, v0, v1, rTiles, ocg, depth, cols));
            }
        }
    }

    /**
     * {@code dWeight (o, row) += the sum over p < parts, in order, of sums (row, o)} for the tiles
     * [u0, u1) of {@link #weightGradientWindows}, tile u of part p at
     * {@code sum[sumOff + p*partStride + (u - u0)*tile]}. Along the rows of dWeight: a channel's rows
     * in consecutive tiles are contiguous, while channels depth floats apart would fall into a few
     * cache sets (4,608 floats: 2 of L1's 64).
     */
    private static void addTiles(float[] dWeight, int dwOff, float[] sum, int sumOff, int partStride, int parts,
                                 int u0, int u1, int rTiles, int ocg, int depth, int cols) {
        int rows = GRADIENT_ROWS, tile = rows * cols;
        for (int ub = u0; ub < u1; ) { // a run of tiles in one channel block
            int ob = ub / rTiles, ue = Math.min(u1, (ob + 1) * rTiles);
            for (int j = 0, o = ob * cols; j < cols && o < ocg; j++, o++) {
                for (int u = ub; u < ue; u++) {
                    int r0 = u % rTiles * rows, to = dwOff + o * depth + r0, from = sumOff + (u - u0) * tile + j;
                    for (int i = 0, rn = Math.min(rows, depth - r0); i < rn; i++) {
                        float v = sum[from + i * cols];
                        for (int p = 1; p < parts; p++) v += sum[from + p * partStride + i * cols];
                        dWeight[to + i] += v;
                    }
                }
            }
            ub = ue;
        }
    }

    /**
     * One group's output gradient (starting at {@code dOut[dOutOff]} in image 0) in the batch
     * layout of {@link #batch}, position-major in blocks of {@code cols} channels: channel
     * {@code o = ob*cols + j} at position q is {@code dst[at + (ob*positions + q)*cols + j]}, zero at
     * the dropped positions and past the last channel.
     */
    private static void transposeOutputGradient(Simd simd, ConvGeometry g, Shape s, float[] dOut, int dOutOff,
                                                float[] dst, int at, int cols) {
        int n = g.n(), ocg = g.ocPerGroup(), ohw = s.oh() * s.ow(), v = simd.lanes(), oBlocks = (ocg + cols - 1) / cols;
        // with no dropped positions (a 1x1 kernel) an image's positions are one run, transposed as
        // one row in 16 x 16 blocks along it rather than row by row, where rows of 28 took 32
        // columns of blocks (conv_e's weight gradient on 2 threads 0.78-0.81 -> 0.77-0.80 ms, one
        // JVM alternating)
        boolean whole = s.plane() == ohw;
        int oh = whole ? 1 : s.oh(), ow = whole ? ohw : s.ow(), rs = whole ? ohw : s.rowStride();
        int planeRows = whole ? 1 : s.planeRows(), rowsPerBlock = n * planeRows;
        Parallel.forRange(oBlocks * rowsPerBlock, Math.max(1, COPY_GRAIN / (rs * cols)), (t0, t1) -> {
            int[] index = Scratch.get().multiples(cols, ohw, (cols + v - 1) / v * v);
            for (int t = t0; t < t1; t++) {
                int ob = t / rowsPerBlock, b = t % rowsPerBlock / planeRows, oy = t % planeRows;
                int d = at + (ob * n * s.plane() + b * s.plane() + oy * rs) * cols, count = Math.min(cols, ocg - ob * cols);
                if (oy >= oh) { // below the image: dropped positions
                    Arrays.fill(dst, d, d + rs * cols, 0f);
                    continue;
                }
                simd.transpose(dOut, dOutOff + (b * g.oc() + ob * cols) * ohw + oy * ow, index, count, ow, dst, d, cols);
                if (count < cols) {
                    for (int x = 0; x < ow; x++) Arrays.fill(dst, d + x * cols + count, d + (x + 1) * cols, 0f);
                }
                Arrays.fill(dst, d + ow * cols, d + rs * cols, 0f);
            }
        });
    }

    /**
     * Whether {@link #weightGradientChannelsLast} applies and pays: stride 1, channels per group a
     * multiple of the B panel width (every panel reads one tap of whole rows), and feature maps of
     * at least 512 positions. Measured against weightGradientBatch (1 thread, best of runs), with
     * the output gradient read in place: 3x3, 64 channels on 56x56 at batch 8 22.0 -> 19.4 ms, at
     * batch 1 2.7 -> 2.2 ms; 128 channels on 28x28 2.3 -> 2.1 ms; but 256 channels on 14x14 at
     * batch 8 17.4 -> 24.2 ms and 512 on 7x7 2.8 -> 5.5 ms. With it packed (as now) the small maps
     * still lose (14x14 at batch 1: 1.9 -> 2.5 ms, 7x7: 2.4 -> 5.2 ms), where the (tap, channel)
     * sums are as large as the inputs and the permuting pass over them dominates.
     */
    static boolean channelsLastWeightGradient(ConvGeometry g, int nr) {
        Shape s = applies(g) ? forward(g) : null;
        return s != null && g.cPerGroup() % nr == 0 && s.plane() >= 512;
    }

    /**
     * {@link #weightGradientBatch} with the padded batch in a channels-last copy,
     * {@code (position, channel)}, built with one gather per {@link Simd#lanes()} values, so that
     * the GEMM packs its B panels with plain row copies: the GEMM's columns run over (tap, channel),
     * a panel being nr channels of one tap at every position, and the result is permuted to
     * (channel, tap) while it is added to dWeight. The output gradient is spread and packed as in
     * weightGradientBatch (reading it in place with the 8-row micro-kernel instead measured 10-20%
     * slower: 3x3, 64 channels on 56x56 at batch 8, 20.1 against 22.2 ms packed). weightGradientBatch
     * gathers every value of every B panel (576 per position for a 3x3, 64-channel layer); here 64
     * per position are gathered, once.
     */
    static void weightGradientChannelsLast(Gemm gemm, Simd simd, ConvGeometry g, Shape s, float[] dWeight,
                                           float[] dOut, float[] in) {
        int n = g.n(), c = g.c(), cpg = s.c(), ocg = g.ocPerGroup(), v = simd.lanes();
        int kh = s.kh(), kw = s.kw(), taps = kh * kw, depth = taps * cpg, nr = simd.nr();
        int h = g.h(), w = g.w(), hw = h * w, ohw = s.oh() * s.ow();
        int rs = s.rowStride(), plane = s.plane(), lead = s.lead(), positions = n * plane;
        int reach = (kh - 1) * s.dh() * rs + (kw - 1) * s.dw();
        int rowsT = Math.max(positions + reach, lead + positions); // every position a window reaches
        Scratch scratch = Scratch.get();
        // the padded batch, channels last: position q of the layout of batch() is row q, all channels
        float[] t = scratch.padded(rowsT * c);
        Parallel.forRange(n, 1, (b0, b1) -> {
            int[] index = Scratch.get().multiples(c, hw, (c + v - 1) / v * v);
            for (int b = b0; b < b1; b++) {
                int q = lead + b * plane;
                for (int y = 0; y < h; y++, q += rs) {
                    simd.transpose(in, b * c * hw + y * w, index, c, w, t, q * c, c);
                    Arrays.fill(t, (q + w) * c, (q + rs) * c, 0f);
                }
                Arrays.fill(t, q * c, (lead + (b + 1) * plane) * c, 0f);
            }
        });
        Arrays.fill(t, 0, lead * c, 0f);
        Arrays.fill(t, (lead + positions) * c, rowsT * c, 0f);
        int[] shift = new int[taps];
        for (int ky = 0; ky < kh; ky++) {
            for (int kx = 0; kx < kw; kx++) shift[ky * kw + kx] = ky * s.dh() * rs + kx * s.dw();
        }
        float[] spread = scratch.wide(ocg * positions);
        float[] sum = scratch.partials(ocg * depth);
        for (int grp = 0; grp < g.groups(); grp++) {
            int group = grp;
            spreadOutputGradient(g, s, dOut, grp * ocg * ohw, spread);
            Gemm.PanelSource windows = (p0, kCur, j0, cols, panel, off) -> { // nr channels of one tap
                int tap = j0 / cpg, ci = j0 % cpg;
                simd.packRows(t, (p0 + shift[tap]) * c + group * cpg + ci, c, kCur, cols, nr, panel, off);
            };
            gemm.gemm(ocg, depth, positions, 1f, gemm.panelsOfA(false, spread, 0, positions), null, 0, windows,
                    0f, sum, 0, depth);
            Parallel.forRange(ocg, Math.max(1, COPY_GRAIN / depth), (o0, o1) -> {
                for (int o = o0; o < o1; o++) {
                    int to = (group * ocg + o) * depth; // dWeight (o, ci, tap) += sum (o, tap, ci)
                    for (int ci = 0; ci < cpg; ci++) {
                        for (int tap = 0; tap < taps; tap++) dWeight[to + ci * taps + tap] += sum[o * depth + tap * cpg + ci];
                    }
                }
            });
        }
    }

    /**
     * Whether {@link #weightGradient} suits the geometry: a weight gradient small enough that the
     * operands of a group stay in L1 while every 4 x 4 tile of it streams through them (LeNet-5's
     * C1 has 150 values, C3 2,400), and output rows wide enough to fill vectors. The packed GEMM
     * wins for wide layers, where each packed value serves many products.
     */
    static boolean smallWeightGradient(ConvGeometry g) {
        return applies(g) && forward(g) != null && g.ocPerGroup() * g.cPerGroup() * g.kh() * g.kw() <= 4096 && g.ow() >= 8;
    }

    /**
     * {@code dWeight += dOut * columns(in)^T} as dot products over the output positions: both
     * operands run along the positions in memory (a row of the wide output gradient, a window of
     * the padded image), so nothing is packed or transposed. Each weight element is one thread's
     * lane-wise sum over the images in order, reduced over its lanes once at the end, so the result
     * does not depend on the thread count.
     */
    static void weightGradient(Simd simd, ConvGeometry g, float[] dWeight, float[] dOut, float[] in) {
        Shape s = forward(g);
        int v = simd.lanes(), n = g.n(), groups = g.groups(), ocg = g.ocPerGroup(), depth = s.depth();
        int hp = s.hp(), wp = s.wp(), oh = s.oh(), ow = s.ow(), hw = g.h() * g.w();
        int image = s.c() * hp * wp, len = (s.wide() + v - 1) / v * v; // positions per row, whole vectors
        // the last window of a row of taps reads (kw-1)*dw + len - wide floats past the image
        Scratch scratch = Scratch.get();
        int images = n * groups * image;
        float[] padded = scratch.padded(images + (s.kw() - 1) * s.dw() + v);
        Arrays.fill(padded, images, images + (s.kw() - 1) * s.dw() + v, 0f);
        float[] wideOut = scratch.wide(n * g.oc() * len); // zero past ow in each row and past wide
        Parallel.forRange(n, 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                for (int grp = 0; grp < groups; grp++) {
                    pad(in, (b * g.c() + grp * s.c()) * hw, s, s.c(), padded, (b * groups + grp) * image);
                }
                for (int o = 0; o < g.oc(); o++) {
                    int row = (b * g.oc() + o) * len;
                    for (int oy = 0; oy < oh; oy++) {
                        System.arraycopy(dOut, ((b * g.oc() + o) * oh + oy) * ow, wideOut, row + oy * wp, ow);
                        Arrays.fill(wideOut, row + oy * wp + ow, row + (oy + 1) * wp, 0f);
                    }
                    Arrays.fill(wideOut, row + oh * wp, row + len, 0f);
                }
            }
        });
        int[] offsets = new int[depth];
        for (int ci = 0, row = 0; ci < s.c(); ci++) {
            for (int ky = 0; ky < s.kh(); ky++) {
                for (int kx = 0; kx < s.kw(); kx++) offsets[row++] = ci * hp * wp + ky * s.dh() * wp + kx * s.dw();
            }
        }
        // six output channels (LeNet-5's C1): 6 x 3 tiles fill every row where 4 x 4 tiles computed 8
        // rows for 6 (C1's weight gradient at batch 32 on one thread 0.178 -> 0.142-0.147 ms)
        boolean sixByThree = ocg % 6 == 0 && ocg % 4 != 0;
        int tileRows = sixByThree ? 6 : 4, tileCols = sixByThree ? 3 : 4, tileFloats = tileRows * tileCols;
        int oTiles = (ocg + tileRows - 1) / tileRows, rTiles = (depth + tileCols - 1) / tileCols;
        int tiles = groups * oTiles * rTiles, parts = imageParts(n, (long) g.oc() * len + (long) groups * image, tiles);
        float[] sums = parts > 1 ? scratch.partials(parts * tiles * tileFloats) : null;
        Parallel.forRange(parts * tiles, 1, (t0, t1) -> {
            float[] lanes = Scratch.get().tile(tileFloats * v);
            for (int t = t0; t < t1; t++) {
                int part = t / tiles, tile = t % tiles, b0 = n * part / parts, count = n * (part + 1) / parts - b0;
                int grp = tile / (oTiles * rTiles), o0 = (tile / rTiles) % oTiles * tileRows, r0 = tile % rTiles * tileCols;
                // a tile at the edge repeats its last row or window; the repeats are dropped below
                int lastO = Math.min(tileRows, ocg - o0) - 1, lastR = Math.min(tileCols, depth - r0) - 1;
                int base = (b0 * groups + grp) * image, a = (b0 * g.oc() + grp * ocg + o0) * len; // image b0 of the part
                if (sixByThree) {
                    simd.dotTile6x3(len, count, wideOut, a, len, g.oc() * len, padded, base + offsets[r0],
                            base + offsets[r0 + Math.min(1, lastR)], base + offsets[r0 + lastR], groups * image, lanes);
                } else {
                    simd.dotTile(len, count, wideOut, a, a + Math.min(1, lastO) * len, a + Math.min(2, lastO) * len,
                            a + lastO * len, g.oc() * len, padded, base + offsets[r0], base + offsets[r0 + Math.min(1, lastR)],
                            base + offsets[r0 + Math.min(2, lastR)], base + offsets[r0 + lastR], groups * image, lanes);
                }
                if (parts == 1) {
                    addLaneSums(lanes, lastO + 1, tileCols, lastR + 1, v, dWeight, (grp * ocg + o0) * depth + r0, depth);
                } else { // the part's sums of the tile, rows tileCols apart, added in part order below
                    int at = (part * tiles + tile) * tileFloats;
                    Arrays.fill(sums, at, at + tileFloats, 0f);
                    addLaneSums(lanes, lastO + 1, tileCols, lastR + 1, v, sums, at, tileCols);
                }
            }
        });
        if (parts == 1) return;
        for (int tile = 0; tile < tiles; tile++) {
            int grp = tile / (oTiles * rTiles), o0 = (tile / rTiles) % oTiles * tileRows, r0 = tile % rTiles * tileCols;
            for (int r = 0; r < Math.min(tileRows, ocg - o0); r++) {
                for (int j = 0; j < Math.min(tileCols, depth - r0); j++) {
                    float sum = 0f;
                    for (int part = 0; part < parts; part++) sum += sums[(part * tiles + tile) * tileFloats + r * tileCols + j];
                    dWeight[(grp * ocg + o0 + r) * depth + r0 + j] += sum;
                }
            }
        }
    }

    /**
     * Bytes of the operands of one part of the images in {@link #weightGradient}: every tile of a
     * part reads all of them, so they should stay in a core's L2 (half of its 1 MB) while the
     * tiles pass, rather than come from L3 once per tile.
     */
    private static final int PART_BYTES = 1 << 19;

    /** Tasks {@link #weightGradient} aims at least: LeNet-5's C1 has 9 tiles, 5 against 4 on 2 threads. */
    private static final int MIN_DOT_TASKS = 16;

    /**
     * Ranges of images that {@link #weightGradient} sums apart, then adds in order: enough that a
     * part's operands ({@code floatsPerImage} each) fit {@link #PART_BYTES} and that there are
     * {@link #MIN_DOT_TASKS} tasks; a function of the geometry, never of the thread count.
     */
    static int imageParts(int n, long floatsPerImage, int tiles) {
        long bySize = (n * floatsPerImage * Float.BYTES + PART_BYTES - 1) / PART_BYTES;
        return (int) Math.min(n, Math.max(bySize, (MIN_DOT_TASKS + tiles - 1) / tiles));
    }

    /**
     * {@code dWeight[at + r*depth + j] += } the sum of the lanes of tile entry (r, j), at
     * {@code lanes[(r*cols + j)*v]}, for the first {@code rows} rows and {@code used} columns of a
     * dot-product tile of {@code cols} columns.
     */
    private static void addLaneSums(float[] lanes, int rows, int cols, int used, int v, float[] dWeight, int at, int depth) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < used; j++) {
                float sum = 0f;
                for (int l = 0, x = (r * cols + j) * v; l < v; l++) sum += lanes[x + l];
                dWeight[at + r * depth + j] += sum;
            }
        }
    }

    /** Output positions per tile of {@link #forwardChannelsLast}: the six broadcast rows of {@link Simd#kernelGradientWindows}. */
    static final int POSITION_ROWS = 6;

    /**
     * Input channels per step of {@link #forwardChannelsLast}'s kernel: 128 channels of the
     * transposed weight are 32 KB, read by a run of {@link #POSITION_TILES} tiles from L1/L2.
     */
    static final int CHANNEL_CHUNK = 128;

    /** Most tiles of six positions that share one chunk of the transposed weight in {@link #forwardChannelsLast}. */
    private static final int POSITION_TILES = 8;

    /** Fewest output positions for which {@link #forwardChannelsLast} transposes a weight not held constant per call. */
    private static final int TRANSPOSE_POSITIONS = 128;

    /**
     * Whether the forward pass is computed channels-last ({@link #forwardChannelsLast}) rather than
     * by {@link #batch} or im2col. It needs 16-lane vectors (its kernel's 64 output channels), at
     * least 16 input channels per group, and at least 32 output channels (a block of 64 half used or
     * more); 1x1 kernels are plain GEMMs already. Then it is chosen where
     * it measured faster (forward passes, ms, 1 and 2 threads, weights held as in an inference
     * session unless said): every strided kernel, which otherwise goes through im2col (ResNet-18's
     * 3x3 stride 2 at batch 1: 256 channels on 28x28 1.20 -> 0.82 and 0.94 -> 0.46; at batch 16, not
     * held, 16.2 -> 8.0 at 2 threads); 256 channels and more, where the wrapped columns and the
     * weight panel of the window kernels cost more (256 on 14x14 at batch 8: 14.5 -> 12.9;
     * ResNet-18's 256 on 14x14 at batch 1: 2.09 -> 1.56 and 1.18 -> 0.90); and fewer than
     * {@link #DIRECT_WEIGHT_POSITIONS} positions, where the GEMM of {@link #batch} would run
     * (128 on 28x28 at batch 1: 1.86 -> 1.59 and 1.57 -> 0.92). Not chosen for 64 channels on 56x56
     * (conv_c: 14.5 -> 18.1) or 128 on 28x28 at batch 16 (28.4 -> 31.8), where the window kernels
     * win, nor for 1x1 kernels (192 -> 64 on 28x28: 1.34 -> 2.3). A weight not held is transposed
     * per call, which few positions do not repay (512 on 7x7 at batch 1: 2.6 -> 5.7).
     */
    static boolean channelsLastForward(Simd simd, ConvGeometry g, boolean weightHeld) {
        if (simd.lanes() != 16 || g.cPerGroup() < 16 || g.ocPerGroup() < 32 || g.kh() * g.kw() == 1) return false;
        long positions = (long) g.n() * g.oh() * g.ow();
        if (!weightHeld && positions < TRANSPOSE_POSITIONS) return false;
        return g.strideH() > 1 || g.strideW() > 1 || g.cPerGroup() >= 256 || positions < DIRECT_WEIGHT_POSITIONS;
    }

    /**
     * The forward pass as a direct convolution over a channels-last copy of the padded input:
     * {@code out^T (positions, oc) = columns^T (positions, depth) * weight^T (depth, oc)} with
     * the depth ordered (tap, channel), six output positions broadcast against 64 output channels
     * per step ({@link Simd#kernelGradientWindows}, its operands turned round), so that any
     * stride and dilation reads the input in place and only the real output positions are computed
     * (the layouts of {@link #batch} compute the wrapped columns too, and stride > 1 goes through
     * im2col or phases). The same scheme as oneDNN's direct convolution for channels-last tensors.
     *
     * <p>Per group: the padded input is copied channels-last, {@code x[((b*hp + y)*wp + x)*cpg + ci]},
     * so the window of output position p and tap t over channels c0.. starts at
     * {@code starts[p] + shift[t] + c0}; the products go to {@code outT}, blocks of 64 output channels,
     * each {@code (positions, 64)}, zeroed and summed over taps and chunks of {@link #CHANNEL_CHUNK}
     * channels by one task per run of at most {@link #POSITION_TILES} tiles (so the result does not
     * depend on the thread count), then transposed into {@code out} and finished by the epilogue. The weight transpose is
     * {@code transposed} when held constant, else made per call ({@link #transposeWeight}).
     */
    static void forwardChannelsLast(Simd simd, ConvGeometry g, float[] weight, float[] transposed, Epilogue epilogue,
                                    float[] in, DeferredOutput out) {
        channelsLast(simd, g, weight, false, transposed, epilogue, in, out, false);
    }

    /**
     * The full convolution of stride-1 layer g's input gradient ({@link #inputGradient}) as a
     * geometry of its own: the output gradient is its input, dIn its output, {@code c/groups}
     * output channels per group read from the flipped kernel.
     */
    static ConvGeometry inputGradientGeometry(ConvGeometry g) {
        int reachH = (g.kh() - 1) * g.dilationH(), reachW = (g.kw() - 1) * g.dilationW();
        return new ConvGeometry(g.n(), g.oc(), g.oh(), g.ow(), g.c(), g.kh(), g.kw(), 1, 1, reachH - g.padTop(),
                reachW - g.padLeft(), reachH - g.padBottom(), reachW - g.padRight(), g.dilationH(), g.dilationW(), g.groups());
    }

    /**
     * {@code dIn += } (or {@code =}, when not {@code accumulate}) the input gradient of a stride-1
     * layer, computed channels-last as the full convolution {@code full} ({@link #inputGradientGeometry}
     * of the layer; its weight, the flipped kernel, is transposed straight from {@code weight}).
     */
    static void inputGradientChannelsLast(Simd simd, ConvGeometry full, float[] weight, float[] dOut, float[] dIn,
                                          boolean accumulate) {
        channelsLast(simd, full, weight, true, null, Epilogue.NONE, dOut, DeferredOutput.of(dIn), accumulate);
    }

    /**
     * {@link #forwardChannelsLast}, with a weight that is the flipped kernel of the layer whose
     * input gradient this is when {@code flipped} ({@link #transposeWeight}), and the result added
     * to {@code out} when {@code accumulate}.
     */
    private static void channelsLast(Simd simd, ConvGeometry g, float[] weight, boolean flipped, float[] transposed,
                                     Epilogue epilogue, float[] in, DeferredOutput out, boolean accumulate) {
        int n = g.n(), cpg = g.cPerGroup(), ocg = g.ocPerGroup(), kh = g.kh(), kw = g.kw(), taps = kh * kw;
        int depth = taps * cpg, cols = 4 * simd.lanes(), rows = POSITION_ROWS;
        int h = g.h(), w = g.w(), hw = h * w, pt = g.padTop(), pl = g.padLeft();
        int hp = h + pt + g.padBottom(), wp = w + pl + g.padRight(), oh = g.oh(), ow = g.ow(), ohw = oh * ow;
        int positions = n * ohw, tiles = (positions + rows - 1) / rows, oBlocks = (ocg + cols - 1) / cols;
        Scratch scratch = Scratch.get();
        float[] x = scratch.padded(n * hp * wp * cpg);
        int groupT = transposedGroupSize(simd, ocg, depth);
        float[] wT = transposed != null ? transposed : scratch.weights(groupT);
        float[] outT = scratch.wide(oBlocks * tiles * rows * cols);
        int[] starts = scratch.starts(tiles * rows);
        for (int p = 0; p < tiles * rows; p++) { // the last tile's spare rows repeat the last position
            int q = Math.min(p, positions - 1), b = q / ohw, oy = q % ohw / ow, ox = q % ow;
            starts[p] = ((b * hp + oy * g.strideH()) * wp + ox * g.strideW()) * cpg;
        }
        int[] shift = new int[taps];
        for (int ky = 0; ky < kh; ky++) {
            for (int kx = 0; kx < kw; kx++) shift[ky * kw + kx] = (ky * g.dilationH() * wp + kx * g.dilationW()) * cpg;
        }
        for (int grp = 0; grp < g.groups(); grp++) {
            int inOff = grp * cpg * hw, wOff = grp * ocg * depth;
            paddedChannelsLast(simd, g, in, inOff, hp, wp, x);
            if (transposed == null) transposeWeight(simd, weight, wOff, ocg, cpg, taps, flipped, wT, 0);
            int wAt = transposed == null ? 0 : grp * groupT;
            // each block of output channels in runs of equal length: a task that took the last tiles of
            // one block and the first of the next streamed both blocks' weights (512 channels on 7x7
            // at batch 1, 9 tiles a block, 2 threads: 1.2 -> 1.0 ms)
            int runs = (tiles + POSITION_TILES - 1) / POSITION_TILES, runLength = (tiles + runs - 1) / runs;
            out.alongside(() -> Parallel.forRange(oBlocks * runs, 1, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int ob = r / runs, ua = ob * tiles + r % runs * runLength, ub = Math.min((ob + 1) * tiles, ua + runLength);
                    Arrays.fill(outT, ua * rows * cols, ub * rows * cols, 0f);
                    for (int t = 0; t < taps; t++) {
                        for (int c0 = 0; c0 < cpg; c0 += CHANNEL_CHUNK) {
                            int kc = Math.min(CHANNEL_CHUNK, cpg - c0), gOff = wAt + ((ob * taps + t) * cpg + c0) * cols;
                            for (int u = ua; u < ub; u++) {
                                simd.kernelGradientWindows(kc, x, starts, (u - ob * tiles) * rows, shift[t] + c0, wT, gOff,
                                        outT, u * rows * cols, cols);
                            }
                        }
                    }
                }
            }));
            copyOutChannelsLast(simd, g, grp, outT, tiles * rows, epilogue, out.array(), accumulate);
        }
    }

    /**
     * One group's input, starting at {@code in[inOff]} in image 0, copied channels-last with its
     * zero border into {@code x}: channel ci of image b at padded row y, column x is
     * {@code x[((b*hp + y)*wp + x)*cpg + ci]}, with the layer's top and left pads before the image
     * and zeros up to {@code hp} rows and {@code wp} columns after it.
     */
    static void paddedChannelsLast(Simd simd, ConvGeometry g, float[] in, int inOff, int hp, int wp, float[] x) {
        int cpg = g.cPerGroup(), h = g.h(), w = g.w(), hw = h * w, pt = g.padTop(), pl = g.padLeft(), v = simd.lanes();
        Parallel.forRange(g.n() * hp, Math.max(1, COPY_GRAIN / (wp * cpg)), (r0, r1) -> {
            int[] index = Scratch.get().multiples(cpg, hw, (cpg + v - 1) / v * v);
            for (int r = r0; r < r1; r++) {
                int b = r / hp, y = r % hp - pt, d = r * wp * cpg;
                if (y < 0 || y >= h) {
                    Arrays.fill(x, d, d + wp * cpg, 0f);
                    continue;
                }
                Arrays.fill(x, d, d + pl * cpg, 0f);
                simd.transpose(in, inOff + b * g.c() * hw + y * w, index, cpg, w, x, d + pl * cpg, cpg);
                Arrays.fill(x, d + (pl + w) * cpg, d + wp * cpg, 0f);
            }
        });
    }

    /**
     * Group {@code grp}'s output from the channels-last products {@code outT} (blocks of 64 output
     * channels, {@code blockPositions} rows of 64 each; output position {@code b*oh*ow + oy*ow + ox}
     * of block ob at row {@code ob*blockPositions + position}) into {@code out} (NCHW), written or,
     * when {@code accumulate}, added, and finished by the epilogue.
     */
    static void copyOutChannelsLast(Simd simd, ConvGeometry g, int grp, float[] outT, int blockPositions,
                                    Epilogue epilogue, float[] out, boolean accumulate) {
        copyOutChannelsLast(simd, g, grp, outT, blockPositions, 4 * simd.lanes(), epilogue, out, accumulate);
    }

    /** {@link #copyOutChannelsLast} from blocks of {@code cols} output channels ({@link NarrowConv}: one vector). */
    static void copyOutChannelsLast(Simd simd, ConvGeometry g, int grp, float[] outT, int blockPositions, int cols,
                                    Epilogue epilogue, float[] out, boolean accumulate) {
        int n = g.n(), ocg = g.ocPerGroup(), ohw = g.oh() * g.ow(), v = simd.lanes();
        int oBlocks = (ocg + cols - 1) / cols, outOff = grp * ocg * ohw, biasOff = grp * ocg;
        int pixelChunk = Math.min(ohw, 256);
        int pieces = (ohw + pixelChunk - 1) / pixelChunk;
        Parallel.forRange(n * oBlocks * pieces, 1, (q0, q1) -> {
            int[] index = Scratch.get().multiples(pixelChunk, cols, (pixelChunk + v - 1) / v * v);
            for (int q = q0; q < q1; q++) {
                int b = q / (oBlocks * pieces), ob = q / pieces % oBlocks, pc = q % pieces;
                int pix0 = pc * pixelChunk, count = Math.min(pixelChunk, ohw - pix0), channels = Math.min(cols, ocg - ob * cols);
                int src = (ob * blockPositions + b * ohw + pix0) * cols, dst = outOff + (b * g.oc() + ob * cols) * ohw + pix0;
                if (accumulate) {
                    float[] sum = Scratch.get().tile(channels * count);
                    simd.transpose(outT, src, index, count, channels, sum, 0, count);
                    for (int j = 0; j < channels; j++) simd.axpy(1f, sum, j * count, out, dst + j * ohw, count);
                } else {
                    simd.transpose(outT, src, index, count, channels, out, dst, ohw);
                }
                if (!epilogue.isNone()) {
                    for (int j = 0; j < channels; j++) epilogue.apply(simd, biasOff + ob * cols + j, out, dst + j * ohw, count);
                }
            }
        });
    }

    /** Floats of one group's transposed weight: {@code depth} rows of 64 per block of 64 output channels. */
    private static int transposedGroupSize(Simd simd, int ocg, int depth) {
        int cols = 4 * simd.lanes();
        return (ocg + cols - 1) / cols * cols * depth;
    }

    /** Every group's weight transposed for {@link #forwardChannelsLast}, group after group, in a new array. */
    static float[] transposedWeight(Simd simd, float[] weight, ConvGeometry g) {
        int ocg = g.ocPerGroup(), cpg = g.cPerGroup(), taps = g.kh() * g.kw();
        int groupT = transposedGroupSize(simd, ocg, cpg * taps);
        float[] t = new float[g.groups() * groupT];
        for (int grp = 0; grp < g.groups(); grp++) {
            transposeWeight(simd, weight, grp * ocg * cpg * taps, ocg, cpg, taps, false, t, grp * groupT);
        }
        return t;
    }

    /**
     * One group's weight transposed for {@link #forwardChannelsLast}, in blocks of 64 output
     * channels: {@code dst[at + ((ob*taps + t)*ins + ci)*64 + j] = W[ob*64 + j][ci][t]}, zero past
     * {@code outs}, where W, {@code (outs, ins, taps)}, is the weight at {@code weight[wOff]} itself,
     * or when {@code flipped} the kernel of an input gradient's full convolution:
     * {@code W[j][ci][t] = weight[wOff + (ci*outs + j)*taps + taps-1-t]} (the layer's own weight,
     * {@code (ins, outs, taps)}, transposed and turned round). Gathers of 16 output channels.
     */
    static void transposeWeight(Simd simd, float[] weight, int wOff, int outs, int ins, int taps, boolean flipped,
                                float[] dst, int at) {
        transposeWeight(simd, weight, wOff, outs, ins, taps, flipped, 4 * simd.lanes(), dst, at);
    }

    /** {@link #transposeWeight} in blocks of {@code cols} output channels. */
    static void transposeWeight(Simd simd, float[] weight, int wOff, int outs, int ins, int taps, boolean flipped,
                                int cols, float[] dst, int at) {
        int oBlocks = (outs + cols - 1) / cols;
        int outStride = flipped ? taps : ins * taps, inStride = flipped ? outs * taps : taps;
        Parallel.forRange(oBlocks * ins, Math.max(1, COPY_GRAIN / (taps * cols)), (u0, u1) -> {
            int[] index = Scratch.get().multiples(cols, outStride, cols);
            for (int u = u0; u < u1; u++) {
                int ob = u / ins, ci = u % ins, count = Math.min(cols, outs - ob * cols);
                for (int t = 0; t < taps; t++) {
                    int d = at + ((ob * taps + t) * ins + ci) * cols;
                    int src = wOff + ob * cols * outStride + ci * inStride + (flipped ? taps - 1 - t : t);
                    simd.transpose(weight, src, index, count, 1, dst, d, cols);
                    if (count < cols) Arrays.fill(dst, d + count, d + cols, 0f);
                }
            }
        });
    }

    /**
     * {@code channels} planes of the image at {@code src[srcOff]} with their zero border, one after
     * another at {@code dst[dstOff]}: {@code channels*hp*wp} floats.
     */
    static void pad(float[] src, int srcOff, Shape s, int channels, float[] dst, int dstOff) {
        int h = s.h(), w = s.w(), wp = s.wp(), d = dstOff;
        for (int ci = 0; ci < channels; ci++) {
            Arrays.fill(dst, d, d + s.padTop() * wp, 0f);
            d += s.padTop() * wp;
            for (int y = 0; y < h; y++, d += wp) {
                Arrays.fill(dst, d, d + s.padLeft(), 0f);
                System.arraycopy(src, srcOff + (ci * h + y) * w, dst, d + s.padLeft(), w);
                Arrays.fill(dst, d + s.padLeft() + w, d + wp, 0f);
            }
            Arrays.fill(dst, d, d + s.padBottom() * wp, 0f);
            d += s.padBottom() * wp;
        }
    }
}
