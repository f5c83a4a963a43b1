package dev.fovea.io;

import dev.fovea.nn.Module;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and writes tensors in the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format: safe to load from untrusted sources (no code runs, unlike pickle) and readable by PyTorch
 * ({@code safetensors.torch.load_file}), so Fovea and PyTorch can exchange weights.
 *
 * <p>Layout of a file, all integers little-endian:
 * <pre>
 *   8 bytes   N, unsigned 64-bit: length of the header in bytes
 *   N bytes   UTF-8 JSON object, padded with spaces so the data starts 8-byte aligned:
 *             {"__metadata__": {"k": "v"},
 *              "conv1.weight": {"dtype": "F32", "shape": [6, 1, 5, 5], "data_offsets": [0, 600]}, ...}
 *   rest      the tensors' bytes, row-major; data_offsets [begin, end) count from the end of the header
 * </pre>
 *
 * <p>Reading accepts F32, F16, BF16, F64, I64, I32, I16, I8, U8 and BOOL and converts every value to
 * {@code float}. It validates like the reference implementation: the header must be a JSON object,
 * every tensor's byte range must equal dtype size × number of elements, ranges may not overlap and
 * must cover the data section exactly (no gaps, no trailing bytes). Errors are
 * {@link CorruptFileException}s naming the file and the tensor.
 *
 * <p>Writing stores F32, except keys ending in {@code num_batches_tracked}, which are stored as I64
 * because PyTorch's batch-norm buffers are {@code int64} and {@code load_state_dict} copies into
 * them. Files are written atomically: a temporary file in the same directory, {@code fsync}, then a
 * rename over the target, so a crash never leaves a half-written checkpoint under the real name.
 */
public final class SafeTensors {

    /** Largest header accepted; the reference implementation uses the same cap against hostile files. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";
    private static final int CHUNK_BYTES = 1 << 20; // multiple of every dtype size
    private static final Set<String> INFO_FIELDS = Set.of("dtype", "shape", "data_offsets");

    private SafeTensors() {}

    /** Element types of the format that Fovea can read (all converted to float). */
    public enum DType {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

        /** Bytes per element. */
        public final int size;

        DType(int size) { this.size = size; }

        /** Reads one element at the buffer's position (little-endian) as float. */
        float read(ByteBuffer b) {
            return switch (this) {
                case F64 -> (float) b.getDouble();
                case F32 -> b.getFloat();
                case F16 -> Float.float16ToFloat(b.getShort());
                case BF16 -> Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16); // bfloat16 = top half of a float32
                case I64 -> (float) b.getLong();
                case I32 -> (float) b.getInt();
                case I16 -> b.getShort();
                case I8 -> b.get();
                case U8 -> b.get() & 0xFF;
                case BOOL -> b.get() != 0 ? 1f : 0f;
            };
        }

