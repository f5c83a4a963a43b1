package dev.fovea.kernels.simd;

import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.Parallel;
import java.util.Arrays;

/**
 * 3x3 stride-1 convolutions by Winograd's minimal filtering algorithm F(2x2, 3x3) (Lavin and Gray,
 * "Fast Algorithms for Convolutional Neural Networks", CVPR 2016), channels-last.
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

    /** Tiles per call of the product kernel: its six broadcast rows. */
    private static final int ROWS = 6;

    /** Input channels per step of the product kernel: 128 x 64 output channels of U are 32 KB. */
    private static final int CHANNEL_CHUNK = 128;

    /**
     * Floats of a block's transformed input (16 points x tiles x channels): 512 KB, so that it and
     * the block's products (16 x tiles x 64 per block of output channels) stay in a 1 MB L2.
     */
    private static final int BLOCK_FLOATS = 1 << 17;

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
     * Whether {@code g} is computed here: a 3x3 kernel, stride 1, no dilation, one group, at least
     * 16 input and 32 output channels (the product kernel's 64-channel blocks half used or more),
     * {@link #MIN_POSITIONS} output positions or more, and 16-lane vectors.
     */
    static boolean applies(Simd simd, ConvGeometry g) {
        return ENABLED && simd.lanes() == 16 && g.kh() == 3 && g.kw() == 3 && g.strideH() == 1 && g.strideW() == 1
                && g.dilationH() == 1 && g.dilationW() == 1 && g.groups() == 1 && g.c() >= 16 && g.oc() >= 32
                && (long) g.n() * g.oh() * g.ow() >= MIN_POSITIONS;
    }

    /**
     * {@code out = } (or, when {@code accumulate}, {@code out +=}) the convolution g of {@code in}
     * with {@code weight}, finished by the epilogue. With {@code flipped}, {@code weight} is the
     * weight of the layer whose input gradient this full convolution computes
     * ({@link ImplicitConv#inputGradientGeometry}): its kernel is read transposed and turned round.
     */
    static void convolve(Simd simd, ConvGeometry g, float[] weight, boolean flipped, Epilogue epilogue, float[] in,
                         float[] out, boolean accumulate) {
        int n = g.n(), c = g.c(), oc = g.oc(), oh = g.oh(), ow = g.ow(), ohw = oh * ow, v = simd.lanes();
        int cols = 4 * v, oBlocks = (oc + cols - 1) / cols, cPad = (c + v - 1) / v * v;
        int tilesH = (oh + 1) / 2, tilesW = (ow + 1) / 2, imageTiles = tilesH * tilesW, tiles = n * imageTiles;
        // the padded input covers whole tiles: one more row and column of zeros when oh or ow is odd
        int hp = 2 * tilesH + 2, wp = 2 * tilesW + 2;
        // blocks small enough for L2, and at least two per thread where there are tiles for them (a
        // tile's outputs do not depend on the block it falls in, so neither does the result)
        int most = Math.clamp(BLOCK_FLOATS / (POINTS * cPad) / ROWS * ROWS, ROWS, MAX_BLOCK_TILES);
        int wanted = Math.max((tiles + most - 1) / most, Math.min((tiles + ROWS - 1) / ROWS, 2 * Parallel.threads()));
        int block = ((tiles + wanted - 1) / wanted + ROWS - 1) / ROWS * ROWS;
        int blocks = (tiles + block - 1) / block;
        Scratch scratch = Scratch.get();
        float[] x = scratch.padded(n * hp * wp * c);
        ImplicitConv.paddedChannelsLast(simd, g, in, 0, hp, wp, x);
        float[] kernel = scratch.weights(oBlocks * cols * 9 * c); // (ob, tap, ci, 64), ImplicitConv.transposeWeight's layout
        ImplicitConv.transposeWeight(simd, weight, 0, oc, c, 9, flipped, kernel, 0);
        float[] u = scratch.transformedKernel(oBlocks * POINTS * c * cols); // (ob, point, ci, 64)
        Parallel.forRange(oBlocks * c, Math.max(1, ImplicitConv.COPY_GRAIN / (POINTS * cols)), (q0, q1) -> {
            for (int q = q0; q < q1; q++) {
                int ob = q / c, ci = q % c;
                simd.winogradKernel(kernel, (ob * 9 * c + ci) * cols, c * cols, cols, u, (ob * POINTS * c + ci) * cols, c * cols);
            }
        });
        // the tiles of a block are rows of V: point k of the block's tile r is at (k*block + r)*cPad
        int[] starts = scratch.starts(POINTS * block);
        for (int i = 0; i < POINTS * block; i++) starts[i] = i * cPad;
        float[] outT = scratch.wide(oBlocks * n * ohw * cols); // (ob, position, 64), read by copyOutChannelsLast
        Parallel.forRange(blocks, 1, (b0, b1) -> {
            Scratch own = Scratch.get();
            float[] vs = own.transformedInput(POINTS * block * cPad);
            float[] products = own.products(POINTS * block * cols);
            int[] to = new int[4];
            for (int bk = b0; bk < b1; bk++) {
                int t0 = bk * block, count = Math.min(block, tiles - t0), rowsUsed = (count + ROWS - 1) / ROWS * ROWS;
                for (int r = 0; r < count; r++) {
                    int t = t0 + r, b = t / imageTiles, ty = t % imageTiles / tilesW, tx = t % tilesW;
                    simd.winogradInput(x, ((b * hp + 2 * ty) * wp + 2 * tx) * c, wp * c, c, cPad, vs, r * cPad, block * cPad);
                }
                for (int ob = 0; ob < oBlocks; ob++) {
                    for (int k = 0; k < POINTS; k++) {
                        Arrays.fill(products, k * block * cols, (k * block + rowsUsed) * cols, 0f);
                        for (int c0 = 0; c0 < c; c0 += CHANNEL_CHUNK) {
                            int kc = Math.min(CHANNEL_CHUNK, c - c0), uOff = ((ob * POINTS + k) * c + c0) * cols;
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
}
