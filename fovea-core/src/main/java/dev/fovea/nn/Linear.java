package dev.fovea.nn;

import dev.fovea.tensor.Tensor;

import java.util.random.RandomGenerator;

/**
 * Fully connected layer {@code y = x · Wᵀ + b}. Input (N, inFeatures), weight (outFeatures, inFeatures),
 * bias (outFeatures), output (N, outFeatures). Parameters: (inFeatures + 1) · outFeatures.
 *
 * <p>Initialised like PyTorch's {@code nn.Linear}: weight and bias uniform in ±1/sqrt(inFeatures)
 * (Kaiming-uniform with a=sqrt(5)); use {@link Init} to choose another scheme.
 */
public class Linear extends Module {

    public final int inFeatures;
    public final int outFeatures;
    public final Tensor weight;
    public final Tensor bias;

    public Linear(int inFeatures, int outFeatures, RandomGenerator rng) {
        this(inFeatures, outFeatures, true, rng);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias, RandomGenerator rng) {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("Linear expects positive sizes; received inFeatures=" + inFeatures
                    + ", outFeatures=" + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        float bound = (float) (1.0 / Math.sqrt(inFeatures));
        this.weight = registerParameter("weight", Tensor.uniform(rng, -bound, bound, outFeatures, inFeatures));
        this.bias = bias ? registerParameter("bias", Tensor.uniform(rng, -bound, bound, outFeatures)) : null;
    }

    @Override
    protected Tensor compute(Tensor x) {
        return x.linear(weight, bias);
    }

    @Override
    public String extraRepr() {
        return "inFeatures=" + inFeatures + ", outFeatures=" + outFeatures + ", bias=" + (bias != null);
    }
}
