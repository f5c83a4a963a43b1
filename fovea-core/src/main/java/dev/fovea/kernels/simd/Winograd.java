package dev.fovea.kernels.simd;

import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.Parallel;
import java.util.Arrays;

/**
 * 3x3 stride-1 convolutions by Winograd's minimal filtering algorithms F(4x4, 3x3) and F(2x2, 3x3)
 * (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016), channels-last:
 * the forward pass and the input gradient ({@link #convolve}), and the weight gradient
 * ({@link #weightGradient}).
 *
 * <p>Each m x m block of outputs (a tile) depends on an (m+2) x (m+2) patch d of the padded input.
 * With the patch and the kernel g carried to (m+2)^2 "points" ({@code V = B^T d B},
 * {@code U = G g G^T}), the convolution becomes one product per point, {@code M = U .* V}, summed
 * over input channels, and {@code Y = A^T M A} gives the m^2 outputs back. Summed over channels,
 * the products of one point form a matrix product ({@code M_k (tiles, oc) = V_k (tiles, c) *
 * U_k (c, oc)}), so a layer costs 36 multiply-adds per 16 outputs and channel pair by F(4x4, 3x3)
 * and 16 per 4 by F(2x2, 3x3), where the direct convolution costs 9 per output: 4 and 2.25 times
 * fewer. The transforms are additions and multiplications by small constants, linear in the tensor
 * sizes, and the products run on the channels-last micro-kernel of the direct convolution
 * ({@link Simd#kernelGradientWindows}: 6 tiles x 64 output channels).
 *
 * <p>The price is rounding: every output is a different sum of the same products than the direct
 * formula's. F(2x2, 3x3)'s transforms are exact (0, +-1, +-1/2) and its results are as close to the
 * exact sums as the direct convolution's; F(4x4, 3x3)'s (points 0, +-1, +-2: factors up to 8 and
 * 1/24) lose about 2 more bits, as cuDNN's and oneDNN's F(4x4, 3x3) do. Against sums in double
 * precision (post-ReLU inputs, He-initialised weights; 64 channels on 56x56, 256 on 14x14, 512 on
 * 7x7), the root-mean-square relative error was 3.0e-7, 5.9e-7, 8.0e-7 for the scalar direct
 * convolution, 2.2e-7, 4.4e-7, 5.9e-7 by F(2x2, 3x3) and 1.4e-6, 2.5e-6, 2.9e-6 by F(4x4, 3x3); the
 * weight gradients 1.6e-6 to 3.7e-6 by F(4x4, 3x3) against 0.4e-6 to 2.8e-6. F(4x4, 3x3) is the
 * default; {@code -Dfovea.winogradTile=2} keeps F(2x2, 3x3) everywhere, and
 * {@code -Dfovea.winograd=false} turns Winograd off (the direct convolutions then run everywhere).
 *
 * <p>The tiles are taken in blocks: each block is transformed, multiplied and transformed back by
 * one thread, so its transformed input and products stay in that core's L2. Where the transformed
 * kernel is too large for L3 to serve every block, the layer goes point by point instead
 * ({@link #KERNEL_FLOATS_BY_BLOCKS}). A tile's outputs are sums over its own row of products only,
 * in a fixed order of channels, so they depend neither on the blocks nor on the thread count.
 */
final class Winograd {

    /** Whether layers that qualify use the algorithm ({@code -Dfovea.winograd=false} turns it off). */
    static final boolean ENABLED = !"false".equals(System.getProperty("fovea.winograd"));

    /** Tiles per call of the product kernel: the direct convolution's positions per call, its six broadcast rows. */
    private static final int ROWS = ImplicitConv.POSITION_ROWS;

    /**
     * Floats of a block's transformed input (points x tiles x channels): 512 KB, so that it and the
     * block's products (points x tiles x 64 per block of output channels) stay in a 1 MB L2. (1 and
     * 2 MB measured no better for F(4x4, 3x3) on 256 channels at 14x14 or 512 at 7x7.)
     */
    private static final int BLOCK_FLOATS = 1 << 17;

    /**
     * Floats of the transformed operands of one part of the weight gradient's tiles (8 MB): few
     * enough to stay in L3, enough tiles for the GEMM's depth.
     */
    private static final int PART_FLOATS = 1 << 21;

    /**
     * Floats of a block's products (points x tiles x 64 output channels): 240 KB, 60 tiles of
     * F(2x2, 3x3), 24 of F(4x4, 3x3).
     */
    private static final int PRODUCT_FLOATS = 60 * 16 * 64;

    /**
     * Most floats of a transformed kernel that the blocks of tiles each read whole (16 MB): past
     * it, L3 no longer holds the kernel from one block to the next, and the layer goes point by
     * point ({@link #byPoints}), reading it once. 2 threads, the forward pass at batch 16 by F(4x4,
     * 3x3): 512 channels on 7x7 (a 38 MB kernel) 15.7 ms by blocks, 12.7 by points; 256 on 14x14
     * (9.4 MB) 8.5 by blocks, 9.5 by points; 128 on 28x28 7.8 against 10.7. A layer with fewer
     * tiles than output channels goes point by point too, whatever its kernel's size: each block
     * of tiles would read a kernel larger than its own transformed input. On the Zen 5 host (7 Dec
     * 2026), alternating in one JVM, best of 10 rounds, 1 / 2 threads: conv_d's forward+backward
     * (256 channels on 14x14 at batch 8, 128 tiles) 19.8 / 13.9 -> 18.7 / 13.0 ms, ResNet-18
     * inference at batch 1 (its 28x28 and 14x14 layers) 20.2 / 14.5 -> 18.6 / 13.7 ms. The forward
     * pass alone, best of 12: 256 channels on 14x14 at batch 8 5.92 / 3.62 ms by blocks, 5.58 /
     * 3.06 by points; at batch 16 (256 tiles, by blocks) 10.59 / 6.43 against 11.19 / 6.70; 128 on
     * 28x28 at batch 8 (392 tiles, by blocks) 5.57 / 2.44 against 7.87 / 3.97.
     */
    static final int KERNEL_FLOATS_BY_BLOCKS = 1 << 22;

