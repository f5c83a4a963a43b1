package dev.fovea.optim;

/**
 * Cosine annealing (Loshchilov and Hutter 2017, "SGDR: Stochastic Gradient Descent with Warm
 * Restarts", ICLR, eq. 5, without restarts), optionally after a linear warm-up (Goyal et al. 2017,
 * "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", section 2.2). With W warm-up steps,
 * start factor f and T = tMax:
 * <pre>
 *   lr(t) = lr₀ · (f + (1 − f) · t / W)                                  for t &lt; W
 *   lr(t) = η_min + (lr₀ − η_min) · (1 + cos(π · (t − W) / T)) / 2         for t >= W
 * </pre>
 * This is PyTorch 1.13's {@code SequentialLR([LinearLR(start_factor=f, total_iters=W),
 * CosineAnnealingLR(T_max=T, eta_min=η_min)], milestones=[W])} in closed form; with W = 0 it is
 * {@code CosineAnnealingLR}. Like PyTorch's closed form, the cosine continues past t = W + T (the
 * rate rises again), so choose T to cover the run.
 */
public final class CosineAnnealingLR extends LrSchedule {

    private final int tMax;
    private final double etaMin;
    private final int warmupSteps;
    private final double warmupStartFactor;

    /** Anneals to 0 over {@code tMax} epochs, no warm-up. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax) {
        this(optimizer, tMax, 0.0);
    }

    /** Anneals to {@code etaMin} over {@code tMax} epochs, no warm-up. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        this(optimizer, tMax, etaMin, 0, 1.0);
    }

    /**
     * Warms up linearly from {@code warmupStartFactor · lr₀} to lr₀ over {@code warmupSteps} steps, then
     * anneals to {@code etaMin} over {@code tMax} further steps.
     */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin, int warmupSteps, double warmupStartFactor) {
        super(optimizer);
        if (tMax < 1) throw new IllegalArgumentException("CosineAnnealingLR expects tMax >= 1; received " + tMax);
        checkNonNegative("CosineAnnealingLR", "etaMin", etaMin);
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("CosineAnnealingLR expects warmupSteps >= 0; received " + warmupSteps);
        }
        if (!(warmupStartFactor >= 0 && warmupStartFactor <= 1)) {
            throw new IllegalArgumentException("CosineAnnealingLR expects warmupStartFactor in [0, 1]; received "
                    + warmupStartFactor);
        }
        this.tMax = tMax;
        this.etaMin = etaMin;
        this.warmupSteps = warmupSteps;
        this.warmupStartFactor = warmupStartFactor;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        checkEpoch("CosineAnnealingLR", epoch);
        if (epoch < warmupSteps) {
            // LinearLR: base_lr * (start_factor + (end_factor - start_factor) * min(total_iters, t) / total_iters)
            return baseLr * (warmupStartFactor + (1.0 - warmupStartFactor) * epoch / warmupSteps);
        }
        int t = epoch - warmupSteps;
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * t / tMax)) / 2;
    }
}
