package dev.fovea.parity;

import dev.fovea.optim.CosineAnnealingLR;
import dev.fovea.optim.ExponentialLR;
import dev.fovea.optim.LrSchedule;
import dev.fovea.optim.MultiStepLR;
import dev.fovea.optim.OneCycleLR;
import dev.fovea.optim.PolynomialLR;
import dev.fovea.optim.ReduceLROnPlateau;
import dev.fovea.optim.Sgd;
import dev.fovea.optim.StepLR;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@code sched_*} fixture: the schedule built with the metadata's hyper-parameters on an
 * {@link Sgd} at {@code base_lr}, the optimizer's rate read before each of the 12 epochs exactly as the
 * script reads {@code param_groups[0]["lr"]} (and the momentum for OneCycleLR), then
 * {@code step()} (or {@code step(metric[i])} for ReduceLROnPlateau).
 *
 * <p>Where Fovea has no class of the same name the closest equivalent is used, and the comment at the
 * case says why the values must still agree: PyTorch's {@code LinearLR} and
 * {@code SequentialLR(LinearLR, CosineAnnealingLR)} are both the warm-up of Fovea's
 * {@link CosineAnnealingLR}.
 *
 * <p>Tolerance: 1e-6 relative (+1e-12 absolute for rates that are exactly 0). Both sides compute in
 * double, but the fixture stores the rates as float32, which rounds them by up to 2^-24 ≈ 6e-8
 * relative; PyTorch's recursive (chainable) form and Fovea's closed form differ by ~1e-15 more.
 */
class ScheduleParityTest {

    /** Absolute part: only so that rates of exactly zero compare (PolynomialLR after totalIters). */
    private static final double ATOL = 1e-12;
    /** Relative part: the fixture's float32 storage of a double rate (6e-8), with margin. */
    private static final double RTOL = 1e-6;

    private static final Set<String> DESCRIPTIVE = Set.of("kind", "case", "torch_version", "seed", "schedule",
            "base_lr", "convention", "formula");

    static boolean handles(String file) {
        return file.startsWith("sched_");
    }

