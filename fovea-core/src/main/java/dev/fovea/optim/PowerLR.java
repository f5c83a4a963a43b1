package dev.fovea.optim;

/**
 * "Power scheduling": lr(t) = lr₀ / (1 + t/s)^c, which drops quickly at first and then ever more
 * slowly; after s steps the rate is lr₀/2^c (Géron, "Hands-On Machine Learning", 2nd ed., chapter 11,
 * "Learning Rate Scheduling"; with c = 1 it is Keras's {@code InverseTimeDecay}). PyTorch has no
 * built-in equivalent; it is a {@code LambdaLR} with this function.
 */
public final class PowerLR extends LrSchedule {

    private final double s;
    private final double c;

    /** c = 1. */
    public PowerLR(Optimizer optimizer, double s) {
        this(optimizer, s, 1.0);
    }

    public PowerLR(Optimizer optimizer, double s, double c) {
        super(optimizer);
        if (!(s > 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException("PowerLR expects a finite s > 0 (steps per halving when c = 1); "
                    + "received s=" + s);
        }
        checkNonNegative("PowerLR", "c", c);
        this.s = s;
        this.c = c;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        checkEpoch("PowerLR", epoch);
        return baseLr / Math.pow(1.0 + epoch / s, c);
    }
}
