package dev.fovea.kernels;

/**
 * The shape of one 2-D pooling window sweep (1-D pooling uses {@code h = kh = 1}), validated once.
 *
 * <p>Input {@code (n, c, h, w)}, output {@code (n, c, oh, ow)}. Output size follows PyTorch's
 * {@code MaxPool2d}/{@code AvgPool2d}: {@code floor((in + 2*pad - dilation*(k-1) - 1) / stride) + 1},
 * or {@code ceil} when {@code ceilMode}, in which case the last window must start inside the input or
 * left padding. {@code countIncludePad} (average pooling only) divides by the window size clipped
 * to the padded input rather than by the number of real input elements, as PyTorch does.
 */
public record PoolGeometry(int n, int c, int h, int w, int kh, int kw, int strideH, int strideW,
                           int padH, int padW, int dilationH, int dilationW,
                           boolean ceilMode, boolean countIncludePad) {

    public PoolGeometry {
        String received = "received n=" + n + ", c=" + c + ", h=" + h + ", w=" + w + ", kernel=" + kh + "x" + kw
                + ", stride=" + strideH + "x" + strideW + ", padding=" + padH + "x" + padW
                + ", dilation=" + dilationH + "x" + dilationW + ", ceilMode=" + ceilMode;
        if (n < 1 || c < 1 || h < 1 || w < 1 || kh < 1 || kw < 1 || strideH < 1 || strideW < 1
                || dilationH < 1 || dilationW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("invalid pooling geometry: sizes, kernel, stride and dilation must be "
                    + "positive and padding non-negative; " + received);
        }
        // PyTorch's pool2d_shape_check: padding at most half the kernel (not the dilated extent). Without
        // dilation this guarantees that every window overlaps the input; with dilation the taps of a
        // window can all fall on padding (h=1, k=2, dilation=2, pad=1), and max pooling then yields -inf.
        if (padH * 2 > kh || padW * 2 > kw) {
            throw new IllegalArgumentException("pooling padding must be at most half the kernel size; " + received);
        }
        if (outSize(h, kh, strideH, padH, dilationH, ceilMode) < 1 || outSize(w, kw, strideW, padW, dilationW, ceilMode) < 1) {
            throw new IllegalArgumentException("pooling window (with dilation) is larger than the padded input; "
                    + received);
        }
    }

    /** Square window, stride and padding, floor mode, padding counted in averages (PyTorch defaults). */
    public static PoolGeometry of(int n, int c, int h, int w, int k, int stride, int pad) {
        return new PoolGeometry(n, c, h, w, k, k, stride, stride, pad, pad, 1, 1, false, true);
    }

    public int oh() { return outSize(h, kh, strideH, padH, dilationH, ceilMode); }

    public int ow() { return outSize(w, kw, strideW, padW, dilationW, ceilMode); }

    public int inputSize() { return n * c * h * w; }

    public int outputSize() { return n * c * oh() * ow(); }

    /**
     * Output length of one axis, PyTorch's {@code pooling_output_shape}: the division rounds toward
     * negative infinity, so in ceil mode a window wider than the (padded) input still gives 1 output
     * (3x3/2 on a 2x2 map), while in floor mode it gives 0 (an error for the caller).
     */
    public static int outSize(int in, int k, int stride, int pad, int dilation, boolean ceil) {
        int span = in + 2 * pad - dilation * (k - 1) - 1;
        int out = Math.floorDiv(ceil ? span + stride - 1 : span, stride) + 1;
        // PyTorch: in ceil mode the last window must start inside the input or the left padding.
        if (ceil && (out - 1) * stride >= in + pad) out--;
        return out;
    }
}
