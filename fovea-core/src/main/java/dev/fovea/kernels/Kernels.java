package dev.fovea.kernels;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Compute primitives over contiguous row-major float arrays (NCHW for images, NCL for sequences).
 *
 * <p>Legend: {@code n} batch, {@code c} in-channels, {@code h/w} input height/width, {@code oc}
 * out-channels, {@code kh/kw} kernel height/width, {@code oh/ow} output height/width,
 * {@code spatial} = h*w (or the length of a sequence).
 *
 * <p>Contract: forward methods <b>overwrite</b> their output; backward methods <b>accumulate</b>
 * ({@code +=}) into the {@code d}-prefixed gradient buffers, so a tensor used twice collects both
 * contributions (the micrograd rule). Arguments are checked with {@code assert} only: callers in
 * {@code dev.fovea.tensor} validate shapes and produce the user-facing error messages.
 *
 * <p>{@link ScalarKernels} is the reference; every other implementation must agree with it
 * element-wise within a tolerance that grows with the reduction length.
 */
public interface Kernels {

    /** A short name for logs: "scalar", "vector-512", ... */
    String name();

    // ---------------------------------------------------------------- dense linear algebra

    /**
     * BLAS-style SGEMM: {@code c = alpha * op(a) * op(b) + beta * c}, where {@code op(x)} is x or its
     * transpose. {@code op(a)} is m x k, {@code op(b)} is k x n, {@code c} is m x n. Leading dimensions
     * are row strides of the arrays as stored (row-major). With {@code beta == 0} the old content of c
     * is ignored (even NaN).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc);

    /** Sum of x[xOff + i] * y[yOff + i] for i in [0, len). */
    float dot(float[] x, int xOff, float[] y, int yOff, int len);

