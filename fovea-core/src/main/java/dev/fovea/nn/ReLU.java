package dev.fovea.nn;

import dev.fovea.tensor.Tensor;

/**
 * Element-wise activation: {@code max(x, 0)}, the rectified linear unit (Nair and Hinton 2010; Glorot
 * et al. 2011). The gradient at exactly 0 is 0, as in PyTorch.
 *
 * <p>Shapes: any input, output the same. No parameters. PyTorch's {@code nn.ReLU}.
 */
public class ReLU extends Module {

    @Override
    protected Tensor compute(Tensor x) {
        return x.relu();
    }
}
