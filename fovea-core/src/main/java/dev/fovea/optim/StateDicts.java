package dev.fovea.optim;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.Map;

/**
 * Exact storage of Java {@code double} and {@code long} scalars in float tensors, for optimizer and
 * schedule state dicts.
 *
 * <p>A float32 tensor holds only 24 significant bits, so a learning rate produced by a schedule in
 * double precision, or a step counter above 2^24, would change when written and read back, and a
 * resumed run would drift from the uninterrupted one. A scalar is therefore stored as a tensor of
 * shape (4) holding the four 16-bit words of its IEEE-754 binary64 pattern, most significant first.
 * Each word is an integer in [0, 65535], exactly representable in float32 and unaffected by any
 * NaN canonicalisation a file writer might do. Counters are stored as the double of their value,
 * exact up to 2^53.
 */
final class StateDicts {

    private StateDicts() {}

    /** Encodes {@code value} as shape (4): the 16-bit words of its binary64 pattern, high word first. */
    static Tensor f64(double value) {
        long bits = Double.doubleToRawLongBits(value);
        float[] words = new float[4];
        for (int i = 0; i < 4; i++) words[i] = (float) ((bits >>> (48 - 16 * i)) & 0xFFFF);
        return Tensor.of(words, 4);
    }

    /** Decodes the scalar stored under {@code key}, naming {@code owner} in errors. */
    static double f64(Map<String, Tensor> dict, String key, String owner) {
        Tensor t = dict.get(key);
        if (t == null) {
            throw new IllegalArgumentException(owner + " state dict expects key '" + key + "'; received keys "
                    + new java.util.TreeSet<>(dict.keySet()));
        }
        int[] shape = t.shape();
        if (shape.length != 1 || shape[0] != 4) {
            throw new IllegalArgumentException(owner + " state dict expects '" + key + "' of shape (4) (a binary64 "
                    + "scalar as four 16-bit words); received shape " + Shapes.str(shape));
        }
        long bits = 0;
        for (float w : t.data()) {
            if (!(w >= 0 && w <= 0xFFFF) || w != Math.rint(w)) {
                throw new IllegalArgumentException(owner + " state dict expects '" + key + "' to hold integers in "
                        + "[0, 65535]; received " + w);
            }
            bits = (bits << 16) | (long) w;
        }
        return Double.longBitsToDouble(bits);
    }

    /** Decodes a non-negative counter stored with {@link #f64(double)}. */
    static long counter(Map<String, Tensor> dict, String key, String owner) {
        double v = f64(dict, key, owner);
        if (!(v >= 0) || v != Math.rint(v) || v > 0x1p53) {
            throw new IllegalArgumentException(owner + " state dict expects '" + key + "' to be a counter >= 0; "
                    + "received " + v);
        }
        return (long) v;
    }
}
