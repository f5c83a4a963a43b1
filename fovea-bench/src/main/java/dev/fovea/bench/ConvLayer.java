package dev.fovea.bench;

/**
 * The five convolution layers of the benchmarks: one typical layer from each network family Fovea
 * ships, chosen so that the set covers a tiny first layer, a large-kernel strided layer, the two
 * common 3x3 shapes (large maps and few channels, small maps and many channels) and a pointwise
 * layer. Square inputs, kernels, strides and symmetric padding; bias on, as PyTorch's default.
 *
 * <p>FLOPs count one multiply-add as 2 and leave out the bias: forward
 * {@code 2 * n * oc * oh * ow * c * k * k}; a full backward (input and weight gradients) costs
 * twice that again, the same GEMM size each.
 */
public enum ConvLayer {
    /** LeNet-5 C1. */
    A("conv_a", "1->6 5x5, 32x32, b64 (LeNet-5 C1)", 64, 1, 32, 6, 5, 1, 0),
    /** AlexNet conv1. */
    B("conv_b", "3->96 11x11 s4, 227x227, b8 (AlexNet conv1)", 8, 3, 227, 96, 11, 4, 0),
    /** ResNet-18/34 layer1 3x3. */
    C("conv_c", "64->64 3x3 p1, 56x56, b8 (ResNet layer1)", 8, 64, 56, 64, 3, 1, 1),
    /** ResNet-34 layer3 3x3. */
    D("conv_d", "256->256 3x3 p1, 14x14, b8 (ResNet layer3)", 8, 256, 14, 256, 3, 1, 1),
    /** GoogLeNet inception 3a, 1x1 branch. */
    E("conv_e", "192->64 1x1, 28x28, b8 (GoogLeNet 3a)", 8, 192, 28, 64, 1, 1, 0);

    /** Name shared with {@code bench/torch_bench.py}. */
    public final String id;
    public final String description;
    public final int n, c, size, oc, kernel, stride, pad;

    ConvLayer(String id, String description, int n, int c, int size, int oc, int kernel, int stride, int pad) {
        this.id = id;
        this.description = description;
        this.n = n;
        this.c = c;
        this.size = size;
        this.oc = oc;
        this.kernel = kernel;
        this.stride = stride;
        this.pad = pad;
    }

    /** Output height (= width): {@code floor((size + 2 pad - kernel) / stride) + 1}. */
    public int outSize() {
        return (size + 2 * pad - kernel) / stride + 1;
    }

    /** Floating-point operations of the forward pass (2 per multiply-add, bias left out). */
    public double forwardFlops() {
        return 2.0 * n * oc * outSize() * outSize() * c * kernel * kernel;
    }

    /** The layer named {@code id} ("conv_c"), or an exception listing the names. */
    public static ConvLayer byId(String id) {
        for (ConvLayer l : values()) if (l.id.equals(id)) return l;
        throw new IllegalArgumentException("conv layer conv_a .. conv_e expected; received '" + id + "'");
    }
}