        static DType parse(String s) {
            for (DType d : values()) if (d.name().equals(s)) return d;
            return null;
        }
    }

    /** Where one tensor lives in a file: dtype, shape and byte range relative to the data section. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        public Entry {
            shape = shape.clone();
        }

        @Override
        public int[] shape() { return shape.clone(); }

        /** Number of elements (1 for a scalar of shape ()). */
        public long numel() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }
    }

    /** A validated header: tensor entries in header order, the metadata, and where the data starts. */
    public record Header(List<Entry> entries, Map<String, String> metadata, long dataStart, long fileSize) {
        public Header {
            entries = List.copyOf(entries);
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    /** Tensors in header order, plus the file's {@code __metadata__} (empty when absent). */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /** What a non-strict {@link #load(Module, Path, boolean)} skipped (PyTorch's {@code _IncompatibleKeys}). */
    public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {
        public LoadResult {
            missingKeys = List.copyOf(missingKeys);
            unexpectedKeys = List.copyOf(unexpectedKeys);
        }
    }

    // ================================================================== writing

    /** Writes {@code tensors} (iteration order kept) without metadata. */
    public static void write(Path path, Map<String, Tensor> tensors) throws IOException {
        write(path, tensors, Map.of());
    }

    /**
     * Writes {@code tensors} in their iteration order with string {@code metadata} (omitted when
     * empty), atomically replacing {@code path}.
     *
     * @throws IllegalArgumentException for a null or reserved name, a null tensor or metadata value
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        if (path == null) throw new IllegalArgumentException("SafeTensors.write expects a path; received null");
        if (tensors == null) throw new IllegalArgumentException("SafeTensors.write expects a map of tensors; received null");
        if (metadata == null) metadata = Map.of();
        byte[] header = encodeHeader(tensors, metadata);

        Path target = path.toAbsolutePath();
        if (Files.isDirectory(target)) {
            throw new IllegalArgumentException("SafeTensors.write expects a file path; received a directory: " + path);
        }
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(String.valueOf(dir), null, "directory does not exist");
        }
        Path tmp = createTemp(dir, target.getFileName().toString());
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                buf.putLong(header.length);
                writeFully(ch, buf.flip());
                writeFully(ch, ByteBuffer.wrap(header));
                for (var e : tensors.entrySet()) {
                    writeData(ch, buf, e.getValue().data(), isInt64Key(e.getKey()));
                }
                ch.force(true); // the data must be on disk before the rename makes it visible
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // Some file systems (certain network mounts) cannot rename atomically; a replace is the best left.
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
            syncDirectory(dir);
        } finally {
            if (!moved) Files.deleteIfExists(tmp);
        }
    }

    /** Builds the padded UTF-8 header; validates names and computes offsets in iteration order. */
    static byte[] encodeHeader(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            for (var e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("safetensors metadata must map strings to strings; received "
                            + e.getKey() + " -> " + e.getValue());
                }
            }
            header.put(METADATA_KEY, new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || METADATA_KEY.equals(name)) {
                throw new IllegalArgumentException("tensor names must be non-null and not \"" + METADATA_KEY
                        + "\"; received " + (name == null ? "null" : "\"" + name + "\""));
            }
            if (t == null) throw new IllegalArgumentException("tensor '" + name + "' is null");
            DType dtype = isInt64Key(name) ? DType.I64 : DType.F32;
            long end = offset + (long) t.numel() * dtype.size;
            Map<String, Object> info = new LinkedHashMap<>(); // field order of the reference writer
            info.put("dtype", dtype.name());
            List<Object> shape = new ArrayList<>();
            for (int d : t.shape()) shape.add((long) d);
            info.put("shape", shape);
            info.put("data_offsets", List.of(offset, end));
            header.put(name, info);
            offset = end;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // tensors then start 8-byte aligned, as the reference writer does
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static boolean isInt64Key(String name) {
        return name.endsWith("num_batches_tracked");
    }

    private static void writeData(FileChannel ch, ByteBuffer buf, float[] data, boolean asInt64) throws IOException {
        buf.clear();
        for (float v : data) {
            if (buf.remaining() < 8) {
                writeFully(ch, buf.flip());
                buf.clear();
            }
            if (asInt64) buf.putLong(Math.round((double) v));
            else buf.putFloat(v);
        }
        writeFully(ch, buf.flip());
        buf.clear();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        // Not Files.createTempFile: it creates mode 0600 files, and the rename would keep that mode.
        long seed = System.nanoTime() ^ ProcessHandle.current().pid();
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + Long.toHexString(seed + attempt) + ".tmp");
            try {
                FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) throw e;
            }
        }
    }

    /** Makes the rename itself durable; not possible on every platform, so failures are ignored. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Windows cannot open directories; the file's own data is already forced.
        }
    }

    // ================================================================== reading

    /** Reads all tensors (header order) as float tensors. */
    public static Map<String, Tensor> read(Path path) throws IOException {
        return readContents(path).tensors();
    }

    /** Reads all tensors and the {@code __metadata__} map. */
    public static Contents readContents(Path path) throws IOException {
        try (FileChannel ch = open(path)) {
            Header h = readHeader(ch, path);
            Map<String, Tensor> out = new LinkedHashMap<>();
            ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : h.entries()) out.put(e.name(), readTensor(ch, buf, h, e, path));
            return new Contents(Collections.unmodifiableMap(out), h.metadata());
        }
    }

    /** Reads and validates only the header (cheap even for large files). */
    public static Header readHeader(Path path) throws IOException {
        try (FileChannel ch = open(path)) {
            return readHeader(ch, path);
        }
    }

    private static FileChannel open(Path path) throws IOException {
        if (path == null) throw new IllegalArgumentException("SafeTensors expects a path; received null");
        return FileChannel.open(path, StandardOpenOption.READ);
    }

    private static Header readHeader(FileChannel ch, Path path) throws IOException {
        String file = fileName(path);
        long size = ch.size();
        if (size < 8) {
            throw new CorruptFileException(file + " is not a safetensors file: it has " + size
                    + " bytes, fewer than the 8-byte header length field");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, file);
        long n = lenBuf.flip().getLong(); // unsigned in the format: a negative long means >= 2^63
        if (n < 2 || Long.compareUnsigned(n, MAX_HEADER_BYTES) > 0) {
            throw new CorruptFileException(file + " has a bad header length: " + Long.toUnsignedString(n)
                    + " bytes; expected 2 to " + MAX_HEADER_BYTES + " (is it a safetensors file?)");
        }
        if (8 + n > size) {
            throw new CorruptFileException(file + " has a header length of " + n + " bytes, beyond the end of the file: "
                    + "the header would end at byte " + (8 + n) + " but the file has " + size + " bytes");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8, file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(hb.flip()).toString();
        } catch (CharacterCodingException e) {
            throw new CorruptFileException(file + " has a header that is not valid UTF-8", e);
        }
        if (!text.startsWith("{")) {
            throw new CorruptFileException(file + " has a header that does not start with '{' (is it a safetensors file?)");
        }
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (Json.JsonException e) {
            throw new CorruptFileException(file + " has an invalid JSON header: " + e.getMessage(), e);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> root = (Map<String, Object>) parsed; // starts with '{', so it parsed as an object
        return validate(root, file, 8 + n, size);
    }

    private static Header validate(Map<String, Object> root, String file, long dataStart, long fileSize)
            throws CorruptFileException {
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (var e : root.entrySet()) {
            String name = e.getKey();
            if (METADATA_KEY.equals(name)) {
                if (!(e.getValue() instanceof Map<?, ?> m)) {
                    throw new CorruptFileException(file + ": \"" + METADATA_KEY + "\" must be an object of strings; received "
                            + Json.write(e.getValue()));
                }
                for (var me : m.entrySet()) {
                    if (!(me.getValue() instanceof String v)) {
                        throw new CorruptFileException(file + ": metadata value for \"" + me.getKey()
                                + "\" must be a string; received " + Json.write(me.getValue()));
                    }
                    metadata.put((String) me.getKey(), v);
                }
                continue;
            }
            entries.add(parseEntry(name, e.getValue(), file));
        }

        // Ranges must tile the data section exactly, as the reference reader requires.
        long dataSize = fileSize - dataStart;
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry en : byOffset) {
            if (en.begin() < expected) {
                throw new CorruptFileException(file + ": tensors '" + previous.name() + "' " + range(previous) + " and '"
                        + en.name() + "' " + range(en) + " overlap");
            }
            if (en.begin() > expected) {
                throw new CorruptFileException(file + ": data bytes [" + expected + ", " + en.begin()
                        + ") belong to no tensor (gap before '" + en.name() + "'); offsets must be contiguous");
            }
            expected = en.end();
            previous = en;
        }
        for (Entry en : byOffset) {
            if (en.end() > dataSize) {
                throw new CorruptFileException(file + " is truncated: tensor '" + en.name() + "' needs bytes ["
                        + (dataStart + en.begin()) + ", " + (dataStart + en.end()) + "); file has " + fileSize + " bytes");
            }
        }
        if (expected < dataSize) {
            throw new CorruptFileException(file + " has " + (dataSize - expected) + " unexpected bytes after the last tensor"
                    + " (tensors end at byte " + (dataStart + expected) + "; file has " + fileSize + " bytes)");
        }
        return new Header(entries, metadata, dataStart, fileSize);
    }

    private static Entry parseEntry(String name, Object value, String file) throws CorruptFileException {
        String where = file + ": tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> info)) {
            throw new CorruptFileException(where + " must be an object with dtype, shape and data_offsets; received "
                    + Json.write(value));
        }
        for (Object k : info.keySet()) {
            if (!INFO_FIELDS.contains(k)) {
                throw new CorruptFileException(where + " has an unknown field \"" + k + "\"; expected dtype, shape, data_offsets");
            }
        }
        if (!(info.get("dtype") instanceof String dtypeName)) {
            throw new CorruptFileException(where + " needs a string \"dtype\"; received " + Json.write(info.get("dtype")));
        }
        DType dtype = DType.parse(dtypeName);
        if (dtype == null) {
            throw new CorruptFileException(where + " has dtype " + dtypeName + ", which Fovea cannot read; supported: "
                    + Arrays.toString(DType.values()));
        }
        long[] shapeL = longs(info.get("shape"), -1, where, "shape");
        int[] shape = new int[shapeL.length];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shapeL[i] > Integer.MAX_VALUE) {
                throw new CorruptFileException(where + " has dimension " + shapeL[i] + ", larger than a Java array allows");
            }
            shape[i] = (int) shapeL[i];
            numel = multiplyOrFail(numel, shapeL[i], where);
        }
        long[] offsets = longs(info.get("data_offsets"), 2, where, "data_offsets");
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw new CorruptFileException(where + " has data_offsets [" + begin + ", " + end + "]: end is before begin");
        }
        long bytes = multiplyOrFail(numel, dtype.size, where);
        if (end - begin != bytes) {
            throw new CorruptFileException(where + " has data_offsets [" + begin + ", " + end + "] (" + (end - begin)
                    + " bytes) but " + dtype + " " + Shapes.str(shape) + " needs " + numel + " x " + dtype.size + " = "
                    + bytes + " bytes");
        }
        if (numel > Integer.MAX_VALUE - 16) {
            throw new CorruptFileException(where + " has " + numel + " elements; a Fovea tensor holds at most "
                    + (Integer.MAX_VALUE - 16));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers (of length {@code expectedLength} unless it is -1). */
    private static long[] longs(Object value, int expectedLength, String where, String field) throws CorruptFileException {
        if (!(value instanceof List<?> list) || (expectedLength >= 0 && list.size() != expectedLength)) {
            String what = expectedLength >= 0 ? "an array of " + expectedLength + " non-negative integers"
                    : "an array of non-negative integers";
            throw new CorruptFileException(where + " needs \"" + field + "\" as " + what + "; received " + Json.write(value));
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long v) || v < 0) {
                throw new CorruptFileException(where + " needs \"" + field + "\" of non-negative integers; received "
                        + Json.write(value));
            }
            out[i] = v;
        }
        return out;
    }

    private static long multiplyOrFail(long a, long b, String where) throws CorruptFileException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new CorruptFileException(where + " is impossibly large (size overflows 64 bits)");
        }
    }

    private static Tensor readTensor(FileChannel ch, ByteBuffer buf, Header h, Entry e, Path path) throws IOException {
        float[] out = new float[(int) e.numel()];
        long pos = h.dataStart() + e.begin();
        long remaining = e.end() - e.begin();
        int i = 0;
        while (remaining > 0) {
            buf.clear().limit((int) Math.min(CHUNK_BYTES, remaining));
            readFully(ch, buf, pos, fileName(path));
            buf.flip();
            pos += buf.limit();
            remaining -= buf.limit();
            while (buf.hasRemaining()) out[i++] = e.dtype().read(buf);
        }
        return Tensor.of(out, e.shape());
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos, String file) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) throw new CorruptFileException(file + " ended at byte " + pos + " while reading (did it change on disk?)");
            pos += r;
        }
    }

    private static String range(Entry e) {
        return "[" + e.begin() + ", " + e.end() + ")";
    }

    private static String fileName(Path path) {
        Path name = path.getFileName();
        return name == null ? path.toString() : name.toString();
    }

    // ================================================================== modules

    /** Writes {@code module.stateDict()} (PyTorch key names and order) to {@code path}. */
    public static void save(Module module, Path path) throws IOException {
        save(module, path, Map.of());
    }

    /**
     * Writes the module's state dict with {@code metadata}; {@code "format": "pt"} is added (as
     * {@code safetensors.torch.save_file} does for Hugging Face tools) unless the caller sets it.
     */
    public static void save(Module module, Path path, Map<String, String> metadata) throws IOException {
        if (module == null) throw new IllegalArgumentException("SafeTensors.save expects a module; received null");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        if (metadata != null) meta.putAll(metadata);
        write(path, module.stateDict(), meta);
    }

    /** Loads weights strictly: every key must match, with the same shape. */
    public static void load(Module module, Path path) throws IOException {
        load(module, path, true);
    }

    /**
     * Copies the file's tensors into the module's parameters and buffers. With {@code strict}, any
     * missing or unexpected key is an error; a shape mismatch always is. Nothing is changed when an
     * error is thrown. Returns the keys a non-strict load skipped.
     *
     * @throws IllegalArgumentException listing missing/unexpected keys and each mismatched shape
     */
    public static LoadResult load(Module module, Path path, boolean strict) throws IOException {
        if (module == null) throw new IllegalArgumentException("SafeTensors.load expects a module; received null");
        Map<String, Tensor> file = read(path);
        Map<String, Tensor> own = module.stateDict();
        Set<String> missing = new TreeSet<>(own.keySet());
        missing.removeAll(file.keySet());
        Set<String> unexpected = new TreeSet<>(file.keySet());
        unexpected.removeAll(own.keySet());
        List<String> problems = new ArrayList<>();
        if (strict && !missing.isEmpty()) problems.add("missing keys (" + missing.size() + "): " + missing);
        if (strict && !unexpected.isEmpty()) problems.add("unexpected keys (" + unexpected.size() + "): " + unexpected);
        for (var e : own.entrySet()) {
            Tensor src = file.get(e.getKey());
            if (src != null && !Arrays.equals(src.shape(), e.getValue().shape())) {
                problems.add("tensor '" + e.getKey() + "' expected shape " + Shapes.str(e.getValue().shape())
                        + ", received " + Shapes.str(src.shape()));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(fileName(path) + " does not fit " + module.getClass().getSimpleName()
                    + ": " + String.join("; ", problems));
        }
        module.loadStateDict(file, false);
        return new LoadResult(new ArrayList<>(missing), new ArrayList<>(unexpected));
    }
}
