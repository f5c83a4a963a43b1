package dev.fovea.kernels.simd;

import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.Parallel;

import java.util.Arrays;

/**
 * Direct convolutions for layers with few channels, whose output channels or output rows fit the
 * vectors badly in the general paths: LeNet-5's C1 (1 -> 6, 5x5 on 32x32) and C3 (6 -> 16, 5x5 on
 * 14x14). Those paths ({@link ImplicitConv#batch}) put output positions in the lanes, compute every
 * column of the padded width and take output channels eight at a time: C3's forward pass wastes 96
 * of every 196 positions of an image, and its input gradient, six output channels, a quarter of
 * every tile besides. Here
 * <ul>
 *   <li>with about a vector of output channels ({@link #forward}, {@link #weightGradient}), the
 *       output channels are the lanes. The forward pass computes twelve neighbouring positions of
 *       an output row per tile ({@link Simd#kernelRowTile}), broadcasting the planar input; a row
 *       shorter than the tile computes a few positions past its end and drops them. The weight
 *       gradient sums twelve depth entries (input channel, tap) at a time over the real output
 *       positions only, row by row ({@link Simd#kernelRowGradient}), with the output gradient
 *       copied channels-last.</li>
 *   <li>with a few output channels ({@link #rows}), positions stay in the lanes but each tile is
 *       six output channels by three output rows of one vector ({@link Simd#kernelChannelRows}),
 *       so no column of the padding is computed, and kernel rows that read only padding are skipped.
 *       A one-vector-wide row of 14 (C3's input gradient) uses 14 lanes of 16.</li>
 * </ul>
 * Measured at batch 32 on one thread (Zen 4, best of runs, before -> after): C3 forward 0.294 ->
 * 0.262 ms, weight gradient 0.347 -> 0.267 ms, input gradient 0.408 -> 0.315 ms; C1 forward 0.157
 * -> 0.113 ms. The LeNet-5 training step (two shards of 32 on two threads) went from 2.08-2.19 to
 * 1.81-1.87 ms in interleaved JVMs.
 *
 * <p>Each tile of the forward passes, and each depth block of the weight gradient (summed over the
 * images in order), is one thread's work, so results do not depend on the thread count.
 */
final class NarrowConv {

    /** Output positions per forward tile and depth entries per weight-gradient block: the kernels' twelve accumulators. */
    static final int TILE = 12;

    /** Output channels per tile of {@link #rows}: the broadcast rows of {@link Simd#kernelChannelRows}. */
    static final int CHANNELS = 6;

    /** Output rows per tile of {@link #rows}. */
    static final int ROWS = 3;

    /** Input channels per group from which {@link ImplicitConv#forwardChannelsLast} takes over. */
    private static final int MAX_CHANNELS = 16;

    private NarrowConv() {}

    /**
     * Whether g's forward pass is taken here: as {@link #appliesToWeightGradient}, and output rows
     * filling at least 3/4 of their tiles.
     */
    static boolean appliesToForward(Simd simd, ConvGeometry g) {
        return appliesToWeightGradient(simd, g) && 4 * g.ow() >= 3 * ceil(g.ow(), TILE) * TILE;
    }

    /**
     * Whether g's weight gradient is taken here: stride 1 along rows, a kernel wider than 1x1, fewer
     * than 16 input channels per group, output channels filling at least 3/4 of their vectors' lanes,
     * and a padded input at least a quarter wider than the output, whose columns past the output's
     * width the other paths compute and drop. Narrower kernels lose to them (at batch 32, one thread:
     * 3 -> 16 5x5 on 28x28, forward 0.60 -> 0.70 ms, weight gradient 0.63 -> 0.80 ms, the transposes
     * in and out weighing more than the saved columns).
     */
    static boolean appliesToWeightGradient(Simd simd, ConvGeometry g) {
        int v = simd.lanes(), ocg = g.ocPerGroup(), wp = g.w() + g.padLeft() + g.padRight();
        return g.strideW() == 1 && g.kh() * g.kw() > 1 && g.cPerGroup() < MAX_CHANNELS
                && 4 * ocg >= 3 * ceil(ocg, v) * v && 4 * (wp - g.ow()) >= wp;
    }

