package dev.fovea.optim;

/**
 * Multiplies the rate by {@code gamma} every {@code stepSize} epochs: lr(t) = lr₀ · γ^⌊t / stepSize⌋,
 * PyTorch 1.13's {@code StepLR} closed form. The classic ImageNet recipe (He et al. 2016, "Deep
 * Residual Learning for Image Recognition") divides by 10 every 30 epochs.
 */
public final class StepLR extends LrSchedule {

    private final int stepSize;
    private final double gamma;

    /** γ = 0.1, PyTorch's default. */
    public StepLR(Optimizer optimizer, int stepSize) {
        this(optimizer, stepSize, 0.1);
    }

    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        super(optimizer);
        if (stepSize < 1) throw new IllegalArgumentException("StepLR expects stepSize >= 1; received " + stepSize);
        checkNonNegative("StepLR", "gamma", gamma);
        this.stepSize = stepSize;
        this.gamma = gamma;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        checkEpoch("StepLR", epoch);
        return baseLr * Math.pow(gamma, epoch / stepSize);
    }
}
