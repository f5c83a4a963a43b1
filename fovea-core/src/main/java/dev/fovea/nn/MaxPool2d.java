package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

/**
 * 2-D max pooling, PyTorch's {@code nn.MaxPool2d}: each output is the maximum of a window; the
 * gradient flows to that maximum only.
 *
 * <p>Shapes: input {@code (N, C, H, W)}, output {@code (N, C, OH, OW)} with
 * {@code OH = floor((H + 2*padH - dilationH*(KH - 1) - 1) / strideH) + 1} ({@code ceil} in ceil mode,
 * dropping a last window that would start in the right padding). Padding is -infinity, so a padded
 * cell never wins. No parameters.
 */
public class MaxPool2d extends Module {

    /** {kh, kw} */
    public final int[] kernelSize;
    /** {sh, sw}; defaults to the kernel size */
    public final int[] stride;
    /** {ph, pw}, at most half the kernel */
    public final int[] padding;
    /** {dh, dw} */
    public final int[] dilation;
    public final boolean ceilMode;

    /** Square window, stride = kernel size (non-overlapping), no padding. */
    public MaxPool2d(int kernelSize) {
        this(kernelSize, kernelSize);
    }

    public MaxPool2d(int kernelSize, int stride) {
        this(kernelSize, stride, 0);
    }

    public MaxPool2d(int kernelSize, int stride, int padding) {
        this(new int[] {kernelSize, kernelSize}, new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {1, 1}, false);
    }

    /**
     * The full constructor; {@code stride} null means the kernel size (PyTorch's {@code stride=None}).
     * AlexNet's overlapping pooling is {@code kernelSize=(3, 3), stride=(2, 2)}; GoogLeNet uses ceil mode.
     */
    public MaxPool2d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        this.kernelSize = PoolSizes.pair("MaxPool2d", "kernelSize", kernelSize, 1);
        this.stride = stride == null ? this.kernelSize.clone() : PoolSizes.pair("MaxPool2d", "stride", stride, 1);
        this.padding = PoolSizes.pair("MaxPool2d", "padding", padding, 0);
        this.dilation = PoolSizes.pair("MaxPool2d", "dilation", dilation, 1);
        this.ceilMode = ceilMode;
        PoolSizes.check("MaxPool2d", this.kernelSize, this.stride, this.padding, this.dilation);
    }

    /** Output {@code {OH, OW}} for input {@code {H, W}}; throws when the window does not fit. */
    public int[] outputSize(int h, int w) {
        int oh = PoolSizes.outSize(h, kernelSize[0], stride[0], padding[0], dilation[0], ceilMode);
        int ow = PoolSizes.outSize(w, kernelSize[1], stride[1], padding[1], dilation[1], ceilMode);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("MaxPool2d expects an input at least as large as its window; received spatial size "
                    + Shapes.str(h, w) + " (" + extraRepr() + ")");
        }
        return new int[] {oh, ow};
    }

    @Override
    protected Tensor compute(Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("MaxPool2d expects input of shape (N, C, H, W); received "
                    + Shapes.str(x.shape()) + " (" + extraRepr() + ")");
        }
        outputSize(x.size(2), x.size(3));
        return x.maxPool2d(kernelSize, stride, padding, dilation, ceilMode);
    }

    @Override
    public String extraRepr() {
        return "kernelSize=" + Shapes.str(kernelSize) + ", stride=" + Shapes.str(stride) + ", padding=" + Shapes.str(padding)
                + ", dilation=" + Shapes.str(dilation) + ", ceilMode=" + ceilMode;
    }
}
