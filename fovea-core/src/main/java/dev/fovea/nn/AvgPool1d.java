package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

/**
 * 1-D average pooling over sequences, PyTorch's {@code nn.AvgPool1d}; computed as a 2-D pooling of height 1.
 *
 * <p>Shapes: input {@code (N, C, L)}, output {@code (N, C, OL)} with
 * {@code OL = floor((L + 2*padding - kernelSize) / stride) + 1} ({@code ceil} in ceil mode).
 * {@code countIncludePad} as in {@link AvgPool2d}. No parameters.
 */
public class AvgPool1d extends Module {

    public final int kernelSize;
    /** Defaults to the kernel size. */
    public final int stride;
    /** At most half the kernel. */
    public final int padding;
    public final boolean ceilMode;
    public final boolean countIncludePad;

    public AvgPool1d(int kernelSize) {
        this(kernelSize, kernelSize);
    }

    public AvgPool1d(int kernelSize, int stride) {
        this(kernelSize, stride, 0);
    }

    public AvgPool1d(int kernelSize, int stride, int padding) {
        this(kernelSize, stride, padding, false, true);
    }

    public AvgPool1d(int kernelSize, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        PoolSizes.check("AvgPool1d", new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, new int[] {1});
    }

    /** Output length for input length {@code l}; throws when the window does not fit. */
    public int outputSize(int l) {
        int ol = PoolSizes.outSize(l, kernelSize, stride, padding, 1, ceilMode);
        if (ol < 1) {
            throw new IllegalArgumentException("AvgPool1d expects an input at least as long as its window; received length "
                    + l + " (" + extraRepr() + ")");
        }
        return ol;
    }

    @Override
    protected Tensor compute(Tensor x) {
        if (x.dim() != 3) {
            throw new IllegalArgumentException("AvgPool1d expects input of shape (N, C, L); received "
                    + Shapes.str(x.shape()) + " (" + extraRepr() + ")");
        }
        outputSize(x.size(2));
        return x.unsqueeze(2)
                .avgPool2d(new int[] {1, kernelSize}, new int[] {1, stride}, new int[] {0, padding}, ceilMode, countIncludePad)
                .squeeze(2);
    }

    @Override
    public String extraRepr() {
        return "kernelSize=" + kernelSize + ", stride=" + stride + ", padding=" + padding + ", ceilMode=" + ceilMode
                + ", countIncludePad=" + countIncludePad;
    }
}
