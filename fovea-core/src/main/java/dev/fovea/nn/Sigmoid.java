package dev.fovea.nn;

import dev.fovea.tensor.Tensor;

/**
 * Element-wise activation: Logistic sigmoid {@code 1 / (1 + exp(-x))}, output in (0, 1).
 *
 * <p>Shapes: any input, output the same. No parameters. PyTorch's {@code nn.Sigmoid}.
 */
public class Sigmoid extends Module {

    @Override
    protected Tensor compute(Tensor x) {
        return x.sigmoid();
    }
}
