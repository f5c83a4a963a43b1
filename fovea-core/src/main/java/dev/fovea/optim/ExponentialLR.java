package dev.fovea.optim;

/**
 * Multiplies the rate by {@code gamma} every epoch: lr(t) = lr₀ · γ^t, PyTorch 1.13's
 * {@code ExponentialLR} closed form (Géron's "exponential scheduling" with γ = 0.1^(1/s)).
 */
public final class ExponentialLR extends LrSchedule {

    private final double gamma;

    public ExponentialLR(Optimizer optimizer, double gamma) {
        super(optimizer);
        checkNonNegative("ExponentialLR", "gamma", gamma);
        this.gamma = gamma;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        checkEpoch("ExponentialLR", epoch);
        return baseLr * Math.pow(gamma, epoch);
    }
}