    static Stream<String> fixtures() {
        return Golden.files(ScheduleParityTest::handles);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void matchesPyTorch(String file) {
        Golden.Fixture f = Golden.load(file);
        f.expectKind("sched");
        float[] expectedLr = f.tensor("lr").data();
        int epochs = expectedLr.length;
        Tensor p = Tensor.zeros(1).requiresGrad(true);
        Sgd opt = new Sgd(List.of(p), f.real("base_lr"));

        Set<String> used = new HashSet<>();
        double[] lr = new double[epochs];
        String schedule = f.str("schedule");
        if (schedule.equals("ReduceLROnPlateau")) {
            ReduceLROnPlateau plateau = plateau(f, opt, used);
            float[] metric = f.tensor("metric").data();
            assertEquals(epochs - 1, metric.length, file + ": one metric per step");
            for (int i = 0; i < epochs; i++) {
                lr[i] = opt.lr();
                if (i < epochs - 1) plateau.step(metric[i]);
            }
        } else {
            if (schedule.equals("OneCycleLR")) opt.momentum(0.9); // the script's SGD(momentum=0.9)
            LrSchedule s = build(f, opt, used);
            double[] momentum = new double[epochs];
            for (int i = 0; i < epochs; i++) {
                lr[i] = opt.lr();
                momentum[i] = opt.momentum();
                assertEquals(s.lr(), opt.lr(), 0.0, file + ": schedule and optimizer agree at epoch " + i);
                if (i < epochs - 1) s.step(); // the script stops before a step past total_steps
            }
            if (f.has("momentum")) {
                Golden.assertClose(file + ": momentum", toDouble(f.tensor("momentum").data()), momentum, ATOL, RTOL);
            }
        }
        Golden.assertClose(file + ": lr", toDouble(expectedLr), lr, ATOL, RTOL);

        Set<String> unused = new TreeSet<>(f.meta().keySet());
        unused.removeAll(DESCRIPTIVE);
        unused.removeAll(used);
        assertTrue(unused.isEmpty(), file + ": metadata not mapped to a Fovea setting: " + unused);
    }

    /** The closed-form schedule named by the metadata. */
    private static LrSchedule build(Golden.Fixture f, Sgd opt, Set<String> used) {
        String name = f.str("schedule");
        return switch (name) {
            case "StepLR" -> new StepLR(opt, takeInt(f, used, "step_size"), take(f, used, "gamma"));
            case "MultiStepLR" -> {
                used.add("milestones");
                yield new MultiStepLR(opt, f.ints("milestones"), take(f, used, "gamma"));
            }
            case "ExponentialLR" -> new ExponentialLR(opt, take(f, used, "gamma"));
            case "PolynomialLR" -> new PolynomialLR(opt, takeInt(f, used, "total_iters"), take(f, used, "power"));
            case "CosineAnnealingLR" -> new CosineAnnealingLR(opt, takeInt(f, used, "T_max"), take(f, used, "eta_min"));
            case "LinearLR" -> {
                // Fovea has no LinearLR. Its formula, base * (start + (end - start) * min(t, T) / T) with end = 1,
                // is exactly the warm-up phase of CosineAnnealingLR; an unreachable tMax (2^31 - 1) makes the
                // cosine phase constant: (1 + cos(pi * t / tMax)) / 2 differs from 1 by ~1e-17 for t < 12,
                // which rounds to exactly 1 in double. So the whole curve, flat part included, must match.
                assertEquals(1.0, take(f, used, "end_factor"), 0.0,
                        f.file() + ": CosineAnnealingLR's warm-up always ends at the base rate (end_factor 1)");
                yield new CosineAnnealingLR(opt, Integer.MAX_VALUE, 0.0, takeInt(f, used, "total_iters"),
                        take(f, used, "start_factor"));
            }
            case "SequentialLR" -> {
                // SequentialLR([LinearLR(start, 1.0, W), CosineAnnealingLR(T, eta_min)], milestones=[W]) is what
                // Fovea's CosineAnnealingLR with W warm-up steps computes in closed form (see its javadoc).
                used.add("schedulers");
                assertEquals("LinearLR,CosineAnnealingLR", f.str("schedulers"), f.file() + ": chained schedules");
                int warmup = takeInt(f, used, "linear_total_iters");
                assertEquals(warmup, takeInt(f, used, "milestones"), f.file() + ": the cosine starts when the warm-up ends");
                assertEquals(1.0, take(f, used, "linear_end_factor"), 0.0, f.file() + ": warm-up ends at the base rate");
                yield new CosineAnnealingLR(opt, takeInt(f, used, "cosine_T_max"), take(f, used, "cosine_eta_min"),
                        warmup, take(f, used, "linear_start_factor"));
            }
            case "OneCycleLR" -> oneCycle(f, opt, used);
            default -> throw new AssertionError(f.file() + ": no Fovea equivalent mapped for schedule '" + name
                    + "'; add it to ScheduleParityTest.build");
        };
    }

    private static OneCycleLR oneCycle(Golden.Fixture f, Sgd opt, Set<String> used) {
        used.add("anneal_strategy");
        OneCycleLR.Anneal anneal = switch (f.str("anneal_strategy")) {
            case "cos" -> OneCycleLR.Anneal.COS;
            case "linear" -> OneCycleLR.Anneal.LINEAR;
            default -> throw new AssertionError(f.file() + ": unknown anneal_strategy " + f.str("anneal_strategy"));
        };
        var options = new OneCycleLR.Options(take(f, used, "pct_start"), anneal, takeBool(f, used, "cycle_momentum"),
                take(f, used, "base_momentum"), take(f, used, "max_momentum"), take(f, used, "div_factor"),
                take(f, used, "final_div_factor"), takeBool(f, used, "three_phase"));
        return new OneCycleLR(opt, take(f, used, "max_lr"), takeInt(f, used, "total_steps"), options);
    }

    private static ReduceLROnPlateau plateau(Golden.Fixture f, Sgd opt, Set<String> used) {
        used.add("mode");
        used.add("threshold_mode");
        ReduceLROnPlateau.Mode mode = switch (f.str("mode")) {
            case "min" -> ReduceLROnPlateau.Mode.MIN;
            case "max" -> ReduceLROnPlateau.Mode.MAX;
            default -> throw new AssertionError(f.file() + ": unknown mode " + f.str("mode"));
        };
        ReduceLROnPlateau.ThresholdMode thresholdMode = switch (f.str("threshold_mode")) {
            case "rel" -> ReduceLROnPlateau.ThresholdMode.REL;
            case "abs" -> ReduceLROnPlateau.ThresholdMode.ABS;
            default -> throw new AssertionError(f.file() + ": unknown threshold_mode " + f.str("threshold_mode"));
        };
        return new ReduceLROnPlateau(opt)
                .mode(mode)
                .factor(take(f, used, "factor"))
                .patience(takeInt(f, used, "patience"))
                .threshold(take(f, used, "threshold"), thresholdMode)
                .cooldown(takeInt(f, used, "cooldown"))
                .minLr(take(f, used, "min_lr"))
                .eps(take(f, used, "eps"));
    }

    private static double take(Golden.Fixture f, Set<String> used, String key) {
        used.add(key);
        return f.real(key);
    }

    private static int takeInt(Golden.Fixture f, Set<String> used, String key) {
        used.add(key);
        return f.integer(key);
    }

    private static boolean takeBool(Golden.Fixture f, Set<String> used, String key) {
        used.add(key);
        return f.bool(key);
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }
}
