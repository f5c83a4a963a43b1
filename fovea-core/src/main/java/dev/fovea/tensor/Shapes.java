package dev.fovea.tensor;

import java.util.Arrays;

/** Small helpers on shapes ({@code int[]}): element counts, strides, broadcasting, printing. */
public final class Shapes {

    private Shapes() {}

    /** Number of elements; throws on negative sizes or overflow. */
    public static int numel(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("shape sizes must be >= 0; received " + str(shape));
            n *= d;
            if (n > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("tensor too large for one Java array: " + str(shape));
            }
        }
        return (int) n;
    }

    /** Row-major strides. */
    public static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** NumPy broadcasting of two shapes, or an IllegalArgumentException naming both. */
    public static int[] broadcast(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast together (dimension " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * Strides to read a tensor of shape {@code from} as if it had the broadcast shape {@code to}:
     * 0 on broadcast dimensions.
     */
    static int[] broadcastStrides(int[] from, int[] to) {
        int[] s = new int[to.length];
        int[] fs = strides(from);
        int shift = to.length - from.length;
        for (int i = 0; i < to.length; i++) {
            int j = i - shift;
            s[i] = j < 0 || from[j] == 1 ? 0 : fs[j];
        }
        return s;
    }

    /** Normalises a possibly negative dimension index against a rank. */
    public static int dim(int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) {
            throw new IllegalArgumentException("dimension out of range: expected [" + (-rank) + ", " + (rank - 1)
                    + "]; received " + dim);
        }
        return d;
    }

    /** "(8, 1, 28, 28)", PyTorch's way of printing a shape. */
    public static String str(int... shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        if (shape.length == 1) sb.append(',');
        return sb.append(')').toString();
    }

    public static boolean same(int[] a, int[] b) {
        return Arrays.equals(a, b);
    }
}