    /**
     * Fewest blocks of tiles per thread in {@link #convolve}, where the tiles make that many row
     * groups: a thread that finishes its blocks takes the other's, so the threads end at most a
     * block apart, and small blocks keep that short. It was 2: at batch 1 (ResNet-18's 56x56 layers
     * in 10 blocks of 18-24 tiles, 28x28 in 8 tasks) the caller waited for a worker's last block,
     * or the worker for the caller's, 1.1 of the 6.1 ms the 2-thread inference spent in these calls
     * ({@code dev.fovea.bench.Regions}). 2 threads, ResNet-18 inference at batch 1, 2 against 8
     * alternating in one JVM, best of 40: 14.33 -> 14.04 ms (median 14.57 -> 14.30; in a slower JVM
     * 17.21 -> 16.69); 16 and 32 measured the same as 8; one thread 27.0-28.0 ms either way; batch
     * 16 and conv_d (256 channels on 14x14 at batch 8, 11 -> 16 blocks) unchanged within noise.
     */
    static final int MIN_BLOCKS_PER_THREAD = 8;

    /** Outputs per side of a tile: 4, F(4x4, 3x3), unless {@code -Dfovea.winogradTile=2} asks for F(2x2, 3x3). */
    static final int TILE = Integer.getInteger("fovea.winogradTile", 4) == 2 ? 2 : 4;

    /**
     * Fewest tiles per product in the weight gradient by F(4x4, 3x3) (the depth of each point's
     * GEMM, which reads and writes its oc x c products once per part of the tiles). Shallower, the
     * 36 products cost more than the 16 of F(2x2, 3x3): 2 threads, batch 16, F(2x2, 3x3) against
     * F(4x4, 3x3): 64 channels on 56x56 (455 tiles a part) 18.9 against 14.1 ms, 128 on 28x28 (227)
     * 13.2 against 10.1; but 256 on 14x14 (113) 10.6 against 12.0, 512 on 7x7 (64) 15.5 against
     * 23.1, and 256 on 14x14 at batch 8 (113) 5.7 against 7.8 ms.
     */
    static final int MIN_GRADIENT_DEPTH = 200;

    /** Outputs per side of the tiles of layer g's forward pass and input gradient: {@link #TILE}. */
    static int tile(ConvGeometry g) {
        return TILE;
    }

    /** Outputs per side of the tiles of layer g's weight gradient: {@link #tile}, 2 where 4 would leave the products shallower than {@link #MIN_GRADIENT_DEPTH}. */
    static int gradientTile(Simd simd, ConvGeometry g) {
        if (tile(g) == 2) return 2;
        int v = simd.lanes(), cPad = (g.c() + v - 1) / v * v, oPad = (g.oc() + v - 1) / v * v;
        long tiles = (long) g.n() * ((g.oh() + 3) / 4) * ((g.ow() + 3) / 4);
        return Math.min(tiles, PART_FLOATS / (36 * (cPad + oPad))) >= MIN_GRADIENT_DEPTH ? 4 : 2;
    }

    /**
     * Fewest output positions: below them the kernel's transform (16 or 36 values per weight where
     * the direct convolution reads 9, made on every call) is not repaid. ResNet-18 inference at batch
     * 1, from 1024 to 128 (layer2's 784 and layer3's 196 positions included, layer4's 49 not), best
     * of 2 interleaved JVMs: 37.1 -> 33.5 ms on one thread, 21.8 -> 20.2 ms on two.
     */
    static final int MIN_POSITIONS = 128;

    private Winograd() {}

    /**
     * Fewest input channels: the product kernel's depth, whose 24 accumulators are loaded and
     * stored once per call (over 16 or 32 channels that costs as much as the arithmetic saved).
     */
    static final int MIN_CHANNELS = 32;

    /**
     * Fewest output channels: a whole 64-channel block of the product kernel. Forward passes, 1
     * thread, Winograd against the direct kernels: 16 -> 32 channels on 28x28 at batch 64 10.8
     * against 5.1 ms, 32 -> 32 on 32x32 at batch 16 4.9 against 3.1; but 32 -> 64 on 14x14 at batch
     * 64 3.6 against 5.3, 64 -> 64 on 56x56 at batch 8 13.1 against 17.6, 128 -> 128 on 28x28 at
     * batch 16 21.4 against 36.3 ms (and the input gradient of 32 -> 64, 64 -> 32 channels: 5.5
     * against 5.6 ms, no gain).
     */
    static final int MIN_OUTPUT_CHANNELS = 64;

    /**
     * Whether {@code g} is computed here: a 3x3 kernel, stride 1, no dilation, one group,
     * {@link #MIN_CHANNELS} input and {@link #MIN_OUTPUT_CHANNELS} output channels or more,
     * {@link #MIN_POSITIONS} output positions or more, and 16-lane vectors.
     */
    static boolean applies(Simd simd, ConvGeometry g) {
        return ENABLED && simd.lanes() == 16 && g.kh() == 3 && g.kw() == 3 && g.strideH() == 1 && g.strideW() == 1
                && g.dilationH() == 1 && g.dilationW() == 1 && g.groups() == 1 && g.c() >= MIN_CHANNELS
                && g.oc() >= MIN_OUTPUT_CHANNELS && (long) g.n() * g.oh() * g.ow() >= MIN_POSITIONS;
    }

