package dev.fovea.cli;

import dev.fovea.data.ArrayDataset;
import dev.fovea.data.Mnist;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train, eval, predict and datasets end to end on small real IDX files, and their error contract. */
class TrainCommandTest {

    @TempDir Path dir;
    Path data;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    /** The first n bundled digits of a split, written as gzipped IDX files named like MNIST's. */
    static void writeIdx(Path dir, String split, int n, int labelCount) throws IOException {
        ArrayDataset src = Mnist.bundled(split.equals("train") ? "train" : "t10k");
        byte[] pixels = new byte[n * 784];
        float[] buf = new float[784];
        byte[] labels = new byte[labelCount];
        for (int i = 0; i < n; i++) {
            src.copyInput(i, buf, 0);
            for (int j = 0; j < 784; j++) pixels[i * 784 + j] = (byte) Math.round(buf[j] * 255);
        }
        for (int i = 0; i < labelCount; i++) labels[i] = (byte) src.label(i);
        write(dir.resolve(split + "-images-idx3-ubyte.gz"), 0x803, new int[] {n, 28, 28}, pixels);
        write(dir.resolve(split + "-labels-idx1-ubyte.gz"), 0x801, new int[] {labelCount}, labels);
    }

    static void write(Path file, int magic, int[] dims, byte[] payload) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) out.writeInt(d);
        out.write(payload);
        try (OutputStream f = new GZIPOutputStream(Files.newOutputStream(file))) {
            f.write(bytes.toByteArray());
        }
    }

    @BeforeEach
    void smallDigits() throws IOException {
        data = Files.createDirectories(dir.resolve("digits"));
        writeIdx(data, "train", 96, 96);
        writeIdx(data, "t10k", 32, 32);
    }

    @Test
    void trainResumeEvalPredict() throws IOException {
        Path out = dir.resolve("run");
        Run r = run("train", "--data", data.toString(), "--epochs", "1", "--batch-size", "16", "--output", out.toString(),
                "--no-progress");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("epoch 1/1") && r.out().contains("test accuracy:"), r.out());
        assertTrue(Files.exists(out.resolve("model.safetensors")) && Files.exists(out.resolve("checkpoint.safetensors")));

        // the same output again without --resume: refused, nothing overwritten
        long before = Files.getLastModifiedTime(out.resolve("model.safetensors")).toMillis();
        Run again = run("train", "--data", data.toString(), "--epochs", "1", "--output", out.toString(), "--no-progress");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already holds a training run") && again.err().lines().count() == 1, again.err());
        assertEquals(before, Files.getLastModifiedTime(out.resolve("model.safetensors")).toMillis());

        Run resumed = run("train", "--data", data.toString(), "--epochs", "2", "--batch-size", "16", "--output",
                out.toString(), "--resume", "--no-progress");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("epoch 2/2") && !resumed.out().contains("epoch 1/2"), resumed.out());
        assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());

        Run eval = run("eval", out.resolve("model.safetensors").toString(), "--data", data.toString());
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("accuracy") && eval.out().contains("precision"), eval.out());

        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 4; y < 24; y++) img.getRaster().setSample(14, y, 0, 255); // a vertical stroke, like a 1
        Path png = dir.resolve("one.png");
        ImageIO.write(img, "png", png.toFile());
        Run pred = run("predict", "--weights", out.resolve("model.safetensors").toString(), "--top", "2", png.toString());
        assertEquals(0, pred.code(), pred.err());
        assertTrue(pred.out().startsWith(png + ":") && pred.out().contains("%)"), pred.out());
    }

    @Test
    void shardsTrainLeNetAndRefuseBatchNorm() {
        Run r = run("train", "--data", data.toString(), "--epochs", "1", "--batch-size", "16", "--shards", "2",
                "--output", dir.resolve("sharded").toString(), "--no-progress");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test accuracy:"), r.out());
        assertUsage(run("train", "--data", data.toString(), "--shards", "0"), "--shards expects a positive integer; received 0");
        assertUsage(run("train", "--data", data.toString(), "--model", "smallcnn", "--shards", "2",
                "--output", dir.resolve("bn").toString()), "(BatchNorm2d), which normalises with the statistics of the whole batch");
        assertTrue(Files.notExists(dir.resolve("bn")), "nothing written for a refused run");
    }

    @Test
    void badUsageIsOneLineWithExitCode2() {
        assertUsage(run("train", "--batch-size", "-3", "--data", data.toString()), "--batch-size expects a positive integer; received -3");
        assertUsage(run("train", "--model", "resnet9000", "--data", data.toString(), "--output", dir.resolve("x").toString()),
                "unknown model 'resnet9000'");
        assertUsage(run("train", "--data", dir.resolve("nowhere").toString()), "which is neither");
        assertUsage(run("train", "--optimizer", "magic"), "magic");
        assertUsage(run("train", "--frobnicate"), "--frobnicate");
    }

    private static void assertUsage(Run r, String expected) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void brokenFilesAreOneLineWithExitCode1() throws IOException {
        // labels that do not match images
        Path mismatch = Files.createDirectories(dir.resolve("mismatch"));
        writeIdx(mismatch, "train", 20, 19);
        writeIdx(mismatch, "t10k", 8, 8);
        Run r = run("train", "--data", mismatch.toString(), "--output", dir.resolve("o1").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("20 images") && r.err().contains("19 labels"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());

        // a truncated IDX file
        Path truncated = Files.createDirectories(dir.resolve("truncated"));
        writeIdx(truncated, "t10k", 8, 8);
        write(truncated.resolve("train-images-idx3-ubyte.gz"), 0x803, new int[] {50, 28, 28}, new byte[1000]);
        write(truncated.resolve("train-labels-idx1-ubyte.gz"), 0x801, new int[] {50}, new byte[50]);
        r = run("train", "--data", truncated.toString(), "--output", dir.resolve("o2").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("truncated"), r.err());

        // a file that is not an image inside an image folder
        Path folders = dir.resolve("folders");
        Files.createDirectories(folders.resolve("train/cat"));
        Files.createDirectories(folders.resolve("test/cat"));
        Files.writeString(folders.resolve("train/cat/readme.txt"), "hello");
        r = run("train", "--data", folders.toString(), "--output", dir.resolve("o3").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("readme.txt") && r.err().contains("not an image"), r.err());

        // weights that are not a safetensors file
        Files.writeString(dir.resolve("fake.safetensors"), "not weights");
        r = run("eval", dir.resolve("fake.safetensors").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("fake.safetensors"), r.err());
    }

    @Test
    void datasetsListsTheBundledDigits() {
        Run r = run("datasets");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("mnist          available"), r.out());
    }
}
