package dev.fovea.optim;

import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One and two hand-computed steps of every optimizer (numbers worked out in the comments), and a check
 * that each one minimises an ill-conditioned quadratic and the Rosenbrock function.
 */
class OptimizerRulesTest {

    /** A leaf parameter holding {@code values}. */
    static Tensor param(float... values) {
        return Tensor.of(values.clone(), values.length).requiresGrad(true);
    }

    /** Overwrites p's gradient (the optimizer never reads anything else). */
    static void setGrad(Tensor p, float... g) {
        System.arraycopy(g, 0, p.gradBuffer(), 0, g.length);
    }

    /** One step with gradient {@code g}; returns the parameter's first value afterwards. */
    static float stepWith(Optimizer opt, Tensor p, float... g) {
        opt.zeroGrad();
        setGrad(p, g);
        opt.step();
        return p.data()[0];
    }

    // ------------------------------------------------------------------ SGD

    @Test
    void sgdPlainStep() {
        Tensor w = param(1f);
        // w = 1 - 0.1 * 0.5
        assertEquals(0.95f, stepWith(new Sgd(List.of(w), 0.1), w, 0.5f), 1e-7f);
    }

    @Test
    void sgdMomentumStartsTheBufferAtTheGradient() {
        Tensor w = param(1f);
        Sgd opt = new Sgd(List.of(w), 0.1).momentum(0.9);
        // step 1: b = g = 0.5 (no 0.9*0 + ...), w = 1 - 0.05 = 0.95
        assertEquals(0.95f, stepWith(opt, w, 0.5f), 1e-7f);
        // step 2: b = 0.9*0.5 + 0.5 = 0.95, w = 0.95 - 0.095 = 0.855
        assertEquals(0.855f, stepWith(opt, w, 0.5f), 1e-6f);
    }

    @Test
    void sgdNesterov() {
        Tensor w = param(1f);
        Sgd opt = new Sgd(List.of(w), 0.1).momentum(0.9).nesterov(true);
        // step 1: b = 0.5, d = g + 0.9 b = 0.95, w = 1 - 0.095 = 0.905
        assertEquals(0.905f, stepWith(opt, w, 0.5f), 1e-6f);
        // step 2: b = 0.95, d = 0.5 + 0.855 = 1.355, w = 0.905 - 0.1355 = 0.7695
        assertEquals(0.7695f, stepWith(opt, w, 0.5f), 1e-6f);
    }

    @Test
    void sgdDampeningSkipsTheFirstStep() {
        Tensor w = param(1f);
        Sgd opt = new Sgd(List.of(w), 0.1).momentum(0.9).dampening(0.5);
        // step 1: b = g = 0.5 (PyTorch clones the gradient undamped), w = 0.95
        assertEquals(0.95f, stepWith(opt, w, 0.5f), 1e-7f);
        // step 2: b = 0.9*0.5 + (1 - 0.5)*0.5 = 0.7, w = 0.95 - 0.07 = 0.88
        assertEquals(0.88f, stepWith(opt, w, 0.5f), 1e-6f);
    }

    @Test
    void sgdWeightDecayIsAddedToTheGradient() {
        Tensor w = param(1f);
        // g = 0.5 + 0.1*1 = 0.6, w = 1 - 0.06
        assertEquals(0.94f, stepWith(new Sgd(List.of(w), 0.1).weightDecay(0.1), w, 0.5f), 1e-7f);
    }

    // ------------------------------------------------------------------ AdaGrad

    @Test
    void adaGradTwoSteps() {
        Tensor w = param(1f);
        AdaGrad opt = new AdaGrad(List.of(w), 0.1);
        // s = 0.25, w = 1 - 0.1 * 0.5 / (0.5 + 1e-10) = 0.9
        assertEquals(0.9f, stepWith(opt, w, 0.5f), 1e-7f);
        // s = 0.5, w = 0.9 - 0.1 * 0.5 / sqrt(0.5) = 0.9 - 0.0707107
        assertEquals(0.8292893f, stepWith(opt, w, 0.5f), 1e-6f);
    }

