package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

/**
 * Average pooling to a fixed output size whatever the input size, PyTorch's {@code nn.AdaptiveAvgPool2d}
 * (torchvision puts {@code AdaptiveAvgPool2d(6, 6)} before AlexNet's classifier and {@code (1, 1)} before
 * ResNet's, so the networks accept any image size).
 *
 * <p>Shapes: input {@code (N, C, H, W)}, output {@code (N, C, outH, outW)}; output cell {@code i} averages
 * input rows {@code [floor(i*H/outH), ceil((i+1)*H/outH))}, and likewise for columns, so windows may
 * overlap and differ in size by one. No parameters.
 */
public class AdaptiveAvgPool2d extends Module {

    public final int outH;
    public final int outW;

    /** Square output {@code size x size}. */
    public AdaptiveAvgPool2d(int size) {
        this(size, size);
    }

    public AdaptiveAvgPool2d(int outH, int outW) {
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d expects a positive output size; received "
                    + Shapes.str(outH, outW));
        }
        this.outH = outH;
        this.outW = outW;
    }

    @Override
    protected Tensor compute(Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d expects input of shape (N, C, H, W); received "
                    + Shapes.str(x.shape()) + " (" + extraRepr() + ")");
        }
        return x.adaptiveAvgPool2d(outH, outW);
    }

    @Override
    public String extraRepr() {
        return "outputSize=" + Shapes.str(outH, outW);
    }
}
