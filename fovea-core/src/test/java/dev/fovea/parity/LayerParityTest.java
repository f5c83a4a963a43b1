package dev.fovea.parity;

import dev.fovea.nn.AdaptiveAvgPool2d;
import dev.fovea.nn.AvgPool1d;
import dev.fovea.nn.AvgPool2d;
import dev.fovea.nn.BatchNorm;
import dev.fovea.nn.BatchNorm1d;
import dev.fovea.nn.BatchNorm2d;
import dev.fovea.nn.Conv1d;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.ELU;
import dev.fovea.nn.Flatten;
import dev.fovea.nn.LeakyReLU;
import dev.fovea.nn.Linear;
import dev.fovea.nn.LocalResponseNorm;
import dev.fovea.nn.LogSoftmax;
import dev.fovea.nn.MaxPool1d;
import dev.fovea.nn.MaxPool2d;
import dev.fovea.nn.Module;
import dev.fovea.nn.Padding;
import dev.fovea.nn.ReLU;
import dev.fovea.nn.SELU;
import dev.fovea.nn.Sigmoid;
import dev.fovea.nn.Softmax;
import dev.fovea.nn.Tanh;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every {@code layer_*} fixture: the Fovea module built from the fixture's metadata (PyTorch's
 * constructor arguments), loaded with PyTorch's parameters and buffers through {@code loadStateDict}
 * (strict, so the state-dict keys must be spelled as PyTorch spells them), run once in the fixture's
 * mode, and differentiated through {@code sum(output * grad_output)}, the scalar the script
 * differentiated. Compared: {@code output}, {@code grad.input}, every {@code grad.param.*}, and for
 * batch norm in training mode the running statistics and batch counter afterwards.
 *
 * <p>Tolerance everywhere: 1e-5 absolute + 1e-4 relative. Both sides compute in float32; the largest
 * reduction here (the 11x11x3 convolution, 363 products per output, and its weight gradient over 36
 * positions) accumulates rounding of order 1e-6 relative, so 1e-4 leaves a wide margin while still
 * catching any wrong index, padding or scaling (those show up at 1e-2 or worse).
 */
class LayerParityTest {

    /** Absolute part of the tolerance (values are O(1); see the class comment). */
    private static final double ATOL = 1e-5;
    /** Relative part of the tolerance (float32 accumulation over at most a few hundred terms). */
    private static final double RTOL = 1e-4;

    static boolean handles(String file) {
        return file.startsWith("layer_");
    }

