package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

/**
 * Batch normalisation of images {@code (N, C, H, W)}, PyTorch's {@code nn.BatchNorm2d}: statistics per
 * channel over N, H and W. Output has the input's shape. Defaults eps = 1e-5, momentum = 0.1, affine.
 * Parameters {@code 2 * numFeatures} (affine), see {@link BatchNorm}.
 */
public class BatchNorm2d extends BatchNorm {

    public BatchNorm2d(int numFeatures) {
        this(numFeatures, 1e-5f, 0.1f, true);
    }

    public BatchNorm2d(int numFeatures, float eps, float momentum, boolean affine) {
        super(numFeatures, eps, momentum, affine);
    }

    @Override
    protected void checkInput(Tensor x) {
        if (x.dim() != 4 || x.size(1) != numFeatures) {
            throw new IllegalArgumentException("BatchNorm2d expects input of shape (N, " + numFeatures + ", H, W); received "
                    + Shapes.str(x.shape()) + " (numFeatures=" + numFeatures + ")");
        }
    }
}
