package dev.fovea.optim;

import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.fovea.optim.OptimizerRulesTest.param;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each schedule's first values against closed forms worked out by hand, and ReduceLROnPlateau's counters. */
class LrScheduleTest {

    private static Sgd sgd(double lr) {
        return new Sgd(List.of(param(1f)), lr).momentum(0.9);
    }

    /** The optimizer's rate at construction and after each of {@code expected.length - 1} steps. */
    private static void assertRates(double[] expected, Optimizer opt, LrSchedule schedule, double tol) {
        double[] actual = new double[expected.length];
        for (int t = 0; t < expected.length; t++) {
            if (t > 0) schedule.step();
            actual[t] = opt.lr();
            assertEquals(t, schedule.epoch());
            assertEquals(schedule.lrAt(t), actual[t], 0, "lrAt agrees with what was applied");
        }
        assertArrayEquals(expected, actual, tol);
    }

    @Test
    void stepLR() {
        Sgd opt = sgd(0.1);
        assertRates(new double[] {0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 1e-4},
                opt, new StepLR(opt, 3), 1e-15);
    }

    @Test
    void multiStepLRCountsRepeatedMilestonesTwice() {
        Sgd opt = sgd(1.0);
        // milestones 2, 5, 5, 8 with γ = 0.5: ×0.5 at 2, ×0.25 at 5, ×0.5 at 8
        assertRates(new double[] {1, 1, 0.5, 0.5, 0.5, 0.125, 0.125, 0.125, 0.0625, 0.0625},
                opt, new MultiStepLR(opt, new int[] {8, 5, 2, 5}, 0.5), 0);
    }

    @Test
    void exponentialLR() {
        Sgd opt = sgd(0.1);
        assertRates(new double[] {0.1, 0.09, 0.081, 0.0729, 0.06561, 0.059049, 0.0531441, 0.04782969, 0.043046721,
                0.0387420489}, opt, new ExponentialLR(opt, 0.9), 1e-15);
    }

    @Test
    void polynomialLR() {
        Sgd opt = sgd(0.1);
        // 0.1·(1 − t/4)², then 0 from t = 4
        assertRates(new double[] {0.1, 0.05625, 0.025, 0.00625, 0, 0, 0, 0, 0, 0},
                opt, new PolynomialLR(opt, 4, 2.0), 1e-15);
        Sgd opt2 = sgd(1.0);
        // PyTorch's defaults: total_iters 5, power 1 → linear to 0
        assertRates(new double[] {1, 0.8, 0.6, 0.4, 0.2, 0, 0}, opt2, new PolynomialLR(opt2), 1e-15);
    }

    @Test
    void powerLR() {
        Sgd opt = sgd(0.1);
        // 0.1 / (1 + t/2)
        assertRates(new double[] {0.1, 0.1 / 1.5, 0.05, 0.04, 0.1 / 3, 0.1 / 3.5, 0.025, 0.1 / 4.5, 0.02, 0.1 / 5.5},
                opt, new PowerLR(opt, 2), 1e-15);
        Sgd opt2 = sgd(1.0);
        // c = 2: 1 / (1 + t/10)²
        assertRates(new double[] {1, 1 / 1.21, 1 / 1.44, 1 / 1.69}, opt2, new PowerLR(opt2, 10, 2), 1e-15);
    }

    @Test
    void cosineAnnealing() {
        Sgd opt = sgd(1.0);
        double c = (1 + Math.sqrt(0.5)) / 2; // (1 + cos(π/4)) / 2 = 0.8535534
        // T = 4: 1, c, 0.5, 1 − c, 0, and PyTorch's closed form keeps going: 1 − c, 0.5, ...
        assertRates(new double[] {1, c, 0.5, 1 - c, 0, 1 - c, 0.5, c, 1, c}, opt, new CosineAnnealingLR(opt, 4), 1e-15);
    }

    @Test
    void cosineAnnealingWithLinearWarmup() {
        Sgd opt = sgd(1.0);
        double c = (1 + Math.sqrt(0.5)) / 2;
        // warm-up over 2 steps from 0.5: 0.5, 0.75; then 0.1 + 0.9·cosine over T = 4
        assertRates(new double[] {0.5, 0.75, 1.0, 0.1 + 0.9 * c, 0.55, 0.1 + 0.9 * (1 - c), 0.1},
                opt, new CosineAnnealingLR(opt, 4, 0.1, 2, 0.5), 1e-15);
    }