    @Test
    void adaGradLrDecayAndInitialAccumulator() {
        Tensor w = param(1f);
        AdaGrad opt = new AdaGrad(List.of(w), 0.1).lrDecay(0.5);
        stepWith(opt, w, 0.5f);
        // step 2: clr = 0.1 / (1 + 1*0.5) = 0.0666667, w = 0.9 - 0.0666667 * 0.5/sqrt(0.5) = 0.9 - 0.0471405
        assertEquals(0.8528595f, stepWith(opt, w, 0.5f), 1e-6f);

        Tensor v = param(1f);
        // s = 1 + 0.25, w = 1 - 0.1 * 0.5 / sqrt(1.25) = 1 - 0.0447214
        assertEquals(0.9552786f, stepWith(new AdaGrad(List.of(v), 0.1).initialAccumulatorValue(1), v, 0.5f), 1e-6f);
    }

    // ------------------------------------------------------------------ RMSProp

    @Test
    void rmsPropTwoSteps() {
        Tensor w = param(1f);
        RmsProp opt = new RmsProp(List.of(w), 0.01);
        // v = 0.01 * 0.25 = 0.0025, w = 1 - 0.01 * 0.5 / (0.05 + 1e-8) = 0.9
        assertEquals(0.9f, stepWith(opt, w, 0.5f), 1e-6f);
        // v = 0.99*0.0025 + 0.0025 = 0.004975, sqrt = 0.0705337, w = 0.9 - 0.005/0.0705337 = 0.9 - 0.0708881
        assertEquals(0.8291119f, stepWith(opt, w, 0.5f), 2e-6f);
    }

    @Test
    void rmsPropCentered() {
        Tensor w = param(1f);
        // ḡ = 0.005, v - ḡ² = 0.0025 - 0.000025 = 0.002475, sqrt = 0.0497494, w = 1 - 0.005/0.0497494
        assertEquals(0.8994962f, stepWith(new RmsProp(List.of(w), 0.01).centered(true), w, 0.5f), 2e-6f);
    }

    @Test
    void rmsPropMomentum() {
        Tensor w = param(1f);
        RmsProp opt = new RmsProp(List.of(w), 0.01).momentum(0.9);
        // b = 0.5/0.05 = 10, w = 1 - 0.01*10 = 0.9
        assertEquals(0.9f, stepWith(opt, w, 0.5f), 1e-6f);
        // b = 0.9*10 + 0.5/0.0705337 = 16.088812, w = 0.9 - 0.16088812
        assertEquals(0.7391119f, stepWith(opt, w, 0.5f), 3e-6f);
    }

    // ------------------------------------------------------------------ Adam family

    @Test
    void adamFirstStepMovesEachWeightByLrAgainstTheGradientSign() {
        Tensor w = param(1f, 1f, 1f, 1f);
        Adam opt = new Adam(List.of(w), 0.01);
        // m̂ = g, v̂ = g², so the step is lr * g / (|g| + 1e-8) whatever the gradient's size
        stepWith(opt, w, 0.5f, -2f, 1e-3f, 300f);
        assertEquals(0.99f, w.data()[0], 1e-7f);
        assertEquals(1.01f, w.data()[1], 1e-7f);
        // g = 1e-3 is the one place eps shows: 1e-3 / (1e-3 + 1e-8) = 0.99999, a step 1e-7 short
        assertEquals(0.99f + 1e-7f, w.data()[2], 1e-7f);
        assertEquals(0.99f, w.data()[3], 1e-7f);
    }

    @Test
    void adamSecondStepByHand() {
        Tensor w = param(1f);
        Adam opt = new Adam(List.of(w), 0.01);
        stepWith(opt, w, 1f);
        // m = 0.9*0.1 + 0.1*0.5 = 0.14, v = 0.999*0.001 + 0.001*0.25 = 0.001249
        // bias corrections 1 - 0.9² = 0.19 and 1 - 0.999² = 0.001999
        // step = 0.01 * (0.14/0.19) / sqrt(0.001249/0.001999) = 0.01 * 0.7368421 / 0.7904505 = 0.0093218
        assertEquals(0.99f - 0.0093218f, stepWith(opt, w, 0.5f), 1e-6f);
    }