    /**
     * The forward pass, {@code out} written and finished by the epilogue, its array asked for
     * alongside the products.
     */
    static void forward(Simd simd, ConvGeometry g, float[] weight, Epilogue epilogue, float[] in, DeferredOutput out) {
        int n = g.n(), cpg = g.cPerGroup(), ocg = g.ocPerGroup(), depth = cpg * g.kh() * g.kw(), v = simd.lanes();
        int oh = g.oh(), ow = g.ow(), ohw = oh * ow, oBlocks = ceil(ocg, v), rowTiles = ceil(ow, TILE);
        int tiles = n * oh * rowTiles;
        ImplicitConv.Shape shape = ImplicitConv.shape(g);
        int plane = shape.hp() * shape.wp(), image = cpg * plane;
        Scratch scratch = Scratch.get();
        // a tile reads up to TILE - 1 floats past the last real position of the batch
        float[] x = scratch.padded(n * image + TILE);
        float[] wT = scratch.weights(oBlocks * depth * v);
        float[] outT = scratch.wide(oBlocks * n * ohw * v);
        int[] offsets = offsets(g, shape, scratch);
        for (int grp = 0; grp < g.groups(); grp++) {
            padded(g, shape, in, grp, x, TILE);
            // the depth as the taps of one input channel: wT[(ob*depth + d)*v + j] = weight[ob*v + j][d]
            ImplicitConv.transposeWeight(simd, weight, grp * ocg * depth, ocg, 1, depth, false, v, wT, 0);
            int grain = Math.max(1, (1 << 16) / (depth * TILE * v));
            // 5 taps across, dilation 1: each broadcast serves a kernel row's 5 weights (LeNet-5 C3's
            // forward pass at batch 32 on one thread: 0.256 -> 0.202 ms)
            boolean fiveWide = g.kw() == 5 && g.dilationW() == 1;
            out.alongside(() -> Parallel.forRange(oBlocks * tiles, grain, (u0, u1) -> {
                for (int u = u0; u < u1; u++) {
                    int ob = u / tiles, tile = u % tiles, row = tile / rowTiles, ox = tile % rowTiles * TILE;
                    int b = row / oh, oy = row % oh, count = Math.min(TILE, ow - ox);
                    int at = b * image + oy * g.strideH() * shape.wp() + ox;
                    int cOff = (ob * n * ohw + b * ohw + oy * ow + ox) * v;
                    if (fiveWide) {
                        simd.kernelRowTile5(depth / 5, x, at, offsets, wT, ob * depth * v, count, outT, cOff);
                    } else {
                        simd.kernelRowTile(depth, x, at, offsets, wT, ob * depth * v, count, outT, cOff);
                    }
                }
            }));
            ImplicitConv.copyOutChannelsLast(simd, g, grp, outT, n * ohw, v, epilogue, out.array(), false);
        }
    }

    /** {@code dWeight += } the weight gradient (the bias gradient is the caller's). */
    static void weightGradient(Simd simd, ConvGeometry g, float[] dWeight, float[] dOut, float[] in) {
        int n = g.n(), cpg = g.cPerGroup(), ocg = g.ocPerGroup(), depth = cpg * g.kh() * g.kw(), v = simd.lanes();
        int oh = g.oh(), ow = g.ow(), ohw = oh * ow, oBlocks = ceil(ocg, v);
        // 5 taps across, dilation 1: blocks of two kernel rows whose input values each serve five
        // taps (LeNet-5 C3's weight gradient at batch 32 on one thread: 0.261 -> 0.191 ms); else blocks of TILE
        boolean fiveWide = g.kw() == 5 && g.dilationW() == 1 && ow >= 4;
        int block = fiveWide ? 10 : TILE, blocks = ceil(depth, block), depthP = blocks * block;
        ImplicitConv.Shape shape = ImplicitConv.shape(g);
        int image = cpg * shape.hp() * shape.wp(), rowStep = g.strideH() * shape.wp();
        Scratch scratch = Scratch.get();
        float[] x = scratch.padded(n * image);
        // the output gradient channels-last, (b, oy, ox, ocg); a block's last vector may read past it
        float[] dOutT = scratch.wide(n * ohw * ocg + v);
        float[] sums = scratch.partials(oBlocks * depthP * v);
        int[] offsets = offsets(g, shape, scratch);
        ConvGeometry outputs = new ConvGeometry(n, g.oc(), oh, ow, g.oc(), 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, g.groups());
        for (int grp = 0; grp < g.groups(); grp++) {
            padded(g, shape, in, grp, x, 0);
            ImplicitConv.paddedChannelsLast(simd, outputs, dOut, grp * ocg * ohw, oh, ow, dOutT);
            Arrays.fill(sums, 0, oBlocks * depthP * v, 0f);
            Parallel.forRange(oBlocks * blocks, 1, (q0, q1) -> {
                for (int b = 0; b < n; b++) { // every block sums the images in order
                    for (int q = q0; q < q1; q++) {
                        int ob = q / blocks, d0 = q % blocks * block, gAt = b * ohw * ocg + ob * v;
                        int cOff = (ob * depthP + d0) * v;
                        if (fiveWide) { // a block past the last kernel row reads the first tap (offset 0)
                            simd.kernelRowGradient5(oh, ow, x, b * image, rowStep, offsets[d0], offsets[d0 + 5],
                                    dOutT, gAt, ocg, sums, cOff);
                        } else {
                            simd.kernelRowGradient(oh, ow, x, b * image, rowStep, offsets, d0, dOutT, gAt, ocg, sums, cOff);
                        }
                    }
                }
            });
            int wOff = grp * ocg * depth;
            for (int o = 0; o < ocg; o++) {
                int ob = o / v, j = o % v;
                for (int d = 0; d < depth; d++) dWeight[wOff + o * depth + d] += sums[(ob * depthP + d) * v + j];
            }
        }
    }

