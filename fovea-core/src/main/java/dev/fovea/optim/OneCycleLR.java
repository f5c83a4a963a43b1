package dev.fovea.optim;

/**
 * The 1cycle policy (Smith and Topin 2019, "Super-Convergence: Very Fast Training of Neural Networks
 * Using Large Learning Rates"; Smith 2018, "A disciplined approach to neural network
 * hyper-parameters", arXiv:1803.09820): the rate climbs from {@code maxLr/divFactor} to
 * {@code maxLr} over the first {@code pctStart} of training, then anneals to
 * {@code maxLr/(divFactor·finalDivFactor)}, while the momentum (β₁ for Adam-type optimizers) moves the
 * opposite way between {@code maxMomentum} and {@code baseMomentum}. Step it once per batch,
 * {@code totalSteps} times at most.
 *
 * <p>Values follow PyTorch 1.13's {@code OneCycleLR} exactly: phase ends at
 * {@code pctStart·totalSteps − 1} and {@code totalSteps − 1} (three-phase: {@code pctStart·T − 1},
 * {@code 2·pctStart·T − 2}, {@code T − 1}); inside a phase, {@code pct = (t − start)/(end − start)} and
 * <pre>
 *   cos:    value = end + (start − end)/2 · (cos(π·pct) + 1)
 *   linear: value = (end − start)·pct + start
 * </pre>
 * Defaults (PyTorch): pctStart 0.3, cosine annealing, divFactor 25, finalDivFactor 1e4,
 * three-phase off, momentum cycled between 0.85 and 0.95. As in PyTorch, cycling momentum on an
 * optimizer without one (e.g. {@link AdaGrad}) is an error; turn it off with
 * {@code Options.DEFAULTS.withCycleMomentum(false)}. Note that cycling gives {@link Sgd} a momentum
 * even if it was built without one, as in PyTorch.
 *
 * <p>The schedule sets group 0's rate; other groups keep their ratio to it (see
 * {@link Optimizer#setLr(double)}), whereas PyTorch with a scalar {@code max_lr} gives every group the
 * same rate.
 */
public final class OneCycleLR extends LrSchedule {

    /** How a phase moves from its start value to its end value. */
    public enum Anneal { COS, LINEAR }

    /**
     * The knobs of the 1cycle policy (PyTorch's names in camel case).
     *
     * @param pctStart fraction of the steps spent increasing the rate, in [0, 1]
     * @param anneal cosine (default) or linear interpolation inside each phase
     * @param cycleMomentum whether to cycle the optimizer's momentum or β₁
     * @param baseMomentum the momentum at the peak rate
     * @param maxMomentum the momentum at the start and end
     * @param divFactor initial rate = maxLr / divFactor
     * @param finalDivFactor final rate = initial rate / finalDivFactor
     * @param threePhase use a third phase that anneals from the initial to the final rate (fast.ai style)
     */
    public record Options(double pctStart, Anneal anneal, boolean cycleMomentum, double baseMomentum,
                          double maxMomentum, double divFactor, double finalDivFactor, boolean threePhase) {

        /** PyTorch 1.13's defaults. */
        public static final Options DEFAULTS = new Options(0.3, Anneal.COS, true, 0.85, 0.95, 25.0, 1e4, false);

        public Options {
            if (!(pctStart >= 0 && pctStart <= 1)) {
                throw new IllegalArgumentException("OneCycleLR expects pctStart in [0, 1]; received " + pctStart);
            }
            if (anneal == null) throw new IllegalArgumentException("OneCycleLR expects an anneal strategy; received null");
            if (!Double.isFinite(baseMomentum) || !Double.isFinite(maxMomentum)) {
                throw new IllegalArgumentException("OneCycleLR expects finite momenta; received baseMomentum="
                        + baseMomentum + ", maxMomentum=" + maxMomentum);
            }
            if (!(divFactor > 0) || !(finalDivFactor > 0) || Double.isInfinite(divFactor)
                    || Double.isInfinite(finalDivFactor)) {
                throw new IllegalArgumentException("OneCycleLR expects finite divFactor > 0 and finalDivFactor > 0; "
                        + "received divFactor=" + divFactor + ", finalDivFactor=" + finalDivFactor);
            }
        }

        public Options withPctStart(double v) {
            return new Options(v, anneal, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase);
        }

        public Options withAnneal(Anneal v) {
            return new Options(pctStart, v, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase);
        }

        public Options withCycleMomentum(boolean v) {
            return new Options(pctStart, anneal, v, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase);
        }

        public Options withMomentum(double base, double max) {
            return new Options(pctStart, anneal, cycleMomentum, base, max, divFactor, finalDivFactor, threePhase);
        }

        public Options withDivFactor(double v) {
            return new Options(pctStart, anneal, cycleMomentum, baseMomentum, maxMomentum, v, finalDivFactor, threePhase);
        }

        public Options withFinalDivFactor(double v) {
            return new Options(pctStart, anneal, cycleMomentum, baseMomentum, maxMomentum, divFactor, v, threePhase);
        }

        public Options withThreePhase(boolean v) {
            return new Options(pctStart, anneal, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, v);
        }
    }