    @Test
    void schedulesDriveAllGroupsInProportion() {
        Sgd opt = new Sgd(new ParamGroup(List.of(param(1f)), 0.1), new ParamGroup(List.of(param(1f)), 0.01));
        StepLR schedule = new StepLR(opt, 2, 0.5);
        schedule.step();
        schedule.step();
        assertEquals(0.05, opt.lr(0), 1e-17);
        assertEquals(0.005, opt.lr(1), 1e-17);
    }

    @Test
    void oneCycleLRTwoPhases() {
        Sgd opt = sgd(0.1);
        OneCycleLR schedule = new OneCycleLR(opt, 1.0, 10);
        // initial 1/25 = 0.04, final 0.04/1e4 = 4e-6; phase 1 ends at 0.3·10 − 1 = 2, phase 2 at 9
        double init = 0.04;
        double fin = 4e-6;
        double[] expected = new double[11];
        expected[0] = init;
        expected[1] = 1 + (init - 1) / 2 * (Math.cos(Math.PI * 0.5) + 1); // = 0.52
        expected[2] = 1;
        for (int t = 3; t <= 10; t++) {
            double pct = (t - 2) / 7.0;
            expected[t] = fin + (1 - fin) / 2 * (Math.cos(Math.PI * pct) + 1);
        }
        assertEquals(0.52, expected[1], 1e-15);
        assertRates(expected, opt, schedule, 1e-15);
        assertEquals(fin, schedule.lrAt(9), 1e-18);
        // momentum goes the other way: 0.95 → 0.85 at the peak → back to 0.95
        assertEquals(0.95, schedule.momentumAt(0), 1e-15);
        assertEquals(0.90, schedule.momentumAt(1), 1e-15);
        assertEquals(0.85, schedule.momentumAt(2), 1e-15);
        assertEquals(0.95, schedule.momentumAt(9), 1e-15);
        assertEquals(schedule.momentumAt(10), opt.momentum(), 0);
        // PyTorch allows step totalSteps (it was just taken) but not one more
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, schedule::step);
        assertTrue(e.getMessage().contains("received step 11"), e.getMessage());
        assertEquals(10, schedule.epoch());
    }

    @Test
    void oneCycleLRSetsMomentumAtConstructionAndCyclesBeta1() {
        Adam adam = new Adam(List.of(param(1f)), 0.001);
        new OneCycleLR(adam, 0.01, 100);
        assertEquals(0.95, adam.beta1(), 0);
        assertEquals(0.999, adam.beta2(), 0);
        assertEquals(0.01 / 25, adam.lr(), 1e-18);
        Sgd plain = new Sgd(List.of(param(1f)), 0.1);
        new OneCycleLR(plain, 0.1, 100);
        assertEquals(0.95, plain.momentum(), 0, "like PyTorch, cycling gives SGD a momentum");
    }

    @Test
    void oneCycleLRLinearAndThreePhase() {
        Sgd opt = sgd(0.1);
        OneCycleLR linear = new OneCycleLR(opt, 1.0, 10, OneCycleLR.Options.DEFAULTS.withAnneal(OneCycleLR.Anneal.LINEAR));
        assertEquals(0.52, linear.lrAt(1), 1e-15);
        assertEquals((4e-6 - 1) / 7 + 1, linear.lrAt(3), 1e-15);

        OneCycleLR three = new OneCycleLR(sgd(0.1), 1.0, 10, OneCycleLR.Options.DEFAULTS.withThreePhase(true));
        // phases end at 2, 4, 9: up to 1, back down to 0.04, then to 4e-6
        assertEquals(1.0, three.lrAt(2), 1e-15);
        assertEquals(0.52, three.lrAt(3), 1e-15);
        assertEquals(0.04, three.lrAt(4), 1e-15);
        assertEquals(4e-6 + (0.04 - 4e-6) / 2 * (Math.cos(Math.PI * 0.2) + 1), three.lrAt(5), 1e-15);
        assertEquals(4e-6, three.lrAt(9), 1e-18);
        assertEquals(0.95, three.momentumAt(4), 1e-15);
        assertEquals(0.95, three.momentumAt(7), 1e-15);
    }

    @Test
    void oneCycleLRValidates() {
        AdaGrad adaGrad = new AdaGrad(List.of(param(1f)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(adaGrad, 0.1, 10));
        assertTrue(e.getMessage().contains("received AdaGrad"), e.getMessage());
        OneCycleLR ok = new OneCycleLR(adaGrad, 0.1, 10, OneCycleLR.Options.DEFAULTS.withCycleMomentum(false));
        // 0.1 + (0.004 − 0.1)/2·(cos 0 + 1) = 0.0040000000000000036 in double, as in PyTorch's formula
        assertEquals(0.004, adaGrad.lr(), 1e-17);
        assertEquals(10, ok.totalSteps());
        // pctStart·T − 1 = 0: phase 1 has no length (Python raises ZeroDivisionError)
        assertThrows(IllegalArgumentException.class,
                () -> new OneCycleLR(sgd(0.1), 0.1, 10, OneCycleLR.Options.DEFAULTS.withPctStart(0.1)));
        assertThrows(IllegalArgumentException.class, () -> OneCycleLR.Options.DEFAULTS.withPctStart(1.5));
        assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(sgd(0.1), 0.1, 0));
        assertEquals(120, new OneCycleLR(sgd(0.1), 0.1, 4, 30, OneCycleLR.Options.DEFAULTS).totalSteps());
    }

    @Test
    void schedulesValidate() {
        Sgd opt = sgd(0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StepLR(opt, 0));
        assertTrue(e.getMessage().contains("received 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MultiStepLR(opt, new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> new ExponentialLR(opt, -0.5));
        assertThrows(IllegalArgumentException.class, () -> new PolynomialLR(opt, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new PowerLR(opt, 0));
        assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(opt, 0));
        assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(opt, 10, 0, 2, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new StepLR(null, 1));
        assertThrows(IllegalArgumentException.class, () -> new StepLR(opt, 1).lrAt(-1));
    }

    @Test
    void scheduleStateDictRestoresTheEpochAndTheRates() {
        Sgd opt = sgd(0.1);
        OneCycleLR schedule = new OneCycleLR(opt, 1.0, 50);
        for (int i = 0; i < 7; i++) schedule.step();
        Map<String, Tensor> state = schedule.stateDict();

        Sgd opt2 = sgd(0.1);
        OneCycleLR schedule2 = new OneCycleLR(opt2, 1.0, 50);
        schedule2.loadStateDict(state);
        assertEquals(7, schedule2.epoch());
        assertEquals(opt.lr(), opt2.lr(), 0);
        assertEquals(opt.momentum(), opt2.momentum(), 0);
        schedule.step();
        schedule2.step();
        assertEquals(opt.lr(), opt2.lr(), 0);
        assertThrows(IllegalArgumentException.class, () -> schedule2.loadStateDict(Map.of("epoch", StateDicts.f64(1))));
    }

    // ------------------------------------------------------------------ ReduceLROnPlateau

    @Test
    void reduceLROnPlateauWaitsMoreThanPatienceEpochs() {
        Sgd opt = sgd(1.0);
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(opt).patience(2).factor(0.5);
        double[] losses = {1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9};
        double[] lrs = new double[losses.length];
        boolean[] reduced = new boolean[losses.length];
        for (int i = 0; i < losses.length; i++) {
            reduced[i] = plateau.step(losses[i]);
            lrs[i] = opt.lr();
        }
        // improvements at epochs 1 and 2; bad epochs 3, 4, then the 3rd bad epoch (> patience 2) reduces
        assertArrayEquals(new double[] {1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25}, lrs, 0);
        assertArrayEquals(new boolean[] {false, false, false, false, true, false, false, true}, reduced);
        assertEquals(0.9, plateau.best(), 0);
        assertEquals(8, plateau.epoch());
    }

    @Test
    void reduceLROnPlateauCooldownIgnoresBadEpochs() {
        Sgd opt = sgd(1.0);
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(opt).patience(2).factor(0.5).cooldown(2);
        double[] lrs = new double[10];
        for (int i = 0; i < 10; i++) {
            plateau.step(i == 0 ? 1.0 : 2.0); // never better after the first epoch
            lrs[i] = opt.lr();
        }
        // index 1, 2, 3 are bad → reduce at 3; 4 and 5 are cooldown (their bad epochs are forgotten);
        // 6, 7, 8 are bad → reduce at 8. Without cooldown the reductions would be at 3, 6 and 9.
        assertArrayEquals(new double[] {1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25}, lrs, 0);
    }

    @Test
    void reduceLROnPlateauThresholdsAndModes() {
        Sgd opt = sgd(1.0);
        ReduceLROnPlateau rel = new ReduceLROnPlateau(opt).patience(0);
        rel.step(1.0);
        // 0.99995 is not below 1·(1 − 1e-4) = 0.9999, so it is a bad epoch and patience 0 reduces at once
        assertTrue(rel.step(0.99995));
        assertEquals(0.1, opt.lr(), 1e-17);
        assertEquals(1.0, rel.best(), 0);

        Sgd opt2 = sgd(1.0);
        ReduceLROnPlateau abs = new ReduceLROnPlateau(opt2).patience(0)
                .threshold(0.1, ReduceLROnPlateau.ThresholdMode.ABS);
        abs.step(1.0);
        assertTrue(abs.step(0.95), "0.95 is not below 1 − 0.1");
        assertFalse(abs.step(0.8), "0.8 is below 0.9");

        Sgd opt3 = sgd(1.0);
        ReduceLROnPlateau max = new ReduceLROnPlateau(opt3).mode(ReduceLROnPlateau.Mode.MAX).patience(1);
        assertEquals(Double.NEGATIVE_INFINITY, max.best(), 0);
        max.step(0.5);
        max.step(0.6);
        max.step(0.6);
        assertFalse(max.step(0.7), "accuracy improved");
        max.step(0.7);
        assertTrue(max.step(0.69));
        assertEquals(0.1, opt3.lr(), 1e-17);
    }

    @Test
    void reduceLROnPlateauRespectsMinLrEpsAndGroups() {
        Sgd opt = new Sgd(new ParamGroup(List.of(param(1f)), 1.0), new ParamGroup(List.of(param(1f)), 1e-8));
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(opt).patience(0).minLr(0.3);
        plateau.step(1);
        plateau.step(1);
        assertEquals(0.3, opt.lr(0), 0, "floored at minLr");
        // group 1 would go up to 0.3 (max with minLr): lr − new < 0 is not a reduction, PyTorch keeps the rate
        assertEquals(1e-8, opt.lr(1), 0);
        plateau.step(1);
        assertEquals(0.3, opt.lr(0), 0);

        Sgd tiny = sgd(1e-8);
        ReduceLROnPlateau p2 = new ReduceLROnPlateau(tiny).patience(0);
        p2.step(1);
        assertFalse(p2.step(1), "a change of 9e-9 is below eps 1e-8");
        assertEquals(1e-8, tiny.lr(), 0);
    }

    @Test
    void reduceLROnPlateauNaNIsABadEpoch() {
        Sgd opt = sgd(1.0);
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(opt).patience(1);
        plateau.step(1.0);
        plateau.step(Double.NaN);
        assertEquals(1, plateau.numBadEpochs());
        assertTrue(plateau.step(Double.NaN));
    }

    @Test
    void reduceLROnPlateauStateDictRoundTrip() {
        Sgd opt = sgd(1.0);
        ReduceLROnPlateau plateau = new ReduceLROnPlateau(opt).patience(3).cooldown(1);
        double[] metrics = {1.0, 0.7000000000000001, 0.8, 0.9, 0.9, 0.9};
        for (double m : metrics) plateau.step(m);
        Map<String, Tensor> state = plateau.stateDict();
        ReduceLROnPlateau restored = new ReduceLROnPlateau(sgd(1.0)).patience(3).cooldown(1);
        restored.loadStateDict(state);
        assertEquals(0.7000000000000001, restored.best(), 0, "best is stored exactly, not as float32");
        assertEquals(plateau.numBadEpochs(), restored.numBadEpochs());
        assertEquals(plateau.cooldownCounter(), restored.cooldownCounter());
        assertEquals(6, restored.epoch());
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau(opt).factor(1.0));
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau(opt).patience(-1));
    }
}
