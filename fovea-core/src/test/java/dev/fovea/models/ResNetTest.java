package dev.fovea.models;

import dev.fovea.nn.BatchNorm2d;
import dev.fovea.nn.Branching;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Linear;
import dev.fovea.nn.Module;
import dev.fovea.nn.Sequential;
import dev.fovea.tensor.GradCheck;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ResNet structure (blocks, shortcuts, branches) and the CIFAR networks; parity with torchvision is TorchvisionParityTest. */
class ResNetTest {

    @Test
    void layersHaveThePapersBlocksAndShortcuts() {
        ResNet r50 = ResNet.resnet50(1000, new SplittableRandom(0));
        assertArrayEquals(new int[] {3, 4, 6, 3}, r50.layers());
        assertEquals(List.of(3, 4, 6, 3), List.of(r50.layer1.size(), r50.layer2.size(), r50.layer3.size(), r50.layer4.size()));
        // Every layer's first block projects (layer1 too: 64 -> 256 channels); the others are identities.
        for (Sequential layer : List.of(r50.layer1, r50.layer2, r50.layer3, r50.layer4)) {
            Bottleneck first = assertInstanceOf(Bottleneck.class, layer.get(0));
            Sequential down = assertInstanceOf(Sequential.class, first.downsample);
            assertInstanceOf(Conv2d.class, down.get(0));
            assertInstanceOf(BatchNorm2d.class, down.get(1));
            for (int i = 1; i < layer.size(); i++) assertNull(((Bottleneck) layer.get(i)).downsample);
        }
        // v1.5: the stride sits on the 3x3 convolution.
        Bottleneck b = (Bottleneck) r50.layer2.get(0);
        assertArrayEquals(new int[] {1, 1}, b.conv1.stride);
        assertArrayEquals(new int[] {2, 2}, b.conv2.stride);
        assertArrayEquals(new int[] {2, 2}, ((Conv2d) ((Sequential) b.downsample).get(0)).stride);

        ResNet r18 = ResNet.resnet18(1000, new SplittableRandom(0));
        assertNull(((BasicBlock) r18.layer1.get(0)).downsample, "resnet18 layer1 keeps 64 channels: identity");
        assertTrue(r18.stateDict().containsKey("layer2.0.downsample.1.running_var"));
        assertEquals(512, ((Linear) r18.fc()).inFeatures);
        assertEquals(2048, ((Linear) r50.fc()).inFeatures);
    }

    @Test
    void blocksExposeTheirBranches() {
        ResNet r18 = ResNet.resnet18(10, new SplittableRandom(0));
        BasicBlock identity = (BasicBlock) r18.layer1.get(0);
        assertEquals(Branching.Merge.ADD, identity.merge());
        assertEquals(List.of(List.of(identity.conv1, identity.bn1, identity.relu, identity.conv2, identity.bn2), List.of()),
                identity.branches());
        BasicBlock projecting = (BasicBlock) r18.layer2.get(0);
        assertEquals(List.of(projecting.downsample), projecting.branches().get(1));

        Bottleneck b = (Bottleneck) ResNet.resnet50(10, new SplittableRandom(0)).layer3.get(0);
        List<List<Module>> br = b.branches();
        assertEquals(8, br.get(0).size());
        assertSame(b.bn3, br.get(0).get(7));
        assertEquals(List.of(b.downsample), br.get(1));
    }

    @Test
    void basicBlockIsReluOfMainPathPlusShortcut() {
        SplittableRandom rng = new SplittableRandom(3);
        BasicBlock block = new BasicBlock(4, 4, 1, null, rng);
        block.eval();
        Tensor x = Tensor.randn(new SplittableRandom(4), 2, 4, 5, 5);
        try (var off = NoGrad.enter()) {
            Tensor main = block.bn2.forward(block.conv2.forward(block.bn1.forward(block.conv1.forward(x)).relu()));
            assertArrayEquals(main.add(x).relu().data(), block.forward(x).data(), 1e-6f);
        }
    }

