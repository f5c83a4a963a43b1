package dev.fovea.nn;

import dev.fovea.tensor.Tensor;

import java.util.random.RandomGenerator;

/**
 * Dropout (Srivastava et al., 2014) in its inverted form, PyTorch's {@code nn.Dropout}: in training
 * mode each element is zeroed with probability {@code p} and the survivors are scaled by
 * {@code 1/(1-p)}, so the expected activation is unchanged and eval mode is the identity (no rescaling
 * at test time, unlike the paper's original formulation).
 *
 * <p>Shapes: any input, output the same. No parameters. The mask is drawn from this module's
 * {@link RandomGenerator}, so a seeded generator gives reproducible masks.
 */
public class Dropout extends Module implements Stochastic {

    public final float p;
    private RandomGenerator rng;

    /** p = 0.5, PyTorch's default. */
    public Dropout(RandomGenerator rng) {
        this(0.5f, rng);
    }

    public Dropout(float p, RandomGenerator rng) {
        if (!(p >= 0f && p <= 1f)) {
            throw new IllegalArgumentException("Dropout expects a probability p in [0, 1]; received p=" + p);
        }
        if (rng == null) throw new IllegalArgumentException("Dropout expects a RandomGenerator; received null");
        this.p = p;
        this.rng = rng;
    }

    @Override
    protected Tensor compute(Tensor x) {
        if (!isTraining() || p == 0f) return x;
        float[] mask = new float[x.numel()];
        if (p < 1f) {
            float scale = 1f / (1f - p);
            for (int i = 0; i < mask.length; i++) mask[i] = rng.nextFloat() < p ? 0f : scale;
        }
        // p = 1 leaves the mask all zeros: every unit dropped, output and gradient 0 (as PyTorch).
        return x.mul(Tensor.of(mask, x.shape()));
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
