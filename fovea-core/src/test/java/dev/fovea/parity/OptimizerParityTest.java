package dev.fovea.parity;

import dev.fovea.optim.AdaGrad;
import dev.fovea.optim.Adam;
import dev.fovea.optim.AdamW;
import dev.fovea.optim.Nadam;
import dev.fovea.optim.Optimizer;
import dev.fovea.optim.RmsProp;
import dev.fovea.optim.Sgd;
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
 * Every {@code optim_*} fixture: PyTorch's five-step loop replayed with the matching
 * {@code dev.fovea.optim} class, hyper-parameters from the metadata. Each step:
 * {@code zeroGrad}; loss {@code sum((w - target)^2 * scale) + 0.1 * sum(w^3)} at the current weights;
 * {@code backward}; {@code step}. Checked at every step k: the loss (against {@code loss[k-1]}), the
 * gradient fed to the step (against {@code grad.step<k>}; this pins the autograd side, so a trajectory
 * difference can only come from the update rule) and the weights after it (against
 * {@code param.step<k>}).
 *
 * <p>Tolerances: 1e-6 absolute + 1e-5 relative for gradients and weights, tighter than the layer tests
 * because every quantity here is an elementwise float32 expression of O(1) values: the only expected
 * differences are single roundings where PyTorch's vectorised kernels fuse a multiply-add
 * ({@code addcdiv_}, {@code addcmul_}) and Java rounds twice, about 1e-7 relative per step, compounding
 * over five steps to well under 1e-5. The loss is a sum of 24 terms: same tolerance.
 */
class OptimizerParityTest {

    /** Absolute part: weights and gradients are O(0.1..5). */
    private static final double ATOL = 1e-6;
    /** Relative part: float32 rounding (FMA vs two roundings) compounding over five steps. */
    private static final double RTOL = 1e-5;

    /** The objective the script minimises; a changed formula must fail here rather than compare wrong numbers. */
    private static final String LOSS_FORMULA = "sum((w - target)^2 * scale) + 0.1 * sum(w^3)";

    /** Metadata that describes the fixture rather than configuring the optimizer. */
    private static final Set<String> DESCRIPTIVE = Set.of("kind", "case", "torch_version", "seed", "optimizer",
            "loss_formula", "steps", "convention");

    static boolean handles(String file) {
        return file.startsWith("optim_");
    }

    static Stream<String> fixtures() {
        return Golden.files(OptimizerParityTest::handles);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void matchesPyTorch(String file) {
        Golden.Fixture f = Golden.load(file);
        f.expectKind("optim");
        assertEquals(LOSS_FORMULA, f.str("loss_formula"), file + ": loss formula");
        Tensor target = f.tensor("target");
        Tensor scale = f.tensor("scale");
        Tensor w = f.fresh("param.init").requiresGrad(true);

        Set<String> used = new HashSet<>();
        Optimizer opt = build(f, List.of(w), used);
        // Every hyper-parameter the fixture sets was passed on: nothing silently left at a Fovea default.
        Set<String> unused = new TreeSet<>(f.meta().keySet());
        unused.removeAll(DESCRIPTIVE);
        unused.removeAll(used);
        assertTrue(unused.isEmpty(), file + ": metadata not mapped to a Fovea setting: " + unused);

        int steps = f.integer("steps");
        float[] losses = f.tensor("loss").data();
        assertEquals(steps, losses.length, file + ": one loss per step");
        for (int k = 1; k <= steps; k++) {
            opt.zeroGrad();
            Tensor loss = w.sub(target).square().mul(scale).sum().add(w.pow(3f).mul(0.1f).sum());
            Golden.assertClose(file + ": loss before step " + k, new float[] {losses[k - 1]},
                    new float[] {loss.item()}, ATOL, RTOL);
            loss.backward();
            f.check("grad.step" + k, w.grad(), ATOL, RTOL);
            opt.step();
            f.check("param.step" + k, w, ATOL, RTOL);
        }
    }

    /** The optimizer named by the metadata ({@code torch.optim} class name), configured from it. */
    private static Optimizer build(Golden.Fixture f, List<Tensor> params, Set<String> used) {
        String name = f.str("optimizer");
        double lr = take(f, used, "lr");
        return switch (name) {
            case "SGD" -> new Sgd(params, lr)
                    .momentum(take(f, used, "momentum"))
                    .dampening(take(f, used, "dampening"))
                    .nesterov(takeBool(f, used, "nesterov"))
                    .weightDecay(take(f, used, "weight_decay"));
            case "Adagrad" -> new AdaGrad(params, lr)
                    .lrDecay(take(f, used, "lr_decay"))
                    .eps(take(f, used, "eps"))
                    .initialAccumulatorValue(take(f, used, "initial_accumulator_value"))
                    .weightDecay(take(f, used, "weight_decay"));
            case "RMSprop" -> new RmsProp(params, lr)
                    .alpha(take(f, used, "alpha"))
                    .eps(take(f, used, "eps"))
                    .momentum(take(f, used, "momentum"))
                    .centered(takeBool(f, used, "centered"))
                    .weightDecay(take(f, used, "weight_decay"));
            case "Adam" -> {
                double[] betas = takeBetas(f, used);
                yield new Adam(params, lr)
                        .betas(betas[0], betas[1])
                        .eps(take(f, used, "eps"))
                        .amsgrad(takeBool(f, used, "amsgrad"))
                        .weightDecay(take(f, used, "weight_decay"));
            }
            case "AdamW" -> {
                double[] betas = takeBetas(f, used);
                // Decoupled decay: w *= 1 - lr * weight_decay before the Adam step, as torch.optim.AdamW.
                yield new AdamW(params, lr)
                        .betas(betas[0], betas[1])
                        .eps(take(f, used, "eps"))
                        .amsgrad(takeBool(f, used, "amsgrad"))
                        .weightDecay(take(f, used, "weight_decay"));
            }
            case "NAdam" -> {
                double[] betas = takeBetas(f, used);
                yield new Nadam(params, lr)
                        .betas(betas[0], betas[1])
                        .eps(take(f, used, "eps"))
                        .momentumDecay(take(f, used, "momentum_decay"))
                        .weightDecay(take(f, used, "weight_decay"));
            }
            default -> throw new AssertionError(f.file() + ": no Fovea equivalent mapped for optimizer '" + name
                    + "'; add it to OptimizerParityTest.build");
        };
    }

    private static double take(Golden.Fixture f, Set<String> used, String key) {
        used.add(key);
        return f.real(key);
    }

    private static boolean takeBool(Golden.Fixture f, Set<String> used, String key) {
        used.add(key);
        return f.bool(key);
    }

    private static double[] takeBetas(Golden.Fixture f, Set<String> used) {
        used.add("betas");
        double[] b = f.reals("betas");
        assertEquals(2, b.length, f.file() + ": betas");
        return b;
    }
}
