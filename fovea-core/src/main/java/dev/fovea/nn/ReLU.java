package dev.fovea.nn;

import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;

/**
 * Element-wise activation: {@code max(x, 0)}, the rectified linear unit (Nair and Hinton 2010; Glorot
 * et al. 2011). The gradient at exactly 0 is 0, as in PyTorch.
 *
 * <p>Shapes: any input, output the same. No parameters. PyTorch's {@code nn.ReLU}.
 */
public class ReLU extends Module {

    /** Whether inference (under {@link NoGrad}) overwrites the input instead of allocating the output. */
    public final boolean inPlace;

    public ReLU() {
        this(false);
    }

    /**
     * @param inPlace PyTorch's {@code inplace}: under {@link NoGrad} the input is overwritten
     *                ({@link Tensor#reluInPlace}), which saves inference an allocation; with gradients
     *                recorded the output is always a new tensor (autograd here cannot track an
     *                overwritten input). Only for an input that nothing else reads afterwards, such as
     *                the output of the layer before it inside a block.
     */
    public ReLU(boolean inPlace) {
        this.inPlace = inPlace;
    }

    @Override
    protected Tensor compute(Tensor x) {
        return inPlace && !NoGrad.isGradEnabled() ? x.reluInPlace() : x.relu();
    }

    @Override
    public String extraRepr() {
        return inPlace ? "inplace=true" : "";
    }
}
