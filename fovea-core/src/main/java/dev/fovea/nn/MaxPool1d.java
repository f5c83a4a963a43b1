package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

/**
 * 1-D max pooling over sequences, PyTorch's {@code nn.MaxPool1d}; computed as a 2-D pooling of height 1.
 *
 * <p>Shapes: input {@code (N, C, L)}, output {@code (N, C, OL)} with
 * {@code OL = floor((L + 2*padding - dilation*(kernelSize - 1) - 1) / stride) + 1} ({@code ceil} in ceil mode).
 * No parameters.
 */
public class MaxPool1d extends Module {

    public final int kernelSize;
    /** Defaults to the kernel size. */
    public final int stride;
    /** At most half the kernel. */
    public final int padding;
    public final int dilation;
    public final boolean ceilMode;

    public MaxPool1d(int kernelSize) {
        this(kernelSize, kernelSize);
    }

    public MaxPool1d(int kernelSize, int stride) {
        this(kernelSize, stride, 0);
    }

    public MaxPool1d(int kernelSize, int stride, int padding) {
        this(kernelSize, stride, padding, 1, false);
    }

    public MaxPool1d(int kernelSize, int stride, int padding, int dilation, boolean ceilMode) {
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.ceilMode = ceilMode;
        PoolSizes.check("MaxPool1d", new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {dilation});
    }

    /** Output length for input length {@code l}; throws when the window does not fit. */
    public int outputSize(int l) {
        int ol = PoolSizes.outSize(l, kernelSize, stride, padding, dilation, ceilMode);
        if (ol < 1) {
            throw new IllegalArgumentException("MaxPool1d expects an input at least as long as its window; received length "
                    + l + " (" + extraRepr() + ")");
        }
        return ol;
    }

    @Override
    protected Tensor compute(Tensor x) {
        if (x.dim() != 3) {
            throw new IllegalArgumentException("MaxPool1d expects input of shape (N, C, L); received "
                    + Shapes.str(x.shape()) + " (" + extraRepr() + ")");
        }
        outputSize(x.size(2));
        return x.unsqueeze(2)
                .maxPool2d(new int[] {1, kernelSize}, new int[] {1, stride}, new int[] {0, padding},
                        new int[] {1, dilation}, ceilMode)
                .squeeze(2);
    }

    @Override
    public String extraRepr() {
        return "kernelSize=" + kernelSize + ", stride=" + stride + ", padding=" + padding + ", dilation=" + dilation
                + ", ceilMode=" + ceilMode;
    }
}
