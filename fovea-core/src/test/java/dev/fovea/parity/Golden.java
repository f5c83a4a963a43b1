package dev.fovea.parity;

import dev.fovea.io.SafeTensors;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Loads the PyTorch golden fixtures written by {@code tools/make_fixtures.py} and compares Fovea's
 * numbers with them.
 *
 * <p>The fixtures live in {@code src/test/resources/golden/}; {@code index.txt} lists every file, one per
 * line. Surefire runs in the module directory, so the directory is reached as a relative path (the
 * classpath copy under {@code target/test-classes} is used as a fallback, e.g. when an IDE runs the tests
 * from elsewhere).
 *
 * <p>{@link #assertClose} is llm.c's {@code check_tensor} in JUnit form: it passes when every element
 * satisfies {@code |actual - expected| <= atol + rtol * |expected|} (NumPy's {@code allclose} rule) and
 * otherwise fails with the largest absolute and relative differences and the first few offending
 * elements, so a failure says at once whether one element or the whole tensor is off.
 */
final class Golden {

    /** Where the fixtures are, relative to the module directory (surefire's working directory). */
    static final Path DIR = locate();

    /** How many differing elements a failure message lists. */
    private static final int SHOWN = 6;

    private Golden() {}

    private static Path locate() {
        Path source = Path.of("src", "test", "resources", "golden");
        if (Files.isRegularFile(source.resolve("index.txt"))) return source;
        var url = Golden.class.getResource("/golden/index.txt");
        if (url == null) {
            throw new IllegalStateException("golden fixtures not found: expected " + source.toAbsolutePath()
                    + "/index.txt or /golden/index.txt on the test classpath");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("golden fixtures at an unusable URL " + url, e);
        }
    }

    // ------------------------------------------------------------------ the index

    /** Every file name in {@code index.txt}, in its (sorted) order; blank lines ignored. */
    static List<String> index() {
        try {
            List<String> names = new ArrayList<>();
            for (String line : Files.readAllLines(DIR.resolve("index.txt"))) {
                if (!line.isBlank()) names.add(line.strip());
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DIR.resolve("index.txt"), e);
        }
    }

    /** The index entries a test class handles: the source of its {@code @MethodSource}. */
    static Stream<String> files(Predicate<String> handles) {
        return index().stream().filter(handles);
    }

    /** The {@code .safetensors} files actually present in the directory (to check the index is complete). */
    static TreeSet<String> filesOnDisk() {
        try (Stream<Path> s = Files.list(DIR)) {
            TreeSet<String> out = new TreeSet<>();
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors")).forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + DIR, e);
        }
    }

    // ------------------------------------------------------------------ one fixture

    /** Reads one fixture file (tensors and string metadata). */
    static Fixture load(String file) {
        try {
            SafeTensors.Contents c = SafeTensors.readContents(DIR.resolve(file));
            return new Fixture(file, c.tensors(), c.metadata());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read golden fixture " + file, e);
        }
    }

    /**
     * A loaded fixture. Metadata values are strings as the script writes them: ints {@code "3"}, floats in
     * Python {@code repr} ({@code "1e-05"}), booleans {@code "true"/"false"}, tuples comma-separated.
     */
    record Fixture(String file, Map<String, Tensor> tensors, Map<String, String> meta) {

        /** The tensor under {@code key}, failing with the list of keys when absent. */
        Tensor tensor(String key) {
            Tensor t = tensors.get(key);
            if (t == null) fail(file + ": no tensor '" + key + "'; it has " + tensors.keySet());
            return t;
        }

        /** A copy of the tensor under {@code key} (so a test may mark it requiresGrad or change it). */
        Tensor fresh(String key) {
            return tensor(key).copy();
        }

        boolean has(String key) {
            return tensors.containsKey(key);
        }

        /** The metadata value under {@code key}, failing with the list of keys when absent. */
        String str(String key) {
            String v = meta.get(key);
            if (v == null) fail(file + ": no metadata '" + key + "'; it has " + new TreeSet<>(meta.keySet()));
            return v;
        }

        /** The metadata value, or {@code fallback} when the key is absent (hyper-parameters at their default). */
        String str(String key, String fallback) {
            return meta.getOrDefault(key, fallback);
        }

        int integer(String key) {
            return Integer.parseInt(str(key));
        }

        /** A comma-separated int tuple, e.g. {@code "3,3"} to {3, 3}. */
        int[] ints(String key) {
            return Arrays.stream(str(key).split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
        }

        double real(String key) {
            return Double.parseDouble(str(key));
        }

        double real(String key, double fallback) {
            return meta.containsKey(key) ? Double.parseDouble(meta.get(key)) : fallback;
        }

        /** A comma-separated float tuple, e.g. {@code "0.9,0.999"}. */
        double[] reals(String key) {
            return Arrays.stream(str(key).split(",")).map(String::strip).mapToDouble(Double::parseDouble).toArray();
        }

        boolean bool(String key) {
            return parseBool(str(key));
        }

        boolean bool(String key, boolean fallback) {
            return meta.containsKey(key) ? parseBool(meta.get(key)) : fallback;
        }

        private boolean parseBool(String v) {
            return switch (v) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new AssertionError(file + ": expected a boolean \"true\"/\"false\"; received \"" + v + "\"");
            };
        }

        /** Checks the metadata's {@code kind} (the file name's prefix agrees with it). */
        void expectKind(String kind) {
            assertEquals(kind, str("kind"), file + ": metadata kind");
            if (!file.startsWith(kind + "_")) fail(file + ": file name does not start with its kind '" + kind + "_'");
        }

        /** Compares {@code actual} with the fixture tensor {@code key}: shape exactly, values within tolerance. */
        void check(String key, Tensor actual, double atol, double rtol) {
            Tensor expected = tensor(key);
            if (actual == null) fail(file + ": " + key + ": expected a tensor of shape " + Shapes.str(expected.shape())
                    + "; received null (no gradient reached it?)");
            assertArrayEquals(expected.shape(), actual.shape(), () -> file + ": " + key + ": shape: expected "
                    + Shapes.str(expected.shape()) + ", received " + Shapes.str(actual.shape()));
            assertClose(file + ": " + key, expected.data(), actual.data(), atol, rtol);
        }
    }

    // ------------------------------------------------------------------ comparison

    /**
     * Passes when {@code |actual[i] - expected[i]| <= atol + rtol * |expected[i]|} for every i (and both are
     * NaN or neither); otherwise fails with maxAbsDiff, maxRelDiff and the first differing pairs.
     */
    static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        double[] e = new double[expected.length];
        double[] a = new double[actual.length];
        for (int i = 0; i < e.length; i++) e[i] = expected[i];
        for (int i = 0; i < a.length; i++) a[i] = actual[i];
        assertClose(what, e, a, atol, rtol);
    }

    /** {@link #assertClose(String, float[], float[], double, double)} for doubles (schedule values). */
    static void assertClose(String what, double[] expected, double[] actual, double atol, double rtol) {
        if (expected.length != actual.length) {
            fail(what + ": expected " + expected.length + " elements; received " + actual.length);
        }
        double maxAbs = 0, maxRel = 0;
        int bad = 0;
        StringBuilder pairs = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            boolean ok;
            double abs;
            if (Double.isNaN(e) || Double.isNaN(a)) {
                ok = Double.isNaN(e) && Double.isNaN(a);
                abs = ok ? 0 : Double.POSITIVE_INFINITY;
            } else {
                abs = Math.abs(a - e);
                ok = abs <= atol + rtol * Math.abs(e);
            }
            double rel = abs == 0 ? 0 : abs / Math.max(Math.abs(e), Double.MIN_NORMAL);
            maxAbs = Math.max(maxAbs, abs);
            maxRel = Math.max(maxRel, rel);
            if (!ok) {
                if (bad < SHOWN) {
                    pairs.append(String.format("%n    [%d] expected %.9g, got %.9g (abs %.3g, rel %.3g)", i, e, a, abs, rel));
                }
                bad++;
            }
        }
        if (bad > 0) {
            fail(String.format("%s: %d of %d elements differ beyond atol=%.1e + rtol=%.1e*|expected|; "
                            + "maxAbsDiff=%.3g, maxRelDiff=%.3g; first ones:%s",
                    what, bad, expected.length, atol, rtol, maxAbs, maxRel, pairs));
        }
    }
}