    /** One phase: interpolate from the start values to the end values until step {@code endStep}. */
    private record Phase(double endStep, double startLr, double endLr, double startMomentum, double endMomentum) {}

    private final int totalSteps;
    private final Options options;
    private final Phase[] phases;

    /** PyTorch's defaults around a peak rate {@code maxLr}. */
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps) {
        this(optimizer, maxLr, totalSteps, Options.DEFAULTS);
    }

    /** {@code totalSteps = epochs · stepsPerEpoch}, as PyTorch's alternative arguments. */
    public OneCycleLR(Optimizer optimizer, double maxLr, int epochs, int stepsPerEpoch, Options options) {
        this(optimizer, maxLr, Math.multiplyExact(checkPositive("epochs", epochs),
                checkPositive("stepsPerEpoch", stepsPerEpoch)), options);
    }

    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, Options options) {
        super(optimizer);
        if (!(maxLr >= 0) || Double.isInfinite(maxLr)) {
            throw new IllegalArgumentException("OneCycleLR expects a finite maxLr >= 0; received " + maxLr);
        }
        checkPositive("totalSteps", totalSteps);
        if (options == null) throw new IllegalArgumentException("OneCycleLR expects options; received null");
        if (options.cycleMomentum() && !optimizer.supportsMomentum()) {
            // PyTorch: "optimizer must support momentum with `cycle_momentum` option enabled"
            throw new IllegalArgumentException("OneCycleLR with cycleMomentum expects an optimizer with momentum or "
                    + "betas; received " + optimizer.getClass().getSimpleName()
                    + " (use Options.DEFAULTS.withCycleMomentum(false))");
        }
        this.totalSteps = totalSteps;
        this.options = options;
        double initialLr = maxLr / options.divFactor();
        double minLr = initialLr / options.finalDivFactor();
        double maxMom = options.maxMomentum();
        double baseMom = options.baseMomentum();
        double warm = options.pctStart() * totalSteps;
        if (options.threePhase()) {
            phases = new Phase[] {
                new Phase(warm - 1, initialLr, maxLr, maxMom, baseMom),
                new Phase(2 * warm - 2, maxLr, initialLr, baseMom, maxMom),
                new Phase(totalSteps - 1, initialLr, minLr, maxMom, maxMom),
            };
        } else {
            phases = new Phase[] {
                new Phase(warm - 1, initialLr, maxLr, maxMom, baseMom),
                new Phase(totalSteps - 1, maxLr, minLr, baseMom, maxMom),
            };
        }
        start();
    }

    private static int checkPositive(String name, int value) {
        if (value < 1) throw new IllegalArgumentException("OneCycleLR expects " + name + " >= 1; received " + value);
        return value;
    }

    public int totalSteps() { return totalSteps; }

    public Options options() { return options; }

    @Override
    public double lrAt(int epoch) {
        return valueAt(epoch, false);
    }

    /** The momentum (or β₁) after {@code epoch} steps. */
    public double momentumAt(int epoch) {
        return valueAt(epoch, true);
    }

    private double valueAt(int step, boolean momentum) {
        if (step < 0 || step > totalSteps) {
            // PyTorch: "Tried to step {} times. The specified number of total steps is {}"
            throw new IllegalArgumentException("OneCycleLR is defined for steps 0.." + totalSteps + " (totalSteps); "
                    + "received step " + step);
        }
        double startStep = 0;
        for (int i = 0; i < phases.length; i++) {
            Phase phase = phases[i];
            if (step <= phase.endStep() || i == phases.length - 1) {
                double length = phase.endStep() - startStep;
                if (length == 0) {
                    // Python raises ZeroDivisionError here; say which setting causes it.
                    throw new IllegalArgumentException("OneCycleLR phase " + i + " has zero length (pctStart="
                            + options.pctStart() + ", totalSteps=" + totalSteps + "); change pctStart or totalSteps");
                }
                double pct = (step - startStep) / length;
                return momentum
                        ? anneal(phase.startMomentum(), phase.endMomentum(), pct)
                        : anneal(phase.startLr(), phase.endLr(), pct);
            }
            startStep = phase.endStep();
        }
        throw new AssertionError("unreachable: the last phase always matches");
    }

    private double anneal(double start, double end, double pct) {
        if (options.anneal() == Anneal.COS) {
            double cosOut = Math.cos(Math.PI * pct) + 1;
            return end + (start - end) / 2.0 * cosOut;
        }
        return (end - start) * pct + start;
    }

    @Override
    protected void apply(int epoch) {
        double lr = lrAt(epoch);
        if (options.cycleMomentum()) optimizer.momentum(momentumAt(epoch));
        optimizer.setLr(lr);
    }
}
