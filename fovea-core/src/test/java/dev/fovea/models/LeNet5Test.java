package dev.fovea.models;

import dev.fovea.io.SafeTensors;
import dev.fovea.nn.Module;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeNet5Test {

    @TempDir
    Path dir;

    @Test
    void hasThe61706ParametersOfTheCourseTable() {
        LeNet5 m = new LeNet5(10, new SplittableRandom(0));
        assertEquals(61_706L, m.parameterCount());
        assertEquals(156L, m.c1.weight.numel() + m.c1.bias.numel());
        assertEquals(2_416L, m.c3.weight.numel() + m.c3.bias.numel());
        assertEquals(48_120L, m.c5.weight.numel() + m.c5.bias.numel());
        assertEquals(10_164L, m.f6.weight.numel() + m.f6.bias.numel());
        assertEquals(850L, m.output().parameterCount());
        assertEquals(List.of("c1.weight", "c1.bias", "c3.weight", "c3.bias", "c5.weight", "c5.bias", "f6.weight", "f6.bias",
                "output.weight", "output.bias"), List.copyOf(m.stateDict().keySet()));
    }

    @Test
    void summaryShowsEveryStageOfThePaperTable() {
        Summary s = Summary.of(new LeNet5(10, new SplittableRandom(0)), 1, 32, 32);
        Map<String, int[]> expected = Map.of("c1", new int[] {6, 28, 28}, "s2", new int[] {6, 14, 14},
                "c3", new int[] {16, 10, 10}, "s4", new int[] {16, 5, 5}, "c5", new int[] {120, 1, 1},
                "f6", new int[] {84}, "output", new int[] {10});
        for (var e : expected.entrySet()) {
            Summary.Row r = s.rows().stream().filter(x -> x.path().equals(e.getKey())).findFirst().orElseThrow();
            assertArrayEquals(e.getValue(), r.outputShape(), e.getKey());
        }
        // 6*28*28*25 + 16*10*10*150 + 120*400 + 120*84 + 84*10
        assertEquals(117_600L + 240_000L + 48_000L + 10_080L + 840L, s.totalMacs());
        assertEquals(61_706L, s.totalParams());
        assertTrue(s.explain().contains("(5*5*1 + 1)*6 = 156"), s.explain());
    }

    @Test
    void pads28x28InputsTo32x32() {
        LeNet5 m = new LeNet5(10, new SplittableRandom(1));
        Tensor x28 = Tensor.randn(new SplittableRandom(2), 2, 1, 28, 28);
        Tensor y28 = m.forward(x28);
        assertArrayEquals(new int[] {2, 10}, y28.shape());
        assertArrayEquals(m.forward(x28.pad2d(2, 2, 2, 2)).data(), y28.data());
    }

    @Test
    void rejectsOtherInputShapes() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new LeNet5(10, new SplittableRandom(0)).forward(Tensor.zeros(1, 3, 32, 32)));
        assertEquals("LeNet5 expects input of shape (N, 1, 32, 32) or (N, 1, 28, 28); received (1, 3, 32, 32)",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LeNet5(0, new SplittableRandom(0)));
    }

    @Test
    void gradientReachesEveryParameterAndTheInput() {
        LeNet5 m = new LeNet5(10, new SplittableRandom(3));
        Tensor x = Tensor.randn(new SplittableRandom(4), 2, 1, 32, 32).requiresGrad(true);
        m.forward(x).square().sum().backward();
        assertNotNull(x.grad());
        for (var p : m.namedParameters().entrySet()) {
            float[] g = p.getValue().gradBuffer();
            double norm = 0;
            for (float v : g) norm += v * v;
            assertTrue(norm > 0, "no gradient reached " + p.getKey());
        }
    }

    @Test
    void saveLoadGivesIdenticalOutputs() throws IOException {
        LeNet5 a = new LeNet5(10, new SplittableRandom(5));
        LeNet5 b = new LeNet5(10, new SplittableRandom(6));
        Path file = dir.resolve("lenet5.safetensors");
        SafeTensors.save(a, file);
        SafeTensors.load(b, file);
        Tensor x = Tensor.randn(new SplittableRandom(7), 3, 1, 32, 32);
        assertArrayEquals(a.forward(x).data(), b.forward(x).data());
    }

    @Test
    void isInTheZoo() {
        Module m = ModelZoo.create("lenet5", 10, new SplittableRandom(0));
        assertInstanceOf(LeNet5.class, m);
        assertArrayEquals(new int[] {1, 32, 32}, ModelZoo.entry("lenet5").inputShape());
        assertEquals(61_706L, m.parameterCount());
    }
}
