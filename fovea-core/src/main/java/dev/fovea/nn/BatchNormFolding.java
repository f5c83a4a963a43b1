package dev.fovea.nn;

import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;

/**
 * A convolution followed by batch normalisation, run as one convolution inside an
 * {@link InferenceSession}. In eval mode a batch norm is a fixed affine map per channel,
 * {@code y = (x - mean) * s + beta} with {@code s = gamma / sqrt(var + eps)}, so after a
 * convolution it folds into the convolution's weight and bias:
 * {@code W'[o] = W[o] * s[o]} and {@code b'[o] = (b[o] - mean[o]) * s[o] + beta[o]}, as ONNX
 * Runtime's graph optimiser and PyTorch's {@code torch.fx} {@code fuse_conv_bn_eval} do. The
 * output then never makes the extra pass over memory that the batch norm costs, and a ReLU after
 * the batch norm is applied as the convolution writes each output ({@link Tensor#conv2dRelu}), so
 * that the result is written once.
 *
 * <p>A model opts in by calling {@link #convolveAndNormalize} (or
 * {@link #convolveNormalizeAndRectify}) where its own code applies a batch norm to a
 * convolution's output and to nothing else ({@link Sequential} does so for a {@code Conv2d}
 * child followed by a {@code BatchNorm2d} child, and a {@code ReLU} after them): which modules
 * follow which is written in a model's {@code compute}, not in its registered children, so it is
 * not guessed.
 * Outside a session, in training or under a {@link Module#listen listener} (which must see both
 * modules) the two modules run one after the other as before, except that while gradients are
 * recorded and no listener watches, a batch norm and the ReLU after it (a residual unit's
 * shortcut added between them) run as one recorded operation ({@link #fusesWithRelu}): the
 * training-time counterpart of folding, which cuDNN and oneDNN also offer. The folded weights are computed
 * at their first use in a session and kept until it closes; the module's own tensors are never
 * written. Results equal the unfolded pass up to rounding (the product {@code W * s} is rounded
 * once, where the unfolded pass rounds the convolution's sum and then the normalisation).
 */
public final class BatchNormFolding {

    private BatchNormFolding() {}

    /**
     * {@code bn.forward(conv.forward(x))}, folded into one convolution while an
     * {@link InferenceSession} runs on this thread (see the class comment).
     */
    public static Tensor convolveAndNormalize(Conv2d conv, BatchNorm2d bn, Tensor x) {
        return run(conv, bn, null, x);
    }

    /**
     * {@code relu.forward(bn.forward(conv.forward(x)))}, folded into one convolution that
     * rectifies its outputs as it writes them while an {@link InferenceSession} runs on this
     * thread, the batch norm and the ReLU one recorded operation while {@link #fusesWithRelu} holds.
     */
    public static Tensor convolveNormalizeAndRectify(Conv2d conv, BatchNorm2d bn, ReLU relu, Tensor x) {
        if (relu == null) throw new IllegalArgumentException("BatchNormFolding expects a ReLU module; received null");
        return run(conv, bn, relu, x);
    }

    /**
     * Whether {@code conv} and {@code bn} run folded on this thread now: an inference session is
     * running, both are in eval mode and no listener observes module calls. A model whose folded
     * chain needs its operands in another order than its plain one (a residual unit's shortcut
     * before its second convolution, for {@link #convolveNormalizeAddAndRectify}) asks this first.
     */
    public static boolean folds(Conv2d conv, BatchNorm2d bn) {
        return InferenceSession.running() != null && !Module.listening() && !conv.isTraining() && !bn.isTraining();
    }

    /**
     * Whether a batch norm and the ReLU after it (with a residual unit's shortcut added between them)
     * run as one recorded operation here ({@link Tensor#batchNormRelu}, {@link Tensor#batchNormAddRelu}):
     * gradients are recorded and no listener observes module calls. In a training step that writes
     * each such activation once instead of three times, and reads the output gradient through the
     * ReLU's mask in the backward pass instead of writing the masked copy (ResNet-18's nine batch
     * norms before a ReLU and its eight residual sums at batch 16: two to five passes over 1.6-51 MB
     * each, saved).
     */
    public static boolean fusesWithRelu() {
        return NoGrad.isGradEnabled() && !Module.listening();
    }

    /**
     * {@code relu.forward(bn.forward(conv.forward(x)).add(residual))}, a residual unit's second
     * half, folded into one convolution that adds the shortcut and rectifies each output as it
     * writes it while {@link #folds} holds; the batch norm, the sum and the ReLU as one recorded
     * operation while {@link #fusesWithRelu} does; otherwise the modules one after the other (the
     * sum in place under {@code NoGrad}: the batch norm's output is this chain's own).
     */
    public static Tensor convolveNormalizeAddAndRectify(Conv2d conv, BatchNorm2d bn, Tensor residual, ReLU relu, Tensor x) {
        if (relu == null || residual == null) {
            throw new IllegalArgumentException("BatchNormFolding expects a residual tensor and a ReLU module; received "
                    + (residual == null ? "a null residual" : "a null ReLU"));
        }
        if (!folds(conv, bn)) {
            if (fusesWithRelu()) return bn.normalizeAndRectify(conv.forward(x), residual);
            Tensor y = bn.forward(conv.forward(x));
            return relu.forward(NoGrad.isGradEnabled() ? y.add(residual) : y.addInPlace(residual));
        }
        Tensor[] folded = InferenceSession.running().folded(conv, bn);
        return conv.convolve(x, folded[0], folded[1], residual, true);
    }

    private static Tensor run(Conv2d conv, BatchNorm2d bn, ReLU relu, Tensor x) {
        if (!folds(conv, bn)) {
            if (relu != null && fusesWithRelu()) return bn.normalizeAndRectify(conv.forward(x), null);
            Tensor y = bn.forward(conv.forward(x));
            return relu == null ? y : relu.forward(y);
        }
        Tensor[] folded = InferenceSession.running().folded(conv, bn);
        return conv.convolve(x, folded[0], folded[1], null, relu != null);
    }

    /**
     * The weight and bias of {@code conv} with {@code bn} (eval mode) folded in, new tensors:
     * {@code {W', b'}} as in the class comment, the scale computed in double and each product
     * rounded once.
     */
    static Tensor[] fold(Conv2d conv, BatchNorm2d bn) {
        if (bn.numFeatures != conv.outChannels) {
            throw new IllegalArgumentException("BatchNormFolding expects a batch norm of the convolution's "
                    + conv.outChannels + " output channels; received numFeatures=" + bn.numFeatures
                    + " (" + conv.extraRepr() + ")");
        }
        int oc = conv.outChannels;
        float[] w = conv.weight.data(), mean = bn.runningMean.data(), var = bn.runningVar.data();
        float[] gamma = bn.weight == null ? null : bn.weight.data(), beta = bn.bias == null ? null : bn.bias.data();
        float[] bias = conv.bias == null ? null : conv.bias.data();
        float[] fw = new float[w.length], fb = new float[oc];
        int per = w.length / oc;
        for (int o = 0; o < oc; o++) {
            double s = (gamma == null ? 1.0 : gamma[o]) / Math.sqrt((double) var[o] + bn.eps);
            for (int i = o * per; i < (o + 1) * per; i++) fw[i] = (float) (w[i] * s);
            fb[o] = (float) (((bias == null ? 0.0 : bias[o]) - mean[o]) * s + (beta == null ? 0.0 : beta[o]));
        }
        return new Tensor[] {Tensor.of(fw, conv.weight.shape()), Tensor.of(fb, oc)};
    }
}
