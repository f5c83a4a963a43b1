package dev.fovea.optim;

import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.fovea.optim.OptimizerRulesTest.param;
import static dev.fovea.optim.OptimizerRulesTest.setGrad;
import static dev.fovea.optim.OptimizerRulesTest.stepWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared machinery of {@link Optimizer}: zeroGrad, skipping, groups, regularisers, state dicts, validation. */
class OptimizerTest {

    @Test
    void zeroGradZeroesEveryGradientAndKeepsTheBuffer() {
        Tensor a = param(1f, 2f);
        Tensor b = param(3f);
        Sgd opt = new Sgd(List.of(a, b), 0.1);
        a.mul(a).sum().backward();
        b.mul(2f).sum().backward();
        float[] buffer = a.gradBuffer();
        assertArrayEquals(new float[] {2f, 4f}, buffer);
        opt.zeroGrad();
        assertArrayEquals(new float[] {0f, 0f}, a.grad().data());
        assertArrayEquals(new float[] {0f}, b.grad().data());
        assertTrue(buffer == a.gradBuffer(), "zeroGrad keeps the buffer (set_to_none=False)");
    }

    @Test
    void stepSkipsParametersWithoutGradientAndLeavesTheGradientAlone() {
        Tensor a = param(1f);
        Tensor b = param(1f);
        Adam opt = new Adam(List.of(a, b), 0.01).weightDecay(0.5).l1(0.1);
        setGrad(a, 0.5f);
        opt.step();
        assertEquals(0.99f, a.data()[0], 1e-6f);
        assertEquals(1f, b.data()[0], 0f, "no gradient, no update (not even weight decay)");
        assertNull(b.grad());
        assertEquals(0.5f, a.grad().data()[0], 0f, "regularisers must not write into the gradient");
        Map<String, Tensor> state = opt.stateDict();
        assertTrue(state.containsKey("state.0.exp_avg"));
        assertFalse(state.containsKey("state.1.exp_avg"), "no state for a parameter that was never stepped");
        assertEquals(1, opt.stepCount());
    }

    @Test
    void groupsHaveTheirOwnRatesAndSetLrKeepsTheirRatio() {
        Tensor backbone = param(1f);
        Tensor head = param(1f);
        Sgd opt = new Sgd(new ParamGroup(List.of(backbone), 0.01), new ParamGroup(List.of(head), 0.1));
        setGrad(backbone, 1f);
        setGrad(head, 1f);
        opt.step();
        assertEquals(0.99f, backbone.data()[0], 1e-7f);
        assertEquals(0.9f, head.data()[0], 1e-7f);

        opt.setLr(0.005);
        assertEquals(0.005, opt.lr(), 0);
        assertEquals(0.05, opt.lr(1), 1e-15);
        opt.setLr(1, 0.3);
        assertEquals(0.3, opt.lr(1), 0);
        assertEquals(0.01, opt.initialLr(0), 0);
        assertEquals(0.1, opt.initialLr(1), 0);
        assertEquals(2, opt.groupCount());
        assertEquals(List.of(head), opt.params(1));
        assertEquals(List.of(backbone, head), opt.params());
    }

    @Test
    void aGroupCanOverrideWeightDecay() {
        Tensor weight = param(1f);
        Tensor bias = param(1f);
        Sgd opt = new Sgd(new ParamGroup(List.of(weight), 0.1), new ParamGroup(List.of(bias), 0.1, 0.0))
                .weightDecay(0.5);
        setGrad(weight, 0f);
        setGrad(bias, 0f);
        opt.step();
        assertEquals(0.95f, weight.data()[0], 1e-7f); // 1 - 0.1 * 0.5 * 1
        assertEquals(1f, bias.data()[0], 0f);
    }

    @Test
    void l1PenaltyAddsTheSignOfTheWeight() {
        Tensor w = param(2f, -3f, 0f);
        Sgd opt = new Sgd(List.of(w), 0.1).l1(0.5);
        setGrad(w, 0f, 0f, 0f);
        opt.step();
        // w -= 0.1 * 0.5 * sign(w); an exact zero stays zero
        assertArrayEquals(new float[] {1.95f, -2.95f, 0f}, w.data(), 1e-6f);
    }

