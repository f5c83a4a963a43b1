package dev.fovea.nn;

import dev.fovea.tensor.Tensor;

/**
 * Element-wise activation: scaled ELU (Klambauer et al. 2017),
 * {@code scale * (x > 0 ? x : alpha * (exp(x) - 1))} with scale ≈ 1.0507 and alpha ≈ 1.6733, which drive
 * activations towards zero mean and unit variance; pair it with {@link Init#lecunNormal} and
 * {@link AlphaDropout}.
 *
 * <p>Shapes: any input, output the same. No parameters. PyTorch's {@code nn.SELU}.
 */
public class SELU extends Module {

    @Override
    protected Tensor compute(Tensor x) {
        return x.selu();
    }
}
