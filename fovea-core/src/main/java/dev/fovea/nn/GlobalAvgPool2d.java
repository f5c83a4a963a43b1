package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

/**
 * Global average pooling (Lin et al., "Network In Network", 2013): the mean of each channel over all
 * positions, which replaces large fully connected layers in NIN, GoogLeNet and ResNet.
 *
 * <p>Shapes: input {@code (N, C, H, W)}, output {@code (N, C)} (flattened, unlike
 * {@code AdaptiveAvgPool2d(1)} which keeps {@code (N, C, 1, 1)}). No parameters.
 */
public class GlobalAvgPool2d extends Module {

    @Override
    protected Tensor compute(Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("GlobalAvgPool2d expects input of shape (N, C, H, W); received "
                    + Shapes.str(x.shape()));
        }
        return x.mean(false, 2, 3);
    }
}
