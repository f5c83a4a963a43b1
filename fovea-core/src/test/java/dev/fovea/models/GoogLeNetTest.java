package dev.fovea.models;

import dev.fovea.nn.Branching;
import dev.fovea.nn.MaxPool2d;
import dev.fovea.nn.Module;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GoogLeNet's structure and auxiliary classifiers; parity with torchvision is TorchvisionParityTest. */
class GoogLeNetTest {

    @Test
    void summaryHasThePapersShapes() {
        Summary s = Summary.of(new GoogLeNet(1000, new SplittableRandom(0)), true, 3, 224, 224);
        String[][] table = {
            {"conv1", "64,112,112"}, {"maxpool1", "64,56,56"}, {"conv3", "192,56,56"}, {"maxpool2", "192,28,28"},
            {"inception3a", "256,28,28"}, {"inception3b", "480,28,28"}, {"maxpool3", "480,14,14"},
            {"inception4a", "512,14,14"}, {"inception4d", "528,14,14"}, {"inception4e", "832,14,14"},
            {"maxpool4", "832,7,7"}, {"inception5b", "1024,7,7"}, {"avgpool", "1024,1,1"}, {"fc", "1000"}};
        for (String[] t : table) {
            int[] expected = java.util.Arrays.stream(t[1].split(",")).mapToInt(Integer::parseInt).toArray();
            int[] actual = s.rows().stream().filter(r -> r.path().equals(t[0])).findFirst().orElseThrow().outputShape();
            assertArrayEquals(expected, actual, t[0]);
        }
        assertEquals(6_624_904L, s.totalParams());
        // The paper's Table 1 gives 1.5 billion multiply-adds; torchvision's 3x3 "5x5" branch makes it a little less.
        assertEquals(1.5e9, s.totalMacs(), 0.05e9);
    }

    @Test
    void inceptionConcatenatesFourBranches() {
        GoogLeNet net = new GoogLeNet(10, new SplittableRandom(0));
        GoogLeNet.Inception i3a = net.inception3a;
        assertInstanceOf(Branching.class, i3a);
        assertEquals(Branching.Merge.CONCAT, i3a.merge());
        List<List<Module>> br = i3a.branches();
        assertEquals(List.of(1, 2, 2, 2), br.stream().map(List::size).toList());
        assertSame(i3a.branch1, br.get(0).get(0));
        assertInstanceOf(MaxPool2d.class, br.get(3).get(0));
        assertEquals(64 + 128 + 32 + 32, i3a.outChannels);
        // torchvision's known deviation: the "5x5" branch is a 3x3 convolution.
        GoogLeNet.BasicConv2d fiveByFive = (GoogLeNet.BasicConv2d) i3a.branch3.get(1);
        assertArrayEquals(new int[] {3, 3}, fiveByFive.conv.kernelSize);
        assertNull(fiveByFive.conv.bias);
        assertEquals(0.001f, fiveByFive.bn.eps);
        var e = assertThrows(IllegalArgumentException.class, () -> i3a.forward(Tensor.zeros(1, 100, 8, 8)));
        assertEquals("Inception expects input of shape (N, 192, H, W); received (1, 100, 8, 8)", e.getMessage());
    }

    @Test
    void auxiliaryClassifiersRunOnlyInTraining() {
        GoogLeNet net = new GoogLeNet(10, true, false, new SplittableRandom(0));
        assertEquals(13_004_888L, new GoogLeNet(1000, true, false, new SplittableRandom(0)).parameterCount());
        assertTrue(net.stateDict().containsKey("aux1.conv.conv.weight"));
        assertTrue(net.stateDict().containsKey("aux2.fc2.bias"));

        Tensor x = Tensor.randn(new SplittableRandom(1), 2, 3, 64, 64).requiresGrad(true);
        Tensor y = net.forward(x);
        assertArrayEquals(new int[] {2, 10}, y.shape());
        List<Tensor> aux = net.lastAuxOutputs();
        assertEquals(2, aux.size());
        for (Tensor a : aux) assertArrayEquals(new int[] {2, 10}, a.shape());

        // The paper's loss: main + 0.3 * (aux1 + aux2); every aux parameter receives gradient.
        Tensor target = Tensor.randn(new SplittableRandom(2), 2, 10);
        y.mul(target).sum().add(aux.get(0).mul(target).sum().mul(0.3f)).add(aux.get(1).mul(target).sum().mul(0.3f)).backward();
        assertNotNull(net.aux1.fc2.weight.grad());
        assertNotNull(net.aux2.conv.conv.weight.grad());
        assertNotNull(net.conv1.conv.weight.grad());

        net.eval();
        try (var off = NoGrad.enter()) {
            net.forward(Tensor.zeros(1, 3, 64, 64));
        }
        assertTrue(net.lastAuxOutputs().isEmpty(), "no auxiliary outputs in eval mode");
        GoogLeNet plain = new GoogLeNet(10, new SplittableRandom(0));
        plain.forward(Tensor.randn(new SplittableRandom(1), 2, 3, 64, 64));
        assertTrue(plain.lastAuxOutputs().isEmpty());
        assertNull(plain.aux1);
        assertFalse(plain.stateDict().keySet().stream().anyMatch(k -> k.startsWith("aux")));
    }

    @Test
    void acceptsSmallInputsAndRejectsTooSmallOnes() {
        GoogLeNet net = new GoogLeNet(10, new SplittableRandom(0));
        net.eval();
        try (var off = NoGrad.enter()) {
            // 32x32 leaves 1x1 maps before the last inception module. torchvision goes down to 15x15, where a
            // ceil-mode 3x3 pool window covers a whole 2x2 map; Fovea's pooling size rule rejects such windows
            // (PoolSizes.outSize returns 0 for in + 2*pad < kernel), so 31x31 is the smallest that works here.
            assertArrayEquals(new int[] {1, 10}, net.forward(Tensor.zeros(1, 3, 32, 32)).shape());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> net.forward(Tensor.zeros(1, 3, 14, 14)));
        assertEquals("GoogLeNet expects input of shape (N, 3, H, W) with H, W >= 15; received (1, 3, 14, 14)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> net.forward(Tensor.zeros(1, 1, 64, 64)));
    }
}
