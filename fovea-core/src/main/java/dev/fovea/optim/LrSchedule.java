package dev.fovea.optim;

import dev.fovea.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * A learning-rate schedule: a closed-form function of the number of {@link #step()} calls made so
 * far, pushed into an optimizer with {@link Optimizer#setLr(double)}. Call {@code step()} once per
 * epoch after the epoch's optimizer steps (per batch for {@link OneCycleLR} and warm-ups):
 * <pre>{@code
 * var schedule = new StepLR(optimizer, 30, 0.1);
 * for (int epoch = 0; epoch < 90; epoch++) {
 *     trainOneEpoch(model, optimizer);
 *     schedule.step();
 * }
 * }</pre>
 *
 * <p>Construction sets the optimizer's rate to {@code lrAt(0)}, as PyTorch's schedulers do. The
 * values are PyTorch 1.13's closed forms ({@code _get_closed_form_lr}) computed in double from
 * {@code baseLr} = {@link Optimizer#initialLr()} (PyTorch's {@code initial_lr}). With several
 * parameter groups, {@code setLr} keeps their ratios; this equals PyTorch's per-group schedules for
 * multiplicative ones (step, multi-step, exponential, polynomial, power, cosine with etaMin 0). One
 * schedule drives an optimizer; they are not chained. {@link ReduceLROnPlateau} depends on a metric
 * and has no closed form, so it is a separate class.
 *
 * <p>Subclasses implement {@link #lrAt(int)} and call {@link #start()} at the end of their
 * constructor.
 */
public abstract class LrSchedule {

    protected final Optimizer optimizer;
    /** Group 0's initial rate, the rate most schedules start from. */
    protected final double baseLr;
    private int epoch;

    protected LrSchedule(Optimizer optimizer) {
        if (optimizer == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " expects an optimizer; received null");
        }
        this.optimizer = optimizer;
        this.baseLr = optimizer.initialLr();
    }

    /** The learning rate after {@code epoch} calls to {@link #step()} (0 = at construction). */
    public abstract double lrAt(int epoch);

    /** Pushes the values of {@code epoch} into the optimizer; {@link OneCycleLR} also sets momentum. */
    protected void apply(int epoch) {
        optimizer.setLr(lrAt(epoch));
    }

    /** Applies epoch 0; subclasses call this last in their constructor, once their fields are set. */
    protected final void start() {
        apply(0);
    }

    /** Advances one epoch (or batch) and sets the optimizer's rate to {@code lrAt(epoch())}. */
    public void step() {
        int next = epoch + 1;
        apply(next);
        epoch = next;
    }

    /** How many times {@link #step()} has been called (PyTorch's {@code last_epoch}). */
    public int epoch() { return epoch; }

    /** The rate for the current epoch, {@code lrAt(epoch())}. */
    public double lr() { return lrAt(epoch); }

    /** {@code last_epoch}, stored exactly (see {@link Optimizer#stateDict()}). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("last_epoch", StateDicts.f64(epoch));
        return out;
    }

    /** Restores {@code last_epoch} and re-applies that epoch's values to the optimizer. */
    public void loadStateDict(Map<String, Tensor> dict) {
        String owner = getClass().getSimpleName();
        if (dict == null) throw new IllegalArgumentException(owner + ".loadStateDict expects a map; received null");
        long e = StateDicts.counter(dict, "last_epoch", owner);
        if (dict.size() != 1 || e > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(owner + " state dict expects exactly {last_epoch} with a value <= "
                    + Integer.MAX_VALUE + "; received keys " + new TreeSet<>(dict.keySet()) + ", last_epoch=" + e);
        }
        apply((int) e);
        epoch = (int) e;
    }

    static void checkNonNegative(String owner, String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(owner + " expects " + name + " >= 0; received " + value);
        }
    }

    static void checkEpoch(String owner, int epoch) {
        if (epoch < 0) throw new IllegalArgumentException(owner + ".lrAt expects epoch >= 0; received " + epoch);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(epoch=" + epoch + ", lr=" + lr() + ")";
    }
}
