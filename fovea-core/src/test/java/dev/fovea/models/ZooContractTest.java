package dev.fovea.models;

import dev.fovea.io.SafeTensors;
import dev.fovea.nn.Module;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One contract for every model in the zoo (torchvision's test_classification_model): output shape,
 * the published parameter count, a gradient reaching the input and every parameter, and save -> load
 * giving identical outputs.
 */
class ZooContractTest {

    /** Parameter counts at the default number of classes, from the papers or torchvision. */
    static final Map<String, Long> PARAMETERS = Map.ofEntries(
            Map.entry("alexnet", 62_378_344L),              // single tower; the paper's two-GPU split: 60,965,224
            Map.entry("alexnet-torchvision", 61_100_840L),  // torchvision.models.alexnet
            Map.entry("googlenet", 6_624_904L),             // torchvision.models.googlenet(aux_logits=False)
            Map.entry("lenet5", 61_706L),
            Map.entry("resnet18", 11_689_512L),             // torchvision.models.resnet18 ... resnet152
            Map.entry("resnet34", 21_797_672L),
            Map.entry("resnet50", 25_557_032L),
            Map.entry("resnet101", 44_549_160L),
            Map.entry("resnet152", 60_192_808L),
            Map.entry("resnet20", 269_722L),                // He et al. 2016, Table 6: 0.27M
            Map.entry("smallcnn", 422_090L));

    /**
     * Smaller per-sample inputs than the entry's for the big ImageNet models, so the class stays well
     * under a minute on two cores (about 45 s cold, most of it the 227x227 AlexNet and ResNet-152's
     * 60 million parameters): their adaptive pooling accepts any size large enough for every stage.
     * The course AlexNet has a fixed-size dense layer and keeps its 227x227.
     */
    static final Map<String, int[]> TEST_INPUT = Map.of(
            "alexnet-torchvision", new int[] {3, AlexNetTorchvision.MIN_INPUT_SIZE, AlexNetTorchvision.MIN_INPUT_SIZE},
            "googlenet", new int[] {3, 64, 64},
            "resnet18", new int[] {3, 64, 64},
            "resnet34", new int[] {3, 64, 64},
            "resnet50", new int[] {3, 64, 64},
            "resnet101", new int[] {3, 64, 64},
            "resnet152", new int[] {3, 64, 64});

    @TempDir Path dir;

    /** Every model that ships with Fovea (other tests register extra ones at run time). */
    static List<String> models() {
        return ModelZoo.builtInNames();
    }

    @Test
    void everyZooModelHasAKnownParameterCount() {
        assertEquals(PARAMETERS.keySet(), java.util.Set.copyOf(ModelZoo.builtInNames()),
                "add the new model's published count to PARAMETERS");
    }

    @ParameterizedTest
    @MethodSource("models")
    void contract(String name) throws IOException {
        ModelZoo.Entry entry = ModelZoo.entry(name);
        Module model = ModelZoo.create(name, new SplittableRandom(42));
        assertEquals(PARAMETERS.get(name), model.parameterCount(), name + " parameter count");

        int[] sample = TEST_INPUT.getOrDefault(name, entry.inputShape());
        int[] shape = new int[sample.length + 1];
        shape[0] = 2;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        Tensor x = Tensor.randn(new SplittableRandom(1), shape).requiresGrad(true);
        Tensor y = model.forward(x);
        assertArrayEquals(new int[] {2, entry.defaultClasses()}, y.shape());

        y.mul(Tensor.randn(new SplittableRandom(2), y.shape())).sum().backward();
        assertNotNull(x.grad(), "no gradient reached the input");
        assertTrue(nonZero(x.grad()), "the input gradient is all zeros");
        for (var p : model.namedParameters().entrySet()) {
            assertNotNull(p.getValue().grad(), "no gradient reached " + p.getKey());
            assertTrue(nonZero(p.getValue().grad()), "the gradient of " + p.getKey() + " is all zeros");
        }

        model.eval();
        Path file = dir.resolve(name + ".safetensors");
        SafeTensors.save(model, file);
        Module copy = ModelZoo.create(name, new SplittableRandom(7));
        SafeTensors.load(copy, file);
        copy.eval();
        try (var off = NoGrad.enter()) {
            Tensor in = Tensor.randn(new SplittableRandom(3), shape);
            assertArrayEquals(model.forward(in).data(), copy.forward(in).data(), 0f, name + " after save/load");
        }
    }

    private static boolean nonZero(Tensor t) {
        for (float v : t.data()) if (v != 0f) return true;
        return false;
    }
}
