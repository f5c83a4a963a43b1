package dev.fovea.kernels.simd;

import java.util.Arrays;

/**
 * Per-thread work buffers that only grow, so kernels allocate nothing once warmed up.
 *
 * <p>Each purpose has its own buffer because kernels nest: a convolution holds its im2col matrix
 * in {@link #col} while the GEMM it calls packs into {@link #packA}/{@link #packB} on the same
 * thread. A buffer's content is undefined on entry; callers overwrite what they read.
 */
final class Scratch {

    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

    private float[] packA = new float[0];
    private float[] packB = new float[0];
    private float[] sharedB = new float[0];
    private float[] tile = new float[0];
    private float[] rowA = new float[0];
    private float[] rowB = new float[0];
    private float[] rowC = new float[0];
    private float[] col = new float[0];
    private float[] weights = new float[0];
    private float[] padded = new float[0];
    private float[] wide = new float[0];
    private int[] offsets = new int[0];
    private int[] starts = new int[0];
    private float[] edgeA = new float[0];
    private float[] partials = new float[0];
    private float[] lrn = new float[0];
    private float[] transformedKernel = new float[0];
    private float[] transformedInput = new float[0];
    private float[] products = new float[0];
    private float[] transformTmp = new float[0];
    private float[] taps = new float[0];
    private int[] targets = new int[0];
    private int[] multiples = new int[0];

    private Scratch() {}

    /** The calling thread's buffers. */
    static Scratch get() { return LOCAL.get(); }

    /** Packed panels of A in the blocked GEMM. */
    float[] packA(int size) { return packA = grow(packA, size); }

    /** Packed panels of B in the blocked GEMM. */
    float[] packB(int size) { return packB = grow(packB, size); }

    /** All packed panels of B, for a product whose tasks split the rows and so share the columns. */
    float[] sharedB(int size) { return sharedB = grow(sharedB, size); }

    /** One micro-tile for the edges of C, or the lane sums of a dot-product tile. */
    float[] tile(int size) { return tile = grow(tile, size); }

    /** A gathered row of op(A) in the row-wise GEMM. */
    float[] rowA(int size) { return rowA = grow(rowA, size); }

    /** A gathered column of op(B) in the row-wise GEMM. */
    float[] rowB(int size) { return rowB = grow(rowB, size); }

    /** A row of accumulators in the row-wise GEMM. */
    float[] rowC(int size) { return rowC = grow(rowC, size); }

    /** The im2col matrix of one image and group. */
    float[] col(int size) { return col = grow(col, size); }

    /** A convolution's weights packed once per call for the GEMMs of all images (read by every thread). */
    float[] weights(int size) { return weights = grow(weights, size); }

    /** Per-chunk partial weight gradients of a convolution, added up in chunk order. */
    float[] partials(int size) { return partials = grow(partials, size); }

    /** A partial panel of A rows packed on the fly by the blocked GEMM. */
    float[] edgeA(int size) { return edgeA = grow(edgeA, size); }

    /** An image with its zero border, planar or channels-last ({@link ImplicitConv}). */
    float[] padded(int size) { return padded = grow(padded, size); }

    /**
     * A convolution output computed at every column of the padded width, or transposed in blocks of
     * output channels by the channels-last convolution ({@link ImplicitConv}).
     */
    float[] wide(int size) { return wide = grow(wide, size); }

    /** Offsets of the column-matrix rows in the padded image ({@link ImplicitConv}); size 0 returns the current one. */
    int[] offsets(int size) { return offsets.length >= size ? offsets : (offsets = new int[size]); }

    /**
     * Window starts: of one column tile ({@link Simd#kernelWindowsWide}, filled by a pool thread for
     * its own tiles), or of every row tile of a weight gradient ({@link ImplicitConv#weightGradientWindows})
     * or every output position of a channels-last convolution ({@link ImplicitConv#forwardChannelsLast}),
     * filled by the calling thread and read by all.
     */
    int[] starts(int size) { return starts.length >= size ? starts : (starts = new int[size]); }

    /**
     * Floats every buffer has beyond the size asked for: a masked vector store whose whole vector
     * would cross the end of the array takes a slow lane-by-lane bounds check in the JDK
     * ({@code AbstractMask.checkIndexByLane}; 4% of a LeNet-5 step when packed panels ended there).
     */
    private static final int SLACK = 64;

    /** A layer's kernel, or its output gradient's tiles, in Winograd's points ({@link Winograd}), read by all threads. */
    float[] transformedKernel(int size) { return transformedKernel = grow(transformedKernel, size); }

    /** A block of input tiles in Winograd's points ({@link Winograd}): a pool thread's own, or a part shared by all. */
    float[] transformedInput(int size) { return transformedInput = grow(transformedInput, size); }

    /** The products of a block of Winograd tiles, or of a weight gradient, before the output transform ({@link Winograd}). */
    float[] products(int size) { return products = grow(products, size); }

    /**
     * The intermediate vectors of one Winograd transform ({@link Simd#winogradInput6} and the
     * others' {@code tmp}), reused by a chunk's tiles. It and the three buffers below replace
     * arrays that every parallel chunk allocated: 21-30 MB of garbage a ResNet-18 training step at
     * batch 16, now 1-2.5 MB.
     */
    float[] transformTmp(int size) { return transformTmp = grow(transformTmp, size); }

    /** The rows of one pair's scalar Winograd taps ({@code Winograd.kernelGradient2}, {@code kernelGradient4}). */
    float[] taps(int size) { return taps = grow(taps, size); }

    /** Where each output of a Winograd tile goes ({@code Winograd.transformOutput}), -1 past the image. */
    int[] targets(int size) { return targets.length >= size ? targets : (targets = new int[size]); }

    /**
     * {@code index[j] = j*step} for j < count and 0 from there to {@code length}: the row offsets of
     * a gather or a transposition ({@link Simd#transpose}), filled again at every call.
     */
    int[] multiples(int count, int step, int length) {
        if (multiples.length < length) multiples = new int[length];
        for (int j = 0; j < count; j++) multiples[j] = j * step;
        Arrays.fill(multiples, count, length, 0);
        return multiples;
    }

    /** LRN backward: dOut * out / scale of every channel over a block of positions. */
    float[] lrn(int size) { return lrn = grow(lrn, size); }

    private static float[] grow(float[] buffer, int size) {
        return buffer.length >= size + SLACK ? buffer
                : new float[Math.max(size + SLACK, buffer.length + (buffer.length >> 1))];
    }
}
