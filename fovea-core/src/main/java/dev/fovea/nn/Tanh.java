package dev.fovea.nn;

import dev.fovea.tensor.Tensor;

/**
 * Element-wise activation: Hyperbolic tangent, output in (-1, 1).
 *
 * <p>Shapes: any input, output the same. No parameters. PyTorch's {@code nn.Tanh}.
 */
public class Tanh extends Module {

    @Override
    protected Tensor compute(Tensor x) {
        return x.tanh();
    }
}
