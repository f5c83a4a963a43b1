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
        if (n < 1 || c < 1 || h < 1 || w < 1 || kh < 1 || kw < 1 || strideH < 1 || strideW < 1
                || dilationH < 1 || dilationW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("invalid pooling geometry: sizes, strides and dilations must be positive; received " + toStringPlain(n, c, h, w, kh, kw, strideH, strideW, padH, padW));
        }
        if (padH * 2 > kh || padW * 2 > kw) {
            throw new IllegalArgumentException("pooling padding must be at most half the kernel size; received kernel "
                    + kh + "x" + kw + " with padding " + padH + "x" + padW);
        }
        if (outSize(h, kh, strideH, padH, dilationH, ceilMode) < 1 || outSize(w, kw, strideW, padW, dilationW, ceilMode) < 1) {
            throw new IllegalArgumentException("pooling window " + kh + "x" + kw + " does not fit input " + h + "x" + w
                    + " with padding " + padH + "x" + padW);
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

    static int outSize(int in, int k, int stride, int pad, int dilation, boolean ceil) {
        int span = in + 2 * pad - dilation * (k - 1) - 1;
        if (span < 0) return 0;
        int out = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        // PyTorch: in ceil mode the last window must start inside the input or the left padding.
        if (ceil && (out - 1) * stride >= in + pad) out--;
        return out;
    }

    private static String toStringPlain(int... v) { return java.util.Arrays.toString(v); }
}
