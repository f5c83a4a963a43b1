package dev.fovea.train;

import dev.fovea.data.ArrayDataset;
import dev.fovea.io.SafeTensors;
import dev.fovea.nn.Linear;
import dev.fovea.nn.Module;
import dev.fovea.nn.ReLU;
import dev.fovea.nn.Sequential;
import dev.fovea.nn.Sigmoid;
import dev.fovea.nn.Flatten;
import dev.fovea.nn.Init;
import dev.fovea.optim.Sgd;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {

    @TempDir Path dir;

    @Test
    void lossFallsAndAccuracyRisesOnRealDigits() throws IOException {
        ArrayDataset data = TrainingFixtures.digits();
        Module model = TrainingFixtures.model();
        var trainer = new Trainer(model, TrainingFixtures.optimizer(model), LossFunction.crossEntropy(),
                new Trainer.Options(6, 1, dir, 0, 0, false));
        List<EpochResult> r = trainer.fit(TrainingFixtures.loader(data), TrainingFixtures.loader(data));
        assertEquals(6, r.size());
        assertTrue(r.get(5).trainLoss() < 0.6 * r.get(0).trainLoss(), r.toString());
        assertTrue(r.get(5).valAccuracy() > 0.8, r.toString());
        assertEquals(6, Files.readAllLines(dir.resolve("metrics.jsonl")).size());
        // predict: probabilities per row, the model left in training mode as it was
        var batch = TrainingFixtures.loader(data).epoch(0).iterator().next();
        Tensor p = trainer.predict(batch.inputs());
        assertArrayEquals(new int[] {batch.size(), 10}, p.shape());
        for (int row = 0; row < batch.size(); row++) {
            double sum = 0;
            for (int c = 0; c < 10; c++) sum += p.get(row, c);
            assertEquals(1.0, sum, 1e-5);
        }
        assertTrue(model.isTraining());
        assertTrue(Files.exists(dir.resolve("model.safetensors")));
    }

    @Test
    void killedWithSigkillMidEpochAndResumedEndsBitIdentical() throws Exception {
        int epochs = 2;
        // 1. the uninterrupted reference run, in this JVM
        Module reference = TrainingFixtures.model();
        new Trainer(reference, TrainingFixtures.optimizer(reference), LossFunction.crossEntropy(),
                new Trainer.Options(epochs, 3, dir.resolve("reference"), 1, 0, false))
                .fit(TrainingFixtures.loader(TrainingFixtures.digits()), null);

        // 2. the same run in a child JVM, killed with SIGKILL in the middle of the second epoch
        Path out = dir.resolve("killed");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), ResumeProbe.class.getName(), out.toString(),
                Integer.toString(epochs))
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        Path ckpt = out.resolve("checkpoint.safetensors");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (Files.exists(ckpt)) {
                try {
                    Map<String, String> meta = SafeTensors.readContents(ckpt).metadata();
                    if (Integer.parseInt(meta.get("epoch")) == 1 && Integer.parseInt(meta.get("batch")) >= 3) break;
                } catch (IOException ignored) {
                    // being replaced right now: atomic rename means we just read again
                }
            }
            assertTrue(child.isAlive(), "child ended before it could be killed: " + Files.readString(dir.resolve("child.log")));
            Thread.sleep(20);
        }
        child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no flushing
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertTrue(child.exitValue() != 0, "the child should have been killed, not finished");

        // 3. resume in this JVM from whatever the killed run left behind
        Module resumed = TrainingFixtures.model();
        new Trainer(resumed, TrainingFixtures.optimizer(resumed), LossFunction.crossEntropy(),
                new Trainer.Options(epochs, 3, out, 1, 0, true))
                .fit(TrainingFixtures.loader(TrainingFixtures.digits()), null);

        Map<String, Tensor> a = reference.stateDict(), b = resumed.stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).data(), b.get(k).data(), 0f, k);
        assertEquals(epochs, Files.readAllLines(out.resolve("metrics.jsonl")).size());
    }

    @Test
    void divergingTrainingStopsWithAClearMessageBeforeTheStep() throws IOException {
        Module model = TrainingFixtures.model();
        Map<String, Tensor> before = new java.util.LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> before.put(k, v.copy()));
        var trainer = new Trainer(model, new Sgd(model.parameters(), 0.1), (out, labels) -> out.sum().mul(Float.NaN),
                Trainer.Options.of(1, 1));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> trainer.fit(TrainingFixtures.loader(TrainingFixtures.digits()), null));
        assertTrue(e.getMessage().contains("the loss is NaN at epoch 1, batch 0"), e.getMessage());
        for (var kv : model.stateDict().entrySet()) {
            assertArrayEquals(before.get(kv.getKey()).data(), kv.getValue().data(), 0f, kv.getKey());
        }
    }

    @Test
    void dataParallelShardsTrainAsTheWholeBatchDoesAndStopOnDivergenceAlike() throws IOException {
        ArrayDataset data = TrainingFixtures.digits();
        Module whole = sampleWiseModel(), sharded = sampleWiseModel();
        List<EpochResult> a = new Trainer(whole, TrainingFixtures.optimizer(whole), LossFunction.crossEntropy(),
                Trainer.Options.of(2, 1)).fit(TrainingFixtures.loader(data), null);
        List<EpochResult> b = new Trainer(sharded, TrainingFixtures.optimizer(sharded), LossFunction.crossEntropy(),
                Trainer.Options.of(2, 1)).dataParallel(3).fit(TrainingFixtures.loader(data), null);
        for (int e = 0; e < 2; e++) {
            assertEquals(a.get(e).trainLoss(), b.get(e).trainLoss(), 1e-4 * a.get(e).trainLoss(), "epoch " + e);
            assertEquals(a.get(e).trainAccuracy(), b.get(e).trainAccuracy(), 0.01, "epoch " + e);
        }
        for (var kv : whole.stateDict().entrySet()) { // the same weights, up to the order of the gradient sums
            float[] w = kv.getValue().data(), s = sharded.stateDict().get(kv.getKey()).data();
            for (int i = 0; i < w.length; i++) assertEquals(w[i], s[i], 1e-4f + 1e-3f * Math.abs(w[i]), kv.getKey());
        }
        Map<String, Tensor> before = new java.util.LinkedHashMap<>();
        sharded.stateDict().forEach((k, v) -> before.put(k, v.copy()));
        var diverging = new Trainer(sharded, new Sgd(sharded.parameters(), 0.1), (out, labels) -> out.sum().mul(Float.NaN),
                Trainer.Options.of(1, 1)).dataParallel(2);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> diverging.fit(TrainingFixtures.loader(data), null));
        assertTrue(e.getMessage().contains("the loss is NaN at epoch 1, batch 0"), e.getMessage());
        for (var kv : sharded.stateDict().entrySet()) {
            assertArrayEquals(before.get(kv.getKey()).data(), kv.getValue().data(), 0f, kv.getKey());
        }
    }

    /** {@link TrainingFixtures#model} without its dropout, which data-parallel training refuses. */
    private static Module sampleWiseModel() {
        Random rng = new Random(7);
        return new Sequential(new dev.fovea.nn.Conv2d(1, 4, 3, rng), new ReLU(), new dev.fovea.nn.MaxPool2d(2),
                new Flatten(), new Linear(4 * 13 * 13, 10, rng));
    }

    @Test
    void earlyStoppingStopsWhenLossStopsImproving() throws IOException {
        ArrayDataset data = TrainingFixtures.digits();
        Module model = TrainingFixtures.model();
        var stop = new EarlyStopping(1, 10.0); // demands an impossible improvement: stops after 2 epochs
        var r = new Trainer(model, new Sgd(model.parameters(), 1e-6), LossFunction.crossEntropy(), Trainer.Options.of(10, 1))
                .callback(stop).fit(TrainingFixtures.loader(data), null);
        assertEquals(2, r.size());
    }

    /** A 10-layer sigmoid MLP with tiny weights: the textbook case of vanishing gradients. */
    @Test
    void monitorFlagsVanishingGradientsInADeepSigmoidNet() throws IOException {
        Random rng = new Random(5);
        List<Module> layers = new ArrayList<>();
        layers.add(new Flatten());
        int width = 784;
        for (int i = 0; i < 10; i++) {
            Linear l = new Linear(width, 32, rng);
            Init.normal(l.weight, 0f, 0.01f, rng);
            layers.add(l);
            layers.add(new Sigmoid());
            width = 32;
        }
        layers.add(new Linear(32, 10, rng));
        Module model = new Sequential(layers);
        var r = new Trainer(model, new Sgd(model.parameters(), 0.1), LossFunction.crossEntropy(), Trainer.Options.of(1, 1))
                .fit(TrainingFixtures.loader(TrainingFixtures.digits()), null);
        List<String> w = r.get(0).warnings();
        assertTrue(w.stream().anyMatch(s -> s.startsWith("vanishing gradients: 1.weight")), w.toString());
        assertFalse(w.stream().anyMatch(s -> s.contains("10.weight") || s.contains("21.weight")), w.toString());
    }

    @Test
    void monitorStaysQuietOnAHealthyReluNetWithHeInit() throws IOException {
        Random rng = new Random(5);
        Linear a = new Linear(784, 64, rng), b = new Linear(64, 64, rng), c = new Linear(64, 10, rng);
        for (Linear l : new Linear[] {a, b, c}) Init.kaimingNormal(l.weight, rng);
        Module model = new Sequential(new Flatten(), a, new ReLU(), b, new ReLU(), c);
        var r = new Trainer(model, new Sgd(model.parameters(), 0.05), LossFunction.crossEntropy(), Trainer.Options.of(1, 1))
                .fit(TrainingFixtures.loader(TrainingFixtures.digits()), null);
        assertEquals(List.of(), r.get(0).warnings());
    }
}
