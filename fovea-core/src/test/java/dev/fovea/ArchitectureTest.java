package dev.fovea;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the dependency arrow pointing one way (kernels <- tensor <- nn <- models <- train <- apps) by
 * scanning the imports of the main sources. A failure names the file and the forbidden import.
 */
class ArchitectureTest {

    private static final Path SRC = Path.of("src/main/java/dev/fovea");

    /** Package -> packages of dev.fovea it must not import. */
    private static final Map<String, Set<String>> FORBIDDEN = Map.of(
            "kernels", Set.of("tensor", "nn", "optim", "io", "data", "models", "train", "viz", "detect", "face", "seq"),
            "tensor", Set.of("nn", "optim", "io", "data", "models", "train", "viz", "detect", "face", "seq"),
            "nn", Set.of("optim", "io", "data", "models", "train", "viz", "detect", "face", "seq"),
            "optim", Set.of("nn", "io", "data", "models", "train", "viz", "detect", "face", "seq"),
            "data", Set.of("nn", "optim", "io", "models", "train", "viz", "detect", "face", "seq"),
            "io", Set.of("optim", "data", "models", "train", "viz", "detect", "face", "seq"),
            "models", Set.of("optim", "data", "train", "viz", "detect", "face", "seq"),
            "train", Set.of("viz"),
            // Diagrams draw models: nn, models and tensor only (java.awt and javax.imageio from the JDK).
            "viz", Set.of("kernels", "optim", "io", "data", "train", "detect", "face", "seq"));

    private static final Pattern IMPORT = Pattern.compile("^import\\s+(static\\s+)?dev\\.fovea\\.([a-z]+)\\.", Pattern.MULTILINE);

    @Test
    void dependencyArrowPointsOneWay() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SRC)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = SRC.relativize(f).getName(0).toString();
                Set<String> banned = FORBIDDEN.getOrDefault(pkg, Set.of());
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    if (banned.contains(m.group(2))) violations.add(SRC.relativize(f) + " imports dev.fovea." + m.group(2));
                }
            }
        }
        assertTrue(violations.isEmpty(), "dependency rule broken:\n" + String.join("\n", violations));
    }

    @Test
    void onlyTheSimdPackageImportsTheVectorApi() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SRC)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                boolean simd = SRC.relativize(f).startsWith(Path.of("kernels", "simd"));
                if (!simd && Files.readString(f).contains("import jdk.incubator.vector")) violations.add(SRC.relativize(f).toString());
            }
        }
        assertTrue(violations.isEmpty(), "jdk.incubator.vector used outside kernels/simd: " + violations);
    }
}
