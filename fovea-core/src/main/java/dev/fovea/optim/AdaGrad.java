package dev.fovea.optim;

import dev.fovea.tensor.Tensor;

import java.util.List;
import java.util.Set;

/**
 * AdaGrad: per-coordinate rates that shrink with the sum of squared past gradients (Duchi, Hazan and
 * Singer 2011, "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization", JMLR
 * 12). Suited to sparse features (rare coordinates keep large rates); on deep networks the
 * ever-growing sum tends to stop learning early, which {@link RmsProp} fixes.
 *
 * <p>Update, as in the PyTorch 1.13 documentation of {@code torch.optim.Adagrad} (γ lr, η lr decay,
 * λ weight decay, ε eps, t the step, s the state sum):
 * <pre>
 *   g ← g + λ·w                              (weight decay, if λ ≠ 0)
 *   γ̃ ← γ / (1 + (t − 1)·η)
 *   s ← s + g²                               (s starts at initial_accumulator_value)
 *   w ← w − γ̃ · g / (√s + ε)
 * </pre>
 * Defaults (PyTorch): lr 1e-2, lrDecay 0, initialAccumulatorValue 0, eps 1e-10. State per parameter:
 * {@code sum}. AdaGrad has no momentum, so {@link OneCycleLR} cannot cycle one.
 */
public final class AdaGrad extends Optimizer {

    private double lrDecay;
    private double eps = 1e-10;
    private double initialAccumulatorValue;

    /** AdaGrad at PyTorch's default rate 1e-2. */
    public AdaGrad(List<Tensor> params) {
        this(params, 1e-2);
    }

    public AdaGrad(List<Tensor> params, double lr) {
        super(params, lr);
    }

    /** One optimizer over several groups, each with its own rate (see {@link ParamGroup}). */
    public AdaGrad(ParamGroup... groups) {
        super(groups);
    }

    public double lrDecay() { return lrDecay; }

    /** Sets η in γ / (1 + (t − 1)·η) (default 0). Returns this. */
    public AdaGrad lrDecay(double lrDecay) {
        if (!(lrDecay >= 0) || Double.isInfinite(lrDecay)) {
            throw new IllegalArgumentException("AdaGrad expects lrDecay >= 0; received " + lrDecay);
        }
        this.lrDecay = lrDecay;
        return this;
    }

    public double eps() { return eps; }

    /** Sets ε added to √s (default 1e-10). Returns this. */
    public AdaGrad eps(double eps) {
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("AdaGrad expects eps >= 0; received " + eps);
        }
        this.eps = eps;
        return this;
    }

    public double initialAccumulatorValue() { return initialAccumulatorValue; }

    /** Sets the starting value of the sum s (default 0); affects parameters not stepped yet. Returns this. */
    public AdaGrad initialAccumulatorValue(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("AdaGrad expects initialAccumulatorValue >= 0; received " + value);
        }
        this.initialAccumulatorValue = value;
        return this;
    }

    @Override
    public AdaGrad weightDecay(double weightDecay) { super.weightDecay(weightDecay); return this; }

    @Override
    public AdaGrad l1(double l1) { super.l1(l1); return this; }

    @Override
    public AdaGrad maxNorm(double maxNorm) { super.maxNorm(maxNorm); return this; }

    @Override
    protected void update(float[] w, float[] g, ParamState state, double lr) {
        double clr = lr / (1 + (state.step() - 1) * lrDecay);
        float negClr = (float) -clr;
        float epsf = (float) eps;
        float[] s = state.buffer("sum", (float) initialAccumulatorValue);
        for (int j = 0; j < w.length; j++) {
            s[j] = s[j] + g[j] * g[j];                    // state_sum.addcmul_(grad, grad, value=1)
            float std = (float) Math.sqrt(s[j]) + epsf;   // state_sum.sqrt().add_(eps)
            w[j] = w[j] + negClr * g[j] / std;            // param.addcdiv_(grad, std, value=-clr)
        }
    }

    @Override
    protected Set<String> stateNames() { return Set.of("sum"); }

    @Override
    protected String hyperparameters() {
        return "lrDecay=" + lrDecay + ", eps=" + eps + ", initialAccumulatorValue=" + initialAccumulatorValue;
    }
}
