package dev.fovea.optim;

import dev.fovea.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Multiplies every group's rate by {@code factor} when a monitored metric (validation loss,
 * accuracy) has stopped improving for more than {@code patience} epochs, following PyTorch 1.13's
 * {@code ReduceLROnPlateau} step by step:
 * <pre>
 *   better(a, best) = a &lt; best·(1 − threshold)   (min, rel)     a &lt; best − threshold   (min, abs)
 *                     a > best·(1 + threshold)   (max, rel)     a > best + threshold   (max, abs)
 *   step(metric):
 *     if better(metric, best): best ← metric, bad ← 0   else bad ← bad + 1
 *     if cooldown > 0: cooldown ← cooldown − 1, bad ← 0
 *     if bad > patience:
 *       for each group: new = max(lr·factor, minLr); if lr − new > eps: lr ← new
 *       cooldown ← cooldownEpochs, bad ← 0
 * </pre>
 * Defaults (PyTorch): mode min, factor 0.1, patience 10, threshold 1e-4 relative, cooldown 0,
 * minLr 0, eps 1e-8. It depends on a metric and has no closed form, so it is not an
 * {@link LrSchedule}; call {@link #step(double)} once per epoch after validation.
 */
public final class ReduceLROnPlateau {

    public enum Mode { MIN, MAX }

    public enum ThresholdMode { REL, ABS }

    private final Optimizer optimizer;
    private Mode mode = Mode.MIN;
    private double factor = 0.1;
    private int patience = 10;
    private double threshold = 1e-4;
    private ThresholdMode thresholdMode = ThresholdMode.REL;
    private int cooldown;
    private double minLr;
    private double eps = 1e-8;

    private double best = Double.POSITIVE_INFINITY;
    private int numBadEpochs;
    private int cooldownCounter;
    private int lastEpoch;

    public ReduceLROnPlateau(Optimizer optimizer) {
        if (optimizer == null) throw new IllegalArgumentException("ReduceLROnPlateau expects an optimizer; received null");
        this.optimizer = optimizer;
    }

    /** Whether lower (loss) or higher (accuracy) is better; resets the best value. Returns this. */
    public ReduceLROnPlateau mode(Mode mode) {
        if (mode == null) throw new IllegalArgumentException("ReduceLROnPlateau expects a mode; received null");
        this.mode = mode;
        this.best = worst();
        return this;
    }

    /** The multiplier applied on a plateau, in [0, 1) (default 0.1). Returns this. */
    public ReduceLROnPlateau factor(double factor) {
        if (!(factor >= 0 && factor < 1)) {
            // PyTorch: "Factor should be < 1.0."
            throw new IllegalArgumentException("ReduceLROnPlateau expects factor in [0, 1); received " + factor);
        }
        this.factor = factor;
        return this;
    }

    /** Epochs without improvement tolerated before reducing (default 10). Returns this. */
    public ReduceLROnPlateau patience(int patience) {
        if (patience < 0) throw new IllegalArgumentException("ReduceLROnPlateau expects patience >= 0; received " + patience);
        this.patience = patience;
        return this;
    }

    /** The minimum change counted as an improvement, relative or absolute (default 1e-4, REL). Returns this. */
    public ReduceLROnPlateau threshold(double threshold, ThresholdMode thresholdMode) {
        if (!(threshold >= 0) || Double.isInfinite(threshold) || thresholdMode == null) {
            throw new IllegalArgumentException("ReduceLROnPlateau expects threshold >= 0 and a threshold mode; "
                    + "received threshold=" + threshold + ", thresholdMode=" + thresholdMode);
        }
        this.threshold = threshold;
        this.thresholdMode = thresholdMode;
        return this;
    }

    /** Epochs to wait after a reduction before counting bad epochs again (default 0). Returns this. */
    public ReduceLROnPlateau cooldown(int cooldown) {
        if (cooldown < 0) throw new IllegalArgumentException("ReduceLROnPlateau expects cooldown >= 0; received " + cooldown);
        this.cooldown = cooldown;
        return this;
    }

    /** A floor for every group's rate (default 0). Returns this. */
    public ReduceLROnPlateau minLr(double minLr) {
        LrSchedule.checkNonNegative("ReduceLROnPlateau", "minLr", minLr);
        this.minLr = minLr;
        return this;
    }

    /** Reductions smaller than this are skipped (default 1e-8). Returns this. */
    public ReduceLROnPlateau eps(double eps) {
        LrSchedule.checkNonNegative("ReduceLROnPlateau", "eps", eps);
        this.eps = eps;
        return this;
    }

    /**
     * Records one epoch's metric and reduces the rates if the plateau has lasted too long.
     *
     * @return true when the rates were reduced at this step
     */
    public boolean step(double metric) {
        lastEpoch++;
        if (isBetter(metric, best)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs++; // NaN is never better, as in PyTorch
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            numBadEpochs = 0; // ignore any bad epochs in cooldown
        }
        if (numBadEpochs > patience) {
            boolean reduced = false;
            for (int g = 0; g < optimizer.groupCount(); g++) {
                double oldLr = optimizer.lr(g);
                double newLr = Math.max(oldLr * factor, minLr);
                if (oldLr - newLr > eps) {
                    optimizer.setLr(g, newLr);
                    reduced = true;
                }
            }
            cooldownCounter = cooldown;
            numBadEpochs = 0;
            return reduced;
        }
        return false;
    }

    private boolean isBetter(double a, double best) {
        if (mode == Mode.MIN) {
            return thresholdMode == ThresholdMode.REL ? a < best * (1.0 - threshold) : a < best - threshold;
        }
        return thresholdMode == ThresholdMode.REL ? a > best * (threshold + 1.0) : a > best + threshold;
    }

    private double worst() {
        return mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /** The best metric seen so far (±infinity before the first step). */
    public double best() { return best; }

    /** Consecutive epochs without improvement. */
    public int numBadEpochs() { return numBadEpochs; }

    /** Epochs of cooldown left. */
    public int cooldownCounter() { return cooldownCounter; }

    /** How many times {@link #step(double)} has been called. */
    public int epoch() { return lastEpoch; }

    /** {@code best}, {@code num_bad_epochs}, {@code cooldown_counter}, {@code last_epoch}, each stored exactly. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("best", StateDicts.f64(best));
        out.put("num_bad_epochs", StateDicts.f64(numBadEpochs));
        out.put("cooldown_counter", StateDicts.f64(cooldownCounter));
        out.put("last_epoch", StateDicts.f64(lastEpoch));
        return out;
    }

    /** Restores a {@link #stateDict()}; the optimizer's rates are restored by its own state dict. */
    public void loadStateDict(Map<String, Tensor> dict) {
        String owner = "ReduceLROnPlateau";
        if (dict == null) throw new IllegalArgumentException(owner + ".loadStateDict expects a map; received null");
        double b = StateDicts.f64(dict, "best", owner);
        long bad = StateDicts.counter(dict, "num_bad_epochs", owner);
        long cool = StateDicts.counter(dict, "cooldown_counter", owner);
        long last = StateDicts.counter(dict, "last_epoch", owner);
        if (dict.size() != 4 || bad > Integer.MAX_VALUE || cool > Integer.MAX_VALUE || last > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(owner + " state dict expects exactly {best, num_bad_epochs, "
                    + "cooldown_counter, last_epoch} with int counters; received keys " + new TreeSet<>(dict.keySet()));
        }
        best = b;
        numBadEpochs = (int) bad;
        cooldownCounter = (int) cool;
        lastEpoch = (int) last;
    }

    @Override
    public String toString() {
        return "ReduceLROnPlateau(mode=" + mode + ", factor=" + factor + ", patience=" + patience + ", threshold="
                + threshold + " " + thresholdMode + ", cooldown=" + cooldown + ", minLr=" + minLr + ", best=" + best
                + ", numBadEpochs=" + numBadEpochs + ")";
    }
}
