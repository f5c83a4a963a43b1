package dev.fovea.kernels.simd;

import dev.fovea.kernels.PoolGeometry;

import java.util.Arrays;

/**
 * Max and average pooling of one (n, c) plane at a time, for {@link VectorKernels}, with the
 * results of the scalar reference: max pooling bit for bit (values and argmax, ties and NaN
 * included), average pooling too (the same sums in the same order, the same division).
 *
 * <p>Each output row splits into a left border, an interior and a right border. In the interior
 * every window lies horizontally inside the input, so its columns are a SIMD run
 * ({@link Simd#maxPoolRow} and friends, strides 1 and 2). The borders, whose windows reach into
 * the padding or past the input (ceil mode), and other strides take scalar loops that follow the
 * reference's per-window logic. Rows of a window outside the input are skipped for the whole output
 * row at once: they depend on the output row only.
 *
 * <p>Legend as in {@code ScalarKernels}: h/w input, oh/ow output, window (oy, ox) covers input rows
 * {@code oy*strideH - padH + ky*dilationH}, columns likewise.
 */
final class Pooling {

    /**
     * Shortest interior run given to the vector pass. Measured at 512 bits on 4-12 wide planes: from
     * a run of 2 outputs on, the vector pass is as fast as the scalar loop (average backward) or
     * faster (average forward 1.2x, max 3x3/1 forward 1.2x; 3-4x from runs of 6-10).
     */
    private static final int MIN_RUN = 2;

    private Pooling() {}

