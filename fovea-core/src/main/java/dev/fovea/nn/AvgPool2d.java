package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

/**
 * 2-D average pooling, PyTorch's {@code nn.AvgPool2d}.
 *
 * <p>Shapes: input {@code (N, C, H, W)}, output {@code (N, C, OH, OW)} with
 * {@code OH = floor((H + 2*padH - KH) / strideH) + 1} ({@code ceil} in ceil mode, dropping a last window
 * that would start in the right padding). With {@code countIncludePad} (the default) a window is divided
 * by its size clipped to the padded input, so zero padding pulls border averages down; without it, by
 * the number of real input cells it covers. No parameters.
 */
public class AvgPool2d extends Module {

    /** {kh, kw} */
    public final int[] kernelSize;
    /** {sh, sw}; defaults to the kernel size */
    public final int[] stride;
    /** {ph, pw}, at most half the kernel */
    public final int[] padding;
    public final boolean ceilMode;
    public final boolean countIncludePad;

    /** Square window, stride = kernel size, no padding. */
    public AvgPool2d(int kernelSize) {
        this(kernelSize, kernelSize);
    }

    public AvgPool2d(int kernelSize, int stride) {
        this(kernelSize, stride, 0);
    }

    public AvgPool2d(int kernelSize, int stride, int padding) {
        this(new int[] {kernelSize, kernelSize}, new int[] {stride, stride}, new int[] {padding, padding}, false, true);
    }

    /** The full constructor; {@code stride} null means the kernel size. */
    public AvgPool2d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        this.kernelSize = PoolSizes.pair("AvgPool2d", "kernelSize", kernelSize, 1);
        this.stride = stride == null ? this.kernelSize.clone() : PoolSizes.pair("AvgPool2d", "stride", stride, 1);
        this.padding = PoolSizes.pair("AvgPool2d", "padding", padding, 0);
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        PoolSizes.check("AvgPool2d", this.kernelSize, this.stride, this.padding, new int[] {1, 1});
    }

    /** Output {@code {OH, OW}} for input {@code {H, W}}; throws when the window does not fit. */
    public int[] outputSize(int h, int w) {
        int oh = PoolSizes.outSize(h, kernelSize[0], stride[0], padding[0], 1, ceilMode);
        int ow = PoolSizes.outSize(w, kernelSize[1], stride[1], padding[1], 1, ceilMode);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("AvgPool2d expects an input at least as large as its window; received spatial size "
                    + Shapes.str(h, w) + " (" + extraRepr() + ")");
        }
        return new int[] {oh, ow};
    }

    @Override
    protected Tensor compute(Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("AvgPool2d expects input of shape (N, C, H, W); received "
                    + Shapes.str(x.shape()) + " (" + extraRepr() + ")");
        }
        outputSize(x.size(2), x.size(3));
        return x.avgPool2d(kernelSize, stride, padding, ceilMode, countIncludePad);
    }

    @Override
    public String extraRepr() {
        return "kernelSize=" + Shapes.str(kernelSize) + ", stride=" + Shapes.str(stride) + ", padding=" + Shapes.str(padding)
                + ", ceilMode=" + ceilMode + ", countIncludePad=" + countIncludePad;
    }
}
