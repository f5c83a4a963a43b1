package dev.fovea.nn;

import dev.fovea.tensor.Tensor;

/**
 * Log-softmax along one dimension, {@code x_i - log sum_j exp(x_j)}, computed stably (the maximum is
 * subtracted first); PyTorch's {@code nn.LogSoftmax(dim)}. Pair with {@link Losses#nll}.
 *
 * <p>Shapes: any input with dimension {@code dim}, output the same. No parameters.
 */
public class LogSoftmax extends Module {

    public final int dim;

    public LogSoftmax(int dim) {
        this.dim = dim;
    }

    @Override
    protected Tensor compute(Tensor x) {
        Softmax.checkDim("LogSoftmax", dim, x);
        return x.logSoftmax(dim);
    }

    @Override
    public String extraRepr() {
        return "dim=" + dim;
    }
}
