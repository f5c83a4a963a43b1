package dev.fovea.tensor;

import dev.fovea.kernels.Parallel;
import dev.fovea.kernels.PoolGeometry;

import java.util.Arrays;

/**
 * Pooling as fused autograd ops over {@code Kernels.*Pool2d*}, plus adaptive average pooling in
 * plain loops.
 *
 * <p>Shapes: input {@code (N, C, H, W)}, output {@code (N, C, OH, OW)} with
 * {@code OH = floor((H + 2 * padH - dilationH * (KH - 1) - 1) / strideH) + 1} ({@code ceil} in ceil
 * mode, dropping a last window that would start in the right padding), as in PyTorch's
 * {@code MaxPool2d} and {@code AvgPool2d} docs.
 */
final class PoolFn {

    private PoolFn() {}

    /**
     * Max pooling; kernel, stride, padding, dilation are {h, w} pairs, a null stride means the kernel
     * size (PyTorch's default). Padding never wins (it counts as -inf); on ties the gradient goes to
     * the first maximum in window order. Backward saves only the argmax indices, which are not
     * computed when nothing is recorded.
     */
    static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        PoolGeometry g = geometry("maxPool2d", x, kernel, stride, padding, dilation, ceilMode, true);
        float[] out = Workspace.uninitialized(g.outputSize()); // the kernel overwrites it
        // the indices only for a backward pass: inference (ResNet-18 at batch 16: 3.2 million ints a
        // call) computes the values alone; the kernel writes every index
        int[] argmax = NoGrad.isGradEnabled() && x.requiresGrad() ? Workspace.uninitializedIndices(g.outputSize())
                : null;
        Tensor.K.maxPool2dForward(out, argmax, x.data(), g);
        return new Function(x) {
            @Override String name() { return "maxPool2d"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx != null) Tensor.K.maxPool2dBackward(dx, dOut, argmax, g);
            }
        }.attach(new Tensor(out, new int[] {g.n(), g.c(), g.oh(), g.ow()}));
    }

    /**
     * Average pooling with PyTorch's semantics: with {@code countIncludePad} the divisor is the window
     * clipped to the padded input (so in ceil mode a last window running past the padding divides by
     * less than KH*KW), otherwise it is the number of real input elements in the window. A null stride
     * means the kernel size.
     */
    static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        PoolGeometry g = geometry("avgPool2d", x, kernel, stride, padding, new int[] {1, 1}, ceilMode, countIncludePad);
        float[] out = Workspace.uninitialized(g.outputSize()); // the kernel overwrites it
        Tensor.K.avgPool2dForward(out, x.data(), g);
        return new Function(x) {
            @Override String name() { return "avgPool2d"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx != null) Tensor.K.avgPool2dBackward(dx, dOut, g);
            }
        }.attach(new Tensor(out, new int[] {g.n(), g.c(), g.oh(), g.ow()}));
    }

    /**
     * PyTorch's {@code AdaptiveAvgPool2d}: output cell (i, j) averages input rows
     * {@code [floor(i*H/OH), ceil((i+1)*H/OH))} and the columns likewise, so bins may overlap by one
     * when the sizes do not divide (7 -> 3 gives rows [0,3), [2,5), [4,7)). Output (N, C, OH, OW).
     */
    static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        int[] xs = x.shape();
        if (xs.length != 4) {
            throw new IllegalArgumentException("adaptiveAvgPool2d expects input of shape (N, C, H, W); received "
                    + Shapes.str(xs));
        }
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("adaptiveAvgPool2d expects an output size >= 1; received " + outH + "x"
                    + outW);
        }
        int planes = xs[0] * xs[1], h = xs[2], w = xs[3];
        int[] y0 = binStarts(h, outH), y1 = binEnds(h, outH), x0 = binStarts(w, outW), x1 = binEnds(w, outW);
        float[] in = x.data();
        float[] out = Workspace.uninitialized(planes * outH * outW); // every element written
        // planes in parallel chunks: ResNet's global pooling of 16 x 512 planes of 7x7 and its
        // backward pass were serial loops, about 1 ms of a training step's 2-thread 790
        int grain = Math.max(1, Elementwise.PARALLEL_GRAIN / Math.max(1, h * w));
        Parallel.forRange(planes, grain, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                for (int i = 0; i < outH; i++) {
                    for (int j = 0; j < outW; j++) {
                        float sum = 0f;
                        for (int iy = y0[i]; iy < y1[i]; iy++) {
                            for (int ix = x0[j]; ix < x1[j]; ix++) sum += in[(p * h + iy) * w + ix];
                        }
                        out[(p * outH + i) * outW + j] = sum / ((y1[i] - y0[i]) * (x1[j] - x0[j]));
                    }
                }
            }
        });
        return new Function(x) {
            @Override String name() { return "adaptiveAvgPool2d"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx == null) return;
                Parallel.forRange(planes, grain, (p0, p1) -> {
                    for (int p = p0; p < p1; p++) {
                        for (int i = 0; i < outH; i++) {
                            for (int j = 0; j < outW; j++) {
                                float d = dOut[(p * outH + i) * outW + j] / ((y1[i] - y0[i]) * (x1[j] - x0[j]));
                                for (int iy = y0[i]; iy < y1[i]; iy++) {
                                    for (int ix = x0[j]; ix < x1[j]; ix++) dx[(p * h + iy) * w + ix] += d;
                                }
                            }
                        }
                    }
                });
            }
        }.attach(new Tensor(out, new int[] {xs[0], xs[1], outH, outW}));
    }

    /** floor(i * in / out) for each output index i. */
    private static int[] binStarts(int in, int out) {
        int[] s = new int[out];
        for (int i = 0; i < out; i++) s[i] = (int) ((long) i * in / out);
        return s;
    }

    /** ceil((i + 1) * in / out) for each output index i. */
    private static int[] binEnds(int in, int out) {
        int[] e = new int[out];
        for (int i = 0; i < out; i++) e[i] = (int) (((long) (i + 1) * in + out - 1) / out);
        return e;
    }

    /** Validates the arguments of a pooling call and builds its geometry; messages name the op and the input. */
    private static PoolGeometry geometry(String op, Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                         boolean ceilMode, boolean countIncludePad) {
        int[] xs = x.shape();
        if (xs.length != 4) {
            throw new IllegalArgumentException(op + " expects input of shape (N, C, H, W); received " + Shapes.str(xs));
        }
        if (stride == null) stride = kernel;
        requirePair(op, "kernel", kernel, 1);
        requirePair(op, "stride", stride, 1);
        requirePair(op, "padding", padding, 0);
        requirePair(op, "dilation", dilation, 1);
        if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1]) {
            throw new IllegalArgumentException(op + " expects padding at most half the kernel size; received padding "
                    + padding[0] + "x" + padding[1] + " for kernel " + kernel[0] + "x" + kernel[1]);
        }
        // PyTorch's rule: at least one output per axis; in ceil mode a window may overhang the input.
        int oh = PoolGeometry.outSize(xs[2], kernel[0], stride[0], padding[0], dilation[0], ceilMode);
        int ow = PoolGeometry.outSize(xs[3], kernel[1], stride[1], padding[1], dilation[1], ceilMode);
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException(op + " expects an input with room for at least one window; received kernel "
                    + kernel[0] + "x" + kernel[1] + " (dilation " + dilation[0] + "x" + dilation[1] + ", stride " + stride[0]
                    + "x" + stride[1] + ", ceilMode=" + ceilMode + ") for input " + Shapes.str(xs) + " with padding "
                    + padding[0] + "x" + padding[1] + ", which gives output " + oh + "x" + ow);
        }
        return new PoolGeometry(xs[0], xs[1], xs[2], xs[3], kernel[0], kernel[1], stride[0], stride[1],
                padding[0], padding[1], dilation[0], dilation[1], ceilMode, countIncludePad);
    }

    private static void requirePair(String op, String what, int[] pair, int min) {
        if (pair == null || pair.length != 2 || pair[0] < min || pair[1] < min) {
            throw new IllegalArgumentException(op + " expects " + what + " {h, w}, each >= " + min + "; received "
                    + Arrays.toString(pair));
        }
    }
}
