package dev.fovea.models;

import dev.fovea.io.Json;
import dev.fovea.io.SafeTensors;
import dev.fovea.nn.Module;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fovea's zoo models compute what torchvision's do, on the same weights, without shipping weights:
 * {@code tools/export_torchvision.py} filled each torchvision model with the {@link TorchvisionFill}
 * pattern and stored only its logits on a pattern input ({@code golden/zoo/<case>.safetensors}); here
 * the Fovea model gets the same pattern through its own state-dict keys and must give the same logits.
 * Because every value depends on its key, equal logits also prove the key mapping; the key list and
 * shapes are compared directly too, so torchvision checkpoints load one-to-one.
 */
class TorchvisionParityTest {

    /** How each fixture's model is built in Fovea; the fixture's {@code fovea_model} metadata says the same. */
    private static final Map<String, Function<RandomGenerator, Module>> MODELS = new LinkedHashMap<>();

    static {
        for (String zoo : List.of("alexnet", "alexnet-torchvision", "googlenet", "resnet18", "resnet34", "resnet50",
                "resnet101", "resnet152", "resnet20")) {
            MODELS.put(zoo, rng -> ModelZoo.create(zoo, rng));
        }
        MODELS.put("googlenet-aux", rng -> new GoogLeNet(1000, true, false, rng));
        MODELS.put("googlenet-transform", rng -> new GoogLeNet(1000, false, true, rng));
    }

    /** Relative tolerance on each logit; see {@link #atol} for the absolute part. */
    static final double RTOL = 1e-4;

    static final Path DIR = locate();

    private static Path locate() {
        Path source = Path.of("src", "test", "resources", "golden", "zoo");
        if (Files.isRegularFile(source.resolve("index.txt"))) return source;
        var url = TorchvisionParityTest.class.getResource("/golden/zoo/index.txt");
        if (url == null) throw new IllegalStateException("zoo fixtures not found: expected " + source.toAbsolutePath() + "/index.txt");
        try {
            return Path.of(url.toURI()).getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("zoo fixtures at an unusable URL " + url, e);
        }
    }