    @Test
    void gradientsFlowThroughBothPathsOfAProjectingBlock() {
        // Seed 2 keeps every pre-ReLU value at least 0.003 from zero, so the +-1e-3 steps stay off the kinks.
        SplittableRandom rng = new SplittableRandom(2);
        Bottleneck block = new Bottleneck(4, 2, 2, new Sequential(ResNet.conv1x1(4, 8, 2, rng), new BatchNorm2d(8)), rng);
        block.eval(); // running statistics: a smooth function of the input, so finite differences apply
        Tensor x = GradCheck.input(6, 1, 4, 5, 5);
        GradCheck.check(in -> block.forward(in[0]), x, block.conv2.weight, ((Conv2d) ((Sequential) block.downsample).get(0)).weight);
    }

    @Test
    void blocksRejectAShapeChangeWithoutDownsample() {
        var e = assertThrows(IllegalArgumentException.class, () -> new BasicBlock(64, 128, 2, null, new SplittableRandom(0)));
        assertEquals("BasicBlock expects a downsample module when the shape changes; received inplanes=64, planes=128, "
                + "stride=2 and no downsample", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Bottleneck(64, 64, 1, null, new SplittableRandom(0)));
        assertThrows(IllegalArgumentException.class,
                () -> new ResNet(ResNet.Block.BASIC, new int[] {2, 2, 2}, 10, new SplittableRandom(0)));
        var in = assertThrows(IllegalArgumentException.class,
                () -> ResNet.resnet18(10, new SplittableRandom(0)).forward(Tensor.zeros(1, 1, 32, 32)));
        assertEquals("ResNet expects input of shape (N, 3, H, W); received (1, 1, 32, 32)", in.getMessage());
    }

    @Test
    void resnet18SummaryHasTheImageNetShapes() {
        Summary s = Summary.of(ResNet.resnet18(1000, new SplittableRandom(0)), 3, 224, 224);
        assertArrayEquals(new int[] {64, 112, 112}, rowOut(s, "conv1"));
        assertArrayEquals(new int[] {64, 56, 56}, rowOut(s, "maxpool"));
        assertArrayEquals(new int[] {128, 28, 28}, rowOut(s, "layer2.1.bn2"));
        assertArrayEquals(new int[] {512, 7, 7}, rowOut(s, "layer4.1.bn2"));
        assertArrayEquals(new int[] {512, 1, 1}, rowOut(s, "avgpool"));
        assertEquals(11_689_512L, s.totalParams());
        // The paper's Table 1: 1.8 x 10^9 FLOPs (multiply-adds).
        assertEquals(1.8e9, s.totalMacs(), 0.05e9);
    }

    @Test
    void resnet152RunsAt224x224() {
        ResNet net = ResNet.resnet152(1000, new SplittableRandom(0));
        net.eval();
        try (var off = NoGrad.enter()) {
            Tensor y = net.forward(Tensor.randn(new SplittableRandom(1), 1, 3, 224, 224));
            assertArrayEquals(new int[] {1, 1000}, y.shape());
            for (float v : y.data()) assertTrue(Float.isFinite(v));
        }
    }

    private static int[] rowOut(Summary s, String path) {
        return s.rows().stream().filter(r -> r.path().equals(path)).findFirst().orElseThrow().outputShape();
    }

    // ------------------------------------------------------------------ CIFAR

