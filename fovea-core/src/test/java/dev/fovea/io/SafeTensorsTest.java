package dev.fovea.io;

import dev.fovea.nn.Linear;
import dev.fovea.nn.Module;
import dev.fovea.nn.Sequential;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ helpers

    /** A file: 8-byte little-endian header length, the header as given (no padding added), then the data. */
    private static byte[] file(String header, byte[]... data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        for (byte[] d : data) out.writeBytes(d);
        return out.toByteArray();
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) values[i];
        return b;
    }

    private static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    private Path put(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private String readError(byte[] content) throws IOException {
        Path p = put("weights.safetensors", content);
        return assertThrows(CorruptFileException.class, () -> SafeTensors.read(p)).getMessage();
    }

    private static String tensorHeader(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    // ------------------------------------------------------------------ writing

    @Test
    void writesExactlyTheReferenceLayout() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a", Tensor.of(new float[] {1f, -2f}, 2));
        tensors.put("bn.num_batches_tracked", Tensor.scalar(7f));
        Path p = dir.resolve("tiny.safetensors");
        SafeTensors.write(p, tensors, Map.of("k", "v"));

        String json = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}";
        assertEquals(153, json.length());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(bytes(160, 0, 0, 0, 0, 0, 0, 0));       // header length 160 = 153 padded to 8
        expected.writeBytes(json.getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes("       ".getBytes(StandardCharsets.US_ASCII)); // 7 spaces of padding
        expected.writeBytes(bytes(0x00, 0x00, 0x80, 0x3F));           // 1.0f  = 0x3F800000
        expected.writeBytes(bytes(0x00, 0x00, 0x00, 0xC0));           // -2.0f = 0xC0000000
        expected.writeBytes(bytes(7, 0, 0, 0, 0, 0, 0, 0));           // int64 7
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(p));
    }

    @Test
    void emptyFileIsAValidHeaderOnly() throws IOException {
        Path p = dir.resolve("empty.safetensors");
        SafeTensors.write(p, Map.of());
        assertArrayEquals(file("{}      "), Files.readAllBytes(p));
        assertEquals(Map.of(), SafeTensors.read(p));
    }

    @Test
    void roundTripKeepsValuesBitExactOrderAndMetadata() throws IOException {
        Random rng = new Random(1);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("z.weight", Tensor.randn(rng, 3, 4, 5));
        tensors.put("a.bias", Tensor.of(new float[] {Float.NaN, Float.MIN_VALUE, -0f, Float.MAX_VALUE, Float.NEGATIVE_INFINITY}, 5));
        tensors.put("scalar", Tensor.scalar(3.25f));
        tensors.put("empty", Tensor.zeros(0, 3));
        tensors.put("ünïcode name", Tensor.ones(2));
        Map<String, String> meta = Map.of("format", "pt", "epoch", "3");
        Path p = dir.resolve("rt.safetensors");
        SafeTensors.write(p, tensors, meta);

        SafeTensors.Contents c = SafeTensors.readContents(p);
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(c.tensors().keySet()));
        for (var e : tensors.entrySet()) {
            Tensor got = c.tensors().get(e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
            for (int i = 0; i < got.numel(); i++) {
                assertEquals(Float.floatToRawIntBits(e.getValue().data()[i]), Float.floatToRawIntBits(got.data()[i]),
                        e.getKey() + "[" + i + "]");
            }
        }
        assertEquals(meta, c.metadata());
        assertEquals(0, Files.size(p) % 8 == 0 ? 0 : 1, "data section must start 8-aligned (header padded)");
        SafeTensors.Header h = SafeTensors.readHeader(p);
        assertEquals(0, h.dataStart() % 8);
    }

    @Test
    void largeTensorCrossesReadAndWriteChunks() throws IOException {
        Tensor big = Tensor.randn(new Random(2), 700_001); // 2.8 MB: several 1 MiB chunks, odd tail
        Path p = dir.resolve("big.safetensors");
        SafeTensors.write(p, Map.of("big", big));
        assertArrayEquals(big.data(), SafeTensors.read(p).get("big").data());
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path p = dir.resolve("w.safetensors");
        SafeTensors.write(p, Map.of("x", Tensor.ones(3)));
        SafeTensors.write(p, Map.of("x", Tensor.full(2f, 4)));
        assertArrayEquals(new float[] {2, 2, 2, 2}, SafeTensors.read(p).get("x").data());
        byte[] before = Files.readAllBytes(p);

        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("ok", Tensor.ones(1));
        bad.put("__metadata__", Tensor.ones(1));
        var e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(p, bad));
        assertTrue(e.getMessage().contains("__metadata__"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(p), "a failed write must not touch the existing file");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
    }

    @Test
    void writeValidatesArguments() {
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(dir, Map.of()));
        Map<String, Tensor> withNull = new LinkedHashMap<>();
        withNull.put("w", null);
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(dir.resolve("a"), withNull));
        assertThrows(IOException.class, () -> SafeTensors.write(dir.resolve("missing/dir/a.safetensors"), Map.of()));
    }

    // ------------------------------------------------------------------ reading

    @Test
    void readsHeaderOrderIndependentOfDataOrder() throws IOException {
        // "b" is listed first but its bytes come second; "__metadata__" last: all legal.
        String header = "{" + tensorHeader("b", "F32", "[1]", 8, 12) + "," + tensorHeader("a", "F32", "[2]", 0, 8)
                + ",\"__metadata__\":{\"who\":\"hand-built\"}}";
        Path p = put("o.safetensors", file(header, f32(1f, 2f), f32(3f)));
        SafeTensors.Contents c = SafeTensors.readContents(p);
        assertEquals(List.of("b", "a"), List.copyOf(c.tensors().keySet()));
        assertArrayEquals(new float[] {3f}, c.tensors().get("b").data());
        assertArrayEquals(new float[] {1f, 2f}, c.tensors().get("a").data());
        assertEquals(Map.of("who", "hand-built"), c.metadata());
    }

    @Test
    void convertsEverySupportedDtypeToFloat() throws IOException {
        ByteBuffer f64 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-3);
        ByteBuffer i64 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).putLong(1L << 40);
        ByteBuffer i32 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-7).putInt(123456);
        byte[] f16 = bytes(0x00, 0x3C, 0x00, 0xC0);      // 1.0, -2.0 in IEEE half precision
        byte[] bf16 = bytes(0x80, 0x3F, 0x49, 0x40);     // 1.0, 3.140625 (0x4049) in bfloat16
        byte[] u8 = bytes(0, 255);
        byte[] i8 = bytes(0xFF, 0x7F);
        byte[] i16 = bytes(0x00, 0x80, 0x01, 0x00);      // -32768, 1
        byte[] bool = bytes(0, 1);
        String header = "{" + String.join(",",
                tensorHeader("f64", "F64", "[2]", 0, 16),
                tensorHeader("i64", "I64", "[2]", 16, 32),
                tensorHeader("i32", "I32", "[2]", 32, 40),
                tensorHeader("f16", "F16", "[2]", 40, 44),
                tensorHeader("bf16", "BF16", "[2]", 44, 48),
                tensorHeader("u8", "U8", "[2]", 48, 50),
                tensorHeader("i8", "I8", "[2]", 50, 52),
                tensorHeader("i16", "I16", "[2]", 52, 56),
                tensorHeader("bool", "BOOL", "[1,2]", 56, 58)) + "}";
        Path p = put("d.safetensors", file(header, f64.array(), i64.array(), i32.array(), f16, bf16, u8, i8, i16, bool));
        Map<String, Tensor> t = SafeTensors.read(p);
        assertArrayEquals(new float[] {0.1f, -3f}, t.get("f64").data());
        assertArrayEquals(new float[] {-5f, (float) (1L << 40)}, t.get("i64").data());
        assertArrayEquals(new float[] {-7f, 123456f}, t.get("i32").data());
        assertArrayEquals(new float[] {1f, -2f}, t.get("f16").data());
        assertArrayEquals(new float[] {1f, 3.140625f}, t.get("bf16").data());
        assertArrayEquals(new float[] {0f, 255f}, t.get("u8").data());
        assertArrayEquals(new float[] {-1f, 127f}, t.get("i8").data());
        assertArrayEquals(new float[] {-32768f, 1f}, t.get("i16").data());
        assertArrayEquals(new float[] {0f, 1f}, t.get("bool").data());
        assertArrayEquals(new int[] {1, 2}, t.get("bool").shape());
    }

    // ------------------------------------------------------------------ corruption

    @Test
    void rejectsFilesShorterThanTheLengthField() throws IOException {
        assertEquals("weights.safetensors is not a safetensors file: it has 3 bytes, fewer than the 8-byte header length field",
                readError(bytes(1, 2, 3)));
    }

    @Test
    void rejectsBadHeaderLength() throws IOException {
        byte[] huge = bytes(0, 0, 0, 0, 0, 0, 0, 0x80, '{', '}');
        assertTrue(readError(huge).startsWith("weights.safetensors has a bad header length: 9223372036854775808 bytes"));
        assertTrue(readError(bytes(1, 0, 0, 0, 0, 0, 0, 0, '{')).contains("bad header length: 1 bytes"));
    }

    @Test
    void rejectsHeaderBeyondFileSize() throws IOException {
        byte[] f = bytes(100, 0, 0, 0, 0, 0, 0, 0, '{', '}');
        assertEquals("weights.safetensors has a header length of 100 bytes, beyond the end of the file: "
                + "the header would end at byte 108 but the file has 10 bytes", readError(f));
    }

    @Test
    void rejectsInvalidJsonAndNonObjects() throws IOException {
        assertTrue(readError(file("{\"a\":}  ")).startsWith("weights.safetensors has an invalid JSON header: expected a value"));
        assertTrue(readError(file("[]      ")).contains("does not start with '{'"));
        assertTrue(readError(file("{} x    ")).contains("invalid JSON header"));
        byte[] notUtf8 = file("{\"\"}    ");
        notUtf8[10] = (byte) 0xFF;
        assertTrue(readError(notUtf8).contains("not valid UTF-8"));
    }

    @Test
    void rejectsMalformedTensorEntries() throws IOException {
        assertTrue(readError(file("{\"a\":3}")).contains("tensor 'a' must be an object with dtype, shape and data_offsets"));
        assertTrue(readError(file("{" + tensorHeader("a", "U32", "[1]", 0, 4) + "}", f32(1)))
                .contains("tensor 'a' has dtype U32, which Fovea cannot read"));
        assertTrue(readError(file("{" + tensorHeader("a", "F32", "[-1]", 0, 4) + "}", f32(1)))
                .contains("needs \"shape\" of non-negative integers; received [-1]"));
        assertTrue(readError(file("{" + tensorHeader("a", "F32", "[1.5]", 0, 4) + "}", f32(1)))
                .contains("needs \"shape\" of non-negative integers"));
        assertTrue(readError(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", f32(1)))
                .contains("needs \"data_offsets\" as an array of 2 non-negative integers; received [0]"));
        assertTrue(readError(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", f32(1)))
                .contains("unknown field \"x\""));
        assertTrue(readError(file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", f32(1)))
                .contains("needs a string \"dtype\"; received null"));
        assertTrue(readError(file("{\"__metadata__\":{\"k\":1}}"))
                .contains("metadata value for \"k\" must be a string; received 1"));
        assertTrue(readError(file("{\"__metadata__\":[]}")).contains("\"__metadata__\" must be an object of strings"));
    }

    @Test
    void rejectsOffsetsThatDoNotMatchDtypeTimesShape() throws IOException {
        String msg = readError(file("{" + tensorHeader("conv1.weight", "F32", "[2,3]", 0, 20) + "}", new byte[20]));
        assertEquals("weights.safetensors: tensor 'conv1.weight' has data_offsets [0, 20] (20 bytes) but F32 (2, 3) "
                + "needs 6 x 4 = 24 bytes", msg);
        assertTrue(readError(file("{" + tensorHeader("a", "F32", "[0]", 8, 0) + "}", new byte[8]))
                .contains("end is before begin"));
        assertTrue(readError(file("{" + tensorHeader("a", "F32", "[4294967296,4294967296]", 0, 4) + "}"))
                .contains("larger than a Java array allows"));
    }

    @Test
    void rejectsOverlapsAndGaps() throws IOException {
        String overlap = "{" + tensorHeader("a", "F32", "[2]", 0, 8) + "," + tensorHeader("b", "F32", "[2]", 4, 12) + "}";
        assertEquals("weights.safetensors: tensors 'a' [0, 8) and 'b' [4, 12) overlap", readError(file(overlap, new byte[12])));
        String gap = "{" + tensorHeader("a", "F32", "[1]", 0, 4) + "," + tensorHeader("b", "F32", "[1]", 8, 12) + "}";
        assertEquals("weights.safetensors: data bytes [4, 8) belong to no tensor (gap before 'b'); offsets must be contiguous",
                readError(file(gap, new byte[12])));
    }

    @Test
    void reportsTruncationWithTheTensorAndByteRange() throws IOException {
        String header = "{" + tensorHeader("fc.bias", "F32", "[2]", 0, 8) + ","
                + tensorHeader("conv1.weight", "F32", "[6,1,5,5]", 8, 608) + "}";
        byte[] full = file(header, new byte[608]);
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 100);
        int start = 8 + header.length();
        assertEquals("weights.safetensors is truncated: tensor 'conv1.weight' needs bytes [" + (start + 8) + ", "
                + (start + 608) + "); file has " + cut.length + " bytes", readError(cut));
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        String header = "{" + tensorHeader("a", "F32", "[1]", 0, 4) + "}";
        assertTrue(readError(file(header, f32(1f), bytes(9, 9))).startsWith("weights.safetensors has 2 unexpected bytes after the last tensor"));
    }

    // ------------------------------------------------------------------ modules

    /** A module with a batch-norm style int64 counter buffer. */
    static final class Counted extends Module {
        final Linear fc;
        final Tensor count;

        Counted(int in, int out, long seed) {
            fc = registerModule("fc", new Linear(in, out, new Random(seed)));
            count = registerBuffer("num_batches_tracked", Tensor.scalar(0));
        }

        @Override
        protected Tensor compute(Tensor x) { return fc.forward(x); }
    }

    @Test
    void saveAndLoadRestoreParametersAndBuffers() throws IOException {
        Counted a = new Counted(4, 3, 1);
        a.count.data()[0] = 42;
        Path p = dir.resolve("m.safetensors");
        SafeTensors.save(a, p);

        SafeTensors.Header h = SafeTensors.readHeader(p);
        // PyTorch order: a module's own parameters and buffers before its children's.
        assertEquals(List.of("num_batches_tracked", "fc.weight", "fc.bias"),
                h.entries().stream().map(SafeTensors.Entry::name).toList());
        assertEquals(SafeTensors.DType.I64, h.entries().get(0).dtype());
        assertEquals(SafeTensors.DType.F32, h.entries().get(1).dtype());
        assertEquals("pt", h.metadata().get("format"));

        Counted b = new Counted(4, 3, 2);
        SafeTensors.LoadResult r = SafeTensors.load(b, p, true);
        assertEquals(List.of(), r.missingKeys());
        assertArrayEquals(a.fc.weight.data(), b.fc.weight.data());
        assertArrayEquals(a.fc.bias.data(), b.fc.bias.data());
        assertEquals(42f, b.count.item());
        Tensor x = Tensor.randn(new Random(3), 2, 4);
        assertArrayEquals(a.forward(x).data(), b.forward(x).data());
    }

    @Test
    void strictLoadListsMissingAndUnexpectedKeysAndChangesNothing() throws IOException {
        Path p = dir.resolve("seq.safetensors");
        SafeTensors.save(new Sequential(new Linear(4, 3, new Random(1))), p);
        Counted target = new Counted(4, 3, 5);
        float[] before = target.fc.weight.data().clone();
        var e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.load(target, p));
        assertEquals("seq.safetensors does not fit Counted: missing keys (3): [fc.bias, fc.weight, num_batches_tracked]; "
                + "unexpected keys (2): [0.bias, 0.weight]", e.getMessage());
        assertArrayEquals(before, target.fc.weight.data());

        SafeTensors.LoadResult r = SafeTensors.load(target, p, false);
        assertEquals(List.of("fc.bias", "fc.weight", "num_batches_tracked"), r.missingKeys());
        assertEquals(List.of("0.bias", "0.weight"), r.unexpectedKeys());
    }

    @Test
    void shapeMismatchNamesTensorExpectedAndReceived() throws IOException {
        Path p = dir.resolve("c.safetensors");
        SafeTensors.save(new Counted(5, 3, 1), p);
        var e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.load(new Counted(4, 3, 1), p, false));
        assertEquals("c.safetensors does not fit Counted: tensor 'fc.weight' expected shape (3, 4), received (3, 5)",
                e.getMessage());
    }
}