    /**
     * Whether g's forward pass (or, for an input gradient's full convolution, that convolution) is
     * taken by {@link #rows}: stride 1 along rows, output channels that fill at least 2/3 of their
     * blocks of six and fewer rows than the micro-kernel's tiles ({@link Simd#mr()}), and output
     * rows and columns that fill at least 3/4 of their tiles and vectors. (One output channel, a
     * one-channel layer's input gradient, has a kernel of its own: 0.24 ms there against 0.62 ms
     * here for LeNet-5 C1.)
     */
    static boolean appliesToRows(Simd simd, ConvGeometry g) {
        int v = simd.lanes(), ocg = g.ocPerGroup(), mr = simd.mr(), blocks = ceil(ocg, CHANNELS) * CHANNELS;
        return g.strideW() == 1 && 3 * ocg >= 2 * blocks && blocks < ceil(ocg, mr) * mr
                && 4 * g.ow() >= 3 * ceil(g.ow(), v) * v && 4 * g.oh() >= 3 * ceil(g.oh(), ROWS) * ROWS;
    }

    /**
     * The convolution g with positions in the lanes and output rows computed exactly: tiles of six
     * output channels by three output rows of one vector ({@link Simd#kernelChannelRows}), read
     * from the planar padded input. {@code output} is written and finished by the epilogue or, when
     * {@code accumulate}, added to. With {@code flipped}, g is an input gradient's full convolution
     * ({@link ImplicitConv#inputGradientGeometry}) and weight the layer's own, read turned round.
     */
    static void rows(Simd simd, ConvGeometry g, float[] weight, boolean flipped, Epilogue epilogue, float[] in,
                     DeferredOutput output, boolean accumulate) {
        int n = g.n(), cpg = g.cPerGroup(), ocg = g.ocPerGroup(), taps = g.kh() * g.kw(), depth = cpg * taps;
        int v = simd.lanes(), oh = g.oh(), ow = g.ow(), ohw = oh * ow;
        int blocks = ceil(ocg, CHANNELS), rowBlocks = ceil(oh, ROWS), vectors = ceil(ow, v);
        // the products, (b, channel, row, column), whole tiles in order: each vector's spare lanes run
        // into the next row, which a later store of the same task overwrites (the last columns of a
        // row first, the first last). Masked stores of part-used tiles instead cost more than this
        // copy, and near an array's end their lane-by-lane path, inlined 18 times into the kernel,
        // made C2 give up on it in some JVMs (the LeNet-5 step at 5 ms instead of 2.5)
        int planeP = rowBlocks * ROWS * ow + v, imageP = blocks * CHANNELS * planeP;
        ImplicitConv.Shape shape = ImplicitConv.shape(g);
        int plane = shape.hp() * shape.wp(), image = cpg * plane, rowStep = g.strideH() * shape.wp();
        Scratch scratch = Scratch.get();
        // the last row block's spare rows, and the last vector's spare lanes, read past the image
        int slack = (ROWS - 1) * rowStep + v;
        // unpadded, the input is read in place, the spare reads of an image running into the next
        // image as they do in the padded copy, and only the last image is copied, with the slack
        // after it (LeNet-5's C1 at batch 64: copying the whole batch took 10 us of the forward
        // pass's 120 on two threads)
        boolean inPlace = g.padTop() == 0 && g.padLeft() == 0 && g.padBottom() == 0 && g.padRight() == 0;
        float[] x = scratch.padded(inPlace ? image + slack : n * image + slack);
        int stride = inPlace ? g.c() * plane : image; // from one image's group to the next's
        float[] w = scratch.weights(blocks * depth * CHANNELS);
        float[] products = scratch.wide(n * imageP);
        int[] offsets = scratch.offsets(depth);
        for (int t = 0; t < taps; t++) { // depth entry d = t*cpg + ci, the order of ImplicitConv.transposeWeight
            int tapOffset = t / g.kw() * g.dilationH() * shape.wp() + t % g.kw() * g.dilationW();
            for (int ci = 0; ci < cpg; ci++) offsets[t * cpg + ci] = ci * plane + tapOffset;
        }
        for (int grp = 0; grp < g.groups(); grp++) {
            int group = grp;
            int base = inPlace ? grp * cpg * plane : 0; // the group's first channel in image 0
            if (inPlace) {
                System.arraycopy(in, (n - 1) * stride + base, x, 0, image);
                Arrays.fill(x, image, image + slack, 0f);
            } else {
                padded(g, shape, in, grp, x, slack);
            }
            ImplicitConv.transposeWeight(simd, weight, grp * ocg * depth, ocg, cpg, taps, flipped, CHANNELS, w, 0);
            // each task's channels go to the output right after their products (see DeferredOutput.inPieces)
            DeferredOutput.Pieces pieces = output.inPieces(n * blocks, (u, out) -> {
                int b = u / blocks, o0 = u % blocks * CHANNELS, o1 = Math.min(ocg, o0 + CHANNELS);
                for (int o = o0; o < o1; o++) {
                    int src = b * imageP + o * planeP, dst = (b * g.oc() + group * ocg + o) * ohw;
                    if (accumulate) {
                        simd.axpy(1f, products, src, out, dst, ohw);
                    } else {
                        System.arraycopy(products, src, out, dst, ohw);
                        if (!epilogue.isNone()) epilogue.apply(simd, group * ocg + o, out, dst, ohw);
                    }
                }
            });
            pieces.run(() -> Parallel.forRange(n * blocks, 1, (u0, u1) -> {
                for (int u = u0; u < u1; u++) {
                    int b = u / blocks, cb = u % blocks, wAt = cb * depth * CHANNELS;
                    float[] src = inPlace && b < n - 1 ? in : x;
                    int at = inPlace ? (b < n - 1 ? b * stride + base : 0) : b * image;
                    int to0 = b * imageP + cb * CHANNELS * planeP;
                    for (int rb = 0; rb < rowBlocks; rb++) {
                        // kernel rows that read only padding for every row of the tile add nothing: skipped
                        // (a full convolution's zero border, 4 rows each side for LeNet-5 C3's input gradient)
                        int from = kernelRowFirst(g, Math.min(oh, rb * ROWS + ROWS) - 1) * g.kw() * cpg;
                        int to = (kernelRowLast(g, rb * ROWS) + 1) * g.kw() * cpg;
                        for (int xv = vectors - 1; xv >= 0; xv--) {
                            simd.kernelChannelRows(from, to, src, at + rb * ROWS * rowStep + xv * v, rowStep, offsets, w, wAt,
                                    products, to0 + rb * ROWS * ow + xv * v, planeP, ow);
                        }
                    }
                    pieces.computed(u);
                }
            }));
        }
    }

