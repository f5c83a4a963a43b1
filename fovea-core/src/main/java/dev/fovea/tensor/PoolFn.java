package dev.fovea.tensor;

/** Pooling as fused autograd ops over {@code Kernels.*Pool2d*}. */
final class PoolFn {

    private PoolFn() {}

    /** kernel, stride, padding, dilation are {h, w} pairs. */
    static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        throw new UnsupportedOperationException("not yet written");
    }

    static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        throw new UnsupportedOperationException("not yet written");
    }

    static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        throw new UnsupportedOperationException("not yet written");
    }
}
