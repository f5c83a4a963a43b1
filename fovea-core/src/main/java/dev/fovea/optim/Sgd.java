package dev.fovea.optim;

import dev.fovea.tensor.Tensor;

import java.util.List;
import java.util.Set;

/**
 * Stochastic gradient descent with optional momentum (Polyak 1964, "Some methods of speeding up the
 * convergence of iteration methods") and Nesterov momentum (Sutskever et al. 2013, "On the
 * importance of initialization and momentum in deep learning", ICML). The workhorse for CNNs on
 * ImageNet: {@code lr=0.1, momentum=0.9, weightDecay=1e-4} with a step or cosine schedule.
 *
 * <p>Update, as in the PyTorch 1.13 documentation of {@code torch.optim.SGD} (γ lr, λ weight decay,
 * μ momentum, τ dampening, b the momentum buffer):
 * <pre>
 *   g ← g + λ·w                              (weight decay, if λ ≠ 0)
 *   if μ ≠ 0:
 *       b ← g                                (first step: the buffer starts as a copy of g)
 *       b ← μ·b + (1 − τ)·g                  (later steps)
 *       g ← g + μ·b   if nesterov, else  g ← b
 *   w ← w − γ·g
 * </pre>
 * Note this is PyTorch's form, where momentum accumulates gradients and γ multiplies the buffer
 * (Sutskever et al. accumulate γ·g instead; the two differ only when γ changes during training).
 * State per parameter: {@code momentum_buffer}, created on its first step with μ ≠ 0.
 */
public final class Sgd extends Optimizer {

    private double momentum;
    private double dampening;
    private boolean nesterov;

    /** Plain SGD over {@code params} at rate {@code lr} (PyTorch has no default rate for SGD). */
    public Sgd(List<Tensor> params, double lr) {
        super(params, lr);
    }

    /** One optimizer over several groups, each with its own rate (see {@link ParamGroup}). */
    public Sgd(ParamGroup... groups) {
        super(groups);
    }

    @Override
    public boolean supportsMomentum() { return true; }

    /** The momentum μ (default 0). */
    @Override
    public double momentum() { return momentum; }

    /** Sets the momentum μ >= 0 (0 turns momentum off; 0.9 is usual). Returns this. */
    @Override
    public Sgd momentum(double momentum) {
        if (!(momentum >= 0) || Double.isInfinite(momentum)) {
            throw new IllegalArgumentException("Sgd expects momentum >= 0; received " + momentum);
        }
        this.momentum = momentum;
        return this;
    }

    public double dampening() { return dampening; }

    /** Sets the dampening τ applied to new gradients in the momentum buffer (default 0). Returns this. */
    public Sgd dampening(double dampening) {
        if (!Double.isFinite(dampening)) {
            throw new IllegalArgumentException("Sgd expects a finite dampening; received " + dampening);
        }
        this.dampening = dampening;
        return this;
    }

    public boolean nesterov() { return nesterov; }

    /** Uses Nesterov momentum (needs momentum > 0 and dampening = 0, checked at {@link #step()}). Returns this. */
    public Sgd nesterov(boolean nesterov) {
        this.nesterov = nesterov;
        return this;
    }

    @Override
    public Sgd weightDecay(double weightDecay) { super.weightDecay(weightDecay); return this; }

    @Override
    public Sgd l1(double l1) { super.l1(l1); return this; }

    @Override
    public Sgd maxNorm(double maxNorm) { super.maxNorm(maxNorm); return this; }

    @Override
    protected void checkSettings() {
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            // PyTorch: "Nesterov momentum requires a momentum and zero dampening"
            throw new IllegalStateException("Sgd with nesterov=true expects momentum > 0 and dampening = 0; "
                    + "received momentum=" + momentum + ", dampening=" + dampening);
        }
    }

    @Override
    protected void update(float[] w, float[] g, ParamState state, double lr) {
        float negLr = (float) -lr;
        if (momentum == 0) {
            for (int j = 0; j < w.length; j++) w[j] = w[j] + negLr * g[j];
            return;
        }
        float[] b = state.bufferOrNull("momentum_buffer");
        boolean firstStep = b == null;
        if (firstStep) b = state.buffer("momentum_buffer");
        // element by element, in ScalarKernels.sgdMomentumUpdate's words:
        //   b = firstStep ? g : b * mu + (1 - dampening) * g    (torch.clone(d_p): no dampening at first)
        //   w = w + negLr * (nesterov ? g + mu * b : b)
        KERNELS.sgdMomentumUpdate(w, g, b, w.length, negLr, (float) momentum, (float) (1.0 - dampening),
                firstStep, nesterov);
    }

    @Override
    protected Set<String> stateNames() { return Set.of("momentum_buffer"); }

    @Override
    protected String hyperparameters() {
        return "momentum=" + momentum + ", dampening=" + dampening + ", nesterov=" + nesterov;
    }
}