    @Test
    void cifarDepthsHaveTable6ParameterCounts() {
        assertEquals(269_722L, ResNetCifar.resnet20(10, new SplittableRandom(0)).parameterCount());
        // He et al. 2016, Table 6: 32 -> 0.46M, 44 -> 0.66M, 56 -> 0.85M, 110 -> 1.7M (option A).
        double[][] table = {{32, 0.46}, {44, 0.66}, {56, 0.85}, {110, 1.7}};
        for (double[] t : table) {
            long n = new ResNetCifar((int) t[0], ResNetCifar.Shortcut.A, 10, new SplittableRandom(0)).parameterCount();
            assertEquals(t[1], n / 1e6, t[0] == 110 ? 0.05 : 0.005, "ResNet-" + (int) t[0] + " has " + n);
        }
        // Option B adds two projections: (16*32 + 64) + (32*64 + 128).
        assertEquals(269_722L + 2_752L,
                new ResNetCifar(20, ResNetCifar.Shortcut.B, 10, new SplittableRandom(0)).parameterCount());
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ResNetCifar(21, ResNetCifar.Shortcut.A, 10, new SplittableRandom(0)));
        assertEquals("ResNetCifar expects depth = 6n + 2 with n >= 1 (20, 32, 44, 56, 110); received 21", e.getMessage());
    }

    @Test
    void cifarStagesHalveTheSizeAndDoubleTheMaps() {
        Summary s = Summary.of(ResNetCifar.resnet20(10, new SplittableRandom(0)), 3, 32, 32);
        assertArrayEquals(new int[] {16, 32, 32}, rowOut(s, "layer1.2.bn2"));
        assertArrayEquals(new int[] {32, 16, 16}, rowOut(s, "layer2.0.downsample"));
        assertArrayEquals(new int[] {64, 8, 8}, rowOut(s, "layer3.2.bn2"));
        assertArrayEquals(new int[] {10}, s.outputShape());
    }

    @Test
    void optionAShortcutSubsamplesAndZeroPadsChannels() {
        ResNetCifar.PadShortcut pad = new ResNetCifar.PadShortcut(2, 6, 2);
        Tensor x = Tensor.arange(2 * 4 * 4).reshape(1, 2, 4, 4);
        Tensor y = pad.forward(x);
        assertArrayEquals(new int[] {1, 6, 2, 2}, y.shape());
        float[] expected = new float[6 * 4];
        // channels 0, 1 and 4, 5 are zero; 2 and 3 hold x[:, :, ::2, ::2]
        float[] sub = {0, 2, 8, 10, 16, 18, 24, 26};
        System.arraycopy(sub, 0, expected, 8, 8);
        assertArrayEquals(expected, y.data());
        assertEquals(0, pad.parameterCount());

        Tensor in = GradCheck.input(9, 1, 2, 5, 5);
        GradCheck.check(t -> pad.forward(t[0]), in);
        var e = assertThrows(IllegalArgumentException.class, () -> pad.forward(Tensor.zeros(1, 3, 4, 4)));
        assertEquals("PadShortcut expects input of shape (N, 2, H, W); received (1, 3, 4, 4) "
                + "(inChannels=2, outChannels=6, stride=2)", e.getMessage());
    }

    @Test
    void cifarBlocksReuseTheImageNetBasicBlockKeys() {
        ResNetCifar net = ResNetCifar.resnet20(10, new SplittableRandom(0));
        assertTrue(net.stateDict().containsKey("layer2.0.conv1.weight"));
        assertTrue(net.stateDict().keySet().stream().noneMatch(k -> k.contains("downsample")), "option A has no parameters");
        ResNetCifar b = new ResNetCifar(20, ResNetCifar.Shortcut.B, 10, new SplittableRandom(0));
        assertArrayEquals(new int[] {64, 32, 1, 1}, b.stateDict().get("layer3.0.downsample.0.weight").shape());
    }

    @Test
    void inferenceInPlaceMatchesTheRecordedPassAndLeavesTheInputAlone() {
        // under NoGrad the blocks normalise, add and rectify in place; with recording on they allocate:
        // the logits must agree bit for bit, for both block types, and the images must stay untouched
        for (ResNet.Block block : ResNet.Block.values()) {
            SplittableRandom rng = new SplittableRandom(21);
            ResNet net = new ResNet(block, new int[] {1, 1, 1, 1}, 10, rng);
            for (Module m : net.namedModules().values()) { // running statistics and affine terms far from 0 and 1
                if (m instanceof BatchNorm2d bn) {
                    for (int ch = 0; ch < bn.numFeatures; ch++) {
                        bn.runningMean.data()[ch] = (float) rng.nextGaussian() * 0.1f;
                        bn.runningVar.data()[ch] = 0.5f + (float) rng.nextDouble();
                        bn.weight.data()[ch] = 0.5f + (float) rng.nextDouble();
                        bn.bias.data()[ch] = (float) rng.nextGaussian() * 0.1f;
                    }
                }
            }
            net.eval();
            Tensor images = Tensor.randn(rng, 2, 3, 32, 32);
            float[] original = images.data().clone();
            float[] recorded = net.forward(images).data();
            float[] inPlace;
            try (NoGrad _ = NoGrad.enter()) {
                inPlace = net.forward(images).data();
            }
            assertArrayEquals(recorded, inPlace, 0f, block.name());
            assertArrayEquals(original, images.data(), 0f, block.name());
        }
    }
}
