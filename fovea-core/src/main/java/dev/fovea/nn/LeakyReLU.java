package dev.fovea.nn;

import dev.fovea.tensor.Tensor;

/**
 * Element-wise activation: {@code x} for {@code x > 0}, {@code negativeSlope * x} otherwise (Maas et al. 2013),
 * which keeps a small gradient for negative inputs so units cannot die.
 *
 * <p>Shapes: any input, output the same. No parameters. PyTorch's {@code nn.LeakyReLU}, default slope 0.01.
 */
public class LeakyReLU extends Module {

    public final float negativeSlope;

    public LeakyReLU() {
        this(0.01f);
    }

    public LeakyReLU(float negativeSlope) {
        this.negativeSlope = negativeSlope;
    }

    @Override
    protected Tensor compute(Tensor x) {
        return x.leakyRelu(negativeSlope);
    }

    @Override
    public String extraRepr() {
        return "negativeSlope=" + negativeSlope;
    }
}
