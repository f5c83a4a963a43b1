package dev.fovea.optim;

/**
 * Polynomial decay to zero over {@code totalIters} epochs, then zero:
 * lr(t) = lr₀ · (1 − min(t, T) / T)^power, PyTorch 1.13's {@code PolynomialLR} closed form (power 1 is
 * linear decay; DeepLab's "poly" policy uses power 0.9, Chen et al. 2017).
 */
public final class PolynomialLR extends LrSchedule {

    private final int totalIters;
    private final double power;

    /** PyTorch's defaults: totalIters 5, power 1. */
    public PolynomialLR(Optimizer optimizer) {
        this(optimizer, 5, 1.0);
    }

    public PolynomialLR(Optimizer optimizer, int totalIters, double power) {
        super(optimizer);
        if (totalIters < 1) {
            throw new IllegalArgumentException("PolynomialLR expects totalIters >= 1; received " + totalIters);
        }
        checkNonNegative("PolynomialLR", "power", power);
        this.totalIters = totalIters;
        this.power = power;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        checkEpoch("PolynomialLR", epoch);
        return baseLr * Math.pow(1.0 - (double) Math.min(totalIters, epoch) / totalIters, power);
    }
}
