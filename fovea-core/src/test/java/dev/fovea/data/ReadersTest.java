package dev.fovea.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadersTest {

    @TempDir Path dir;

    @Test
    void cifar10RecordsByHand() throws IOException {
        byte[] file = new byte[2 * 3073];
        file[0] = 3;                 // label of record 0
        file[1] = (byte) 255;        // red (0,0) of record 0
        file[1 + 1024] = 51;         // green (0,0)
        file[3073] = 9;              // label of record 1
        file[3073 + 1 + 2048 + 5] = 102; // blue (0,5) of record 1
        Files.write(dir.resolve("data_batch_1.bin"), file);
        ArrayDataset ds = Cifar.load10(List.of(dir.resolve("data_batch_1.bin")));
        assertEquals(2, ds.size());
        assertEquals(3, ds.label(0));
        assertEquals(9, ds.label(1));
        float[] x = new float[3072];
        ds.copyInput(0, x, 0);
        assertEquals(1f, x[0]);
        assertEquals(0.2f, x[1024], 1e-6f);
        ds.copyInput(1, x, 0);
        assertEquals(0.4f, x[2048 + 5], 1e-6f);
        assertEquals("cat", ds.classNames()[3]);
    }

    @Test
    void cifarWithWrongSizeIsRejected() throws IOException {
        Files.write(dir.resolve("bad.bin"), new byte[3000]);
        var e = assertThrows(IOException.class, () -> Cifar.load10(List.of(dir.resolve("bad.bin"))));
        assertTrue(e.getMessage().contains("record size 3073"), e.getMessage());
    }

    @Test
    void imageFolderReadsClassesAndResizes() throws IOException {
        for (String cls : new String[] {"b_dark", "a_bright"}) {
            Files.createDirectories(dir.resolve("imgs").resolve(cls));
            for (int i = 0; i < 2; i++) {
                BufferedImage img = new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB);
                int v = cls.startsWith("a") ? 0xffffff : 0x000000;
                for (int y = 0; y < 6; y++) for (int x = 0; x < 8; x++) img.setRGB(x, y, v);
                ImageIO.write(img, "png", dir.resolve("imgs").resolve(cls).resolve(i + ".png").toFile());
            }
        }
        ArrayDataset ds = ImageFolder.load(dir.resolve("imgs"), 1, 4, 4);
        assertArrayEquals(new String[] {"a_bright", "b_dark"}, ds.classNames());
        assertArrayEquals(new int[] {1, 4, 4}, ds.inputShape());
        float[] x = new float[16];
        ds.copyInput(0, x, 0);
        assertEquals(1f, x[5], 1e-5f);
        ds.copyInput(3, x, 0);
        assertEquals(0f, x[5], 1e-5f);
    }

    @Test
    void nonImageInImageFolderIsNamed() throws IOException {
        Files.createDirectories(dir.resolve("imgs/cat"));
        Files.writeString(dir.resolve("imgs/cat/notes.txt"), "not a picture");
        var e = assertThrows(IOException.class, () -> ImageFolder.load(dir.resolve("imgs"), 3, 8, 8));
        assertTrue(e.getMessage().contains("notes.txt") && e.getMessage().contains("not an image"), e.getMessage());
    }

    @Test
    void csvWithLabelLastAndBadLinesNamed() throws IOException {
        Files.writeString(dir.resolve("d.csv"), "0,16,8,4,1\n16,0,0,16,0\n");
        ArrayDataset ds = Csv.load(dir.resolve("d.csv"), new int[] {1, 2, 2}, -1, false, 16f, 2);
        assertEquals(2, ds.size());
        assertEquals(1, ds.label(0));
        float[] x = new float[4];
        ds.copyInput(0, x, 0);
        assertArrayEquals(new float[] {0, 1, 0.5f, 0.25f}, x);
        Files.writeString(dir.resolve("bad.csv"), "1,2,3\n");
        var e = assertThrows(IOException.class, () -> Csv.load(dir.resolve("bad.csv"), new int[] {4}, -1, false, 1f, 2));
        assertTrue(e.getMessage().contains("line 1: expected 5 columns"), e.getMessage());
    }
}
