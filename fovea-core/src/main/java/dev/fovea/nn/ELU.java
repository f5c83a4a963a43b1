package dev.fovea.nn;

import dev.fovea.tensor.Tensor;

/**
 * Exponential linear unit (Clevert, Unterthiner and Hochreiter, 2015): {@code x} for {@code x > 0},
 * {@code alpha * (exp(x) - 1)} otherwise, saturating at {@code -alpha}, which pushes mean activations
 * towards zero.
 *
 * <p>Shapes: any input, output the same. No parameters. PyTorch's {@code nn.ELU}, default alpha 1.
 */
public class ELU extends Module {

    public final float alpha;

    public ELU() {
        this(1f);
    }

    public ELU(float alpha) {
        this.alpha = alpha;
    }

    @Override
    protected Tensor compute(Tensor x) {
        return x.elu(alpha);
    }

    @Override
    public String extraRepr() {
        return "alpha=" + alpha;
    }
}
