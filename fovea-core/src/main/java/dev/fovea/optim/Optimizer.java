package dev.fovea.optim;

import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.KernelsProvider;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Base of the gradient-descent optimizers: parameter groups, the shared regularisers, the step loop,
 * and state export for checkpoints. Subclasses implement one method, {@link #update}, which applies
 * their rule to one parameter; the rule is written out element by element, following the
 * pseudo-code of PyTorch 1.13's {@code torch.optim} documentation, so a reader can check it line by
 * line. Adam (and AdamW) and SGD with momentum, the optimizers of most training runs, hand their
 * element loop to a fused kernel ({@code Kernels.adamUpdate}, {@code sgdMomentumUpdate}): the loop
 * is written out in {@code ScalarKernels}, and the Vector API version, SIMD and parallel over
 * chunks, does the same operations in the same order and so gives the same bits.
 *
 * <p>The training step is
 * <pre>{@code
 * optimizer.zeroGrad();          // the only place gradients are reset
 * loss.backward();               // gradients accumulate in the parameters
 * optimizer.step();              // w <- update(w, g)
 * }</pre>
 *
 * <p>{@link #step()} runs inside {@link NoGrad} and, for every parameter whose gradient is not null
 * (parameters that got no gradient are skipped, and their state does not advance, as in PyTorch):
 * <ol>
 *   <li>forms the regularised gradient {@code g = grad + weightDecay·w + l1·sign(w)}: coupled L2
 *       decay, PyTorch's {@code weight_decay}, and the L1 (lasso) penalty's subgradient (Tibshirani
 *       1996). The parameter's own gradient buffer is not modified;</li>
 *   <li>for {@link AdamW} only, decays the weights directly: {@code w *= 1 - lr·weightDecay};</li>
 *   <li>applies the subclass's rule {@link #update};</li>
 *   <li>with a {@link #maxNorm(double) max-norm} constraint c, rescales each output unit's incoming
 *       weight vector (each slice along dim 0 of a parameter of rank >= 2) to Euclidean norm ≤ c,
 *       as in dropout training (Srivastava et al. 2014, JMLR 15, section 5.1), with the factor
 *       {@code c / (norm + 1e-7)} of {@code torch.renorm}. Biases (rank 1) are not constrained.</li>
 * </ol>
 *
 * <p>Learning rates: each {@link ParamGroup} keeps its initial rate and a current rate.
 * {@link #setLr(double)} moves every group in proportion to its initial rate, so one schedule
 * drives a backbone at 1e-4 and a head at 1e-2 together; {@link #setLr(int, double)} sets one
 * group. Rates and hyper-parameters are doubles because PyTorch's are Python floats: scalar
 * bookkeeping (bias corrections, schedules) happens in double and is rounded to float only where
 * PyTorch's tensor kernels round it.
 *
 * <p>Checkpoints: {@link #stateDict()} / {@link #loadStateDict(Map)} export and restore everything
 * that changes during training (per-parameter buffers such as {@code exp_avg}, step counters,
 * current rates, the momentum coefficient) so that a resumed run takes bit-identical steps.
 */
public abstract class Optimizer {

    /** A group as the optimizer holds it: the specification plus the current learning rate. */
    private static final class Group {
        final List<Tensor> params;
        double initialLr;
        final double weightDecay; // NaN: use the optimizer's
        double lr;

        Group(ParamGroup spec) {
            this.params = spec.params();
            this.initialLr = spec.lr();
            this.weightDecay = spec.weightDecay();
            this.lr = spec.lr();
        }
    }

    /** The kernels of the fused element-wise updates (SIMD and parallel where the Vector API is present). */
    static final Kernels KERNELS = KernelsProvider.get();

    private final List<Group> groups = new ArrayList<>();
    /** All parameters, group by group: a parameter's position here is its index in the state dict. */
    private final List<Tensor> params = new ArrayList<>();
    private final ParamState[] states;
    private double weightDecay;
    private double l1;
    private double maxNorm = Double.POSITIVE_INFINITY;
    private long stepCount;

    /** One group holding {@code params}, trained at rate {@code lr}. */
    protected Optimizer(List<Tensor> params, double lr) {
        this(singleGroup(params, lr));
    }

    /** Several groups, each with its own rate; a parameter may appear in only one group. */
    protected Optimizer(ParamGroup... groups) {
        if (groups == null || groups.length == 0) {
            throw new IllegalArgumentException(name() + " expects at least one parameter group; received "
                    + (groups == null ? "null" : "none"));
        }
        Map<Tensor, Integer> seen = new IdentityHashMap<>();
        for (int g = 0; g < groups.length; g++) {
            ParamGroup spec = groups[g];
            if (spec == null) {
                throw new IllegalArgumentException(name() + " expects non-null parameter groups; received null at "
                        + "index " + g);
            }
            for (Tensor p : spec.params()) {
                Integer previous = seen.put(p, g);
                if (previous != null) {
                    throw new IllegalArgumentException(name() + " expects each parameter in one group only; received "
                            + "a tensor of shape " + Shapes.str(p.shape()) + " in groups " + previous + " and " + g);
                }
            }
            this.groups.add(new Group(spec));
            this.params.addAll(spec.params());
        }
        this.states = new ParamState[this.params.size()];
    }

    private static ParamGroup singleGroup(List<Tensor> params, double lr) {
        if (params == null || params.isEmpty()) {
            // PyTorch: "optimizer got an empty parameter list"
            throw new IllegalArgumentException("optimizer expects at least one parameter; received "
                    + (params == null ? "null" : "an empty parameter list"));
        }
        return new ParamGroup(params, lr);
    }

    // ------------------------------------------------------------------ the rule (subclasses)

    /**
     * Applies this optimizer's rule to one parameter, in place.
     *
     * @param w the parameter's values (updated in place)
     * @param g the regularised gradient, same length; read only (it may be the parameter's own grad buffer)
     * @param state the parameter's state; {@link ParamState#step()} already counts this update
     * @param lr the parameter's group's current learning rate
     */
    protected abstract void update(float[] w, float[] g, ParamState state, double lr);

    /** Names of the per-parameter buffers this optimizer keeps (checked by {@link #loadStateDict}). */
    protected abstract Set<String> stateNames();

    /** The subset of {@link #stateNames()} that are one-element scalars rather than parameter-shaped. */
    protected Set<String> scalarStateNames() { return Set.of(); }

    /**
     * Checks combinations of settings that the fluent setters cannot check one at a time (e.g. SGD's
     * Nesterov momentum needs momentum > 0); called at the start of every {@link #step()}, before
     * anything changes. Throws {@link IllegalStateException}.
     */
    protected void checkSettings() {}

    /** The hyper-parameters for {@link #toString()}, e.g. {@code "momentum=0.9, nesterov=true"}. */
    protected abstract String hyperparameters();

    /**
     * True when {@link #weightDecay()} is applied to the weights (w *= 1 - lr·wd) instead of being
     * added to the gradient; {@link AdamW} returns true (Loshchilov and Hutter 2019).
     */
    protected boolean decoupledWeightDecay() { return false; }

    // ------------------------------------------------------------------ step and zeroGrad

    /** Updates every parameter that has a gradient (see the class comment for the order of operations). */
    public final void step() {
        checkSettings();
        try (NoGrad off = NoGrad.enter()) {
            stepCount++;
            int index = 0;
            for (Group group : groups) {
                double wd = Double.isNaN(group.weightDecay) ? weightDecay : group.weightDecay;
                boolean decoupled = decoupledWeightDecay();
                for (Tensor p : group.params) {
                    int i = index++;
                    Tensor grad = p.grad();
                    if (grad == null) continue; // PyTorch: `if p.grad is None: continue`
                    float[] w = p.data();
                    float[] g = regularisedGradient(w, grad.data(), decoupled ? 0.0 : wd);
                    if (decoupled && wd != 0.0) {
                        // AdamW: param.mul_(1 - lr * weight_decay); the factor is formed in double, applied in float
                        float keep = (float) (1.0 - group.lr * wd);
                        for (int j = 0; j < w.length; j++) w[j] *= keep;
                    }
                    ParamState s = states[i];
                    if (s == null) s = states[i] = new ParamState(p.shape());
                    s.step++;
                    update(w, g, s, group.lr);
                    if (maxNorm != Double.POSITIVE_INFINITY && p.dim() >= 2) applyMaxNorm(w, p.size(0));
                }
            }
        }
    }

    /** grad + wd·w + l1·sign(w), or grad itself (not copied) when both coefficients are zero. */
    private float[] regularisedGradient(float[] w, float[] grad, double wd) {
        if (wd == 0.0 && l1 == 0.0) return grad;
        float wdf = (float) wd; // PyTorch: grad.add(param, alpha=weight_decay), alpha rounded to float
        float l1f = (float) l1;
        float[] g = new float[grad.length];
        for (int j = 0; j < g.length; j++) {
            float v = grad[j];
            if (wd != 0.0) v = v + wdf * w[j];
            // Subgradient of l1·|w|, taking 0 at w = 0 so exact zeros stay put.
            if (l1 != 0.0) v = v + l1f * Math.signum(w[j]);
            g[j] = v;
        }
        return g;
    }

    /** Rescales each of the {@code rows} slices of {@code w} along dim 0 to norm <= maxNorm (torch.renorm, p=2). */
    private void applyMaxNorm(float[] w, int rows) {
        int len = w.length / rows;
        for (int r = 0; r < rows; r++) {
            int off = r * len;
            double sq = 0;
            for (int j = 0; j < len; j++) sq += (double) w[off + j] * w[off + j];
            double norm = Math.sqrt(sq);
            if (norm > maxNorm) {
                float scale = (float) (maxNorm / (norm + 1e-7));
                for (int j = 0; j < len; j++) w[off + j] *= scale;
            }
        }
    }

    /**
     * Sets every parameter's gradient to zero (keeping the buffers), as PyTorch 1.13's
     * {@code zero_grad(set_to_none=False)}. Backward passes accumulate, so call this once per step.
     */
    public void zeroGrad() {
        for (Tensor p : params) p.zeroGrad();
    }

    /** How many times {@link #step()} has been called. */
    public long stepCount() { return stepCount; }

    // ------------------------------------------------------------------ learning rates and groups

    public int groupCount() { return groups.size(); }

    /** The parameters of group {@code group} (unmodifiable). */
    public List<Tensor> params(int group) { return groups.get(checkGroup(group)).params; }

    /** All parameters, group after group (unmodifiable); the position is the index used in {@link #stateDict()}. */
    public List<Tensor> params() { return Collections.unmodifiableList(params); }

    /** The current learning rate of group 0 (the only group in the common case). */
    public double lr() { return groups.get(0).lr; }

    /** The current learning rate of group {@code group}. */
    public double lr(int group) { return groups.get(checkGroup(group)).lr; }

    /** The learning rate group 0 was created with; schedules start from it. */
    public double initialLr() { return groups.get(0).initialLr; }

    /** The learning rate group {@code group} was created with. */
    public double initialLr(int group) { return groups.get(checkGroup(group)).initialLr; }

    /**
     * Sets group 0's rate to {@code lr} and every other group's to {@code lr · initialLr(g) / initialLr(0)},
     * keeping the ratios the groups were created with. This is what {@link LrSchedule}s call.
     *
     * @throws IllegalStateException with several groups when group 0 was created with rate 0 (no ratio exists)
     */
    public void setLr(double lr) {
        checkLr(lr);
        Group first = groups.get(0);
        if (groups.size() > 1 && first.initialLr == 0.0) {
            throw new IllegalStateException(name() + ".setLr(lr) scales the groups relative to group 0, which was "
                    + "created with lr=0; set each group with setLr(group, lr)");
        }
        first.lr = lr;
        for (int g = 1; g < groups.size(); g++) {
            groups.get(g).lr = lr * (groups.get(g).initialLr / first.initialLr);
        }
    }

    /** Sets the current rate of one group. */
    public void setLr(int group, double lr) {
        checkLr(lr);
        groups.get(checkGroup(group)).lr = lr;
    }

    private void checkLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(name() + " expects a finite learning rate >= 0; received lr=" + lr);
        }
    }

    private int checkGroup(int group) {
        if (group < 0 || group >= groups.size()) {
            throw new IllegalArgumentException(name() + " expects a group index in [0, " + groups.size()
                    + "); received " + group);
        }
        return group;
    }

    // ------------------------------------------------------------------ momentum (for OneCycleLR)

    /**
     * True when this optimizer has a momentum-like coefficient that {@link OneCycleLR} can cycle:
     * {@code momentum} for {@link Sgd} and {@link RmsProp}, {@code beta1} for the Adam family
     * (PyTorch's OneCycleLR makes the same choice).
     */
    public boolean supportsMomentum() { return false; }

    /** The momentum-like coefficient (see {@link #supportsMomentum()}). */
    public double momentum() {
        throw new UnsupportedOperationException(name() + " has no momentum coefficient (supportsMomentum() is false)");
    }

    /** Sets the momentum-like coefficient (see {@link #supportsMomentum()}). Returns this. */
    public Optimizer momentum(double momentum) {
        throw new UnsupportedOperationException(name() + " has no momentum coefficient (supportsMomentum() is false)");
    }

    // ------------------------------------------------------------------ regularisation

    /** The coupled L2 coefficient (decoupled for {@link AdamW}) used by groups without their own. */
    public double weightDecay() { return weightDecay; }

    /**
     * Sets the L2 weight decay: {@code g += weightDecay · w} (PyTorch's {@code weight_decay}; for
     * {@link AdamW}, {@code w *= 1 - lr · weightDecay} instead). Groups created with their own value
     * keep it. Returns this.
     */
    public Optimizer weightDecay(double weightDecay) {
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException(name() + " expects weightDecay >= 0; received " + weightDecay);
        }
        this.weightDecay = weightDecay;
        return this;
    }

    /** The L1 coefficient. */
    public double l1() { return l1; }

    /**
     * Sets the L1 penalty {@code l1 · sum|w|}, whose subgradient {@code l1 · sign(w)} is added to the
     * gradient of every parameter; it drives small weights towards zero (sparse solutions). Returns this.
     */
    public Optimizer l1(double l1) {
        if (!(l1 >= 0) || Double.isInfinite(l1)) {
            throw new IllegalArgumentException(name() + " expects l1 >= 0; received " + l1);
        }
        this.l1 = l1;
        return this;
    }

    /** The max-norm bound, or +infinity when the constraint is off (the default). */
    public double maxNorm() { return maxNorm; }

    /**
     * Constrains, after each step, the norm of each output unit's incoming weights (each slice along
     * dim 0 of parameters of rank >= 2: a row of a Linear weight, a filter of a Conv2d weight) to at
     * most {@code maxNorm}; Srivastava et al. (2014) use 3 to 4 together with dropout and large
     * learning rates. {@code Double.POSITIVE_INFINITY} turns it off. Returns this.
     */
    public Optimizer maxNorm(double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException(name() + " expects maxNorm > 0 (or +infinity for none); received "
                    + maxNorm);
        }
        this.maxNorm = maxNorm;
        return this;
    }

    // ------------------------------------------------------------------ checkpoints

    /**
     * The mutable state, copied, under these keys:
     * <ul>
     *   <li>{@code step}: number of {@link #step()} calls;</li>
     *   <li>{@code momentum}: the momentum-like coefficient, when {@link #supportsMomentum()};</li>
     *   <li>{@code group.<g>.lr}, {@code group.<g>.initial_lr}: the rates of group g;</li>
     *   <li>{@code state.<i>.step}: the update count of parameter i (its index in {@link #params()});</li>
     *   <li>{@code state.<i>.<buffer>}: its buffers, named as in PyTorch ({@code exp_avg}, {@code exp_avg_sq},
     *       {@code max_exp_avg_sq}, {@code momentum_buffer}, {@code sum}, {@code square_avg},
     *       {@code grad_avg}, {@code mu_product}).</li>
     * </ul>
     * Buffers are float tensors; scalars (counters, rates, momentum) are stored exactly as binary64
     * bit patterns in shape (4) (see {@code StateDicts}), so {@link #loadStateDict} resumes bit-identically.
     * Hyper-parameters set at construction (betas[1], eps, weight decay, ...) are not included: rebuild
     * the optimizer the same way, then load.
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("step", StateDicts.f64(stepCount));
        if (supportsMomentum()) out.put("momentum", StateDicts.f64(momentum()));
        for (int g = 0; g < groups.size(); g++) {
            out.put("group." + g + ".lr", StateDicts.f64(groups.get(g).lr));
            out.put("group." + g + ".initial_lr", StateDicts.f64(groups.get(g).initialLr));
        }
        for (int i = 0; i < states.length; i++) {
            if (states[i] != null) states[i].writeTo(out, i);
        }
        return out;
    }

    /**
     * Restores a {@link #stateDict()} taken from an optimizer of the same class built over parameters
     * of the same shapes, in the same order and groups. As in PyTorch, the saved rates (current and
     * initial) replace the constructor's; call {@link #setLr} afterwards to resume with another rate.
     * Everything is validated before anything changes; unknown keys, missing keys and shape mismatches
     * are errors naming the key. The tensors are copied.
     */
    public void loadStateDict(Map<String, Tensor> dict) {
        if (dict == null) throw new IllegalArgumentException(name() + ".loadStateDict expects a map; received null");
        String owner = name();
        Set<String> consumed = new TreeSet<>();
        long newStepCount = StateDicts.counter(dict, "step", owner);
        consumed.add("step");
        double newMomentum = Double.NaN;
        if (supportsMomentum()) {
            newMomentum = StateDicts.f64(dict, "momentum", owner);
            consumed.add("momentum");
        }
        double[] lrs = new double[groups.size()];
        double[] initialLrs = new double[groups.size()];
        for (int g = 0; g < groups.size(); g++) {
            String key = "group." + g + ".";
            lrs[g] = StateDicts.f64(dict, key + "lr", owner);
            initialLrs[g] = StateDicts.f64(dict, key + "initial_lr", owner);
            consumed.add(key + "lr");
            consumed.add(key + "initial_lr");
            if (!(lrs[g] >= 0) || Double.isInfinite(lrs[g]) || !(initialLrs[g] >= 0)
                    || Double.isInfinite(initialLrs[g])) {
                throw new IllegalArgumentException(owner + " state dict expects finite rates >= 0 for group " + g
                        + "; received lr=" + lrs[g] + ", initial_lr=" + initialLrs[g]);
            }
        }
        ParamState[] loaded = ParamState.readAll(dict, params, stateNames(), scalarStateNames(), owner, consumed);
        Set<String> unexpected = new TreeSet<>(dict.keySet());
        unexpected.removeAll(consumed);
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException(owner + " state dict has unexpected keys " + unexpected);
        }
        if (supportsMomentum()) momentum(newMomentum); // validates the value before anything else changes
        stepCount = newStepCount;
        for (int g = 0; g < groups.size(); g++) {
            // Like PyTorch's load_state_dict, the saved rates replace the constructor's (initial_lr included).
            groups.get(g).lr = lrs[g];
            groups.get(g).initialLr = initialLrs[g];
        }
        System.arraycopy(loaded, 0, states, 0, states.length);
    }

    // ------------------------------------------------------------------ description

    /** The class name, used in error messages. */
    protected final String name() { return getClass().getSimpleName(); }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name()).append("(lr=").append(lr());
        if (groups.size() > 1) sb.append(", groups=").append(groups.size());
        String h = hyperparameters();
        if (!h.isEmpty()) sb.append(", ").append(h);
        sb.append(", weightDecay=").append(weightDecay);
        if (l1 != 0) sb.append(", l1=").append(l1);
        if (maxNorm != Double.POSITIVE_INFINITY) sb.append(", maxNorm=").append(maxNorm);
        return sb.append(')').toString();
    }
}