    static List<String> cases() {
        try {
            List<String> out = new ArrayList<>();
            for (String line : Files.readAllLines(DIR.resolve("index.txt"))) {
                String f = line.strip();
                if (f.endsWith(".safetensors") && !f.equals("fill.safetensors")) {
                    out.add(f.substring(0, f.length() - ".safetensors".length()));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyFixtureHasAModelAndEveryModelAFixture() throws IOException {
        assertEquals(new TreeSet<>(MODELS.keySet()), new TreeSet<>(cases()), "fixtures in golden/zoo/index.txt vs MODELS");
        TreeSet<String> onDisk = new TreeSet<>();
        try (var s = Files.list(DIR)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).forEach(onDisk::add);
        }
        TreeSet<String> indexed = new TreeSet<>(Files.readAllLines(DIR.resolve("index.txt")).stream()
                .map(String::strip).filter(l -> !l.isEmpty()).toList());
        assertEquals(onDisk, indexed, "golden/zoo/index.txt must list exactly the files on disk");
    }

    @Test
    void javaFillReproducesTheScriptBitForBit() throws IOException {
        SafeTensors.Contents c = SafeTensors.readContents(DIR.resolve("fill.safetensors"));
        assertEquals(TorchvisionFill.VERSION, c.metadata().get("fill"));
        assertEquals(c.metadata().get("fnv1a64_input"), String.format("%016x", TorchvisionFill.keyHash("input")));
        long h = TorchvisionFill.keyHash("input");
        SplittableRandom same = new SplittableRandom(h); // the stream is SplittableRandom's, as documented
        String[] words = c.metadata().get("stream_input_first4").split(",");
        for (int i = 0; i < words.length; i++) {
            assertEquals(words[i], String.format("%016x", TorchvisionFill.word(h, i)), "word " + i);
            assertEquals(TorchvisionFill.word(h, i), same.nextLong(), "SplittableRandom word " + i);
        }
        assertEquals(9, c.tensors().size());
        for (var e : c.tensors().entrySet()) {
            float[] expected = e.getValue().data();
            float[] actual = TorchvisionFill.values(e.getKey(), e.getValue().shape());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                        e.getKey() + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void logitsMatchTorchvision(String name) throws IOException {
        SafeTensors.Contents c = SafeTensors.readContents(DIR.resolve(name + ".safetensors"));
        Map<String, String> meta = c.metadata();
        assertEquals(TorchvisionFill.VERSION, meta.get("fill"), name + " fill version");
        Module model = MODELS.get(name).apply(new SplittableRandom(0));

        // 1. Same state-dict keys, in the same order, with the same shapes.
        List<String> expectedKeys = new ArrayList<>();
        for (Object o : (List<?>) Json.parse(meta.get("state_dict"))) {
            List<?> pair = (List<?>) o;
            int[] shape = ((List<?>) pair.get(1)).stream().mapToInt(d -> ((Long) d).intValue()).toArray();
            expectedKeys.add(pair.get(0) + " " + Shapes.str(shape));
        }
        List<String> actualKeys = new ArrayList<>();
        for (var e : model.stateDict().entrySet()) actualKeys.add(e.getKey() + " " + Shapes.str(e.getValue().shape()));
        assertEquals(expectedKeys, actualKeys, name + ": state-dict keys and shapes differ from " + meta.get("definition"));
        assertEquals(Long.parseLong(meta.get("parameters")), model.parameterCount(), name + " parameter count");

        // 2. Same input (the probe catches a generator mismatch before blaming the model).
        int[] inputShape = Arrays.stream(meta.get("input_shape").split(",")).mapToInt(Integer::parseInt).toArray();
        Tensor x = TorchvisionFill.tensor("input", inputShape);
        float[] probe = c.tensors().get("probe.input").data();
        assertArrayEquals(probe, Arrays.copyOf(x.data(), probe.length), 0f, name + " input pattern");

        // 3. Same logits.
        TorchvisionFill.fill(model);
        model.eval();
        Tensor y;
        long start = System.nanoTime();
        try (var off = NoGrad.enter()) {
            y = model.forward(x);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        float[] expected = c.tensors().get("output").data();
        assertArrayEquals(c.tensors().get("output").shape(), y.shape(), name + " output shape");
        double absmax = 0;
        for (float e : expected) absmax = Math.max(absmax, Math.abs(e));
        double atol = atol(absmax);
        double maxAbs = 0, maxRel = 0;
        int bad = 0, worst = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) y.data()[i] - expected[i]);
            if (d > maxAbs) {
                maxAbs = d;
                worst = i;
            }
            maxRel = Math.max(maxRel, d / Math.max(Math.abs(expected[i]), 1e-30));
            if (d > atol + RTOL * Math.abs(expected[i])) bad++;
        }
        System.out.printf("parity %-20s |logits| max %9.4f  maxAbsDiff %.3g  maxAbsDiff/|max| %.3g  forward %d ms%n",
                name, absmax, maxAbs, maxAbs / absmax, ms);
        if (bad > 0) {
            fail(String.format("%s: %d of %d logits differ beyond atol=%.3g + rtol=%.0e*|expected|; maxAbsDiff=%.3g "
                            + "(logit %d: expected %.7g, got %.7g), |logits| max %.4g", name, bad, expected.length, atol,
                    RTOL, maxAbs, worst, expected[worst], y.data()[worst], absmax));
        }
    }

    /**
     * The absolute part of the tolerance: {@code RTOL} of the largest logit. A logit near zero is a
     * difference of large terms (a dense layer sums 512 to 9,216 products), so its float32 rounding
     * error scales with the magnitude of the logits, not with its own value.
     */
    static double atol(double absmax) {
        return RTOL * absmax;
    }
}