    @Test
    void amsgradUsesTheLargestSecondMoment() {
        Tensor a = param(1f);
        Tensor b = param(1f);
        Adam plain = new Adam(List.of(a), 0.01);
        Adam ams = new Adam(List.of(b), 0.01).amsgrad(true);
        stepWith(plain, a, 1f);
        stepWith(ams, b, 1f);
        // step 2 with g = 0: m = 0.09, m̂ = 0.4736842; v = 0.000999 but max(v) = 0.001
        // plain: 0.01 * 0.4736842 / sqrt(0.000999/0.001999) = 0.0067005
        // amsgrad: 0.01 * 0.4736842 / sqrt(0.001/0.001999) = 0.0066972
        assertEquals(0.99f - 0.0067005f, stepWith(plain, a, 0f), 1e-6f);
        assertEquals(0.99f - 0.0066972f, stepWith(ams, b, 0f), 1e-6f);
    }

    @Test
    void adamWDecaysTheWeightsNotTheGradient() {
        Tensor a = param(1f);
        Tensor b = param(1f);
        // AdamW: w = 1*(1 - 0.01*0.1) = 0.999, then Adam's first step of 0.01: 0.989
        assertEquals(0.989f, stepWith(new AdamW(List.of(a), 0.01).weightDecay(0.1), a, 0.5f), 1e-6f);
        // Adam's coupled decay only changes g to 0.6, and the first step is still 0.01: 0.99
        assertEquals(0.99f, stepWith(new Adam(List.of(b), 0.01).weightDecay(0.1), b, 0.5f), 1e-6f);
        assertEquals(0.01, new AdamW(List.of(param(1f))).weightDecay(), 0.0);
    }

    @Test
    void nadamFirstStepByHand() {
        Tensor w = param(1f);
        Nadam opt = new Nadam(List.of(w)); // lr 2e-3
        // μ₁ = 0.9(1 - ½·0.96^0.004) = 0.4500735, μ₂ = 0.9(1 - ½·0.96^0.008) = 0.4501469
        // m = 0.05, v = 0.00025, v/(1 - 0.999) = 0.25, d = 0.5
        // w -= 2e-3·(1 - μ₁)/(1 - μ₁) · 0.5/0.5 = 0.002
        // w -= 2e-3·μ₂/(1 - μ₁μ₂) · 0.05/0.5 = 2e-3 · 0.5645164 · 0.1 = 0.0001129
        assertEquals(1f - 0.002f - 0.0001129f, stepWith(opt, w, 0.5f), 1e-6f);
    }

    @Test
    void nadamSecondStepMatchesTheFormulaInDouble() {
        Tensor w = param(1f);
        Nadam opt = new Nadam(List.of(w), 0.01);
        stepWith(opt, w, 0.5f);
        double w1 = w.data()[0];
        stepWith(opt, w, -0.25f);
        double mu1 = 0.9 * (1 - 0.5 * Math.pow(0.96, 0.004));
        double mu2 = 0.9 * (1 - 0.5 * Math.pow(0.96, 0.008));
        double mu3 = 0.9 * (1 - 0.5 * Math.pow(0.96, 0.012));
        double m = 0.9 * 0.05 + 0.1 * -0.25;
        double v = 0.999 * 0.00025 + 0.001 * 0.0625;
        double d = Math.sqrt(v / (1 - 0.999 * 0.999)) + 1e-8;
        double expected = w1 - 0.01 * (1 - mu2) / (1 - mu1 * mu2) * -0.25 / d
                - 0.01 * mu3 / (1 - mu1 * mu2 * mu3) * m / d;
        assertEquals(expected, w.data()[0], 1e-6);
    }

    // ------------------------------------------------------------------ minimisation

    /** f(x, y) = (x − 3)² + 10·(y + 1)², condition number 10, minimum at (3, −1). */
    private static Tensor quadratic(Tensor p) {
        Tensor target = Tensor.of(new float[] {3f, -1f}, 2);
        Tensor scale = Tensor.of(new float[] {1f, 10f}, 2);
        return p.sub(target).square().mul(scale).sum();
    }

