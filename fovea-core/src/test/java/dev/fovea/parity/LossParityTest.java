package dev.fovea.parity;

import dev.fovea.nn.Losses;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every {@code loss_*} fixture: the matching {@link Losses} function on the fixture's inputs, its value
 * against {@code output} and, after {@code backward()} from the 0-d loss (PyTorch's
 * {@code grad_output} is 1), the gradient of every input ({@code grad.input}, {@code grad.input2},
 * {@code grad.input3}) against the fixture's.
 *
 * <p>Tolerance: 1e-5 absolute + 1e-4 relative (float32 on both sides; the losses are means over at
 * most 24 elements, so rounding stays near 1e-7 relative).
 */
class LossParityTest {

    /** Absolute part of the tolerance (losses and their gradients are O(0.01..10)). */
    private static final double ATOL = 1e-5;
    /** Relative part of the tolerance (float32, short reductions). */
    private static final double RTOL = 1e-4;

    static boolean handles(String file) {
        return file.startsWith("loss_");
    }

    static Stream<String> fixtures() {
        return Golden.files(LossParityTest::handles);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void matchesPyTorch(String file) {
        Golden.Fixture f = Golden.load(file);
        f.expectKind("loss");
        assertEquals("mean", f.str("reduction"), file + ": Fovea's losses implement reduction='mean' only");

        List<String> inputKeys = new ArrayList<>();
        for (String k : List.of("input", "input2", "input3")) if (f.has(k)) inputKeys.add(k);
        List<Tensor> inputs = new ArrayList<>();
        for (String k : inputKeys) inputs.add(f.fresh(k).requiresGrad(true));
        Tensor x = inputs.get(0);

        String loss = f.str("loss");
        Tensor out = switch (loss) {
            case "cross_entropy" -> {
                checkIgnoreIndexUnused(f);
                yield Losses.crossEntropy(x, classIndices(f), classWeights(f), (float) f.real("label_smoothing"));
            }
            case "nll_loss" -> {
                checkIgnoreIndexUnused(f);
                yield Losses.nll(x, classIndices(f), classWeights(f));
            }
            case "binary_cross_entropy_with_logits" -> Losses.bceWithLogits(x, f.tensor("target"),
                    f.bool("pos_weight") ? f.tensor("pos_weight") : null);
            case "mse_loss" -> Losses.mse(x, f.tensor("target"));
            case "smooth_l1_loss" -> Losses.smoothL1(x, f.tensor("target"), (float) f.real("beta"));
            case "huber_loss" -> Losses.huber(x, f.tensor("target"), (float) f.real("delta"));
            case "triplet_margin_loss" -> {
                // Fovea implements p = 2, eps = 1e-6 (pairwise_distance's default) and no swap.
                assertEquals(2.0, f.real("p"), 0.0, file + ": p-norm");
                assertEquals(Losses.DISTANCE_EPS, f.real("eps"), 1e-12, file + ": eps");
                assertFalse(f.bool("swap"), file + ": swap");
                yield Losses.tripletMargin(x, inputs.get(1), inputs.get(2), (float) f.real("margin"));
            }
            case "contrastive" -> contrastive(f, inputs);
            default -> throw new AssertionError(file + ": no Fovea equivalent mapped for loss '" + loss
                    + "'; add it to LossParityTest");
        };

        // The loss value: a 0-d tensor on both sides.
        f.check("output", out, ATOL, RTOL);
        out.backward();
        for (int i = 0; i < inputKeys.size(); i++) {
            f.check("grad." + inputKeys.get(i), inputs.get(i).grad(), ATOL, RTOL);
        }
    }

    /**
     * The fixture's contrastive loss is Hadsell et al. (2006) <em>without</em> the factor 1/2 and with
     * {@code d = ||x1 - x2||} (no eps); Fovea's {@link Losses#contrastive} keeps the paper's 1/2 and adds
     * PyTorch's pairwise-distance eps 1e-6 to the difference. The conventions differ by design, so the
     * test compares {@code 2 * Fovea} with the fixture; the eps moves each squared distance by about
     * {@code 2e-6 * sum(x1 - x2)} (at most ~1e-5 here), inside the tolerance.
     */
    private static Tensor contrastive(Golden.Fixture f, List<Tensor> inputs) {
        float[] y = f.tensor("target").data().clone();
        Tensor half = Losses.contrastive(inputs.get(0), inputs.get(1), y, (float) f.real("margin"));
        return half.mul(2f);
    }

    /** Class-index targets are stored as floats; they must be exact integers. */
    private static int[] classIndices(Golden.Fixture f) {
        float[] t = f.tensor("target").data();
        int[] out = new int[t.length];
        for (int i = 0; i < t.length; i++) {
            out[i] = (int) t[i];
            if (out[i] != t[i]) fail(f.file() + ": target[" + i + "] = " + t[i] + " is not a class index");
        }
        return out;
    }

    private static Tensor classWeights(Golden.Fixture f) {
        return f.bool("weight") ? f.tensor("weight") : null;
    }

    /** Fovea has no ignore_index; PyTorch's -100 is inert as long as no target equals it. */
    private static void checkIgnoreIndexUnused(Golden.Fixture f) {
        int ignore = f.integer("ignore_index");
        for (int t : classIndices(f)) {
            if (t == ignore) fail(f.file() + ": a target equals ignore_index " + ignore + ", which Fovea does not support");
        }
    }
}
