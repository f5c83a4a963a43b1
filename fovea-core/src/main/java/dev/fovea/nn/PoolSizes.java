package dev.fovea.nn;

import dev.fovea.tensor.Shapes;

/** Argument checks and output-size arithmetic shared by the pooling layers (package-private). */
final class PoolSizes {

    private PoolSizes() {}

    /**
     * PyTorch's pooling output length: {@code floor((in + 2*pad - dilation*(k-1) - 1) / stride) + 1}, or
     * {@code ceil} in ceil mode, where the last window must still start inside the input or the left padding
     * (otherwise it would cover only padding). Returns a value below 1 when the window does not fit.
     */
    static int outSize(int in, int k, int stride, int pad, int dilation, boolean ceilMode) {
        return Math.max(0, dev.fovea.kernels.PoolGeometry.outSize(in, k, stride, pad, dilation, ceilMode));
    }

    /** Validates a {h, w} pair of ints >= min and returns a copy. */
    static int[] pair(String layer, String name, int[] v, int min) {
        if (v == null || v.length != 2 || v[0] < min || v[1] < min) {
            throw new IllegalArgumentException(layer + " expects " + name + " as a pair {h, w} of ints >= " + min
                    + "; received " + (v == null ? "null" : Shapes.str(v)));
        }
        return v.clone();
    }

    /**
     * Checks kernel/stride/padding/dilation; padding may be at most half the kernel (PyTorch's rule: a
     * window must always overlap the input).
     */
    static void check(String layer, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        for (int i = 0; i < kernel.length; i++) {
            if (kernel[i] < 1 || stride[i] < 1 || padding[i] < 0 || dilation[i] < 1) {
                throw new IllegalArgumentException(layer + " expects kernelSize, stride, dilation >= 1 and padding >= 0; received kernelSize="
                        + Shapes.str(kernel) + ", stride=" + Shapes.str(stride) + ", padding=" + Shapes.str(padding)
                        + ", dilation=" + Shapes.str(dilation));
            }
            if (2 * padding[i] > kernel[i]) {
                throw new IllegalArgumentException(layer + " expects padding at most half the kernel size; received padding="
                        + Shapes.str(padding) + " with kernelSize=" + Shapes.str(kernel));
            }
        }
    }
}