    /** Rosenbrock's valley (1 − x)² + 100·(y − x²)², minimum at (1, 1). */
    private static Tensor rosenbrock(Tensor p) {
        Tensor x = p.slice(0, 0, 1);
        Tensor y = p.slice(0, 1, 2);
        return x.neg().add(1f).square().add(y.sub(x.square()).square().mul(100f)).sum();
    }

    private static float[] minimise(Function<List<Tensor>, Optimizer> make, Function<Tensor, Tensor> f,
                                    float[] start, int steps) {
        Tensor p = param(start);
        Optimizer opt = make.apply(List.of(p));
        // Cosine to zero so that optimizers whose steps do not shrink by themselves (Adam, RMSProp) settle.
        LrSchedule schedule = new CosineAnnealingLR(opt, steps);
        for (int i = 0; i < steps; i++) {
            opt.zeroGrad();
            f.apply(p).backward();
            opt.step();
            schedule.step();
        }
        return p.data();
    }

    private static void assertNear(float[] expected, float[] actual, float tol, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) < tol, what + ": expected " + expected[i] + " at " + i
                    + ", received " + actual[i]);
        }
    }

    @Test
    void everyOptimizerMinimisesAQuadratic() {
        float[] start = {-2f, 2f};
        float[] min = {3f, -1f};
        assertNear(min, minimise(ps -> new Sgd(ps, 0.05), OptimizerRulesTest::quadratic, start, 400), 1e-3f, "Sgd");
        assertNear(min, minimise(ps -> new Sgd(ps, 0.01).momentum(0.9), OptimizerRulesTest::quadratic, start, 400),
                1e-3f, "Sgd momentum");
        assertNear(min, minimise(ps -> new Sgd(ps, 0.01).momentum(0.9).nesterov(true), OptimizerRulesTest::quadratic,
                start, 400), 1e-3f, "Sgd nesterov");
        assertNear(min, minimise(ps -> new AdaGrad(ps, 1.0), OptimizerRulesTest::quadratic, start, 400), 1e-3f, "AdaGrad");
        assertNear(min, minimise(ps -> new RmsProp(ps, 0.05), OptimizerRulesTest::quadratic, start, 1000), 1e-2f,
                "RmsProp");
        assertNear(min, minimise(ps -> new RmsProp(ps, 0.01).momentum(0.9).centered(true),
                OptimizerRulesTest::quadratic, start, 1000), 1e-2f, "RmsProp centered momentum");
        assertNear(min, minimise(ps -> new Adam(ps, 0.1), OptimizerRulesTest::quadratic, start, 1000), 1e-2f, "Adam");
        assertNear(min, minimise(ps -> new Adam(ps, 0.1).amsgrad(true), OptimizerRulesTest::quadratic, start, 1000),
                1e-2f, "AMSGrad");
        assertNear(min, minimise(ps -> new AdamW(ps, 0.1).weightDecay(1e-4), OptimizerRulesTest::quadratic, start,
                1000), 1e-2f, "AdamW");
        assertNear(min, minimise(ps -> new Nadam(ps, 0.1), OptimizerRulesTest::quadratic, start, 1000), 1e-2f, "Nadam");
    }

    @Test
    void adaptiveAndMomentumOptimizersFollowRosenbrocksValley() {
        float[] start = {-1.5f, 2f};
        float[] min = {1f, 1f};
        assertNear(min, minimise(ps -> new Adam(ps, 0.05), OptimizerRulesTest::rosenbrock, start, 4000), 2e-2f, "Adam");
        assertNear(min, minimise(ps -> new Nadam(ps, 0.05), OptimizerRulesTest::rosenbrock, start, 4000), 2e-2f, "Nadam");
        assertNear(min, minimise(ps -> new Sgd(ps, 2e-4).momentum(0.9), OptimizerRulesTest::rosenbrock, start, 20000),
                2e-2f, "Sgd momentum");
    }
}
