package dev.fovea.optim;

import dev.fovea.tensor.Tensor;

import java.util.List;
import java.util.Set;

/**
 * RMSProp: divides the gradient by a running root-mean-square of recent gradients (Hinton, Srivastava
 * and Swersky 2012, Coursera "Neural Networks for Machine Learning", lecture 6e); the centered
 * variant subtracts the squared running mean, estimating the variance (Graves 2013, "Generating
 * Sequences With Recurrent Neural Networks", eq. 38-45). Good for recurrent nets and non-stationary
 * objectives.
 *
 * <p>Update, as in the PyTorch 1.13 documentation of {@code torch.optim.RMSprop} (γ lr, α smoothing,
 * λ weight decay, μ momentum, ε eps; v, ḡ, b the buffers, all starting at 0):
 * <pre>
 *   g ← g + λ·w                              (weight decay, if λ ≠ 0)
 *   v ← α·v + (1 − α)·g²
 *   ṽ ← v − ḡ², after ḡ ← α·ḡ + (1 − α)·g     (centered)   else  ṽ ← v
 *   d ← √ṽ + ε
 *   if μ > 0:  b ← μ·b + g/d,  w ← w − γ·b
 *   else:      w ← w − γ·g/d
 * </pre>
 * Defaults (PyTorch): lr 1e-2, alpha 0.99, eps 1e-8, momentum 0, centered false. State per parameter:
 * {@code square_avg}, {@code momentum_buffer} (with momentum), {@code grad_avg} (centered).
 */
public final class RmsProp extends Optimizer {

    private double alpha = 0.99;
    private double eps = 1e-8;
    private double momentum;
    private boolean centered;

    /** RMSProp at PyTorch's default rate 1e-2. */
    public RmsProp(List<Tensor> params) {
        this(params, 1e-2);
    }

    public RmsProp(List<Tensor> params, double lr) {
        super(params, lr);
    }

    /** One optimizer over several groups, each with its own rate (see {@link ParamGroup}). */
    public RmsProp(ParamGroup... groups) {
        super(groups);
    }

    public double alpha() { return alpha; }

    /** Sets the smoothing constant α of the squared-gradient average (default 0.99). Returns this. */
    public RmsProp alpha(double alpha) {
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("RmsProp expects alpha >= 0; received " + alpha);
        }
        this.alpha = alpha;
        return this;
    }

    public double eps() { return eps; }

    /** Sets ε added to the root mean square (default 1e-8). Returns this. */
    public RmsProp eps(double eps) {
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("RmsProp expects eps >= 0; received " + eps);
        }
        this.eps = eps;
        return this;
    }

    @Override
    public boolean supportsMomentum() { return true; }

    /** The momentum μ (default 0). */
    @Override
    public double momentum() { return momentum; }

    /** Sets the momentum μ >= 0 (default 0: off). Returns this. */
    @Override
    public RmsProp momentum(double momentum) {
        if (!(momentum >= 0) || Double.isInfinite(momentum)) {
            throw new IllegalArgumentException("RmsProp expects momentum >= 0; received " + momentum);
        }
        this.momentum = momentum;
        return this;
    }

    public boolean centered() { return centered; }

    /** Normalises by the estimated variance instead of the raw second moment (default false). Returns this. */
    public RmsProp centered(boolean centered) {
        this.centered = centered;
        return this;
    }

    @Override
    public RmsProp weightDecay(double weightDecay) { super.weightDecay(weightDecay); return this; }

    @Override
    public RmsProp l1(double l1) { super.l1(l1); return this; }

    @Override
    public RmsProp maxNorm(double maxNorm) { super.maxNorm(maxNorm); return this; }

    @Override
    protected void update(float[] w, float[] g, ParamState state, double lr) {
        float a = (float) alpha;
        float oneMinusA = (float) (1.0 - alpha);
        float epsf = (float) eps;
        float negLr = (float) -lr;
        float mu = (float) momentum;
        float[] v = state.buffer("square_avg");
        float[] gAvg = centered ? state.buffer("grad_avg") : null;
        float[] b = momentum > 0 ? state.buffer("momentum_buffer") : null;
        for (int j = 0; j < w.length; j++) {
            v[j] = v[j] * a + oneMinusA * g[j] * g[j];             // square_avg.mul_(alpha).addcmul_(g, g, 1 - alpha)
            float avg;
            if (centered) {
                gAvg[j] = gAvg[j] * a + oneMinusA * g[j];           // grad_avg.mul_(alpha).add_(g, alpha=1 - alpha)
                avg = (float) Math.sqrt(v[j] - gAvg[j] * gAvg[j]);  // square_avg.addcmul(ga, ga, value=-1).sqrt_()
            } else {
                avg = (float) Math.sqrt(v[j]);
            }
            avg = avg + epsf;
            if (b != null) {
                b[j] = b[j] * mu + g[j] / avg;                      // buf.mul_(momentum).addcdiv_(grad, avg)
                w[j] = w[j] + negLr * b[j];                         // param.add_(buf, alpha=-lr)
            } else {
                w[j] = w[j] + negLr * g[j] / avg;                   // param.addcdiv_(grad, avg, value=-lr)
            }
        }
    }

    @Override
    protected Set<String> stateNames() { return Set.of("square_avg", "grad_avg", "momentum_buffer"); }

    @Override
    protected String hyperparameters() {
        return "alpha=" + alpha + ", eps=" + eps + ", momentum=" + momentum + ", centered=" + centered;
    }
}
