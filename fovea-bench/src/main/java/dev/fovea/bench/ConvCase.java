package dev.fovea.bench;

import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import dev.fovea.tensor.Workspace;

import java.util.SplittableRandom;

/**
 * One {@link ConvLayer} ready to run: input {@code (n, c, size, size)}, weight
 * {@code (oc, c, k, k)}, bias {@code (oc)} and an output gradient {@code (n, oc, out, out)}, all
 * N(0, 1) from a fixed seed, all three leaves requiring gradients.
 *
 * <p>{@link #forward()} is inference (inside {@link NoGrad}, as PyTorch's timing runs under
 * {@code torch.no_grad()}). {@link #forwardBackward()} is one step of a training loop through the
 * layer, run as {@code Trainer.fit}, {@link LeNetStep} and {@link ResNetCase} run theirs: inside a
 * training {@link Workspace}, so that the output's array is the one of the pass before, as
 * PyTorch's caching allocator hands back the block of the last pass's output, rather than a new
 * array the JVM zeroes on the calling thread. It first drops the three gradients, as PyTorch's
 * {@code x.grad = None} between iterations, then runs the forward pass and backpropagates
 * {@code gradOut}: input, weight and bias gradients, whatever the layer's place in a network would
 * need. Each pass's gradients start from zero; inside the workspace their arrays are the ones the
 * last pass dropped ({@link Tensor#clearGrad}), as PyTorch's allocator hands the freed blocks back:
 * the weight's and the bias's zeroed on all threads, the input's written by the convolution
 * without being zeroed (as PyTorch's backward fills an empty {@code grad_input}). (Before 7 Dec 2026 the output was a new array too: conv_e
 * 1.76 -> 1.66 ms, conv_a 0.59 -> 0.55 ms on 2 threads, best of 30 rounds alternating in one JVM
 * on the Zen 5 host. Before 8 Dec 2026 the gradients were new arrays: conv_e 1.83 -> 1.59 ms,
 * median of 15 rounds, the same way.)
 */
public final class ConvCase {

    public final ConvLayer layer;
    final Tensor x, weight, bias, gradOut;
    private final int[] stride, padding, dilation = {1, 1};
    /** The passes' outputs, reused from pass to pass ({@link Workspace#forTraining}). */
    private final Workspace steps = Workspace.forTraining();

    public ConvCase(ConvLayer layer) {
        this.layer = layer;
        SplittableRandom rng = new SplittableRandom(42);
        int out = layer.outSize();
        x = Tensor.randn(rng, layer.n, layer.c, layer.size, layer.size).requiresGrad(true);
        weight = Tensor.randn(rng, layer.oc, layer.c, layer.kernel, layer.kernel).requiresGrad(true);
        bias = Tensor.randn(rng, layer.oc).requiresGrad(true);
        gradOut = Tensor.randn(rng, layer.n, layer.oc, out, out);
        stride = new int[] {layer.stride, layer.stride};
        padding = new int[] {layer.pad, layer.pad, layer.pad, layer.pad};
    }

    /** Inference: the output, with nothing recorded for backward. */
    public Tensor forward() {
        try (NoGrad _ = NoGrad.enter()) {
            return x.conv2d(weight, bias, stride, padding, dilation, 1);
        }
    }

    /** One training pass through the layer; returns the weight gradient (so the work stays observable). */
    public float[] forwardBackward() {
        try (Workspace.Scope _ = steps.enter()) {
            x.clearGrad();
            weight.clearGrad();
            bias.clearGrad();
            Tensor y = x.conv2d(weight, bias, stride, padding, dilation, 1);
            y.backward(gradOut);
            return weight.gradBuffer();
        }
    }
}
