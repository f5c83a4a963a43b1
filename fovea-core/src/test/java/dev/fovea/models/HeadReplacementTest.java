package dev.fovea.models;

import dev.fovea.nn.Dropout;
import dev.fovea.nn.Linear;
import dev.fovea.nn.Module;
import dev.fovea.nn.Sequential;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Transfer learning swaps a pretrained model's classifier with {@link Module#replaceModule}; the zoo
 * models must then use the new head (their forward looks the head up by name, not through a field).
 */
class HeadReplacementTest {

    private static void check(Module model, String head, Module replacement, Function<Module, Module> accessor, int... input) {
        model.replaceModule(head, replacement);
        assertSame(replacement, accessor.apply(model));
        model.eval();
        try (var off = NoGrad.enter()) {
            assertArrayEquals(new int[] {input[0], 7}, model.forward(Tensor.zeros(input)).shape(), model.getClass().getSimpleName());
        }
    }

    @Test
    void everyZooClassifierCanBeReplaced() {
        SplittableRandom rng = new SplittableRandom(0);
        check(ResNet.resnet18(1000, rng), "fc", new Linear(512, 7, rng), m -> ((ResNet) m).fc(), 1, 3, 32, 32);
        check(ResNetCifar.resnet20(10, rng), "fc", new Linear(64, 7, rng), m -> ((ResNetCifar) m).fc(), 2, 3, 32, 32);
        check(new GoogLeNet(1000, rng), "fc", new Sequential(new Dropout(0.5f, rng), new Linear(1024, 7, rng)),
                m -> ((GoogLeNet) m).fc(), 1, 3, 32, 32);
        check(new AlexNet(1000, rng), "fc8", new Linear(4096, 7, rng), m -> ((AlexNet) m).fc8(), 1, 3, 227, 227);
        check(new AlexNetTorchvision(1000, rng), "classifier", new Sequential(new Linear(256 * 36, 7, rng)),
                m -> ((AlexNetTorchvision) m).classifier(), 1, 3, 63, 63);
        // Replacing inside torchvision's classifier works as model.classifier[6] = nn.Linear(4096, 7) does.
        AlexNetTorchvision tv = new AlexNetTorchvision(1000, rng);
        ((Sequential) tv.classifier()).replaceModule("6", new Linear(4096, 7, rng));
        tv.eval();
        try (var off = NoGrad.enter()) {
            assertArrayEquals(new int[] {1, 7}, tv.forward(Tensor.zeros(1, 3, 63, 63)).shape());
        }
    }
}
