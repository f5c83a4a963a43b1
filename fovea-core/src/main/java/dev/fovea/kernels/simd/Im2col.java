package dev.fovea.kernels.simd;

import dev.fovea.kernels.ConvGeometry;
import java.util.Arrays;

/**
 * Unfolds the receptive fields of one image and one channel group into a matrix, so a convolution
 * becomes one GEMM (Chellapilla, Puri and Simard, "High Performance Convolutional Neural Networks
 * for Document Processing", 2006; the layout is Caffe's {@code im2col}).
 *
 * <p>The column matrix has shape {@code (cPerGroup*kh*kw, oh*ow)}: row {@code (ci*kh + ky)*kw + kx}
 * holds, for every output position {@code (oy, ox)}, the input value
 * {@code in[ci, oy*strideH - padTop + ky*dilationH, ox*strideW - padLeft + kx*dilationW]}, or 0
 * where that falls in the padding. Rows are ordered like the weight's {@code (c/groups, kh, kw)}
 * axes, so the weight of a group is the left-hand matrix as stored.
 */
final class Im2col {

    private Im2col() {}

    /** Rows of the column matrix. */
    static int rows(ConvGeometry g) { return g.cPerGroup() * g.kh() * g.kw(); }

    /**
     * Fills the column matrix of the {@code cPerGroup} channels of {@code in} starting at
     * {@code inOff}: row r occupies {@code col[colOff + r*ld : colOff + r*ld + oh*ow]}, so several
     * images can sit side by side in one matrix ({@code ld >= oh*ow}).
     */
    static void im2col(float[] in, int inOff, ConvGeometry g, float[] col, int colOff, int ld) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow(), sw = g.strideW();
        int row = 0;
        for (int ci = 0; ci < g.cPerGroup(); ci++) {
            int chan = inOff + ci * h * w;
            for (int ky = 0; ky < g.kh(); ky++) {
                for (int kx = 0; kx < g.kw(); kx++, row++) {
                    int xShift = kx * g.dilationW() - g.padLeft(); // ix = ox*sw + xShift
                    int oxLo = firstInside(xShift, sw), oxHi = endInside(xShift, sw, w, ow);
                    int dst = colOff + row * ld;
                    for (int oy = 0; oy < oh; oy++, dst += ow) {
                        int iy = oy * g.strideH() + ky * g.dilationH() - g.padTop();
                        if (iy < 0 || iy >= h || oxLo >= oxHi) {
                            Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        int src = chan + iy * w + xShift;
                        Arrays.fill(col, dst, dst + oxLo, 0f);
                        if (sw == 1) {
                            System.arraycopy(in, src + oxLo, col, dst + oxLo, oxHi - oxLo);
                        } else {
                            for (int ox = oxLo; ox < oxHi; ox++) col[dst + ox] = in[src + ox * sw];
                        }
                        Arrays.fill(col, dst + oxHi, dst + ow, 0f);
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #im2col}: adds each entry of {@code col} into the input position it was
     * read from ({@code dIn += col2im(col)}); padding entries are dropped.
     */
    static void col2im(float[] col, ConvGeometry g, float[] dIn, int dInOff, Simd simd) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow(), sw = g.strideW();
        int row = 0;
        for (int ci = 0; ci < g.cPerGroup(); ci++) {
            int chan = dInOff + ci * h * w;
            for (int ky = 0; ky < g.kh(); ky++) {
                for (int kx = 0; kx < g.kw(); kx++, row++) {
                    int xShift = kx * g.dilationW() - g.padLeft();
                    int oxLo = firstInside(xShift, sw), oxHi = endInside(xShift, sw, w, ow);
                    if (oxLo >= oxHi) continue;
                    int src = row * oh * ow;
                    for (int oy = 0; oy < oh; oy++, src += ow) {
                        int iy = oy * g.strideH() + ky * g.dilationH() - g.padTop();
                        if (iy < 0 || iy >= h) continue;
                        int dst = chan + iy * w + xShift;
                        if (sw == 1) {
                            simd.axpy(1f, col, src + oxLo, dIn, dst + oxLo, oxHi - oxLo);
                        } else {
                            for (int ox = oxLo; ox < oxHi; ox++) dIn[dst + ox * sw] += col[src + ox];
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs rows {@code [p0, p0+kCur)} and columns {@code [j0, j0+w)} of the column matrix straight
     * into a GEMM panel ({@link Gemm.PanelSource}): row p of the panel is {@code dst[off + p*nr ...]},
     * zero-padded to nr. Skipping the column matrix saves writing and re-reading it (7 MB per image
     * for a 3x3, 64-channel, 56x56 layer), while the input image stays in L2.
     */
    static void packPanel(float[] in, int inOff, ConvGeometry g, int p0, int kCur, int j0, int w, Simd simd,
                          float[] dst, int off) {
        int nr = simd.nr();
        int h = g.h(), wd = g.w(), ow = g.ow(), kh = g.kh(), kw = g.kw(), sh = g.strideH(), sw = g.strideW();
        int oy0 = j0 / ow, ox0 = j0 % ow;
        int kx = p0 % kw, ky = (p0 / kw) % kh, ci = p0 / (kw * kh);
        int end = off + kCur * nr; // copies may overrun a run up to here: later writes cover the excess
        for (int p = 0; p < kCur; p++) {
            int d = off + p * nr;
            int chan = inOff + ci * h * wd;
            int xShift = kx * g.dilationW() - g.padLeft(), yShift = ky * g.dilationH() - g.padTop();
            // valid output columns for this kx; stride 1 needs no division (this runs once per panel row)
            int oxLo = sw == 1 ? Math.max(0, -xShift) : firstInside(xShift, sw);
            int oxHi = sw == 1 ? Math.max(0, Math.min(ow, wd - xShift)) : endInside(xShift, sw, wd, ow);
            // the w output positions run along output rows: one segment per row touched
            for (int done = 0, oy = oy0, ox = ox0; done < w; done += ow - ox, oy++, ox = 0) {
                int len = Math.min(ow - ox, w - done);
                int dd = d + done - ox; // dst index of output column 0 of this row
                int iy = oy * sh + yShift;
                int src = chan + iy * wd + xShift;
                boolean rowInside = iy >= 0 && iy < h;
                if (rowInside && ox >= oxLo && ox + len <= oxHi) { // the common case: no padding in reach
                    if (sw == 1) {
                        simd.copyRun(in, src + ox, dst, dd + ox, len, end);
                    } else if (sw == 2) {
                        simd.copyEvenRun(in, src + ox * 2, dst, dd + ox, len);
                    } else {
                        for (int x = ox; x < ox + len; x++) dst[dd + x] = in[src + x * sw];
                    }
                    continue;
                }
                int lo = Math.max(ox, Math.min(oxLo, ox + len)), hi = Math.max(lo, Math.min(oxHi, ox + len));
                if (!rowInside) lo = hi = ox + len;
                Arrays.fill(dst, dd + ox, dd + lo, 0f);
                if (sw == 1) {
                    simd.copyRun(in, src + lo, dst, dd + lo, hi - lo, end);
                } else if (sw == 2) {
                    simd.copyEvenRun(in, src + lo * 2, dst, dd + lo, hi - lo);
                } else {
                    for (int x = lo; x < hi; x++) dst[dd + x] = in[src + x * sw];
                }
                Arrays.fill(dst, dd + hi, dd + ox + len, 0f);
            }
            Arrays.fill(dst, d + w, d + nr, 0f);
            if (++kx == kw) { // next row of the column matrix: (ci, ky, kx) in weight order
                kx = 0;
                if (++ky == kh) {
                    ky = 0;
                    ci++;
                }
            }
        }
    }

    /** Smallest ox with {@code ox*stride + shift >= 0}. */
    private static int firstInside(int shift, int stride) {
        return shift >= 0 ? 0 : Math.ceilDiv(-shift, stride);
    }

    /** One past the largest ox (at most ow) with {@code ox*stride + shift < w}. */
    private static int endInside(int shift, int stride, int w, int ow) {
        if (w - 1 - shift < 0) return 0;
        return Math.min(ow, Math.floorDiv(w - 1 - shift, stride) + 1);
    }
}
