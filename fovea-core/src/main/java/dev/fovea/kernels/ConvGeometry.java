package dev.fovea.kernels;

/**
 * The shape of one 2-D convolution (1-D convolutions use {@code h = kh = 1}), validated once.
 *
 * <p>Legend: {@code n} batch, {@code c} in-channels, {@code h/w} input height/width, {@code oc}
 * out-channels, {@code kh/kw} kernel height/width, {@code oh/ow} output height/width. Weights are
 * laid out as PyTorch's {@code (oc, c / groups, kh, kw)}; input {@code (n, c, h, w)}; output
 * {@code (n, oc, oh, ow)}.
 *
 * <p>Output size per axis is {@code floor((in + padBefore + padAfter - dilation*(k-1) - 1) / stride) + 1},
 * the formula of the PyTorch {@code Conv2d} docs; asymmetric padding is allowed because
 * {@code padding="same"} with an even kernel needs it.
 */
public record ConvGeometry(int n, int c, int h, int w, int oc, int kh, int kw,
                           int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight,
                           int dilationH, int dilationW, int groups) {

    public ConvGeometry {
        // The messages are built from the parameters: inside a compact constructor the fields are
        // not assigned yet, so printing {@code this} would show all zeros.
        String received = "received n=" + n + ", c=" + c + ", h=" + h + ", w=" + w + ", oc=" + oc
                + ", kernel=" + kh + "x" + kw + ", stride=" + strideH + "x" + strideW
                + ", padding(top, left, bottom, right)=(" + padTop + ", " + padLeft + ", " + padBottom + ", " + padRight
                + "), dilation=" + dilationH + "x" + dilationW + ", groups=" + groups;
        require(n >= 1 && c >= 1 && h >= 1 && w >= 1 && oc >= 1 && kh >= 1 && kw >= 1,
                "sizes must be positive", received);
        require(strideH >= 1 && strideW >= 1, "stride must be >= 1", received);
        require(dilationH >= 1 && dilationW >= 1, "dilation must be >= 1", received);
        require(padTop >= 0 && padLeft >= 0 && padBottom >= 0 && padRight >= 0, "padding must be >= 0", received);
        require(groups >= 1 && c % groups == 0 && oc % groups == 0,
                "groups must divide in-channels and out-channels", received);
        require(h + padTop + padBottom >= dilationH * (kh - 1) + 1
                        && w + padLeft + padRight >= dilationW * (kw - 1) + 1,
                "kernel (with dilation) is larger than the padded input", received);
    }

    /** Symmetric square geometry: the common case. */
    public static ConvGeometry of(int n, int c, int h, int w, int oc, int k, int stride, int pad) {
        return new ConvGeometry(n, c, h, w, oc, k, k, stride, stride, pad, pad, pad, pad, 1, 1, 1);
    }

    public int oh() { return (h + padTop + padBottom - dilationH * (kh - 1) - 1) / strideH + 1; }

    public int ow() { return (w + padLeft + padRight - dilationW * (kw - 1) - 1) / strideW + 1; }

    /** In-channels seen by one filter. */
    public int cPerGroup() { return c / groups; }

    /** Out-channels produced by one group. */
    public int ocPerGroup() { return oc / groups; }

    public int inputSize() { return n * c * h * w; }

    public int outputSize() { return n * oc * oh() * ow(); }

    public int weightSize() { return oc * cPerGroup() * kh * kw; }

    private static void require(boolean ok, String what, String received) {
        if (!ok) throw new IllegalArgumentException("invalid convolution geometry: " + what + "; " + received);
    }
}
