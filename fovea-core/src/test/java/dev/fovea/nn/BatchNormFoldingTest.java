package dev.fovea.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fovea.models.BasicBlock;
import dev.fovea.models.Bottleneck;
import dev.fovea.models.ResNet;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchNormFoldingTest {

    /**
     * A stem (Sequential conv, bn, relu), a basic residual unit with a strided projection and a
     * bottleneck unit with one: 1 + 2 + 1 + 3 + 1 = 8 convolutions followed by a batch norm.
     */
    private static Module model(SplittableRandom rng) {
        Module model = new Sequential(
                new Conv2d(3, 16, 3, 1, 1, rng), new BatchNorm2d(16), new ReLU(),
                new BasicBlock(16, 24, 2, new Sequential(ResNet.conv1x1(16, 24, 2, rng), new BatchNorm2d(24)), rng),
                new Bottleneck(24, 8, 1, new Sequential(ResNet.conv1x1(24, 32, 1, rng), new BatchNorm2d(32)), rng));
        // running statistics and affine parameters far from the identity, so that folding matters
        for (Module m : model.namedModules().values()) {
            if (m instanceof BatchNorm2d bn) {
                for (int c = 0; c < bn.numFeatures; c++) {
                    bn.runningMean.data()[c] = (float) rng.nextDouble(-1, 1);
                    bn.runningVar.data()[c] = (float) rng.nextDouble(0.2, 3);
                    bn.weight.data()[c] = (float) rng.nextDouble(-2, 2);
                    bn.bias.data()[c] = (float) rng.nextDouble(-1, 1);
                }
            }
        }
        return model;
    }

    private static Tensor evalForward(Module model, Tensor x) {
        boolean training = model.isTraining();
        model.eval();
        try (NoGrad _ = NoGrad.enter()) {
            return model.forward(x);
        } finally {
            if (training) model.train();
        }
    }

    @Test
    void sessionFoldsEveryConvolutionAndBatchNormPairAndGivesTheEvalForwardPass() {
        SplittableRandom rng = new SplittableRandom(7);
        Module model = model(rng);
        Tensor x = Tensor.randn(rng, 2, 3, 12, 12);
        float[] expected = evalForward(model, x).data();
        try (InferenceSession session = InferenceSession.of(model)) {
            for (int run = 0; run < 2; run++) InferenceSessionTest.assertClose(expected, session.run(x).data());
            assertEquals(8, session.foldedConvolutions(), "the stem, 2 + 1 in the basic unit, 3 + 1 in the bottleneck");
        }
    }

    @Test
    void foldingLeavesTheModuleItsOwnTensors() {
        SplittableRandom rng = new SplittableRandom(8);
        Module model = model(rng);
        Map<String, float[]> before = new LinkedHashMap<>();
        model.stateDict().forEach((k, t) -> before.put(k, t.data().clone()));
        try (InferenceSession session = InferenceSession.of(model)) {
            session.run(Tensor.randn(rng, 1, 3, 10, 10));
        }
        model.stateDict().forEach((k, t) -> assertArrayEquals(before.get(k), t.data(), k));
    }

    @Test
    void aListenerSeesEveryModuleInsideASession() throws Exception {
        SplittableRandom rng = new SplittableRandom(9);
        Module model = model(rng);
        Tensor x = Tensor.randn(rng, 1, 3, 10, 10);
        float[] expected = evalForward(model, x).data();
        Set<Module> seen = new HashSet<>();
        try (InferenceSession session = InferenceSession.of(model);
             AutoCloseable _ = Module.listen((m, in, out) -> seen.add(m))) {
            InferenceSessionTest.assertClose(expected, session.run(x).data());
            assertEquals(0, session.foldedConvolutions(), "a listener must see the batch norms, so nothing is folded");
        }
        for (Module m : model.namedModules().values()) {
            if (m instanceof BatchNorm2d) assertTrue(seen.contains(m), "listener saw every batch norm");
        }
    }

    @Test
    void outsideASessionItIsTheTwoModulesAndTrainsAsThey() {
        SplittableRandom rng = new SplittableRandom(10);
        Conv2d conv = new Conv2d(3, 4, 3, 1, 1, rng);
        BatchNorm2d bn = new BatchNorm2d(4);
        Tensor x = Tensor.randn(rng, 2, 3, 6, 6);
        Tensor y = BatchNormFolding.convolveAndNormalize(conv, bn, x); // training mode: batch statistics, recorded
        assertArrayEquals(bn.forward(conv.forward(x)).data(), y.data());
        y.sum().backward();
        assertNotNull(conv.weight.grad(), "the convolution's weight receives its gradient");
        assertEquals(2f, bn.numBatchesTracked.item(), "both training passes counted by the batch norm");
    }

    @Test
    void residualChainOutsideASessionIsTheModulesThenTheSumAndReLU() {
        SplittableRandom rng = new SplittableRandom(13);
        Conv2d conv = new Conv2d(3, 4, 3, 1, 1, rng);
        BatchNorm2d bn = new BatchNorm2d(4);
        ReLU relu = new ReLU();
        conv.eval();
        bn.eval();
        Tensor x = Tensor.randn(rng, 2, 3, 5, 5), r = Tensor.randn(rng, 2, 4, 5, 5);
        float[] expected = relu.forward(bn.forward(conv.forward(x)).add(r)).data();
        assertArrayEquals(expected, BatchNormFolding.convolveNormalizeAddAndRectify(conv, bn, r, relu, x).data());
        try (NoGrad _ = NoGrad.enter()) { // the sum in place, into the chain's own tensor: r untouched
            float[] rBefore = r.data().clone();
            assertArrayEquals(expected, BatchNormFolding.convolveNormalizeAddAndRectify(conv, bn, r, relu, x).data());
            assertArrayEquals(rBefore, r.data());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchNormFolding.convolveNormalizeAddAndRectify(conv, bn, null, relu, x));
        assertTrue(e.getMessage().contains("null residual"), e.getMessage());
    }

    /**
     * In a recorded pass without a listener, a residual unit's batch norms and ReLUs run as fused
     * operations; under a listener, the modules one after the other. Both give the same output and
     * running statistics, bit for bit, and the same gradients up to the order of the fused sums.
     */
    @Test
    void trainingFusesBatchNormAndReluUnlessAListenerWatches() throws Exception {
        assertTrue(BatchNormFolding.fusesWithRelu(), "recorded and not listened to");
        try (NoGrad _ = NoGrad.enter()) {
            assertTrue(!BatchNormFolding.fusesWithRelu(), "nothing to fuse for when nothing is recorded");
        }
        SplittableRandom rng = new SplittableRandom(14);
        Tensor x = Tensor.randn(rng, 3, 8, 6, 6);
        for (int kind = 0; kind < 2; kind++) {
            Module fused = unit(kind), separate = unit(kind);
            Tensor yFused = fused.forward(x);
            yFused.sum().backward();
            Set<Module> seen = new HashSet<>();
            Tensor ySeparate;
            try (AutoCloseable _ = Module.listen((m, in, out) -> seen.add(m))) {
                assertTrue(!BatchNormFolding.fusesWithRelu(), "a listener sees every module");
                ySeparate = separate.forward(x);
            }
            ySeparate.sum().backward();
            String what = kind == 0 ? "BasicBlock" : "Bottleneck";
            assertTrue(seen.contains(separate.namedModules().get("relu")), what + ": the listener saw the ReLU");
            assertArrayEquals(ySeparate.data(), yFused.data(), what + " output");
            Map<String, Tensor> a = separate.stateDict(), b = fused.stateDict();
            for (String key : a.keySet()) assertArrayEquals(a.get(key).data(), b.get(key).data(), what + " " + key);
            for (Map.Entry<String, Tensor> p : separate.namedParameters().entrySet()) {
                float[] e = p.getValue().grad().data(), g = fused.namedParameters().get(p.getKey()).grad().data();
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], g[i], 1e-4f * (1 + Math.abs(e[i])), what + " gradient of " + p.getKey() + " at " + i);
                }
            }
        }
    }

    /** A residual unit with a projection shortcut: kind 0 a BasicBlock, 1 a Bottleneck; the same weights every call. */
    private static Module unit(int kind) {
        SplittableRandom rng = new SplittableRandom(15);
        if (kind == 0) {
            return new BasicBlock(8, 16, 2, new Sequential(ResNet.conv1x1(8, 16, 2, rng), new BatchNorm2d(16)), rng);
        }
        return new Bottleneck(8, 4, 2, new Sequential(ResNet.conv1x1(8, 16, 2, rng), new BatchNorm2d(16)), rng);
    }

    @Test
    void aBatchNormOfOtherChannelsIsRejected() {
        SplittableRandom rng = new SplittableRandom(11);
        Conv2d conv = new Conv2d(3, 4, 3, 1, 1, rng);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchNormFolding.fold(conv, new BatchNorm2d(5)));
        assertTrue(e.getMessage().contains("4 output channels") && e.getMessage().contains("numFeatures=5"), e.getMessage());
    }
}
