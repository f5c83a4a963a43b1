package dev.fovea.optim;

import dev.fovea.tensor.Tensor;

import java.util.List;
import java.util.Set;

/**
 * NAdam: Adam with Nesterov momentum (Dozat 2016, "Incorporating Nesterov Momentum into Adam", ICLR
 * workshop), with the momentum warm-up schedule μₜ = β₁·(1 − ½·0.96^(t·ψ)) of the paper.
 *
 * <p>Update, as in the PyTorch 1.13 documentation and implementation of {@code torch.optim.NAdam}
 * (γ lr, β₁ β₂ betas, λ weight decay, ψ momentum decay, ε eps, t the step; m, v start at 0 and the
 * running product Πμ at 1):
 * <pre>
 *   g ← g + λ·w                              (weight decay, if λ ≠ 0)
 *   μₜ   ← β₁·(1 − ½·0.96^(t·ψ))
 *   μₜ₊₁ ← β₁·(1 − ½·0.96^((t+1)·ψ))
 *   Πμ   ← Πμ · μₜ                           (a float32 scalar, as PyTorch's mu_product tensor)
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²
 *   d ← √(v / (1 − β₂ᵗ)) + ε
 *   w ← w − γ(1 − μₜ)/(1 − Πμ) · g / d
 *   w ← w − γ·μₜ₊₁/(1 − Πμ·μₜ₊₁) · m / d
 * </pre>
 * The scalars μ, the two step sizes and the bias correction are computed in double, as PyTorch
 * does in Python. Defaults: lr 2e-3, betas (0.9, 0.999), eps 1e-8, momentumDecay 4e-3. State per
 * parameter: {@code exp_avg}, {@code exp_avg_sq}, {@code mu_product} (shape ()). {@link #momentum()}
 * is β₁.
 */
public final class Nadam extends Optimizer {

    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double eps = 1e-8;
    private double momentumDecay = 4e-3;

    /** NAdam at PyTorch's default rate 2e-3. */
    public Nadam(List<Tensor> params) {
        this(params, 2e-3);
    }

    public Nadam(List<Tensor> params, double lr) {
        super(params, lr);
    }

    /** One optimizer over several groups, each with its own rate (see {@link ParamGroup}). */
    public Nadam(ParamGroup... groups) {
        super(groups);
    }

    public double beta1() { return beta1; }

    public double beta2() { return beta2; }

    /** Sets β₁ and β₂, each in [0, 1) (default 0.9, 0.999). Returns this. */
    public Nadam betas(double beta1, double beta2) {
        checkBeta(0, beta1);
        checkBeta(1, beta2);
        this.beta1 = beta1;
        this.beta2 = beta2;
        return this;
    }

    private static void checkBeta(int index, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException("Nadam expects betas[" + index + "] in [0, 1); received " + beta);
        }
    }

    public double eps() { return eps; }

    /** Sets ε (default 1e-8). Returns this. */
    public Nadam eps(double eps) {
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("Nadam expects eps >= 0; received " + eps);
        }
        this.eps = eps;
        return this;
    }

    public double momentumDecay() { return momentumDecay; }

    /** Sets ψ in μₜ = β₁(1 − ½·0.96^(tψ)) (default 4e-3). Returns this. */
    public Nadam momentumDecay(double momentumDecay) {
        if (!(momentumDecay >= 0) || Double.isInfinite(momentumDecay)) {
            throw new IllegalArgumentException("Nadam expects momentumDecay >= 0; received " + momentumDecay);
        }
        this.momentumDecay = momentumDecay;
        return this;
    }

    @Override
    public boolean supportsMomentum() { return true; }

    /** β₁, the momentum-like coefficient. */
    @Override
    public double momentum() { return beta1; }

    /** Sets β₁. Returns this. */
    @Override
    public Nadam momentum(double beta1) {
        checkBeta(0, beta1);
        this.beta1 = beta1;
        return this;
    }

    @Override
    public Nadam weightDecay(double weightDecay) { super.weightDecay(weightDecay); return this; }

    @Override
    public Nadam l1(double l1) { super.l1(l1); return this; }

    @Override
    public Nadam maxNorm(double maxNorm) { super.maxNorm(maxNorm); return this; }

    @Override
    protected void update(float[] w, float[] g, ParamState state, double lr) {
        double t = state.step();
        double biasCorrection2 = 1 - Math.pow(beta2, t);
        double mu = beta1 * (1.0 - 0.5 * Math.pow(0.96, t * momentumDecay));
        double muNext = beta1 * (1.0 - 0.5 * Math.pow(0.96, (t + 1) * momentumDecay));
        float[] muProduct = state.scalar("mu_product", 1f);
        muProduct[0] = muProduct[0] * (float) mu;                  // mu_product *= mu (float32 tensor)
        double muProductNext = muProduct[0] * muNext;              // _get_value(mu_product) * mu_next (double)
        float gradStep = (float) (-lr * (1.0 - mu) / (1.0 - muProduct[0]));
        float momentumStep = (float) ((-lr * muNext) / (1.0 - muProductNext));
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float oneMinusB1 = (float) (1.0 - beta1);
        float oneMinusB2 = (float) (1.0 - beta2);
        float bc2 = (float) biasCorrection2;
        float epsf = (float) eps;
        float[] m = state.buffer("exp_avg");
        float[] v = state.buffer("exp_avg_sq");
        for (int j = 0; j < w.length; j++) {
            m[j] = m[j] * b1 + oneMinusB1 * g[j];
            v[j] = v[j] * b2 + oneMinusB2 * g[j] * g[j];
            float denom = (float) Math.sqrt(v[j] / bc2) + epsf;  // exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
            w[j] = w[j] + gradStep * g[j] / denom;                 // param.addcdiv_(grad, denom, value=...)
            w[j] = w[j] + momentumStep * m[j] / denom;             // param.addcdiv_(exp_avg, denom, value=...)
        }
    }

    @Override
    protected Set<String> stateNames() { return Set.of("exp_avg", "exp_avg_sq", "mu_product"); }

    @Override
    protected Set<String> scalarStateNames() { return Set.of("mu_product"); }

    @Override
    protected String hyperparameters() {
        return "betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", momentumDecay=" + momentumDecay;
    }
}
