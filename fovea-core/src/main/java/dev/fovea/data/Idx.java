package dev.fovea.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reader for the IDX format of MNIST and Fashion-MNIST, gzipped or raw (detected from the first bytes).
 *
 * <p>Format (http://yann.lecun.com/exdb/mnist/): magic {@code 0x0000TTDD} big-endian where TT is the
 * element type (0x08 = unsigned byte) and DD the number of dimensions, then DD big-endian int32 sizes,
 * then the data. Only unsigned-byte data is used by the image sets and supported here.
 */
public final class Idx {

    /** Dimensions and raw unsigned bytes of one IDX file. */
    public record Array(int[] dims, byte[] data) {}

    private Idx() {}

    public static Array read(Path path) throws IOException {
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString(), null, "IDX file not found");
        try (InputStream in = Files.newInputStream(path)) {
            return read(in, path.toString());
        }
    }

    /** Reads an IDX stream (gzipped or raw); {@code name} appears in error messages. */
    public static Array read(InputStream stream, String name) throws IOException {
        try (InputStream raw = new BufferedInputStream(stream)) {
            raw.mark(2);
            int b0 = raw.read(), b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            DataInputStream data = new DataInputStream(new BufferedInputStream(in, 1 << 16));
            int magic;
            try {
                magic = data.readInt();
            } catch (EOFException e) {
                throw new IOException(name + " is not an IDX file: it ends before the 4-byte magic number");
            }
            int type = (magic >>> 8) & 0xff, rank = magic & 0xff;
            if ((magic >>> 16) != 0 || type != 0x08 || rank < 1 || rank > 4) {
                throw new IOException(String.format("%s is not an unsigned-byte IDX file: expected magic 0x000008DD "
                        + "(DD = 1..4 dimensions), received 0x%08X", name, magic));
            }
            int[] dims = new int[rank];
            long count = 1;
            for (int i = 0; i < rank; i++) {
                try {
                    dims[i] = data.readInt();
                } catch (EOFException e) {
                    throw new IOException(name + " is truncated: it ends inside the header (dimension " + i + " of " + rank + ")");
                }
                if (dims[i] < 0) throw new IOException(name + " has a negative dimension " + dims[i]);
                count *= dims[i];
            }
            if (count > Integer.MAX_VALUE - 16) throw new IOException(name + " is too large: " + count + " elements");
            byte[] bytes = new byte[(int) count];
            int got = data.readNBytes(bytes, 0, bytes.length);
            if (got < bytes.length) {
                throw new IOException(name + " is truncated: its header promises " + dimsString(dims) + " = " + count
                        + " bytes of data; the file holds " + got);
            }
            return new Array(dims, bytes);
        } catch (java.util.zip.ZipException e) {
            throw new IOException(name + " is a corrupt gzip file: " + e.getMessage(), e);
        }
    }

    static String dimsString(int[] dims) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dims.length; i++) sb.append(i == 0 ? "" : "x").append(dims[i]);
        return sb.toString();
    }
}
