package dev.fovea.tensor;

/** Convolution as one fused autograd op over {@code Kernels.conv2d*}. */
final class ConvFn {

    private ConvFn() {}

    /**
     * @param stride   {strideH, strideW}
     * @param padding  {top, left, bottom, right}
     * @param dilation {dilationH, dilationW}
     */
    static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        throw new UnsupportedOperationException("not yet written");
    }
}
