package dev.fovea.kernels.simd;

import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.Parallel;
import java.util.Arrays;

/**
 * 3x3 stride-1 convolutions by Winograd's minimal filtering algorithm F(2x2, 3x3) (Lavin and Gray,
 * "Fast Algorithms for Convolutional Neural Networks", CVPR 2016), channels-last: the forward pass
 * and the input gradient ({@link #convolve}), and for wide layers the weight gradient by F(3x3,
 * 2x2) ({@link #weightGradient}).
 *
 * <p>Each 2 x 2 block of outputs (a tile) depends on a 4 x 4 patch d of the padded input. With the
 * patch and the kernel g carried to 16 "points" ({@code V = B^T d B}, {@code U = G g G^T}), the
 * convolution becomes one product per point, {@code M = U .* V}, summed over input channels, and
 * {@code Y = A^T M A} gives the 4 outputs back. Summed over channels, the products of one point
 * form a matrix product ({@code M_k (tiles, oc) = V_k (tiles, c) * U_k (c, oc)}), so a layer costs
 * 16 multiply-adds per tile, channel pair where the direct convolution costs 36 (4 outputs x 9
 * taps): 2.25 times fewer. The transforms are additions (and halvings of the kernel), linear in
 * the tensor sizes, and the products run on the channels-last micro-kernel of the direct
 * convolution ({@link Simd#kernelGradientWindows}: 6 tiles x 64 output channels).
 *
 * <p>The price is rounding: every output is a different sum of the same products than the direct
 * formula's (the transforms add up to 9 values before and after the products), so results differ
 * from the direct convolution by a few units in the last place of the sums, as cuDNN's and
 * oneDNN's Winograd convolutions do. F(2x2, 3x3) is the variant with exact transforms (0, +-1,
 * +-1/2); the larger tiles of F(4x4, 3x3) would save more but lose digits. {@code
 * -Dfovea.winograd=false} turns it off (the direct convolutions then run everywhere).
 *
 * <p>The tiles are taken in blocks: each block is transformed, multiplied and transformed back by
 * one thread, so its transformed input and products stay in that core's L2. A tile's outputs are
 * sums over its own row of products only, in a fixed order of channels, so they do not depend on
 * the blocks or on the thread count.
 */
final class Winograd {

    /** Whether layers that qualify use the algorithm ({@code -Dfovea.winograd=false} turns it off). */
    static final boolean ENABLED = !"false".equals(System.getProperty("fovea.winograd"));

    /** Points of the transformed tile: 4 x 4. */
    private static final int POINTS = 16;

    /** Tiles per call of the product kernel: the direct convolution's positions per call, its six broadcast rows. */
    private static final int ROWS = ImplicitConv.POSITION_ROWS;

    /**
     * Floats of a block's transformed input (16 points x tiles x channels): 512 KB, so that it and
     * the block's products (16 x tiles x 64 per block of output channels) stay in a 1 MB L2.
     */
    private static final int BLOCK_FLOATS = 1 << 17;

    /**
     * Floats of the transformed operands of one part of the weight gradient's tiles (8 MB): few
     * enough to stay in L3, enough tiles for the GEMM's depth.
     */
    private static final int PART_FLOATS = 1 << 21;

    /** Most tiles per block: 60 x 16 points x 64 output channels of products are 240 KB. */
    private static final int MAX_BLOCK_TILES = 60;