    @Test
    void maxNormRescalesEachOutputUnitsIncomingWeights() {
        Tensor weight = Tensor.of(new float[] {3f, 4f, 0f, 0.3f, 0.4f, 0f}, 2, 3).requiresGrad(true);
        Tensor bias = param(30f, 40f);
        Sgd opt = new Sgd(List.of(weight, bias), 0.1).maxNorm(1.0);
        setGrad(weight, 0f, 0f, 0f, 0f, 0f, 0f);
        setGrad(bias, 0f, 0f);
        opt.step();
        // row 0 had norm 5: scaled by 1/(5 + 1e-7); row 1 (norm 0.5) and the rank-1 bias are untouched
        assertArrayEquals(new float[] {0.6f, 0.8f, 0f, 0.3f, 0.4f, 0f}, weight.data(), 1e-6f);
        assertArrayEquals(new float[] {30f, 40f}, bias.data());
        double norm0 = Math.hypot(weight.data()[0], weight.data()[1]);
        assertTrue(norm0 <= 1.0 + 1e-7, "row norm " + norm0 + " (float32 rounding of 0.6 and 0.8 allowed)");
    }

    @Test
    void maxNormAppliesToConvFilters() {
        // (OC=2, C=1, KH=1, KW=2): each filter is one output unit
        Tensor weight = Tensor.of(new float[] {6f, 8f, 1f, 0f}, 2, 1, 1, 2).requiresGrad(true);
        Sgd opt = new Sgd(List.of(weight), 0.0).maxNorm(2.0);
        setGrad(weight, 0f, 0f, 0f, 0f);
        opt.step();
        assertArrayEquals(new float[] {1.2f, 1.6f, 1f, 0f}, weight.data(), 1e-6f);
    }

    @Test
    void toStringListsTheHyperparameters() {
        String s = new Adam(List.of(param(1f)), 0.001).amsgrad(true).weightDecay(0.1).toString();
        assertTrue(s.startsWith("Adam(lr=0.001"), s);
        assertTrue(s.contains("amsgrad=true") && s.contains("weightDecay=0.1"), s);
    }

    // ------------------------------------------------------------------ state dicts

