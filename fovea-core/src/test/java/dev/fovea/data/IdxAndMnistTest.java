package dev.fovea.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxAndMnistTest {

    @TempDir Path dir;

    static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) out.writeInt(d);
        out.write(data);
        return bytes.toByteArray();
    }

    static void write(Path p, byte[] content, boolean gzip) throws IOException {
        try (OutputStream raw = Files.newOutputStream(p); OutputStream out = gzip ? new GZIPOutputStream(raw) : raw) {
            out.write(content);
        }
    }

    @Test
    void readsRawAndGzippedIdentically() throws IOException {
        byte[] pixels = {0, 1, 2, (byte) 255, 4, 5, 6, 7};
        byte[] file = idx(0x803, new int[] {2, 2, 2}, pixels);
        write(dir.resolve("a"), file, false);
        write(dir.resolve("a.gz"), file, true);
        for (String name : new String[] {"a", "a.gz"}) {
            Idx.Array arr = Idx.read(dir.resolve(name));
            assertArrayEquals(new int[] {2, 2, 2}, arr.dims());
            assertArrayEquals(pixels, arr.data());
        }
    }

    @Test
    void truncatedFileNamesWhatWasPromised() throws IOException {
        write(dir.resolve("t.gz"), idx(0x803, new int[] {10, 28, 28}, new byte[100]), true);
        var e = assertThrows(IOException.class, () -> Idx.read(dir.resolve("t.gz")));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("10x28x28 = 7840")
                && e.getMessage().contains("holds 100"), e.getMessage());
    }

    @Test
    void wrongMagicIsRejected() throws IOException {
        write(dir.resolve("m"), idx(0x0D03, new int[] {1, 1, 1}, new byte[1]), false);
        var e = assertThrows(IOException.class, () -> Idx.read(dir.resolve("m")));
        assertTrue(e.getMessage().contains("received 0x00000D03"), e.getMessage());
        write(dir.resolve("png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4}, false);
        assertThrows(IOException.class, () -> Idx.read(dir.resolve("png")));
    }

    @Test
    void labelsThatDoNotMatchImagesAreRejected() throws IOException {
        write(dir.resolve("train-images-idx3-ubyte.gz"), idx(0x803, new int[] {3, 2, 2}, new byte[12]), true);
        write(dir.resolve("train-labels-idx1-ubyte.gz"), idx(0x801, new int[] {2}, new byte[2]), true);
        var e = assertThrows(IOException.class, () -> Mnist.load(dir, "train"));
        assertTrue(e.getMessage().contains("3 images") && e.getMessage().contains("2 labels"), e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        var e = assertThrows(NoSuchFileException.class, () -> Mnist.load(dir, "t10k"));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte"), e.getMessage());
    }

    @Test
    void bundledDigitsHaveTheDocumentedSplit() throws IOException {
        ArrayDataset train = Mnist.bundled("train"), test = Mnist.bundled("t10k");
        assertEquals(8000, train.size());
        assertEquals(2000, test.size());
        assertArrayEquals(new int[] {1, 28, 28}, train.inputShape());
        int[] counts = test.classCounts();
        for (int c = 0; c < 10; c++) assertTrue(counts[c] > 120 && counts[c] < 280, "class " + c + ": " + counts[c]);
        // real digits: ink covers roughly a fifth of the image on average
        float[] buf = new float[784];
        double ink = 0;
        for (int i = 0; i < 100; i++) {
            train.copyInput(i, buf, 0);
            for (float v : buf) ink += v;
        }
        double mean = ink / (100 * 784);
        assertTrue(mean > 0.08 && mean < 0.2, "mean pixel " + mean);
    }
}
