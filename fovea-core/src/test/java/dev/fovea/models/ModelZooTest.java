package dev.fovea.models;

import dev.fovea.nn.Linear;
import dev.fovea.nn.Module;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry itself; the zoo-wide model checks live in LeNet5Test / a parameterized zoo test. */
class ModelZooTest {

    private static final ModelZoo.Entry PERCEPTRON = new ModelZoo.Entry("zoo-test-perceptron", "one linear layer",
            new int[] {4}, 3, (classes, rng) -> new Linear(4, classes, rng));

    static {
        ModelZoo.register(PERCEPTRON);
    }

    @Test
    void createsRegisteredModelsByNameIgnoringCase() {
        Module m = ModelZoo.create("Zoo-Test-Perceptron", 7, new SplittableRandom(0));
        Linear fc = assertInstanceOf(Linear.class, m);
        assertEquals(7, fc.outFeatures);
        assertEquals(3, ((Linear) ModelZoo.create("zoo-test-perceptron", new SplittableRandom(0))).outFeatures);
        assertTrue(ModelZoo.names().contains("zoo-test-perceptron"));
        assertArrayEquals(new int[] {4}, ModelZoo.entry("zoo-test-perceptron").inputShape());
    }

    @Test
    void sameSeedGivesSameWeights() {
        Linear a = (Linear) ModelZoo.create("zoo-test-perceptron", 3, new SplittableRandom(42));
        Linear b = (Linear) ModelZoo.create("zoo-test-perceptron", 3, new SplittableRandom(42));
        assertArrayEquals(a.weight.data(), b.weight.data());
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> ModelZoo.create("resnet1000", 10, new SplittableRandom(0)));
        assertTrue(e.getMessage().startsWith("unknown model 'resnet1000'; known models: "), e.getMessage());
        assertTrue(e.getMessage().contains("zoo-test-perceptron"), e.getMessage());
    }

    @Test
    void validatesRegistrationsAndArguments() {
        assertThrows(IllegalArgumentException.class, () -> ModelZoo.register(PERCEPTRON));
        assertThrows(IllegalArgumentException.class,
                () -> new ModelZoo.Entry("Bad Name", "", new int[] {1}, 1, (c, r) -> new Linear(1, c, r)));
        assertThrows(IllegalArgumentException.class, () -> new ModelZoo.Entry("ok", "", new int[0], 1, (c, r) -> null));
        var e = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.create("zoo-test-perceptron", 0, new SplittableRandom(0)));
        assertEquals("model 'zoo-test-perceptron' expects numClasses >= 1; received 0", e.getMessage());
    }
}
