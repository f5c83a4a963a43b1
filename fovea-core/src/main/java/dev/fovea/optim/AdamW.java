package dev.fovea.optim;

import dev.fovea.tensor.Tensor;

import java.util.List;

/**
 * AdamW: {@link Adam} with decoupled weight decay (Loshchilov and Hutter 2019, "Decoupled Weight
 * Decay Regularization", ICLR). Adam's coupled L2 term is divided by √v like the gradient, so
 * weights with large gradients are barely regularised; AdamW shrinks every weight by the same
 * factor instead, which generalises better and makes the decay independent of the rate's scaling.
 *
 * <p>Update, as in the PyTorch 1.13 documentation of {@code torch.optim.AdamW}: first
 * <pre>
 *   w ← w · (1 − γ·λ)
 * </pre>
 * then Adam's update on the unmodified gradient (see {@link Adam}). Defaults: lr 1e-3,
 * betas (0.9, 0.999), eps 1e-8, weightDecay 1e-2 (PyTorch's AdamW default), amsgrad false. An
 * {@link #l1(double) L1} penalty, when set, is still added to the gradient.
 */
public final class AdamW extends Adam {

    /** AdamW at PyTorch's default rate 1e-3 and weight decay 1e-2. */
    public AdamW(List<Tensor> params) {
        this(params, 1e-3);
    }

    public AdamW(List<Tensor> params, double lr) {
        super(params, lr);
        super.weightDecay(1e-2);
    }

    /** One optimizer over several groups, each with its own rate (see {@link ParamGroup}). */
    public AdamW(ParamGroup... groups) {
        super(groups);
        super.weightDecay(1e-2);
    }

    @Override
    protected boolean decoupledWeightDecay() { return true; }

    /** Sets λ in w ← w·(1 − γλ) (default 1e-2). Returns this. */
    @Override
    public AdamW weightDecay(double weightDecay) { super.weightDecay(weightDecay); return this; }

    @Override
    public AdamW l1(double l1) { super.l1(l1); return this; }

    @Override
    public AdamW maxNorm(double maxNorm) { super.maxNorm(maxNorm); return this; }

    @Override
    public AdamW betas(double beta1, double beta2) { super.betas(beta1, beta2); return this; }

    @Override
    public AdamW eps(double eps) { super.eps(eps); return this; }

    @Override
    public AdamW amsgrad(boolean amsgrad) { super.amsgrad(amsgrad); return this; }

    @Override
    public AdamW momentum(double beta1) { super.momentum(beta1); return this; }
}