    /**
     * Fewest input and output channels for {@link #weightGradient}: 64. 2 threads, 64 channels on
     * 56x56 at batch 16 (ResNet-18's layer1): the direct weight gradient's window kernel 20.3 ms,
     * F(4x4, 3x3) 14.1 ms; the training step, 3 interleaved JVMs each, 754-801 ms from 128
     * channels and 738-762 from 64. (Before the products ran one per task and F(4x4, 3x3), 64
     * channels measured slower than the direct kernel on two threads: 18-45 against 11.1-11.2 ms
     * on conv_c.) When it began from 128, by F(3x3, 2x2): conv_d's weight gradient 21.0 ->
     * 14.3-15.1 ms on one thread, 10.6-11.4 -> 7.9-9.4 on two; the ResNet-18 training step, 2
     * interleaved JVMs each, 1795-1823 -> 1684-1718 ms on one thread and 1005 -> 920-980 on two
     * (from 16 channels: 1613-1685 and 1321-1339).
     */
    static final int WEIGHT_GRADIENT_CHANNELS = 64;

    /** Whether {@link #weightGradient} computes g's weight gradient: {@link #applies}, and {@link #WEIGHT_GRADIENT_CHANNELS}. */
    static boolean appliesToWeightGradient(Simd simd, ConvGeometry g) {
        return applies(simd, g) && g.c() >= WEIGHT_GRADIENT_CHANNELS && g.oc() >= WEIGHT_GRADIENT_CHANNELS;
    }

    /**
     * {@code out = } (or, when {@code accumulate}, {@code out +=}) the convolution g of {@code in}
     * with {@code weight}, finished by the epilogue. With {@code flipped}, {@code weight} is the
     * weight of the layer whose input gradient this full convolution computes
     * ({@link ImplicitConv#inputGradientGeometry}): its kernel is read transposed and turned round.
     */
    static void convolve(Simd simd, ConvGeometry g, float[] weight, float[] transformed, boolean flipped,
                         Epilogue epilogue, float[] in, DeferredOutput out, boolean accumulate) {
        int m = tile(g), cols = 4 * simd.lanes(), side = m + 2;
        int ocPad = (g.oc() + cols - 1) / cols * cols, tiles = g.n() * ((g.oh() + m - 1) / m) * ((g.ow() + m - 1) / m);
        boolean byPoints = (long) side * side * g.c() * ocPad > KERNEL_FLOATS_BY_BLOCKS || tiles < ocPad;
        convolve(simd, g, m, byPoints, weight, transformed, flipped, epilogue, in, out, accumulate);
    }

