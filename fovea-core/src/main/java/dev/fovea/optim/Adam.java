package dev.fovea.optim;

import dev.fovea.tensor.Tensor;

import java.util.List;
import java.util.Set;

/**
 * Adam: momentum on the gradient plus RMSProp-style per-coordinate scaling, both bias-corrected
 * (Kingma and Ba 2015, "Adam: A Method for Stochastic Optimization", ICLR), with the optional AMSGrad
 * maximum of past second moments (Reddi, Kale and Kumar 2018, "On the Convergence of Adam and
 * Beyond", ICLR). The default choice when tuning time is short; the first step moves every weight by
 * about {@code lr} against the sign of its gradient.
 *
 * <p>Update, as in the PyTorch 1.13 documentation and implementation of {@code torch.optim.Adam}
 * (γ lr, β₁ β₂ betas, λ weight decay, ε eps, t the step; m, v, v̂max start at 0):
 * <pre>
 *   g ← g + λ·w                              (coupled weight decay, if λ ≠ 0; see {@link AdamW})
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²
 *   v̂max ← max(v̂max, v);  use v̂max for v   (amsgrad)
 *   d ← √v / √(1 − β₂ᵗ) + ε
 *   w ← w − (γ / (1 − β₁ᵗ)) · m / d
 * </pre>
 * The bias corrections are computed in double as PyTorch does in Python ({@code step_size = lr /
 * bias_correction1}), and ε is added after the correction of √v, exactly as in PyTorch (not to
 * √v̂ of the paper's algorithm 1 in its second form). Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8,
 * amsgrad false. State per parameter: {@code exp_avg}, {@code exp_avg_sq}, {@code max_exp_avg_sq}
 * (amsgrad). {@link #momentum()} is β₁, the coefficient {@link OneCycleLR} cycles.
 */
public class Adam extends Optimizer {

    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double eps = 1e-8;
    private boolean amsgrad;

    /** Adam at PyTorch's default rate 1e-3. */
    public Adam(List<Tensor> params) {
        this(params, 1e-3);
    }

    public Adam(List<Tensor> params, double lr) {
        super(params, lr);
    }

    /** One optimizer over several groups, each with its own rate (see {@link ParamGroup}). */
    public Adam(ParamGroup... groups) {
        super(groups);
    }

    public double beta1() { return beta1; }

    public double beta2() { return beta2; }

    /** Sets the decay rates of the first and second moment averages, each in [0, 1) (default 0.9, 0.999). Returns this. */
    public Adam betas(double beta1, double beta2) {
        checkBeta(0, beta1);
        checkBeta(1, beta2);
        this.beta1 = beta1;
        this.beta2 = beta2;
        return this;
    }

    private void checkBeta(int index, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException(name() + " expects betas[" + index + "] in [0, 1); received " + beta);
        }
    }

    public double eps() { return eps; }

    /** Sets ε added to the denominator (default 1e-8). Returns this. */
    public Adam eps(double eps) {
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException(name() + " expects eps >= 0; received " + eps);
        }
        this.eps = eps;
        return this;
    }

    public boolean amsgrad() { return amsgrad; }

    /** Uses the running maximum of the second moment (AMSGrad). Returns this. */
    public Adam amsgrad(boolean amsgrad) {
        this.amsgrad = amsgrad;
        return this;
    }

    @Override
    public boolean supportsMomentum() { return true; }

    /** β₁, the momentum-like coefficient. */
    @Override
    public double momentum() { return beta1; }

    /** Sets β₁ (what PyTorch's OneCycleLR cycles in {@code betas[0]}). Returns this. */
    @Override
    public Adam momentum(double beta1) {
        checkBeta(0, beta1);
        this.beta1 = beta1;
        return this;
    }

    @Override
    public Adam weightDecay(double weightDecay) { super.weightDecay(weightDecay); return this; }

    @Override
    public Adam l1(double l1) { super.l1(l1); return this; }

    @Override
    public Adam maxNorm(double maxNorm) { super.maxNorm(maxNorm); return this; }

    @Override
    protected void update(float[] w, float[] g, ParamState state, double lr) {
        long t = state.step();
        double biasCorrection1 = 1 - Math.pow(beta1, t);
        double biasCorrection2 = 1 - Math.pow(beta2, t);
        float negStepSize = (float) -(lr / biasCorrection1);
        float bc2Sqrt = (float) Math.sqrt(biasCorrection2);
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float oneMinusB1 = (float) (1.0 - beta1);
        float oneMinusB2 = (float) (1.0 - beta2);
        float epsf = (float) eps;
        float[] m = state.buffer("exp_avg");
        float[] v = state.buffer("exp_avg_sq");
        float[] vMax = amsgrad ? state.buffer("max_exp_avg_sq") : null;
        // element by element, in ScalarKernels.adamUpdate's words (PyTorch's lines beside them):
        //   m = m * b1 + (1 - b1) * g;  v = v * b2 + (1 - b2) * g * g;  amsgrad: v = vMax = max(vMax, v)
        //   w = w + negStepSize * m / (sqrt(v) / bc2Sqrt + eps)
        KERNELS.adamUpdate(w, g, m, v, vMax, w.length, b1, oneMinusB1, b2, oneMinusB2, negStepSize, bc2Sqrt, epsf);
    }

    @Override
    protected Set<String> stateNames() { return Set.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq"); }

    @Override
    protected String hyperparameters() {
        return "betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", amsgrad=" + amsgrad;
    }
}