    static Stream<String> fixtures() {
        return Golden.files(LayerParityTest::handles);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void matchesPyTorch(String file) {
        Golden.Fixture f = Golden.load(file);
        f.expectKind("layer");
        Module m = build(f);

        // Parameters and buffers before the forward pass, under their PyTorch state-dict keys.
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (var e : f.tensors().entrySet()) {
            String k = e.getKey();
            if (k.startsWith("param.")) state.put(k.substring("param.".length()), e.getValue().copy());
        }
        m.loadStateDict(state, true);

        String mode = f.str("mode");
        switch (mode) {
            case "train" -> m.train();
            case "eval" -> m.eval();
            default -> fail(file + ": unknown mode '" + mode + "'");
        }

        Tensor x = f.fresh("input").requiresGrad(true);
        Tensor y = m.forward(x);
        f.check("output", y, ATOL, RTOL);

        y.mul(f.tensor("grad_output")).sum().backward();
        f.check("grad.input", x.grad(), ATOL, RTOL);

        // Every trainable parameter has a fixture gradient and vice versa.
        Map<String, Tensor> params = m.namedParameters();
        TreeSet<String> expectedGrads = new TreeSet<>();
        for (String k : f.tensors().keySet()) {
            if (k.startsWith("grad.param.")) expectedGrads.add(k.substring("grad.param.".length()));
        }
        assertEquals(expectedGrads, new TreeSet<>(params.keySet()), file + ": trainable parameters");
        for (var e : params.entrySet()) f.check("grad.param." + e.getKey(), e.getValue().grad(), ATOL, RTOL);

        if (m instanceof BatchNorm bn) checkRunningStats(f, bn);
    }

    /** After a training step the buffers moved; in eval mode they must be untouched. */
    private static void checkRunningStats(Golden.Fixture f, BatchNorm bn) {
        if (f.str("mode").equals("train")) {
            // running_var uses the unbiased batch variance (n/(n-1)); same tolerance as the outputs.
            f.check("running_mean_after", bn.runningMean, ATOL, RTOL);
            f.check("running_var_after", bn.runningVar, ATOL, RTOL);
            assertEquals(f.integer("num_batches_tracked_after"), bn.numBatchesTracked.item(), 0.0,
                    f.file() + ": num_batches_tracked after one training batch");
        } else {
            // Exact: eval mode must not write the buffers at all.
            assertArrayEquals(f.tensor("param.running_mean").data(), bn.runningMean.data(), 0f,
                    f.file() + ": running_mean changed in eval mode");
            assertArrayEquals(f.tensor("param.running_var").data(), bn.runningVar.data(), 0f,
                    f.file() + ": running_var changed in eval mode");
            assertEquals(f.tensor("param.num_batches_tracked").item(), bn.numBatchesTracked.item(), 0f,
                    f.file() + ": num_batches_tracked changed in eval mode");
        }
    }

    // ------------------------------------------------------------------ module from metadata

    /** The Fovea module with the fixture's constructor arguments; an unknown layer name fails the test. */
    private static Module build(Golden.Fixture f) {
        // Initial values are overwritten by loadStateDict; the generator only has to be explicit.
        var rng = new SplittableRandom(0);
        String layer = f.str("layer");
        return switch (layer) {
            case "Conv2d" -> conv2d(f, rng);
            case "Conv1d" -> conv1d(f, rng);
            case "Linear" -> new Linear(f.integer("in_features"), f.integer("out_features"), f.bool("bias"), rng);
            case "MaxPool2d" -> new MaxPool2d(f.ints("kernel_size"), f.ints("stride"), f.ints("padding"),
                    f.ints("dilation"), f.bool("ceil_mode"));
            case "MaxPool1d" -> new MaxPool1d(f.integer("kernel_size"), f.integer("stride"), f.integer("padding"),
                    f.integer("dilation"), f.bool("ceil_mode"));
            case "AvgPool2d" -> new AvgPool2d(f.ints("kernel_size"), f.ints("stride"), f.ints("padding"),
                    f.bool("ceil_mode"), f.bool("count_include_pad"));
            case "AvgPool1d" -> new AvgPool1d(f.integer("kernel_size"), f.integer("stride"), f.integer("padding"),
                    f.bool("ceil_mode"), f.bool("count_include_pad"));
            case "AdaptiveAvgPool2d" -> {
                int[] o = f.ints("output_size");
                yield new AdaptiveAvgPool2d(o[0], o[1]);
            }
            case "Flatten" -> new Flatten(f.integer("start_dim"), f.integer("end_dim"));
            case "BatchNorm1d", "BatchNorm2d" -> batchNorm(f, layer);
            case "LocalResponseNorm" -> new LocalResponseNorm(f.integer("size"), (float) f.real("alpha"),
                    (float) f.real("beta"), (float) f.real("k"));
            case "ReLU" -> new ReLU();
            case "LeakyReLU" -> new LeakyReLU((float) f.real("negative_slope"));
            case "ELU" -> new ELU((float) f.real("alpha"));
            case "SELU" -> {
                // Fovea's SELU has the fixed constants of Klambauer et al. (2017); the fixture must use them too.
                assertEquals(1.6732632423543772, f.real("alpha"), 0.0, f.file() + ": SELU alpha");
                assertEquals(1.0507009873554805, f.real("scale"), 0.0, f.file() + ": SELU scale");
                yield new SELU();
            }
            case "Tanh" -> new Tanh();
            case "Sigmoid" -> new Sigmoid();
            case "Softmax" -> new Softmax(f.integer("dim"));
            case "LogSoftmax" -> new LogSoftmax(f.integer("dim"));
            default -> throw new AssertionError(f.file() + ": no Fovea equivalent mapped for layer '" + layer
                    + "'; add it to LayerParityTest.build");
        };
    }

    private static Module conv2d(Golden.Fixture f, SplittableRandom rng) {
        String pad = f.str("padding");
        Padding padding;
        if (pad.equals("same")) {
            padding = Padding.SAME;
        } else {
            int[] p = f.ints("padding");
            padding = Padding.of(p[0], p[1]);
        }
        Conv2d c = new Conv2d(f.integer("in_channels"), f.integer("out_channels"), f.ints("kernel_size"),
                f.ints("stride"), padding, f.ints("dilation"), f.integer("groups"), f.bool("bias"), rng);
        // The four sizes PyTorch actually padded with ('same' with an even kernel: the extra one bottom/right).
        assertArrayEquals(f.ints("padding_tlbr"), c.resolvedPadding(), f.file() + ": resolved padding {t, l, b, r}");
        return c;
    }

    private static Module conv1d(Golden.Fixture f, SplittableRandom rng) {
        String pad = f.str("padding");
        Padding padding = pad.equals("same") ? Padding.SAME : Padding.of(f.integer("padding"));
        Conv1d c = new Conv1d(f.integer("in_channels"), f.integer("out_channels"), f.integer("kernel_size"),
                f.integer("stride"), padding, f.integer("dilation"), f.integer("groups"), f.bool("bias"), rng);
        assertArrayEquals(f.ints("padding_lr"), c.resolvedPadding(), f.file() + ": resolved padding {l, r}");
        return c;
    }

    private static Module batchNorm(Golden.Fixture f, String layer) {
        if (!f.bool("track_running_stats")) {
            fail(f.file() + ": Fovea's batch norm always tracks running statistics; fixture has track_running_stats=false");
        }
        int c = f.integer("num_features");
        float eps = (float) f.real("eps");
        float momentum = (float) f.real("momentum");
        boolean affine = f.bool("affine");
        return layer.equals("BatchNorm1d")
                ? new BatchNorm1d(c, eps, momentum, affine)
                : new BatchNorm2d(c, eps, momentum, affine);
    }
}