    /** {@link #convolve} in tiles of m x m outputs, by points ({@link #byPoints}) or by blocks of tiles. */
    static void convolve(Simd simd, ConvGeometry g, int m, boolean byPoints, float[] weight, float[] transformed,
                         boolean flipped, Epilogue epilogue, float[] in, DeferredOutput out, boolean accumulate) {
        int n = g.n(), c = g.c(), oc = g.oc(), oh = g.oh(), ow = g.ow(), ohw = oh * ow, v = simd.lanes();
        int cols = 4 * v, oBlocks = (oc + cols - 1) / cols, cPad = (c + v - 1) / v * v;
        int side = m + 2, points = side * side;
        int tilesH = (oh + m - 1) / m, tilesW = (ow + m - 1) / m, imageTiles = tilesH * tilesW, tiles = n * imageTiles;
        // the padded input covers whole tiles: more rows and columns of zeros when m does not divide oh or ow
        int hp = m * tilesH + 2, wp = m * tilesW + 2;
        // blocks small enough for L2, and at least MIN_BLOCKS_PER_THREAD per thread where there are
        // tiles for them (a tile's outputs do not depend on the block it falls in, so neither does
        // the result)
        int most = Math.clamp(BLOCK_FLOATS / (points * cPad) / ROWS * ROWS, ROWS,
                Math.max(ROWS, PRODUCT_FLOATS / (points * cols) / ROWS * ROWS));
        // the blocks a multiple of the threads where there are row groups for it (conv_d at batch 8
        // by F(4x4, 3x3): 11 blocks, 6 for one thread and 5 for the other), and the row groups dealt
        // out evenly, so that blocks differ by one group at most (blocks of the full size and a
        // remainder, 13 of 30 tiles and one of 2 by F(2x2, 3x3), left one thread a block short)
        int rowGroups = (tiles + ROWS - 1) / ROWS, threads = Parallel.threads();
        int wanted = Math.max((tiles + most - 1) / most, Math.min(rowGroups, MIN_BLOCKS_PER_THREAD * threads));
        int blocks = Math.min(rowGroups, (wanted + threads - 1) / threads * threads);
        int block = ROWS * ((rowGroups + blocks - 1) / blocks); // the largest; the stride of the buffers
        Scratch scratch = Scratch.get();
        float[] x = scratch.padded(n * hp * wp * c);
        ImplicitConv.paddedChannelsLast(simd, g, in, 0, hp, wp, x);
        float[] outT = scratch.wide(oBlocks * n * ohw * cols); // (ob, position, 64), read by copyOutChannelsLast
        if (byPoints) {
            // a kernel not held is transformed a block of output channels at a time, by the task
            // that multiplies by it, rather than all of it (38 MB for 512 channels) ahead
            float[] kernel = transformed != null ? null : transposedWeight(simd, g, weight, flipped);
            out.alongside(() -> byPoints(simd, g, m, x, hp, wp, transformed, kernel, flipped, outT));
            ImplicitConv.copyOutChannelsLast(simd, g, 0, outT, n * ohw, epilogue, out.array(), accumulate);
            return;
        }
        float[] u = transformed != null ? transformed
                : transformKernel(simd, g, m, weight, flipped, scratch.transformedKernel(transformedSize(simd, g, m)));
        // the tiles of a block are rows of V: point k of the block's tile r is at k*pointStride + r*cPad,
        // the points an odd number of cache lines apart (oddLines: 24 tiles of 128 channels were 12 KB)
        int pointStride = oddLines(block * cPad), kernelStride = kernelPointStride(c, cols);
        int[] starts = scratch.starts(points * block);
        for (int k = 0; k < points; k++) {
            for (int r = 0; r < block; r++) starts[k * block + r] = k * pointStride + r * cPad;
        }
        // with few blocks (ResNet-18's 14x14 layers at batch 1: 3), a task is one block of output
        // channels of a block of tiles, so that the threads share them evenly; a thread transforms a
        // block's input again for each of its tasks on another block (a sixteenth of the products)
        int split = blocks >= 4 * threads ? 1 : oBlocks;
        out.alongside(() -> Parallel.forRange(blocks * split, 1, (u0, u1) -> {
            Scratch own = Scratch.get();
            float[] vs = own.transformedInput(points * pointStride);
            float[] products = own.products(points * block * cols);
            int[] to = own.targets(m * m);
            float[] tmp = own.transformTmp(points * v);
            int inVs = -1; // the block whose input vs holds
            for (int unit = u0; unit < u1; unit++) {
                int bk = unit / split, obLo = split == 1 ? 0 : unit % split, obHi = split == 1 ? oBlocks : obLo + 1;
                int t0 = ROWS * (int) ((long) rowGroups * bk / blocks);
                int count = Math.min(tiles, ROWS * (int) ((long) rowGroups * (bk + 1) / blocks)) - t0;
                int rowsUsed = (count + ROWS - 1) / ROWS * ROWS;
                if (inVs != bk) {
                    for (int r = 0; r < count; r++) {
                        int t = t0 + r, b = t / imageTiles, ty = t % imageTiles / tilesW, tx = t % tilesW;
                        transformInput(simd, m, x, ((b * hp + m * ty) * wp + m * tx) * c, wp, c, cPad, vs, r * cPad,
                                pointStride, tmp);
                    }
                    inVs = bk;
                }
                for (int ob = obLo; ob < obHi; ob++) {
                    for (int k = 0; k < points; k++) {
                        Arrays.fill(products, k * block * cols, (k * block + rowsUsed) * cols, 0f);
                        for (int c0 = 0; c0 < c; c0 += ImplicitConv.CHANNEL_CHUNK) { // as the direct convolution's steps
                            int kc = Math.min(ImplicitConv.CHANNEL_CHUNK, c - c0), uOff = (ob * points + k) * kernelStride + c0 * cols;
                            // rows past count: stale tiles, never read back
                            multiply(simd, kc, vs, starts, k * block, rowsUsed, c0, u, uOff, products, k * block * cols, cols);
                        }
                    }
                    for (int r = 0; r < count; r++) {
                        int t = t0 + r, b = t / imageTiles, oy = m * (t % imageTiles / tilesW), ox = m * (t % tilesW);
                        transformOutput(simd, m, products, r * cols, block * cols, cols, outT,
                                ob * n * ohw + b * ohw + oy * ow + ox, oy, ox, oh, ow, to, tmp);
                    }
                }
            }
        }));
        ImplicitConv.copyOutChannelsLast(simd, g, 0, outT, n * ohw, epilogue, out.array(), accumulate);
    }