    /**
     * Fewest output positions: below them the kernel's transform (16 values per weight where the
     * direct convolution reads 9, made on every call) is not repaid. ResNet-18 inference at batch
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
     * Fewest input and output channels for {@link #weightGradient}. With 64 (conv_c, ResNet's
     * layer1) the direct weight gradient's window kernel was as fast on one thread (20.2-22.2
     * against 21.5-21.6 ms) and much faster on two (11.1-11.2 against 18-45 ms: 16 products of
     * 64 x 64 per part are GEMMs too small to share well). From 128: conv_d's weight gradient 21.0
     * -> 14.3-15.1 ms on one thread, 10.6-11.4 -> 7.9-9.4 on two; the ResNet-18 training step,
     * 2 interleaved JVMs each, 1795-1823 -> 1684-1718 ms on one thread and 1005 -> 920-980 on two
     * (from 16 channels: 1613-1685 and 1321-1339).
     */
    static final int WEIGHT_GRADIENT_CHANNELS = 128;

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
                         Epilogue epilogue, float[] in, float[] out, boolean accumulate) {
        int n = g.n(), c = g.c(), oc = g.oc(), oh = g.oh(), ow = g.ow(), ohw = oh * ow, v = simd.lanes();
        int cols = 4 * v, oBlocks = (oc + cols - 1) / cols, cPad = (c + v - 1) / v * v;
        int tilesH = (oh + 1) / 2, tilesW = (ow + 1) / 2, imageTiles = tilesH * tilesW, tiles = n * imageTiles;
        // the padded input covers whole tiles: one more row and column of zeros when oh or ow is odd
        int hp = 2 * tilesH + 2, wp = 2 * tilesW + 2;
        // blocks small enough for L2, and at least two per thread where there are tiles for them (a
        // tile's outputs do not depend on the block it falls in, so neither does the result)
        int most = Math.clamp(BLOCK_FLOATS / (POINTS * cPad) / ROWS * ROWS, ROWS, MAX_BLOCK_TILES);
        int wanted = Math.max((tiles + most - 1) / most, Math.min((tiles + ROWS - 1) / ROWS, 2 * Parallel.threads()));
        int rowGroups = (tiles + ROWS - 1) / ROWS, size = ((tiles + wanted - 1) / wanted + ROWS - 1) / ROWS * ROWS;
        int blocks = (tiles + size - 1) / size;
        // the row groups dealt out evenly, so that blocks differ by one group at most: blocks of the
        // full size and a remainder (conv_d at batch 8: 13 of 30 tiles and one of 2) left one
        // thread a block short of the other
        int block = ROWS * ((rowGroups + blocks - 1) / blocks); // the largest; the stride of the buffers
        Scratch scratch = Scratch.get();
        float[] x = scratch.padded(n * hp * wp * c);
        ImplicitConv.paddedChannelsLast(simd, g, in, 0, hp, wp, x);
        float[] u = transformed != null ? transformed
                : transformKernel(simd, g, weight, flipped, scratch.transformedKernel(transformedSize(simd, g)));
        // the tiles of a block are rows of V: point k of the block's tile r is at (k*block + r)*cPad
        int[] starts = scratch.starts(POINTS * block);
        for (int i = 0; i < POINTS * block; i++) starts[i] = i * cPad;
        float[] outT = scratch.wide(oBlocks * n * ohw * cols); // (ob, position, 64), read by copyOutChannelsLast
        // with few blocks (ResNet-18's 14x14 layers at batch 1: 3), a task is one block of output
        // channels of a block of tiles, so that the threads share them evenly; a thread transforms a
        // block's input again for each of its tasks on another block (a sixteenth of the products)
        int split = blocks >= 4 * Parallel.threads() ? 1 : oBlocks;
        Parallel.forRange(blocks * split, 1, (u0, u1) -> {
            Scratch own = Scratch.get();
            float[] vs = own.transformedInput(POINTS * block * cPad);
            float[] products = own.products(POINTS * block * cols);
            int[] to = new int[4];
            int inVs = -1; // the block whose input vs holds
            for (int unit = u0; unit < u1; unit++) {
                int bk = unit / split, obLo = split == 1 ? 0 : unit % split, obHi = split == 1 ? oBlocks : obLo + 1;
                int t0 = ROWS * (int) ((long) rowGroups * bk / blocks);
                int count = Math.min(tiles, ROWS * (int) ((long) rowGroups * (bk + 1) / blocks)) - t0;
                int rowsUsed = (count + ROWS - 1) / ROWS * ROWS;
                if (inVs != bk) {
                    for (int r = 0; r < count; r++) {
                        int t = t0 + r, b = t / imageTiles, ty = t % imageTiles / tilesW, tx = t % tilesW;
                        simd.winogradInput(x, ((b * hp + 2 * ty) * wp + 2 * tx) * c, wp * c, c, cPad, vs, r * cPad, block * cPad);
                    }
                    inVs = bk;
                }
                for (int ob = obLo; ob < obHi; ob++) {
                    for (int k = 0; k < POINTS; k++) {
                        Arrays.fill(products, k * block * cols, (k * block + rowsUsed) * cols, 0f);
                        for (int c0 = 0; c0 < c; c0 += ImplicitConv.CHANNEL_CHUNK) { // as the direct convolution's steps
                            int kc = Math.min(ImplicitConv.CHANNEL_CHUNK, c - c0), uOff = ((ob * POINTS + k) * c + c0) * cols;
                            for (int r = 0; r < rowsUsed; r += ROWS) { // rows past count: stale tiles, never read back
                                simd.kernelGradientWindows(kc, vs, starts, k * block + r, c0, u, uOff, products,
                                        (k * block + r) * cols, cols);
                            }
                        }
                    }
                    for (int r = 0; r < count; r++) {
                        int t = t0 + r, b = t / imageTiles, oy = 2 * (t % imageTiles / tilesW), ox = 2 * (t % tilesW);
                        int p = ob * n * ohw + b * ohw + oy * ow + ox;
                        boolean right = ox + 1 < ow, below = oy + 1 < oh;
                        to[0] = p * cols;
                        to[1] = right ? (p + 1) * cols : -1;
                        to[2] = below ? (p + ow) * cols : -1;
                        to[3] = right && below ? (p + ow + 1) * cols : -1;
                        simd.winogradOutput(products, r * cols, block * cols, cols, outT, to);
                    }
                }
            }
        });
        ImplicitConv.copyOutChannelsLast(simd, g, 0, outT, n * ohw, epilogue, out, accumulate);
    }

    /** Floats of {@link #transformKernel}'s result for layer g. */
    static int transformedSize(Simd simd, ConvGeometry g) {
        int cols = 4 * simd.lanes();
        return (g.oc() + cols - 1) / cols * POINTS * g.c() * cols;
    }

    /**
     * {@code U = G g G^T} of every kernel of layer g (flipped and transposed as in {@link #convolve})
     * at {@code u[0]}, laid out (block of 64 output channels, point, input channel, 64) as the
     * product kernel reads it; returns u. A weight held constant keeps it (an inference session):
     * made per call, the transposition and transform of the weight were a third of the Winograd
     * layers' time in ResNet-18 at batch 1, where every weight serves 196 to 3,136 positions only.
     */
    static float[] transformKernel(Simd simd, ConvGeometry g, float[] weight, boolean flipped, float[] u) {
        int c = g.c(), oc = g.oc(), cols = 4 * simd.lanes(), oBlocks = (oc + cols - 1) / cols;
        float[] kernel = Scratch.get().weights(oBlocks * cols * 9 * c); // (ob, tap, ci, 64), ImplicitConv.transposeWeight's layout
        ImplicitConv.transposeWeight(simd, weight, 0, oc, c, 9, flipped, kernel, 0);
        Parallel.forRange(oBlocks * c, Math.max(1, ImplicitConv.COPY_GRAIN / (POINTS * cols)), (q0, q1) -> {
            for (int q = q0; q < q1; q++) {
                int ob = q / c, ci = q % c;
                simd.winogradKernel(kernel, (ob * 9 * c + ci) * cols, c * cols, cols, u, (ob * POINTS * c + ci) * cols, c * cols);
            }
        });
        return u;
    }

    /**
     * {@code dWeight += } the weight gradient of layer g (one {@link #applies} to) by F(3x3, 2x2),
     * the same algorithm with the roles turned (Lavin and Gray, section 5): each 2 x 2 tile of the
     * output gradient is a filter over its 4 x 4 input patch whose 3 x 3 outputs are the tile's
     * share of the weight gradient. Summed over tiles, point k is the product
     * {@code M_k (oc, c) = F_k^T (oc, tiles) * V_k (tiles, c)} of the transformed output gradient
     * and the transformed input ({@link Simd#winogradInput}, as in the forward pass), a GEMM whose
     * depth is the tiles; then {@code A^T M A} gives the 3 x 3 taps. The tiles are taken in parts
     * that keep the transformed operands to a few MB; each part's 16 products run on the blocked
     * GEMM, one product per task (the same sums for any thread count), and add onto the parts
     * before, in order.
     */
    static void weightGradient(Gemm gemm, Simd simd, ConvGeometry g, float[] dWeight, float[] dOut, float[] in) {
        int n = g.n(), c = g.c(), oc = g.oc(), oh = g.oh(), ow = g.ow(), v = simd.lanes();
        int cPad = (c + v - 1) / v * v, oPad = (oc + v - 1) / v * v;
        int tilesH = (oh + 1) / 2, tilesW = (ow + 1) / 2, imageTiles = tilesH * tilesW, tiles = n * imageTiles;
        int hp = 2 * tilesH + 2, wp = 2 * tilesW + 2, gh = 2 * tilesH, gw = 2 * tilesW;
        Scratch scratch = Scratch.get();
        float[] x = scratch.padded(n * hp * wp * c);
        ImplicitConv.paddedChannelsLast(simd, g, in, 0, hp, wp, x);
        // the output gradient channels-last, zero past the last row and column of an odd size
        ConvGeometry outputs = new ConvGeometry(n, oc, oh, ow, oc, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        float[] dy = scratch.wide(n * gh * gw * oc);
        ImplicitConv.paddedChannelsLast(simd, outputs, dOut, 0, gh, gw, dy);
        int part = Math.clamp(PART_FLOATS / (POINTS * (cPad + oPad)), 1, tiles);
        float[] vs = scratch.transformedInput(POINTS * part * cPad);
        float[] fs = scratch.transformedKernel(POINTS * part * oPad);
        float[] m = scratch.products(POINTS * oc * c);
        for (int t0 = 0; t0 < tiles; t0 += part) {
            int first = t0, count = Math.min(part, tiles - t0);
            Parallel.forRange(count, Math.max(1, (1 << 12) / (cPad + oPad)), (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int t = first + r, b = t / imageTiles, ty = t % imageTiles / tilesW, tx = t % tilesW;
                    simd.winogradInput(x, ((b * hp + 2 * ty) * wp + 2 * tx) * c, wp * c, c, cPad, vs, r * cPad, part * cPad);
                    simd.winogradGradient(dy, ((b * gh + 2 * ty) * gw + 2 * tx) * oc, gw * oc, oc, oPad, fs, r * oPad,
                            part * oPad);
                }
            });
            // one point per task, each GEMM on one thread: the 16 products are equal, so threads
            // get equal shares; split inside, each GEMM's packing and its few column blocks left
            // the second thread idle for a third of this pass (JFR, ResNet-18 training, 2 threads)
            float beta = t0 == 0 ? 0f : 1f;
            Parallel.forRange(POINTS, 1, (k0, k1) -> {
                for (int k = k0; k < k1; k++) {
                    gemm.gemm(true, false, oc, c, count, 1f, fs, k * part * oPad, oPad, vs, k * part * cPad, cPad,
                            beta, m, k * oc * c, c);
                }
            });
        }
        // A^T = [1 1 1 0; 0 1 -1 0; 0 1 1 1] down each column of M, then along each row
        int points = oc * c;
        Parallel.forRange(points, Math.max(1, ImplicitConv.COPY_GRAIN / 32), (q0, q1) -> {
            float[] r = new float[12];
            for (int q = q0; q < q1; q++) {
                for (int j = 0; j < 4; j++) {
                    float m0 = m[j * points + q], m1 = m[(4 + j) * points + q], m2 = m[(8 + j) * points + q],
                            m3 = m[(12 + j) * points + q];
                    r[j] = m0 + m1 + m2;
                    r[4 + j] = m1 - m2;
                    r[8 + j] = m1 + m2 + m3;
                }
                int w = q * 9; // q = o*c + ci: the weight (oc, c, 3, 3) row by row
                for (int a = 0; a < 3; a++) {
                    float r0 = r[4 * a], r1 = r[4 * a + 1], r2 = r[4 * a + 2], r3 = r[4 * a + 3];
                    dWeight[w + 3 * a] += r0 + r1 + r2;
                    dWeight[w + 3 * a + 1] += r1 - r2;
                    dWeight[w + 3 * a + 2] += r1 + r2 + r3;
                }
            }
        });
    }
}
