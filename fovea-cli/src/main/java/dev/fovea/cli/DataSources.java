package dev.fovea.cli;

import dev.fovea.data.ArrayDataset;
import dev.fovea.data.Cifar;
import dev.fovea.data.ImageFolder;
import dev.fovea.data.Mnist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves the {@code --data} argument of train/eval to a train and a test set: a known name
 * ({@code mnist}: the digits bundled in the jar; {@code fashion-mnist}: Debian's package or
 * {@code --data-dir}) or a directory whose layout tells its format.
 */
final class DataSources {

    /** Names accepted besides directories. */
    static final List<String> NAMES = List.of("mnist", "fashion-mnist");

    record Split(ArrayDataset train, ArrayDataset test, String description) {}

    private DataSources() {}

    /**
     * @param inputShape C,H,W for image folders (null: 3,32,32)
     * @throws IllegalArgumentException for an unknown name or a directory of unknown layout (usage error)
     * @throws IOException              for files that exist but cannot be read
     */
    static Split load(String spec, Path dataDir, int[] inputShape) throws IOException {
        switch (spec) {
            case "mnist" -> {
                return new Split(Mnist.bundled("train"), Mnist.bundled("t10k"),
                        "bundled MNIST digits (8,000 train / 2,000 test)");
            }
            case "fashion-mnist" -> {
                Path dir = dataDir != null ? dataDir : Mnist.FASHION_DEBIAN;
                if (!Files.isDirectory(dir)) {
                    throw new NoSuchFileException(dir.toString(), null, "Fashion-MNIST not found; install it with "
                            + "'apt-get install dataset-fashion-mnist' or pass --data-dir DIR holding its IDX files");
                }
                return new Split(Mnist.load(dir, "train", Mnist.FASHION_CLASSES), Mnist.load(dir, "t10k", Mnist.FASHION_CLASSES),
                        "Fashion-MNIST from " + dir);
            }
            default -> {
                return fromDirectory(Path.of(spec), inputShape);
            }
        }
    }

    private static Split fromDirectory(Path dir, int[] inputShape) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--data expects one of " + NAMES + " or a directory; received '" + dir
                    + "', which is neither");
        }
        if (exists(dir, "train-images-idx3-ubyte")) {
            return new Split(Mnist.load(dir, "train"), Mnist.load(dir, "t10k"), "IDX files in " + dir);
        }
        if (Files.isRegularFile(dir.resolve("data_batch_1.bin"))) {
            List<Path> train = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                Path p = dir.resolve("data_batch_" + i + ".bin");
                if (Files.isRegularFile(p)) train.add(p);
            }
            return new Split(Cifar.load10(train), Cifar.load10(List.of(dir.resolve("test_batch.bin"))),
                    "CIFAR-10 binary batches in " + dir);
        }
        if (Files.isDirectory(dir.resolve("train")) && Files.isDirectory(dir.resolve("test"))) {
            int[] s = inputShape != null ? inputShape : new int[] {3, 32, 32};
            if (s.length != 3) throw new IllegalArgumentException("--input-shape expects C,H,W; received " + s.length + " numbers");
            return new Split(ImageFolder.load(dir.resolve("train"), s[0], s[1], s[2]),
                    ImageFolder.load(dir.resolve("test"), s[0], s[1], s[2]), "image folders in " + dir);
        }
        throw new IllegalArgumentException("--data directory " + dir + " has no known layout: expected IDX files "
                + "(train-images-idx3-ubyte[.gz], t10k-...), CIFAR-10 batches (data_batch_1.bin ..., test_batch.bin), "
                + "or train/ and test/ folders with one sub-folder per class");
    }

    private static boolean exists(Path dir, String base) {
        return Files.isRegularFile(dir.resolve(base)) || Files.isRegularFile(dir.resolve(base + ".gz"));
    }
}
