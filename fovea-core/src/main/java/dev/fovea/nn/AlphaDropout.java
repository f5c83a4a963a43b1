package dev.fovea.nn;

import dev.fovea.tensor.Tensor;

import java.util.random.RandomGenerator;

/**
 * Alpha dropout (Klambauer et al., "Self-Normalizing Neural Networks", 2017), PyTorch's
 * {@code nn.AlphaDropout}: dropout for SELU networks that keeps zero mean and unit variance.
 *
 * <p>Plain dropout sets units to 0, which for SELU activations is not the resting value and shifts the
 * mean and variance. Alpha dropout sets a dropped unit to SELU's negative saturation value
 * {@code alpha' = -scale * alpha ≈ -1.7581} and then applies an affine map {@code a * x + b} with
 * {@code a = ((1 - p)(1 + p alpha'^2))^(-1/2)} and {@code b = -a alpha' p}, which restores mean 0 and
 * variance 1 for an input of mean 0 and variance 1. So a kept unit becomes {@code a x + b} and a dropped one
 * {@code a alpha' + b}. Eval mode is the identity.
 *
 * <p>Shapes: any input, output the same. No parameters. The mask comes from this module's generator.
 */
public class AlphaDropout extends Module implements Stochastic {

    /** SELU's scale * alpha, as in PyTorch's {@code alpha_dropout}; the dropped value is its negative. */
    static final double SELU_SCALE_ALPHA = 1.0507009873554804934193349852946 * 1.6732632423543772848170429916717;

    public final float p;
    private RandomGenerator rng;

    /** p = 0.5, PyTorch's default. */
    public AlphaDropout(RandomGenerator rng) {
        this(0.5f, rng);
    }

    public AlphaDropout(float p, RandomGenerator rng) {
        if (!(p >= 0f && p <= 1f)) {
            throw new IllegalArgumentException("AlphaDropout expects a probability p in [0, 1]; received p=" + p);
        }
        if (rng == null) throw new IllegalArgumentException("AlphaDropout expects a RandomGenerator; received null");
        this.p = p;
        this.rng = rng;
    }

    @Override
    protected Tensor compute(Tensor x) {
        if (!isTraining() || p == 0f) return x;
        int n = x.numel();
        if (p == 1f) return x.mul(0f); // PyTorch: everything dropped gives zeros
        double alphaPrime = -SELU_SCALE_ALPHA;
        double a = 1.0 / Math.sqrt((1.0 - p) * (1.0 + p * alphaPrime * alphaPrime));
        double b = -a * alphaPrime * p;
        float[] scale = new float[n];
        float[] shift = new float[n];
        float kept = (float) b, dropped = (float) (a * alphaPrime + b);
        for (int i = 0; i < n; i++) {
            if (rng.nextFloat() < p) {
                shift[i] = dropped; // scale stays 0: the input does not reach a dropped unit
            } else {
                scale[i] = (float) a;
                shift[i] = kept;
            }
        }
        return x.mul(Tensor.of(scale, x.shape())).add(Tensor.of(shift, x.shape()));
    }

    @Override
    public void reseed(long seed) {
        rng = new java.util.SplittableRandom(seed);
    }

    @Override
    public String extraRepr() {
        return "p=" + p;
    }
}