    /** Max pooling forward of plane {@code plane} (= b * c + channel); argmax may be null (values only). */
    static void maxForward(float[] out, int[] argmax, float[] in, PoolGeometry g, int plane, Simd simd) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow(), kw = g.kw();
        int sW = g.strideW(), pW = g.padW(), dW = g.dilationW();
        int inBase = plane * h * w;
        // interior: ox * sW - pW >= 0 and ox * sW - pW + (kw - 1) * dW <= w - 1
        int oxLo = Math.min(ow, ceilDiv(pW, sW));
        int oxHi = Math.max(oxLo, Math.min(ow, Math.floorDiv(w - 1 + pW - (kw - 1) * dW, sW) + 1));
        boolean vector = (sW == 1 || sW == 2) && oxHi - oxLo >= MIN_RUN;
        for (int oy = 0; oy < oh; oy++) {
            int iy0 = oy * g.strideH() - g.padH();
            int kyLo = firstInside(iy0, g.dilationH()), kyHi = endInside(iy0, g.dilationH(), g.kh(), h);
            int outRow = (plane * oh + oy) * ow;
            if (kyLo >= kyHi) { // every row of the window is padding: -inf, no argmax (dilated windows only)
                Arrays.fill(out, outRow, outRow + ow, Float.NEGATIVE_INFINITY);
                if (argmax != null) Arrays.fill(argmax, outRow, outRow + ow, -1);
                continue;
            }
            int rowFirst = inBase + (iy0 + kyLo * g.dilationH()) * w; // first window row inside the input
            if (vector) {
                for (int ox = 0; ox < oxLo; ox++) maxAt(out, argmax, in, g, rowFirst, kyHi - kyLo, outRow, ox);
                int done = simd.maxPoolRow(in, rowFirst + oxLo * sW - pW, kyHi - kyLo, g.dilationH() * w, kw, dW, sW,
                        oxHi - oxLo, out, argmax, outRow + oxLo);
                for (int ox = oxLo + done; ox < ow; ox++) maxAt(out, argmax, in, g, rowFirst, kyHi - kyLo, outRow, ox);
            } else {
                for (int ox = 0; ox < ow; ox++) maxAt(out, argmax, in, g, rowFirst, kyHi - kyLo, outRow, ox);
            }
        }
    }

    /** One output of max pooling: the reference's loop over the window rows inside the input. */
    private static void maxAt(float[] out, int[] argmax, float[] in, PoolGeometry g, int rowFirst, int rows,
                              int outRow, int ox) {
        float best = Float.NEGATIVE_INFINITY;
        int bestIndex = -1;
        int rowStep = g.dilationH() * g.w();
        for (int r = 0; r < rows; r++) {
            for (int kx = 0; kx < g.kw(); kx++) {
                int ix = ox * g.strideW() - g.padW() + kx * g.dilationW();
                if (ix < 0 || ix >= g.w()) continue;
                int index = rowFirst + r * rowStep + ix;
                float v = in[index];
                // strict '>' keeps the first of equal values; the first NaN sticks
                if (bestIndex < 0 || v > best || (Float.isNaN(v) && !Float.isNaN(best))) {
                    best = v;
                    bestIndex = index;
                }
            }
        }
        out[outRow + ox] = best;
        if (argmax != null) argmax[outRow + ox] = bestIndex;
    }

    /**
     * Max pooling backward of planes [p0, p1): {@code dIn[argmax] += dOut} in output order. The argmax
     * of an output lies in the output's own plane, so planes can run on different threads, and each
     * element receives its contributions in the reference's order.
     */
    static void maxBackward(float[] dIn, float[] dOut, int[] argmax, PoolGeometry g, int p0, int p1) {
        int planeSize = g.oh() * g.ow();
        for (int o = p0 * planeSize, end = p1 * planeSize; o < end; o++) {
            int i = argmax[o];
            if (i >= 0) dIn[i] += dOut[o];
        }
    }

    /** Average pooling forward of planes {@code [p0, p1)} (= b * c + channel). */
    static void avgForward(float[] out, float[] in, PoolGeometry g, int p0, int p1, Simd simd) {
        if (halves(g)) { // the planes as one plane of (p1 - p0) * oh output rows
            simd.avgPool2x2(in, p0 * g.h() * g.w(), g.w(), (p1 - p0) * g.oh(), g.ow(), out, p0 * g.oh() * g.ow());
            return;
        }
        for (int p = p0; p < p1; p++) avgForward(out, in, g, p, simd);
    }

    /** Average pooling backward of planes {@code [p0, p1)}. */
    static void avgBackward(float[] dIn, float[] dOut, PoolGeometry g, int p0, int p1, Simd simd) {
        if (halves(g)) {
            simd.avgPool2x2Backward(dIn, p0 * g.h() * g.w(), g.w(), (p1 - p0) * g.oh(), g.ow(), dOut, p0 * g.oh() * g.ow());
            return;
        }
        for (int p = p0; p < p1; p++) avgBackward(dIn, dOut, g, p, simd);
    }

    /** Average pooling forward of plane {@code plane}, row by row. */
    private static void avgForward(float[] out, float[] in, PoolGeometry g, int plane, Simd simd) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow(), kw = g.kw(), sW = g.strideW(), pW = g.padW();
        int inBase = plane * h * w;
        int oxLo = Math.min(ow, ceilDiv(pW, sW));                          // ox * sW - pW >= 0
        int oxHi = Math.max(oxLo, Math.min(ow, Math.floorDiv(w + pW - kw, sW) + 1)); // ... + kw <= w
        boolean vector = (sW == 1 || sW == 2) && oxHi - oxLo >= MIN_RUN;
        for (int oy = 0; oy < oh; oy++) {
            int y0 = oy * g.strideH() - g.padH();
            int y1 = Math.min(y0 + g.kh(), h + g.padH());                   // clipped to the padded input
            int paddedRows = y1 - y0, rowLo = Math.max(y0, 0), rows = Math.min(y1, h) - rowLo;
            int outRow = (plane * oh + oy) * ow;
            if (vector && rows > 0) {
                for (int ox = 0; ox < oxLo; ox++) out[outRow + ox] = avgAt(in, g, inBase, oy, ox);
                float divisor = (g.countIncludePad() ? paddedRows : rows) * kw;
                int done = simd.avgPoolRow(in, inBase + rowLo * w + oxLo * sW - pW, rows, w, kw, sW, oxHi - oxLo,
                        divisor, out, outRow + oxLo);
                for (int ox = oxLo + done; ox < ow; ox++) out[outRow + ox] = avgAt(in, g, inBase, oy, ox);
            } else {
                for (int ox = 0; ox < ow; ox++) out[outRow + ox] = avgAt(in, g, inBase, oy, ox);
            }
        }
    }

    /**
     * Whether g is the 2 x 2, stride 2 pooling of LeNet-5 (and many networks) over planes of even
     * height with every window inside the input: consecutive planes then form one plane of twice as
     * many rows as the outputs, which {@link Simd#avgPool2x2} takes in one call. The row-by-row path
     * spent most of its time on calls and on the tails of rows shorter than a vector (S4: rows of 5).
     */
    private static boolean halves(PoolGeometry g) {
        return g.kh() == 2 && g.kw() == 2 && g.strideH() == 2 && g.strideW() == 2 && g.padH() == 0 && g.padW() == 0
                && 2 * g.oh() == g.h() && 2 * g.ow() <= g.w();
    }

    /** One output of average pooling, the reference's arithmetic (window clipped as in its {@code avgWindow}). */
    private static float avgAt(float[] in, PoolGeometry g, int inBase, int oy, int ox) {
        int y0 = oy * g.strideH() - g.padH(), x0 = ox * g.strideW() - g.padW();
        int y1 = Math.min(y0 + g.kh(), g.h() + g.padH()), x1 = Math.min(x0 + g.kw(), g.w() + g.padW());
        int paddedArea = (y1 - y0) * (x1 - x0);
        y0 = Math.max(y0, 0);
        x0 = Math.max(x0, 0);
        y1 = Math.min(y1, g.h());
        x1 = Math.min(x1, g.w());
        int divisor = g.countIncludePad() ? paddedArea : Math.max(0, y1 - y0) * Math.max(0, x1 - x0);
        float sum = 0f;
        for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) sum += in[inBase + iy * g.w() + ix];
        }
        return divisor == 0 ? 0f : sum / divisor;
    }

    /**
     * Average pooling backward of plane {@code plane}: each output's share added to its window, output
     * rows in order and, within a row, left border, interior run and right border in column order, so
     * every input element receives its contributions in the reference's order.
     */
    private static void avgBackward(float[] dIn, float[] dOut, PoolGeometry g, int plane, Simd simd) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow(), kw = g.kw(), sW = g.strideW(), pW = g.padW();
        int inBase = plane * h * w;
        int oxLo = Math.min(ow, ceilDiv(pW, sW));
        int oxHi = Math.max(oxLo, Math.min(ow, Math.floorDiv(w + pW - kw, sW) + 1));
        boolean vector = (sW == 1 || sW == 2) && oxHi - oxLo >= MIN_RUN;
        for (int oy = 0; oy < oh; oy++) {
            int y0 = oy * g.strideH() - g.padH();
            int y1 = Math.min(y0 + g.kh(), h + g.padH());
            int paddedRows = y1 - y0, rowLo = Math.max(y0, 0), rows = Math.min(y1, h) - rowLo;
            int outRow = (plane * oh + oy) * ow;
            if (vector && rows > 0) {
                for (int ox = 0; ox < oxLo; ox++) avgBackwardAt(dIn, dOut, g, inBase, outRow, oy, ox);
                float divisor = (g.countIncludePad() ? paddedRows : rows) * kw;
                int done = simd.avgPoolRowBackward(dIn, inBase + rowLo * w + oxLo * sW - pW, rows, w, kw, sW,
                        oxHi - oxLo, divisor, dOut, outRow + oxLo);
                for (int ox = oxLo + done; ox < ow; ox++) avgBackwardAt(dIn, dOut, g, inBase, outRow, oy, ox);
            } else {
                for (int ox = 0; ox < ow; ox++) avgBackwardAt(dIn, dOut, g, inBase, outRow, oy, ox);
            }
        }
    }

    /** One output's share of average pooling backward, the reference's arithmetic. */
    private static void avgBackwardAt(float[] dIn, float[] dOut, PoolGeometry g, int inBase, int outRow, int oy, int ox) {
        int y0 = oy * g.strideH() - g.padH(), x0 = ox * g.strideW() - g.padW();
        int y1 = Math.min(y0 + g.kh(), g.h() + g.padH()), x1 = Math.min(x0 + g.kw(), g.w() + g.padW());
        int paddedArea = (y1 - y0) * (x1 - x0);
        y0 = Math.max(y0, 0);
        x0 = Math.max(x0, 0);
        y1 = Math.min(y1, g.h());
        x1 = Math.min(x1, g.w());
        int divisor = g.countIncludePad() ? paddedArea : Math.max(0, y1 - y0) * Math.max(0, x1 - x0);
        if (divisor == 0) return;
        float d = dOut[outRow + ox] / divisor;
        for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) dIn[inBase + iy * g.w() + ix] += d;
        }
    }

    /** The first ky whose row iy0 + ky * dilation is >= 0. */
    private static int firstInside(int iy0, int dilation) {
        return iy0 >= 0 ? 0 : ceilDiv(-iy0, dilation);
    }

    /** One past the last ky < k whose row iy0 + ky * dilation is < h. */
    private static int endInside(int iy0, int dilation, int k, int h) {
        return Math.max(0, Math.min(k, Math.floorDiv(h - 1 - iy0, dilation) + 1));
    }

    private static int ceilDiv(int a, int b) {
        return Math.floorDiv(a + b - 1, b);
    }
}
