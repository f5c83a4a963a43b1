package dev.fovea.optim;

import java.util.Arrays;

/**
 * Multiplies the rate by {@code gamma} at each milestone epoch: lr(t) = lr₀ · γ^(number of
 * milestones ≤ t), PyTorch 1.13's {@code MultiStepLR} closed form ({@code bisect_right} over the
 * sorted milestones; a milestone listed twice counts twice). E.g. milestones {30, 60, 80} for a
 * 90-epoch run.
 */
public final class MultiStepLR extends LrSchedule {

    private final int[] milestones;
    private final double gamma;

    /** γ = 0.1, PyTorch's default. */
    public MultiStepLR(Optimizer optimizer, int[] milestones) {
        this(optimizer, milestones, 0.1);
    }

    public MultiStepLR(Optimizer optimizer, int[] milestones, double gamma) {
        super(optimizer);
        if (milestones == null) {
            throw new IllegalArgumentException("MultiStepLR expects milestones; received null");
        }
        for (int m : milestones) {
            if (m < 0) {
                throw new IllegalArgumentException("MultiStepLR expects milestones >= 0; received "
                        + Arrays.toString(milestones));
            }
        }
        checkNonNegative("MultiStepLR", "gamma", gamma);
        this.milestones = milestones.clone();
        Arrays.sort(this.milestones);
        this.gamma = gamma;
        start();
    }

    @Override
    public double lrAt(int epoch) {
        checkEpoch("MultiStepLR", epoch);
        int passed = 0;
        while (passed < milestones.length && milestones[passed] <= epoch) passed++; // bisect_right
        return baseLr * Math.pow(gamma, passed);
    }
}