    /** The first kernel row that reads the input, not its top padding, at output row oy (0 if none). */
    private static int kernelRowFirst(ConvGeometry g, int oy) {
        int below = g.padTop() - oy * g.strideH(); // kernel rows before the input starts
        return below <= 0 ? 0 : Math.min(g.kh(), ceil(below, g.dilationH()));
    }

    /** The last kernel row that reads the input, not its bottom padding, at output row oy (-1 if none). */
    private static int kernelRowLast(ConvGeometry g, int oy) {
        int room = g.padTop() + g.h() - 1 - oy * g.strideH(); // padded rows left to the input's last
        return room < 0 ? -1 : Math.min(g.kh() - 1, room / g.dilationH());
    }

    /**
     * Group grp of every image of {@code in} into {@code x}, padded ({@code x} then holds n images of
     * the group), and {@code slack} zeros after them.
     */
    private static void padded(ConvGeometry g, ImplicitConv.Shape shape, float[] in, int grp, float[] x, int slack) {
        int cpg = g.cPerGroup(), hw = g.h() * g.w(), image = cpg * shape.hp() * shape.wp();
        Parallel.forRange(g.n(), Math.max(1, ImplicitConv.COPY_GRAIN / Math.max(1, image)), (b0, b1) -> {
            for (int b = b0; b < b1; b++) ImplicitConv.pad(in, (b * g.c() + grp * cpg) * hw, shape, cpg, x, b * image);
        });
        int end = g.n() * image;
        Arrays.fill(x, end, end + slack, 0f);
    }

    /**
     * Where depth entry d = (ci, ky, kx) of a window reads, from the window's first element:
     * {@code ci*hp*wp + ky*dilationH*wp + kx*dilationW}; entries past the depth, up to a whole
     * weight-gradient block of either kind and a kernel row more, read the first element.
     */
    private static int[] offsets(ConvGeometry g, ImplicitConv.Shape shape, Scratch scratch) {
        int taps = g.kh() * g.kw(), depth = g.cPerGroup() * taps, padded = ceil(depth, TILE) * TILE + 10;
        int[] offsets = scratch.offsets(padded);
        int plane = shape.hp() * shape.wp();
        for (int d = 0; d < padded; d++) {
            int ci = d / taps, ky = d % taps / g.kw(), kx = d % g.kw();
            offsets[d] = d < depth ? ci * plane + ky * g.dilationH() * shape.wp() + kx * g.dilationW() : 0;
        }
        return offsets;
    }

    private static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }
}