    /**
     * The products of {@link #convolve} point by point: every tile's input transformed first, then
     * one task per point and block of 64 output channels multiplies that point's V (all tiles) by
     * its columns of U, then the outputs are transformed back to {@code outT}. A kernel not held
     * transformed ({@code u} null) comes as {@link #transposedWeight}'s {@code kernel} instead, and a
     * task per block of output channels transforms its own kernels, a chunk of channels (and the 36
     * points) at a time, right before it multiplies by them: the chunk, 1.2 MB, stays in cache,
     * where the whole transform made ahead (38 MB for 512 channels) went out to memory and back.
     * 512 channels on 7x7 at batch 16, 2 threads: 12.7 -> 11.2 ms (with the transposed weight's
     * registers, 10.7; with a held kernel 7.7); the ResNet-18 training step, alternating steps in
     * one JVM, 1.5-3% faster.
     */
    private static void byPoints(Simd simd, ConvGeometry g, int m, float[] x, int hp, int wp, float[] u, float[] kernel,
                                 boolean flipped, float[] outT) {
        int n = g.n(), c = g.c(), oc = g.oc(), oh = g.oh(), ow = g.ow(), ohw = oh * ow, v = simd.lanes();
        int cols = 4 * v, oBlocks = (oc + cols - 1) / cols, cPad = (c + v - 1) / v * v, points = (m + 2) * (m + 2);
        int tilesH = (oh + m - 1) / m, tilesW = (ow + m - 1) / m, imageTiles = tilesH * tilesW, tiles = n * imageTiles;
        int rows = (tiles + ROWS - 1) / ROWS * ROWS; // rows past the tiles: stale, never read back
        int pointStride = oddLines(rows * cPad), productStride = rows * cols, kernelStride = kernelPointStride(c, cols);
        Scratch scratch = Scratch.get();
        float[] vs = scratch.transformedInput(points * pointStride);
        float[] products = scratch.products(oBlocks * points * productStride);
        int[] starts = scratch.starts(points * rows);
        for (int k = 0; k < points; k++) {
            for (int r = 0; r < rows; r++) starts[k * rows + r] = k * pointStride + r * cPad;
        }
        int grain = Math.max(1, ImplicitConv.COPY_GRAIN / (points * cPad));
        Parallel.forRange(tiles, grain, (t0, t1) -> {
            float[] tmp = Scratch.get().transformTmp(points * v);
            for (int t = t0; t < t1; t++) {
                int b = t / imageTiles, ty = t % imageTiles / tilesW, tx = t % tilesW;
                transformInput(simd, m, x, ((b * hp + m * ty) * wp + m * tx) * c, wp, c, cPad, vs, t * cPad, pointStride, tmp);
            }
        });
        if (u != null) { // the kernel held transformed: a task per point and block of output channels
            Parallel.forRange(oBlocks * points, 1, (q0, q1) -> {
                for (int q = q0; q < q1; q++) {
                    int ob = q / points, k = q % points, base = q * productStride;
                    Arrays.fill(products, base, base + productStride, 0f);
                    for (int c0 = 0; c0 < c; c0 += ImplicitConv.CHANNEL_CHUNK) {
                        int kc = Math.min(ImplicitConv.CHANNEL_CHUNK, c - c0), uOff = (ob * points + k) * kernelStride + c0 * cols;
                        multiply(simd, kc, vs, starts, k * rows, rows, c0, u, uOff, products, base, cols);
                    }
                }
            });
        } else { // a task per block of output channels, which transforms its kernels a chunk of channels at a time
            Parallel.forRange(oBlocks, 1, (ob0, ob1) -> {
                // the points an odd number of cache lines apart (oddLines), as every point of a
                // channel is written at once (512 channels on 7x7 at batch 16, 2 threads: 10.2-10.4
                // -> 9.8-10.0 ms; the whole transform of the blocks path, made ahead, gains too on
                // the Zen 5 host, though not on the Zen 4 one before it: kernelPointStride)
                int chunkStride = oddLines(ImplicitConv.CHANNEL_CHUNK * cols);
                float[] chunk = Scratch.get().transformedKernel(points * chunkStride);
                float[] tmp = Scratch.get().transformTmp(points * v);
                for (int ob = ob0; ob < ob1; ob++) {
                    Arrays.fill(products, ob * points * productStride, (ob + 1) * points * productStride, 0f);
                    for (int c0 = 0; c0 < c; c0 += ImplicitConv.CHANNEL_CHUNK) {
                        int kc = Math.min(ImplicitConv.CHANNEL_CHUNK, c - c0);
                        for (int ci = 0; ci < kc; ci++) { // point k of channel c0 + ci at chunk[k*chunkStride + ci*cols]
                            transformKernel(simd, m, kernel, tapsAt(ob, c0 + ci, c, cols, flipped), tapStride(c, cols, flipped),
                                    cols, chunk, ci * cols, chunkStride, tmp);
                        }
                        // the same sums in the same order as from a held kernel
                        for (int k = 0; k < points; k++) {
                            multiply(simd, kc, vs, starts, k * rows, rows, c0, chunk, k * chunkStride, products,
                                    (ob * points + k) * productStride, cols);
                        }
                    }
                }
            });
        }
        Parallel.forRange(oBlocks * tiles, Math.max(1, ImplicitConv.COPY_GRAIN / (points * cols)), (q0, q1) -> {
            Scratch own = Scratch.get();
            int[] to = own.targets(m * m);
            float[] tmp = own.transformTmp(points * v);
            for (int q = q0; q < q1; q++) {
                int ob = q / tiles, t = q % tiles, b = t / imageTiles, oy = m * (t % imageTiles / tilesW), ox = m * (t % tilesW);
                transformOutput(simd, m, products, ob * points * productStride + t * cols, productStride, cols, outT,
                        ob * n * ohw + b * ohw + oy * ow + ox, oy, ox, oh, ow, to, tmp);
            }
        });
    }

    /**
     * {@code products[at + r*cols] += } rows {@code [0, count)} (a multiple of {@link #ROWS}) of one
     * point's V, their rows from {@code starts[first + r]} and channels {@code [c0, c0 + kc)}, times
     * that point's kc x cols kernels at {@code u[uOff]}, six tiles per call of the product kernel.
     */
    private static void multiply(Simd simd, int kc, float[] vs, int[] starts, int first, int count, int c0, float[] u,
                                 int uOff, float[] products, int at, int cols) {
        for (int r = 0; r < count; r += ROWS) {
            simd.kernelGradientWindows(kc, vs, starts, first + r, c0, u, uOff, products, at + r * cols, cols);
        }
    }

    /**
     * {@code V = B^T d B} by F(m x m, 3x3) of the tile whose (m+2) x (m+2) patch of the padded,
     * channels-last input ({@code wp} columns of c channels) starts at {@code x[at]}: point k to
     * {@code v[vAt + k*pointStride]}, channels padded to cPad.
     */
    private static void transformInput(Simd simd, int m, float[] x, int at, int wp, int c, int cPad, float[] v, int vAt,
                                       int pointStride, float[] tmp) {
        if (m == 2) simd.winogradInput(x, at, wp * c, c, cPad, v, vAt, pointStride);
        else simd.winogradInput6(x, at, wp * c, c, cPad, v, vAt, pointStride, tmp);
    }

