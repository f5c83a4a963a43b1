package dev.fovea.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reader for the CIFAR-10 and CIFAR-100 binary batches (https://www.cs.toronto.edu/~kriz/cifar.html).
 *
 * <p>CIFAR-10 records are 1 label byte + 3,072 pixel bytes (1,024 red, then green, then blue, row
 * major 32x32); CIFAR-100 records have 2 label bytes (coarse, fine) before the pixels. Pixels are
 * scaled to [0, 1]; inputs have shape (3, 32, 32).
 */
public final class Cifar {

    public static final String[] CIFAR10_CLASSES = {
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};

    private static final int PIXELS = 3 * 32 * 32;

    private Cifar() {}

    /** CIFAR-10 from one or more {@code data_batch_N.bin} / {@code test_batch.bin} files. */
    public static ArrayDataset load10(List<Path> files) throws IOException {
        return load(files, 1, 0, CIFAR10_CLASSES);
    }

    /** CIFAR-100 ({@code train.bin} / {@code test.bin}) with fine (100) or coarse (20) labels. */
    public static ArrayDataset load100(List<Path> files, boolean fineLabels) throws IOException {
        return load(files, 2, fineLabels ? 1 : 0, ArrayDataset.numberedClasses(fineLabels ? 100 : 20));
    }

    private static ArrayDataset load(List<Path> files, int labelBytes, int labelIndex, String[] classes) throws IOException {
        if (files.isEmpty()) throw new IllegalArgumentException("CIFAR reader expects at least one batch file; received none");
        int record = labelBytes + PIXELS;
        byte[][] contents = new byte[files.size()][];
        int total = 0;
        for (int f = 0; f < files.size(); f++) {
            Path p = files.get(f);
            if (!Files.isRegularFile(p)) throw new NoSuchFileException(p.toString(), null, "CIFAR batch file not found");
            contents[f] = Files.readAllBytes(p);
            if (contents[f].length == 0 || contents[f].length % record != 0) {
                throw new IOException(p + " is not a CIFAR binary batch: its size " + contents[f].length
                        + " is not a positive multiple of the record size " + record + " (" + labelBytes + " label byte"
                        + (labelBytes > 1 ? "s" : "") + " + 3072 pixels)");
            }
            total += contents[f].length / record;
        }
        float[] x = new float[total * PIXELS];
        int[] y = new int[total];
        int n = 0;
        for (int f = 0; f < files.size(); f++) {
            byte[] b = contents[f];
            for (int r = 0; r < b.length / record; r++, n++) {
                int base = r * record;
                int label = b[base + labelIndex] & 0xff;
                if (label >= classes.length) {
                    throw new IOException(files.get(f) + ": expected labels in [0, " + classes.length + "); received " + label
                            + " in record " + r);
                }
                y[n] = label;
                for (int i = 0; i < PIXELS; i++) x[n * PIXELS + i] = (b[base + labelBytes + i] & 0xff) / 255f;
            }
        }
        return new ArrayDataset(x, y, new int[] {3, 32, 32}, classes);
    }
}