    /** y[i] += alpha * x[i] for i in [0, len). */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len);

    // ---------------------------------------------------------------- convolution

    /** out (n, oc, oh, ow) = conv(in (n, c, h, w), weight (oc, c/groups, kh, kw)) + bias (oc) or no bias when null. */
    void conv2dForward(float[] out, float[] in, float[] weight, float[] bias, ConvGeometry g);

    /**
     * {@link #conv2dForward}, then {@code out += residual} when residual (of the output's size, not
     * {@code out} itself, which the convolution overwrites first) is not null, then ReLU on every output when {@code rectify} ({@code x <= 0} becomes 0, NaN stays):
     * the values of the separate operations, bit for bit. Fast kernels finish each output run so as
     * they write it, so that a convolution folded with its batch norm, the shortcut's addition and
     * the ReLU (an inference session's residual unit) write their result once.
     */
    default void conv2dForwardFused(float[] out, float[] in, float[] weight, float[] bias, float[] residual,
                                    boolean rectify, ConvGeometry g) {
        conv2dForward(out, in, weight, bias, g);
        if (residual != null) axpy(1f, residual, 0, out, 0, g.outputSize());
        if (rectify) activationForward(Activation.RELU, out, out, g.outputSize(), 0f);
    }

    /**
     * {@link #conv2dForwardFused} into an array of at least {@code g.outputSize()} floats that
     * {@code output} gives (called once with that size, on the calling thread), which is returned;
     * what the array holds before does not matter. A kernel that computes into buffers of its own
     * before it writes the output asks for the array while the pool's workers begin that work
     * ({@link Parallel#alongside}): a {@code new float[]}, which the JVM zeroes on the allocating
     * thread, then no longer keeps the other threads waiting (LeNet-5's C1 at batch 64 spent
     * a sixth to a quarter of its forward pass on 2 threads zeroing its 1.2 MB output).
     */
    default float[] conv2dForwardAllocating(IntFunction<float[]> output, float[] in, float[] weight,
                                            float[] bias, float[] residual, boolean rectify, ConvGeometry g) {
        float[] out = output.apply(g.outputSize());
        if (residual != null || rectify) {
            conv2dForwardFused(out, in, weight, bias, residual, rectify, g);
        } else {
            conv2dForward(out, in, weight, bias, g);
        }
        return out;
    }

    /**
     * Declares {@code weight} (oc, c/groups, kh, kw) constant until {@link #releaseConstantWeight}:
     * an implementation may then prepare it once (the fast kernels pack it into their micro-kernel's
     * panels) and reuse that for every {@link #conv2dForward} with this array, as an inference
     * session does (ONNX Runtime's prepacking, {@code torch.jit.freeze}). The caller must not write
     * the array meanwhile: a forward pass could read the prepared copy, or either. Declarations
     * nest: each needs its own release. The reference kernels ignore both calls.
     */
    default void holdConstantWeight(float[] weight, int outChannels, int groups) {}

    /** Undoes one {@link #holdConstantWeight} of {@code weight}; does nothing for an array not held. */
    default void releaseConstantWeight(float[] weight) {}

    /** dIn (n, c, h, w) += gradient of the convolution with respect to its input. */
    void conv2dBackwardInput(float[] dIn, float[] dOut, float[] weight, ConvGeometry g);

    /**
     * dIn (n, c, h, w) = gradient of the convolution with respect to its input, whatever dIn held
     * before: for a gradient array that has no value yet, taken without zeroing, as PyTorch's
     * convolution backward fills a new, uninitialised {@code grad_input}. This default zeroes dIn
     * and adds; a kernel that can write every element instead of adding overrides it.
     */
    default void conv2dBackwardInputOverwriting(float[] dIn, float[] dOut, float[] weight, ConvGeometry g) {
        Arrays.fill(dIn, 0, g.inputSize(), 0f);
        conv2dBackwardInput(dIn, dOut, weight, g);
    }

    /** dWeight += gradient with respect to the weight; dBias (may be null) += sum of dOut over n, oh, ow. */
    void conv2dBackwardWeight(float[] dWeight, float[] dBias, float[] dOut, float[] in, ConvGeometry g);

    // ---------------------------------------------------------------- pooling

    /**
     * Max pooling; {@code argmax} (same size as out) receives the flat index in {@code in} of each
     * maximum, or is null when nothing will run backward (inference): then only the values are
     * computed, the same values.
     */
    void maxPool2dForward(float[] out, int[] argmax, float[] in, PoolGeometry g);

    /** dIn[argmax[i]] += dOut[i]. */
    void maxPool2dBackward(float[] dIn, float[] dOut, int[] argmax, PoolGeometry g);

    void avgPool2dForward(float[] out, float[] in, PoolGeometry g);

    void avgPool2dBackward(float[] dIn, float[] dOut, PoolGeometry g);

    // ---------------------------------------------------------------- normalisation

    /** Per-channel mean and biased variance of in (n, c, spatial). */
    void channelMeanVar(float[] mean, float[] var, float[] in, int n, int c, int spatial);

    /** out = (in - mean[c]) * invStd[c] * gamma[c] + beta[c]; gamma/beta may be null (1 and 0); out may be in. */
    void batchNormForward(float[] out, float[] in, float[] mean, float[] invStd, float[] gamma, float[] beta,
                          int n, int c, int spatial);

    /**
     * Backward of {@link #batchNormForward}. With {@code batchStats} the mean and invStd were computed
     * from this batch and depend on the input (training mode); otherwise they are constants (eval mode).
     * dIn, dGamma, dBeta may each be null when not needed.
     */
    void batchNormBackward(float[] dIn, float[] dGamma, float[] dBeta, float[] dOut, float[] in,
                           float[] mean, float[] invStd, float[] gamma, int n, int c, int spatial,
                           boolean batchStats);

    /**
     * {@link #batchNormForward}, then {@code out += residual} when residual (n, c, spatial) is not
     * null, then ReLU when {@code rectify} ({@code x <= 0} becomes 0, NaN stays): the separate
     * operations' values. Fast kernels finish each row as they write it, so that a training step's
     * batch norm and the ReLU after it (a residual unit's shortcut between them) write the
     * activation once instead of three times. {@code residual} is not {@code out}.
     */
    default void batchNormForwardFused(float[] out, float[] in, float[] mean, float[] invStd, float[] gamma,
                                       float[] beta, float[] residual, boolean rectify, int n, int c, int spatial) {
        batchNormForward(out, in, mean, invStd, gamma, beta, n, c, spatial);
        int len = n * c * spatial;
        if (residual != null) axpy(1f, residual, 0, out, 0, len);
        if (rectify) activationForward(Activation.RELU, out, out, len, 0f);
    }

    /**
     * Backward of {@link #batchNormForwardFused}: with {@code out} its rectified output (null when
     * it did not rectify), the gradient that reaches the sum is {@code dOut} where {@code out > 0}
     * and 0 elsewhere (NaN included, as ReLU's backward); {@code dResidual} (may be null) receives
     * it, and the batch norm's gradients are {@link #batchNormBackward}'s for it.
     */
    default void batchNormBackwardFused(float[] dIn, float[] dGamma, float[] dBeta, float[] dResidual, float[] dOut,
                                        float[] out, float[] in, float[] mean, float[] invStd, float[] gamma, int n,
                                        int c, int spatial, boolean batchStats) {
        int len = n * c * spatial;
        float[] dSum = dOut;
        if (out != null) {
            dSum = new float[len];
            for (int i = 0; i < len; i++) dSum[i] = out[i] > 0f ? dOut[i] : 0f;
        }
        if (dResidual != null) axpy(1f, dSum, 0, dResidual, 0, len);
        if (dIn != null || dGamma != null || dBeta != null) {
            batchNormBackward(dIn, dGamma, dBeta, dSum, in, mean, invStd, gamma, n, c, spatial, batchStats);
        }
    }

    /**
     * Local response normalisation across channels, PyTorch's formula:
     * {@code out = in / (k + alpha/size * sum over the size-wide channel window of in^2)^beta},
     * window {@code [ch - size/2, ch + (size-1)/2]}. {@code scale} receives the bracket (before ^beta).
     */
    void lrnForward(float[] out, float[] scale, float[] in, int n, int c, int spatial,
                    int size, float alpha, float beta, float k);

    void lrnBackward(float[] dIn, float[] dOut, float[] in, float[] out, float[] scale, int n, int c, int spatial,
                     int size, float alpha, float beta, float k);

    // ---------------------------------------------------------------- activations

    /**
     * {@code out[i] = f(in[i])} for i in [0, len), with {@code param} the parameter of f where it has
     * one (see {@link Activation}). {@code out} may be {@code in}. The result of an element depends
     * only on its input, never on its position or the thread count.
     */
    void activationForward(Activation f, float[] out, float[] in, int len, float param);

    /**
     * {@code dIn[i] += dOut[i] * f'(x)} for i in [0, len), with f' written in terms of the forward
     * pass's input {@code in} and output {@code out} as {@link Activation} documents (ELU and
     * SELU read both; the others read one, and the other may be null).
     */
    void activationBackward(Activation f, float[] dIn, float[] dOut, float[] in, float[] out, int len, float param);

    // ---------------------------------------------------------------- optimizer updates
    //
    // One parameter tensor of len elements, updated in place with the optimizer's rule in float, as
    // PyTorch 1.13's torch.optim writes it. The optimizer computes the per-step scalars (bias
    // corrections, step sizes, 1 - beta) in double, as PyTorch does in Python, and passes them
    // rounded to float. Every implementation does the same IEEE operations in the same order (no
    // fused multiply-add), so all give the reference's bits and a resumed run repeats them exactly.

    /**
     * Adam's element-wise update (AdamW's too: its decoupled decay is applied to w before):
     * <pre>
     *   m ← beta1·m + oneMinusBeta1·g
     *   v ← beta2·v + oneMinusBeta2·g·g
     *   vMax ← max(vMax, v), and vMax is used for v below     (AMSGrad; skipped when vMax is null)
     *   w ← w + negStepSize·m / (√v / bc2Sqrt + eps)
     * </pre>
     * with {@code negStepSize = -lr / (1 - beta1^t)} and {@code bc2Sqrt = √(1 - beta2^t)}.
     */
    void adamUpdate(float[] w, float[] g, float[] m, float[] v, float[] vMax, int len,
                    float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                    float negStepSize, float bc2Sqrt, float eps);

    /**
     * SGD with momentum mu > 0 and its buffer b: {@code b ← g} on the first step, else
     * {@code b ← mu·b + keep·g} (keep = 1 - dampening); then {@code w ← w + negLr·(g + mu·b)} with
     * Nesterov momentum, else {@code w ← w + negLr·b}.
     */
    void sgdMomentumUpdate(float[] w, float[] g, float[] b, int len, float negLr, float mu, float keep,
                           boolean firstStep, boolean nesterov);

    // ---------------------------------------------------------------- rows

    /** Log-softmax of each of the {@code rows} rows of length {@code cols}. */
    void logSoftmaxRows(float[] out, float[] in, int rows, int cols);
}
