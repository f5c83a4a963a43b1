package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

/**
 * Batch normalisation of features {@code (N, C)} or sequences {@code (N, C, L)}, PyTorch's
 * {@code nn.BatchNorm1d}: statistics per channel over N (and L). Output has the input's shape.
 * Defaults eps = 1e-5, momentum = 0.1, affine. Parameters {@code 2 * numFeatures} (affine), see {@link BatchNorm}.
 */
public class BatchNorm1d extends BatchNorm {

    public BatchNorm1d(int numFeatures) {
        this(numFeatures, 1e-5f, 0.1f, true);
    }

    public BatchNorm1d(int numFeatures, float eps, float momentum, boolean affine) {
        super(numFeatures, eps, momentum, affine);
    }

    @Override
    protected void checkInput(Tensor x) {
        if ((x.dim() != 2 && x.dim() != 3) || x.size(1) != numFeatures) {
            throw new IllegalArgumentException("BatchNorm1d expects input of shape (N, " + numFeatures + ") or (N, "
                    + numFeatures + ", L); received " + Shapes.str(x.shape()) + " (numFeatures=" + numFeatures + ")");
        }
    }
}