    /** Deterministic gradients that depend on the weights and the step, so the trajectory is non-trivial. */
    private static void fakeBackward(List<Tensor> params, int step) {
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            // parameter 1 gets no gradient on odd steps, to exercise skipping across a checkpoint
            if (i == 1 && step % 2 == 1) {
                p.clearGrad();
                continue;
            }
            float[] w = p.data();
            float[] g = p.gradBuffer();
            for (int j = 0; j < w.length; j++) g[j] = 2f * w[j] - 1f + 0.1f * step * (j + 1) - 0.3f * i;
        }
    }

    private static List<Tensor> freshParams() {
        List<Tensor> ps = new ArrayList<>();
        ps.add(Tensor.of(new float[] {0.5f, -1f, 2f, 0.25f, -0.75f, 1.5f}, 2, 3).requiresGrad(true));
        ps.add(param(0.1f, -0.2f));
        ps.add(param(3f));
        return ps;
    }

    private static List<Tensor> copies(List<Tensor> ps) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : ps) out.add(p.copy().requiresGrad(true));
        return out;
    }

    private static void train(Optimizer opt, LrSchedule schedule, List<Tensor> ps, int from, int to) {
        for (int s = from; s < to; s++) {
            opt.zeroGrad();
            fakeBackward(ps, s);
            opt.step();
            if (schedule != null) schedule.step();
        }
    }

    private static void assertResumesBitIdentically(Function<List<Tensor>, Optimizer> make, boolean oneCycle) {
        List<Tensor> ps = freshParams();
        Optimizer opt = make.apply(ps);
        LrSchedule schedule = oneCycle ? new OneCycleLR(opt, 0.05, 20) : new CosineAnnealingLR(opt, 10, 0.001, 2, 0.1);
        train(opt, schedule, ps, 0, 5);

        // checkpoint: parameters, optimizer and schedule
        List<Tensor> resumed = copies(ps);
        Map<String, Tensor> optState = opt.stateDict();
        Map<String, Tensor> schedState = schedule.stateDict();
        Optimizer opt2 = make.apply(resumed);
        LrSchedule schedule2 = oneCycle ? new OneCycleLR(opt2, 0.05, 20) : new CosineAnnealingLR(opt2, 10, 0.001, 2, 0.1);
        opt2.loadStateDict(optState);
        schedule2.loadStateDict(schedState);

        String name = opt.getClass().getSimpleName();
        assertEquals(opt.lr(), opt2.lr(), 0, name);
        train(opt, schedule, ps, 5, 10);
        train(opt2, schedule2, resumed, 5, 10);
        for (int i = 0; i < ps.size(); i++) {
            assertArrayEquals(ps.get(i).data(), resumed.get(i).data(), 0f, name + " parameter " + i);
        }
        assertStateEquals(opt.stateDict(), opt2.stateDict(), name);
    }

    private static void assertStateEquals(Map<String, Tensor> expected, Map<String, Tensor> actual, String name) {
        assertEquals(expected.keySet(), actual.keySet(), name);
        for (var e : expected.entrySet()) {
            assertArrayEquals(e.getValue().shape(), actual.get(e.getKey()).shape(), name + " " + e.getKey());
            assertArrayEquals(e.getValue().data(), actual.get(e.getKey()).data(), 0f, name + " " + e.getKey());
        }
    }

    @Test
    void stateDictRoundTripResumesEveryOptimizerBitIdentically() {
        assertResumesBitIdentically(ps -> new Sgd(ps, 0.05).momentum(0.9).nesterov(true).weightDecay(1e-3), false);
        assertResumesBitIdentically(ps -> new Sgd(ps, 0.05).momentum(0.9).dampening(0.1).l1(1e-3).maxNorm(2), true);
        assertResumesBitIdentically(ps -> new AdaGrad(ps, 0.1).lrDecay(0.01).initialAccumulatorValue(0.1), false);
        assertResumesBitIdentically(ps -> new RmsProp(ps, 0.01).momentum(0.5).centered(true), true);
        assertResumesBitIdentically(ps -> new Adam(ps, 0.01).amsgrad(true).weightDecay(1e-2), true);
        assertResumesBitIdentically(ps -> new AdamW(ps, 0.01), false);
        assertResumesBitIdentically(ps -> new Nadam(ps, 0.01).weightDecay(1e-3), true);
    }

    @Test
    void stateDictKeysAreSpelledLikePyTorch() {
        List<Tensor> ps = freshParams();
        Adam opt = new Adam(ps, 0.01).amsgrad(true);
        train(opt, null, ps, 0, 2);
        Map<String, Tensor> state = opt.stateDict();
        assertEquals(List.of("step", "momentum", "group.0.lr", "group.0.initial_lr",
                "state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq",
                "state.1.step", "state.1.exp_avg", "state.1.exp_avg_sq", "state.1.max_exp_avg_sq",
                "state.2.step", "state.2.exp_avg", "state.2.exp_avg_sq", "state.2.max_exp_avg_sq"),
                new ArrayList<>(state.keySet()));
        assertEquals(2.0, StateDicts.f64(state, "state.0.step", "test"), 0);
        assertEquals(1.0, StateDicts.f64(state, "state.1.step", "test"), 0, "parameter 1 had no gradient at step 1");
        assertArrayEquals(new int[] {2, 3}, state.get("state.0.exp_avg").shape());

        Nadam nadam = new Nadam(ps, 0.01);
        train(nadam, null, ps, 0, 1);
        assertArrayEquals(new int[0], nadam.stateDict().get("state.0.mu_product").shape());
    }

    @Test
    void stateDictIsACopy() {
        List<Tensor> ps = freshParams();
        Sgd opt = new Sgd(ps, 0.1).momentum(0.9);
        train(opt, null, ps, 0, 1);
        Map<String, Tensor> state = opt.stateDict();
        float before = state.get("state.0.momentum_buffer").data()[0];
        train(opt, null, ps, 1, 2);
        assertEquals(before, state.get("state.0.momentum_buffer").data()[0], 0f);
    }

    @Test
    void scalarsSurviveTheStateDictExactly() {
        for (double v : new double[] {0.1, 1e-3 / 3, Math.PI, 0.0, -0.0, Double.POSITIVE_INFINITY, 1e-300, 123456789.0}) {
            Map<String, Tensor> m = Map.of("x", StateDicts.f64(v));
            assertEquals(Double.doubleToRawLongBits(v), Double.doubleToRawLongBits(StateDicts.f64(m, "x", "test")));
        }
    }

    @Test
    void loadStateDictRejectsMismatchesBeforeChangingAnything() {
        List<Tensor> ps = freshParams();
        Adam opt = new Adam(ps, 0.01);
        train(opt, null, ps, 0, 2);
        Map<String, Tensor> good = opt.stateDict();

        Adam other = new Adam(freshParams(), 0.02);
        Map<String, Tensor> wrongShape = new LinkedHashMap<>(good);
        wrongShape.put("state.0.exp_avg", Tensor.zeros(3, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(wrongShape));
        assertTrue(e.getMessage().contains("state.0.exp_avg") && e.getMessage().contains("(2, 3)")
                && e.getMessage().contains("received (3, 2)"), e.getMessage());
        assertEquals(0.02, other.lr(), 0, "nothing changes when validation fails");
        assertEquals(0, other.stepCount());

        Map<String, Tensor> unknown = new LinkedHashMap<>(good);
        unknown.put("state.0.momentum_buffer", Tensor.zeros(2, 3));
        e = assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(unknown));
        assertTrue(e.getMessage().contains("momentum_buffer"), e.getMessage());

        Map<String, Tensor> outOfRange = new LinkedHashMap<>(good);
        outOfRange.put("state.7.exp_avg", Tensor.zeros(1));
        assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(outOfRange));

        Map<String, Tensor> missing = new LinkedHashMap<>(good);
        missing.remove("group.0.lr");
        e = assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(missing));
        assertTrue(e.getMessage().contains("group.0.lr"), e.getMessage());

        Map<String, Tensor> extra = new LinkedHashMap<>(good);
        extra.put("group.1.lr", StateDicts.f64(0.1));
        e = assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(extra));
        assertTrue(e.getMessage().contains("unexpected") && e.getMessage().contains("group.1.lr"), e.getMessage());

        Map<String, Tensor> noStep = new LinkedHashMap<>(good);
        noStep.remove("state.2.step");
        assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(noStep));

        Map<String, Tensor> floatScalar = new LinkedHashMap<>(good);
        floatScalar.put("step", Tensor.scalar(2f));
        e = assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(floatScalar));
        assertTrue(e.getMessage().contains("shape (4)"), e.getMessage());

        other.loadStateDict(good);
        assertEquals(0.01, other.lr(), 0, "saved rates replace the constructor's, as in PyTorch");
        assertEquals(2, other.stepCount());
    }

    // ------------------------------------------------------------------ validation

    @Test
    void constructorsValidateTheirInput() {
        Tensor p = param(1f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p), -0.1));
        assertTrue(e.getMessage().contains("received lr=-0.1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Adam(List.of()));
        assertTrue(e.getMessage().contains("empty parameter list"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Sgd(new ParamGroup(List.of(p), 0.1), new ParamGroup(List.of(p), 0.2)));
        assertTrue(e.getMessage().contains("groups 0 and 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p.mul(2f)), 0.1));
        assertTrue(e.getMessage().contains("leaf"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p, p), 0.1));
        assertTrue(e.getMessage().contains("indices 0 and 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(p)).betas(0.9, 1.0));
        assertTrue(e.getMessage().contains("betas[1] in [0, 1); received 1.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p), 0.1).momentum(-0.5));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p), 0.1).weightDecay(-1));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p), 0.1).maxNorm(0));
        assertThrows(IllegalArgumentException.class, () -> new RmsProp(List.of(p)).eps(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p), 0.1).setLr(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(p), 0.1).lr(1));
    }

    @Test
    void nesterovWithoutMomentumFailsAtTheFirstStep() {
        Tensor p = param(1f);
        Sgd opt = new Sgd(List.of(p), 0.1).nesterov(true);
        setGrad(p, 1f);
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("momentum=0.0"), e.getMessage());
        assertEquals(1f, p.data()[0], 0f, "the failed step changed nothing");
        assertEquals(0, opt.stepCount());
        assertTrue(opt.stateDict().keySet().stream().noneMatch(k -> k.startsWith("state.")));
        // the order of the fluent calls does not matter: b = 0.5, d = 0.5 + 0.9*0.5, w = 1 - 0.1*0.95
        Tensor q = param(1f);
        assertEquals(0.905f, stepWith(new Sgd(List.of(q), 0.1).nesterov(true).momentum(0.9), q, 0.5f), 1e-6f);
    }

    @Test
    void momentumIsBeta1ForTheAdamFamilyAndAbsentForAdaGrad() {
        Tensor p = param(1f);
        assertEquals(0.9, new Adam(List.of(p)).momentum(), 0);
        assertEquals(0.8, new Nadam(List.of(p)).momentum(0.8).beta1(), 0);
        assertFalse(new AdaGrad(List.of(p)).supportsMomentum());
        assertThrows(UnsupportedOperationException.class, () -> new AdaGrad(List.of(p)).momentum());
        assertTrue(Arrays.asList(new Sgd(List.of(p), 0.1), new RmsProp(List.of(p)), new AdamW(List.of(p)))
                .stream().allMatch(Optimizer::supportsMomentum));
    }

    @Test
    void setLrWithGroupsNeedsANonZeroReferenceRate() {
        Sgd opt = new Sgd(new ParamGroup(List.of(param(1f)), 0.0), new ParamGroup(List.of(param(1f)), 0.1));
        assertThrows(IllegalStateException.class, () -> opt.setLr(0.5));
        opt.setLr(1, 0.5);
        assertEquals(0.5, opt.lr(1), 0);
    }
}
