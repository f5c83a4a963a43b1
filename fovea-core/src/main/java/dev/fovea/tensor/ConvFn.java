package dev.fovea.tensor;

import dev.fovea.kernels.Activation;
import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.Parallel;

import java.util.Arrays;

/**
 * Convolution as one fused autograd op over {@code Kernels.conv2d*}.
 *
 * <p>Shapes: input {@code (N, C, H, W)}, weight {@code (OC, C / groups, KH, KW)}, optional bias
 * {@code (OC,)}, output {@code (N, OC, OH, OW)} with
 * {@code OH = floor((H + top + bottom - dilationH * (KH - 1) - 1) / strideH) + 1} (likewise OW), the
 * formula of PyTorch's {@code Conv2d} docs. Backward saves nothing beyond the inputs themselves
 * (input for the weight gradient, weight for the input gradient) and the geometry.
 */
final class ConvFn {

    private ConvFn() {}

    /**
     * @param stride   {strideH, strideW}
     * @param padding  {top, left, bottom, right}
     * @param dilation {dilationH, dilationW}
     * @param residual null, or a tensor of the output's shape added to it (a residual unit's shortcut)
     * @param rectify  ReLU on the output; with the residual, in the same pass
     *                 ({@code Kernels.conv2dForwardFused}); backward then passes on the output gradient
     *                 where the output is positive
     */
    static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Tensor residual, int[] stride, int[] padding,
                         int[] dilation, int groups, boolean rectify) {
        ConvGeometry g = geometry(x, weight, bias, stride, padding, dilation, groups);
        int[] shape = {g.n(), g.oc(), g.oh(), g.ow()};
        if (residual != null && !Arrays.equals(residual.shape(), shape)) {
            throw new IllegalArgumentException("conv2d expects a residual of the output's shape " + Shapes.str(shape)
                    + "; received " + Shapes.str(residual.shape()));
        }
        // the kernel overwrites the output, and may ask for it while its workers start
        float[] out = Tensor.K.conv2dForwardAllocating(Workspace::uninitialized, x.data(), weight.data(),
                bias == null ? null : bias.data(), residual == null ? null : residual.data(), rectify, g);
        return new Function(x, weight, bias, residual) {
            @Override String name() { return residual != null ? "conv2dAdd" + (rectify ? "Relu" : "") : rectify ? "conv2dRelu" : "conv2d"; }

            @Override void backward(float[] dOutput) {
                float[] dOut = dOutput;
                if (rectify) { // ReLU's backward: out > 0 exactly where the sum before it was
                    dOut = new float[dOutput.length];
                    Tensor.K.activationBackward(Activation.RELU, dOut, dOutput, out, null, dOut.length, 0f);
                }
                float[] dr = residual == null ? null : gradOf(3);
                if (dr != null) Tensor.K.axpy(1f, dOut, 0, dr, 0, dOut.length);
                float[] dw = gradOf(1), db = bias == null ? null : gradOf(2);
                // the input's gradient: written, not added, when it has no value yet (an array
                // nobody zeroes, as PyTorch's convolution backward fills an empty grad_input)
                float[][] dx = new float[1][];
                boolean[] overwrite = new boolean[1];
                Runnable takeDx = () -> {
                    dx[0] = gradToOverwrite(0);
                    overwrite[0] = dx[0] != null;
                    if (dx[0] == null) dx[0] = gradOf(0);
                };
                if (dw != null) {
                    // the weight gradient first, the input's gradient array taken meanwhile: a fresh
                    // array is zeroed by the JVM on this thread alone, which left the workers idle
                    // (4.8 MB for conv_e, 1x1 192 -> 64 on 28x28 at batch 8, 2 threads, one JVM
                    // alternating: forward+backward best 2.71 -> 2.63 ms, lower quartile 2.78 -> 2.68)
                    float[] xData = x.data(), dOutF = dOut;
                    Parallel.alongside(takeDx, () -> Tensor.K.conv2dBackwardWeight(dw, db, dOutF, xData, g));
                } else if (db != null) {
                    // only the bias learns (a frozen filter): its gradient is the sum of dOut per channel
                    int plane = g.oh() * g.ow();
                    for (int b = 0; b < g.n(); b++) {
                        for (int o = 0; o < g.oc(); o++) {
                            float sum = 0f;
                            int base = (b * g.oc() + o) * plane;
                            for (int i = 0; i < plane; i++) sum += dOut[base + i];
                            db[o] += sum;
                        }
                    }
                }
                if (dw == null) takeDx.run(); // else taken alongside the weight gradient
                float[] dIn = dx[0];
                if (dIn != null && overwrite[0]) {
                    Tensor.K.conv2dBackwardInputOverwriting(dIn, dOut, weight.data(), g);
                } else if (dIn != null) {
                    Tensor.K.conv2dBackwardInput(dIn, dOut, weight.data(), g);
                }
            }
        }.attach(new Tensor(out, shape));
    }

    /** Checks every argument against the others and returns the validated geometry. */
    private static ConvGeometry geometry(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] dilation, int groups) {
        int[] ws = weight.shape(), xs = x.shape();
        if (ws.length != 4) {
            throw new IllegalArgumentException("conv2d expects a weight of shape (OC, C/groups, KH, KW); received "
                    + Shapes.str(ws));
        }
        requirePair("stride", stride, 1);
        requirePair("dilation", dilation, 1);
        if (padding == null || padding.length != 4 || padding[0] < 0 || padding[1] < 0 || padding[2] < 0
                || padding[3] < 0) {
            throw new IllegalArgumentException("conv2d expects padding {top, left, bottom, right}, each >= 0; received "
                    + Arrays.toString(padding));
        }
        int oc = ws[0], cPerGroup = ws[1], kh = ws[2], kw = ws[3];
        if (groups < 1 || oc % groups != 0) {
            throw new IllegalArgumentException("conv2d expects groups >= 1 dividing the out-channels; received groups="
                    + groups + " with weight " + Shapes.str(ws));
        }
        String context = " (weight " + Shapes.str(ws) + ", groups=" + groups + ")";
        if (xs.length != 4 || xs[1] != cPerGroup * groups) {
            throw new IllegalArgumentException("conv2d expects input of shape (N, " + cPerGroup * groups
                    + ", H, W); received " + Shapes.str(xs) + context);
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != oc)) {
            throw new IllegalArgumentException("conv2d expects a bias of shape (" + oc + ",); received "
                    + Shapes.str(bias.shape()) + context);
        }
        int h = xs[2], w = xs[3];
        int paddedH = h + padding[0] + padding[2], paddedW = w + padding[1] + padding[3];
        int extentH = dilation[0] * (kh - 1) + 1, extentW = dilation[1] * (kw - 1) + 1;
        if (extentH > paddedH || extentW > paddedW) {
            throw new IllegalArgumentException("conv2d expects a kernel no larger than the padded input; received kernel "
                    + kh + "x" + kw + " (dilation " + dilation[0] + "x" + dilation[1] + ", extent " + extentH + "x"
                    + extentW + ") for padded input " + paddedH + "x" + paddedW + " (input " + Shapes.str(xs)
                    + ", padding {top, left, bottom, right} = " + Arrays.toString(padding) + ")");
        }
        return new ConvGeometry(xs[0], xs[1], h, w, oc, kh, kw, stride[0], stride[1],
                padding[0], padding[1], padding[2], padding[3], dilation[0], dilation[1], groups);
    }

    private static void requirePair(String what, int[] pair, int min) {
        if (pair == null || pair.length != 2 || pair[0] < min || pair[1] < min) {
            throw new IllegalArgumentException("conv2d expects " + what + " {h, w}, each >= " + min + "; received "
                    + Arrays.toString(pair));
        }
    }
}