    /**
     * {@code Y = A^T M A} by F(m x m, 3x3) of one tile's products (point k at
     * {@code products[at + k*pointStride]}, {@code cols} channels) into {@code outT}, whose rows of cols are
     * output positions: the tile's first output, at (oy, ox) of its image, is row p. Outputs past
     * the image's last row or column go nowhere.
     */
    private static void transformOutput(Simd simd, int m, float[] products, int at, int pointStride, int cols,
                                        float[] outT, int p, int oy, int ox, int oh, int ow, int[] to, float[] tmp) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) to[i * m + j] = oy + i < oh && ox + j < ow ? (p + i * ow + j) * cols : -1;
        }
        if (m == 2) simd.winogradOutput(products, at, pointStride, cols, outT, to);
        else simd.winogradOutput6(products, at, pointStride, cols, outT, to, tmp);
    }

    /**
     * The least stride of at least {@code floats} floats that is an odd number of 64-byte cache
     * lines. The transforms write (or read) all the points of a tile at once, one stride apart; at
     * a multiple of 4 KB they all fall in one set of the L1 cache, whose 8 ways then hold only 8
     * of the 16 or 36. 2 threads, the weight gradient of 256 channels on 14x14: by F(3x3, 2x2) at
     * batch 16 (points 256 KB apart) 15.9 -> 10.6 ms, by F(4x4, 3x3) at batch 8 (128 KB) 8.2 -> 7.8 ms.
     */
    static int oddLines(int floats) {
        return ((floats + 15) / 16 | 1) * 16;
    }

    /** Floats of {@link #transformKernel}'s result for layer g. */
    static int transformedSize(Simd simd, ConvGeometry g) {
        return transformedSize(simd, g, tile(g));
    }

    /** Floats of {@link #transformKernel}'s result for layer g in tiles of m x m outputs. */
    static int transformedSize(Simd simd, ConvGeometry g, int m) {
        int cols = 4 * simd.lanes(), side = m + 2;
        return (g.oc() + cols - 1) / cols * side * side * kernelPointStride(g.c(), cols);
    }

    /**
     * How far apart a transformed kernel's points are: its c x cols floats, rounded up to an odd
     * number of cache lines ({@link #oddLines}). {@link #transformKernel} writes all of a channel's
     * points (36 by F(4x4, 3x3)) at once; 256 channels back to back put them 64 KB apart, all in
     * one set of the L1 cache. On the Zen 5 host (7 Dec 2026), the forward pass by blocks of tiles,
     * alternating in one JVM, best of 16 rounds, 1 / 2 threads: 256 channels on 14x14 at batch 8
     * 6.11 / 4.20 -> 5.45 / 3.59 ms, at batch 16 9.82 / 6.03 -> 9.43 / 5.78; 128 on 28x28 at batch
     * 8 4.97 / 2.52 -> 4.62 / 2.42 (the transform alone, 256 channels: 1.55 -> 0.37-0.42 ms on one
     * thread). On the Zen 4 host before it, the same padding measured no different.
     */
    static int kernelPointStride(int c, int cols) {
        return oddLines(c * cols);
    }

    /**
     * {@code U = G g G^T} of every kernel of layer g (flipped and transposed as in {@link #convolve})
     * at {@code u[0]}, laid out (block of 64 output channels, point, input channel, 64), the points
     * {@link #kernelPointStride} apart, as the product kernel reads it; returns u. A weight held
     * constant keeps it (an inference session):
     * made per call, the transposition and transform of the weight were a third of the Winograd
     * layers' time in ResNet-18 at batch 1, where every weight serves 196 to 3,136 positions only.
     */
    static float[] transformKernel(Simd simd, ConvGeometry g, float[] weight, boolean flipped, float[] u) {
        return transformKernel(simd, g, tile(g), weight, flipped, u);
    }

    /** {@link #transformKernel} for tiles of m x m outputs: 16 points when m is 2, 36 when 4. */
    static float[] transformKernel(Simd simd, ConvGeometry g, int m, float[] weight, boolean flipped, float[] u) {
        int c = g.c(), oc = g.oc(), cols = 4 * simd.lanes(), oBlocks = (oc + cols - 1) / cols;
        int points = (m + 2) * (m + 2);
        float[] kernel = transposedWeight(simd, g, weight, flipped);
        int kernelStride = kernelPointStride(c, cols);
        Parallel.forRange(oBlocks * c, Math.max(1, ImplicitConv.COPY_GRAIN / (points * cols)), (q0, q1) -> {
            float[] tmp = Scratch.get().transformTmp(points * simd.lanes());
            for (int q = q0; q < q1; q++) {
                int ob = q / c, ci = q % c;
                transformKernel(simd, m, kernel, tapsAt(ob, ci, c, cols, flipped), tapStride(c, cols, flipped), cols, u,
                        ob * points * kernelStride + ci * cols, kernelStride, tmp);
            }
        });
        return u;
    }

    /**
     * Layer g's weight (flipped and transposed as in {@link #convolve}) in the calling thread's
     * scratch, in blocks of 64 output channels side by side: the 9 taps of input channel ci in block
     * ob from {@link #tapsAt}, {@link #tapStride} apart. Flipped, it is ImplicitConv.transposeWeight's
     * layout (block, tap, channel, 64), whose 16-lane gathers stay within a few cache lines (9 floats
     * apart); the layer's own weight is transposed as the matrix it is, (output channel, channel and
     * tap), into (block, channel and tap, 64), 16 x 16 values at a time through registers
     * ({@link Simd#transpose}), since gathers in the other layout take every lane from another row,
     * thousands of floats apart: 512 channels 2.14 -> 0.27 ms on 2 threads (flipped: 0.63 ms).
     */
    private static float[] transposedWeight(Simd simd, ConvGeometry g, float[] weight, boolean flipped) {
        int c = g.c(), oc = g.oc(), cols = 4 * simd.lanes(), oBlocks = (oc + cols - 1) / cols, depth = 9 * c;
        float[] kernel = Scratch.get().weights(oBlocks * cols * depth);
        if (flipped) {
            ImplicitConv.transposeWeight(simd, weight, 0, oc, c, 9, true, kernel, 0);
            return kernel;
        }
        int pieces = Math.max(1, depth * cols / ImplicitConv.COPY_GRAIN);
        Parallel.forRange(oBlocks * pieces, 1, (u0, u1) -> {
            int[] index = Scratch.get().multiples(cols, depth, cols);
            for (int u = u0; u < u1; u++) {
                int ob = u / pieces, piece = u % pieces, count = Math.min(cols, oc - ob * cols);
                int q0 = (int) ((long) depth * piece / pieces), q1 = (int) ((long) depth * (piece + 1) / pieces);
                simd.transpose(weight, ob * cols * depth + q0, index, count, q1 - q0, kernel, (ob * depth + q0) * cols, cols);
                if (count < cols) {
                    for (int q = q0; q < q1; q++) Arrays.fill(kernel, (ob * depth + q) * cols + count, (ob * depth + q + 1) * cols, 0f);
                }
            }
        });
        return kernel;
    }

    /** Where {@link #transposedWeight}'s taps of input channel ci in block ob start. */
    private static int tapsAt(int ob, int ci, int c, int cols, boolean flipped) {
        return flipped ? (ob * 9 * c + ci) * cols : (ob * c + ci) * 9 * cols;
    }

    /** How far apart {@link #transposedWeight}'s taps of one input channel are. */
    private static int tapStride(int c, int cols, boolean flipped) {
        return flipped ? c * cols : cols;
    }

    /**
     * {@code U = G g G^T} by F(m x m, 3x3) of cols kernels side by side, their 9 taps at
     * {@code kernel[at + t*tapStride]}: point k to {@code u[to + k*pointStride]}.
     */
    private static void transformKernel(Simd simd, int m, float[] kernel, int at, int tapStride, int cols, float[] u, int to,
                                        int pointStride, float[] tmp) {
        if (m == 2) simd.winogradKernel(kernel, at, tapStride, cols, u, to, pointStride);
        else simd.winogradKernel6(kernel, at, tapStride, cols, u, to, pointStride, tmp);
    }

    /**
     * {@code dWeight += } the weight gradient of layer g (one {@link #appliesToWeightGradient} to),
     * in tiles of {@link #gradientTile} output positions. By F(3x3, 2x2), the forward algorithm with
     * the roles turned (Lavin and Gray, section 5), each 2 x 2 tile of the output gradient is a
     * filter over its 4 x 4 input patch whose 3 x 3 outputs are the tile's share of the weight
     * gradient. By F(4x4, 3x3)'s matrices, the forward pass summed against the output gradient,
     * {@code sum_k (A dy A^T)_k (G w G^T)_k (B^T x B)_k} over each tile's 36 points, is linear in
     * the kernel w, so its derivative {@code G^T [(A dy A^T) .* (B^T x B)] G} is the tile's share.
     * Either way, summed over tiles, point k is the product {@code M_k (oc, c) = F_k^T (oc, tiles)
     * * V_k (tiles, c)} of the transformed output gradient and the transformed input (as in the
     * forward pass), a GEMM whose depth is the tiles, and one transform of M gives the 3 x 3 taps.
     * The tiles are taken in parts that keep the transformed operands to a few MB; each part's
     * products run on the blocked GEMM, one product per task (the same sums for any thread count),
     * and add onto the parts before, in order.
     */
    static void weightGradient(Gemm gemm, Simd simd, ConvGeometry g, float[] dWeight, float[] dOut, float[] in) {
        weightGradient(gemm, simd, g, gradientTile(simd, g), dWeight, dOut, in);
    }

    /** {@link #weightGradient} in tiles of m x m output positions: F(3x3, 2x2) when m is 2, F(4x4, 3x3)'s matrices when 4. */
    static void weightGradient(Gemm gemm, Simd simd, ConvGeometry g, int m, float[] dWeight, float[] dOut, float[] in) {
        int n = g.n(), c = g.c(), oc = g.oc(), oh = g.oh(), ow = g.ow(), v = simd.lanes();
        int cPad = (c + v - 1) / v * v, oPad = (oc + v - 1) / v * v, points = (m + 2) * (m + 2);
        int tilesH = (oh + m - 1) / m, tilesW = (ow + m - 1) / m, imageTiles = tilesH * tilesW, tiles = n * imageTiles;
        int hp = m * tilesH + 2, wp = m * tilesW + 2, gh = m * tilesH, gw = m * tilesW;
        Scratch scratch = Scratch.get();
        float[] x = scratch.padded(n * hp * wp * c);
        ImplicitConv.paddedChannelsLast(simd, g, in, 0, hp, wp, x);
        // the output gradient channels-last, zero past the last row and column of a size m does not divide
        ConvGeometry outputs = new ConvGeometry(n, oc, oh, ow, oc, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        float[] dy = scratch.wide(n * gh * gw * oc);
        ImplicitConv.paddedChannelsLast(simd, outputs, dOut, 0, gh, gw, dy);
        int part = Math.clamp(PART_FLOATS / (points * (cPad + oPad)), 1, tiles);
        int vStride = oddLines(part * cPad), fStride = oddLines(part * oPad); // floats from one point to the next
        float[] vs = scratch.transformedInput(points * vStride);
        float[] fs = scratch.transformedKernel(points * fStride);
        // point k's (oc, c) sums at k*pStride: the last pass reads all the points of a pair at once
        // (oddLines: at 65,536 floats apart, 256 channels, all 36 in one set of L1: 7.1 -> 3.1 ms)
        int pStride = oddLines(oc * c);
        float[] products = scratch.products(points * pStride);
        for (int t0 = 0; t0 < tiles; t0 += part) {
            int first = t0, count = Math.min(part, tiles - t0);
            Parallel.forRange(count, Math.max(1, (1 << 12) / (cPad + oPad)), (r0, r1) -> {
                float[] tmp = Scratch.get().transformTmp(points * v);
                for (int r = r0; r < r1; r++) {
                    int t = first + r, b = t / imageTiles, ty = t % imageTiles / tilesW, tx = t % tilesW;
                    int xAt = ((b * hp + m * ty) * wp + m * tx) * c, fAt = ((b * gh + m * ty) * gw + m * tx) * oc;
                    transformInput(simd, m, x, xAt, wp, c, cPad, vs, r * cPad, vStride, tmp);
                    if (m == 2) simd.winogradGradient(dy, fAt, gw * oc, oc, oPad, fs, r * oPad, fStride);
                    else simd.winogradGradient6(dy, fAt, gw * oc, oc, oPad, fs, r * oPad, fStride, tmp);
                }
            });
            // one point per task, each GEMM on one thread: the products are equal, so threads get
            // equal shares; split inside, each GEMM's packing and its few column blocks left the
            // second thread idle for a third of this pass (JFR, ResNet-18 training, 2 threads)
            float beta = t0 == 0 ? 0f : 1f;
            Parallel.forRange(points, 1, (k0, k1) -> {
                for (int k = k0; k < k1; k++) {
                    gemm.gemm(true, false, oc, c, count, 1f, fs, k * fStride, oPad, vs, k * vStride, cPad,
                            beta, products, k * pStride, c);
                }
            });
        }
        int pairs = oc * c; // q = o*c + ci: the weight (oc, c, 3, 3) row by row at 9q
        // a vector of pairs at a time (Simd.winogradTaps), the rest one by one: the same arithmetic
        Parallel.forRange(pairs, Math.max(1, ImplicitConv.COPY_GRAIN / (2 * points)), (q0, q1) -> {
            Scratch own = Scratch.get();
            float[] r = own.taps(3 * (m + 2)), tmp = own.transformTmp(27 * v);
            int q = q0;
            for (; q + v <= q1; q += v) {
                if (m == 2) simd.winogradTaps(products, q, pStride, dWeight, 9 * q, tmp);
                else simd.winogradTaps6(products, q, pStride, dWeight, 9 * q, tmp);
            }
            for (; q < q1; q++) {
                if (m == 2) kernelGradient2(products, q, pStride, r, dWeight, 9 * q);
                else kernelGradient4(products, q, pStride, r, dWeight, 9 * q);
            }
        });
    }

    /**
     * {@code dw += A^T M A} of F(3x3, 2x2) for one (output, input) channel pair, point k of M at
     * {@code m[k*stride + q]}: A^T = [1 1 1 0; 0 1 -1 0; 0 1 1 1] down each column, then along each row.
     */
    static void kernelGradient2(float[] m, int q, int stride, float[] r, float[] dw, int w) {
        for (int j = 0; j < 4; j++) {
            float m0 = m[j * stride + q], m1 = m[(4 + j) * stride + q], m2 = m[(8 + j) * stride + q],
                    m3 = m[(12 + j) * stride + q];
            r[j] = m0 + m1 + m2;
            r[4 + j] = m1 - m2;
            r[8 + j] = m1 + m2 + m3;
        }
        for (int a = 0; a < 3; a++) {
            float r0 = r[4 * a], r1 = r[4 * a + 1], r2 = r[4 * a + 2], r3 = r[4 * a + 3];
            dw[w + 3 * a] += r0 + r1 + r2;
            dw[w + 3 * a + 1] += r1 - r2;
            dw[w + 3 * a + 2] += r1 + r2 + r3;
        }
    }

    /**
     * {@code dw += G^T M G} with F(4x4, 3x3)'s kernel transform G for one (output, input) channel
     * pair, point k of M at {@code m[k*stride + q]}: the weight gradient is the derivative of
     * {@code sum_k (A dy A^T)_k (G w G^T)_k (B^T x B)_k} (the forward pass summed against dy) with
     * respect to w. G^T = [1/4 -1/6 -1/6 1/24 1/24 0; 0 -1/6 1/6 1/12 -1/12 0; 0 -1/6 -1/6 1/6 1/6 1].
     * Multiplied by the fractions rounded to float rather than divided by their denominators, as the
     * forward transform does (256 channels: 3.3 -> 3.1 ms a pass, one thread).
     */
    static void kernelGradient4(float[] m, int q, int stride, float[] r, float[] dw, int w) {
        for (int j = 0; j < 6; j++) {
            float m0 = m[j * stride + q], m1 = m[(6 + j) * stride + q], m2 = m[(12 + j) * stride + q],
                    m3 = m[(18 + j) * stride + q], m4 = m[(24 + j) * stride + q], m5 = m[(30 + j) * stride + q];
            float s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
            r[j] = m0 * 0.25f - s12 * SIXTH + s34 * TWENTY_FOURTH;
            r[6 + j] = d34 * TWELFTH - d12 * SIXTH;
            r[12 + j] = (s34 - s12) * SIXTH + m5;
        }
        for (int a = 0; a < 3; a++) {
            float m0 = r[6 * a], m1 = r[6 * a + 1], m2 = r[6 * a + 2], m3 = r[6 * a + 3], m4 = r[6 * a + 4],
                    m5 = r[6 * a + 5];
            float s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
            dw[w + 3 * a] += m0 * 0.25f - s12 * SIXTH + s34 * TWENTY_FOURTH;
            dw[w + 3 * a + 1] += d34 * TWELFTH - d12 * SIXTH;
            dw[w + 3 * a + 2] += (s34 - s12) * SIXTH + m5;
        }
    }

    private static final float SIXTH = 1f / 6, TWELFTH = 1f / 12, TWENTY_FOURTH = 1f / 24;
}
