package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

/**
 * Softmax along one dimension, {@code exp(x_i) / sum_j exp(x_j)}, computed stably through log-softmax;
 * PyTorch's {@code nn.Softmax(dim)} (the dimension is required, as PyTorch's implicit choice is deprecated).
 * For training a classifier feed logits to {@link Losses#crossEntropy} instead; this layer is for outputs.
 *
 * <p>Shapes: any input with dimension {@code dim}, output the same; each slice along {@code dim} sums to 1.
 * No parameters.
 */
public class Softmax extends Module {

    public final int dim;

    public Softmax(int dim) {
        this.dim = dim;
    }

    @Override
    protected Tensor compute(Tensor x) {
        checkDim("Softmax", dim, x);
        return x.softmax(dim);
    }

    static void checkDim(String layer, int dim, Tensor x) {
        if (dim < -x.dim() || dim >= x.dim()) {
            throw new IllegalArgumentException(layer + " expects an input with dimension " + dim + "; received "
                    + Shapes.str(x.shape()) + " (dim=" + dim + ")");
        }
    }

    @Override
    public String extraRepr() {
        return "dim=" + dim;
    }
}
