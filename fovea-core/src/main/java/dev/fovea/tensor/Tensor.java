package dev.fovea.tensor;

import dev.fovea.kernels.Activation;
import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.KernelsProvider;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * An n-dimensional array of floats (row-major, contiguous) that can record the operations applied
 * to it and backpropagate through them.
 *
 * <p>Every operation is eager: it computes its result immediately through {@link Kernels}. When
 * gradients are enabled (outside a {@link NoGrad} scope) and an input {@link #requiresGrad()}, the
 * result remembers the {@link Function} that made it; {@link #backward()} then walks those functions
 * in reverse topological order. Gradients accumulate in leaves until an optimizer zeroes them.
 *
 * <p>Shapes follow PyTorch: images are {@code (N, C, H, W)}, sequences {@code (N, C, L)}, dense
 * activations {@code (N, features)}.
 */
public final class Tensor {

    static final Kernels K = KernelsProvider.get();

    private final int[] shape;
    private final float[] data;
    private float[] grad;
    private boolean requiresGrad;
    /** The function that produced this tensor, or null for leaves and constants. */
    Function creator;

    Tensor(float[] data, int[] shape) {
        this.shape = shape;
        this.data = data;
    }

    // ------------------------------------------------------------------ creation

    /** Wraps {@code data} (not copied) as a tensor of the given shape. */
    public static Tensor of(float[] data, int... shape) {
        int n = Shapes.numel(shape);
        if (data.length != n) {
            throw new IllegalArgumentException("data of length " + n + " expected for shape " + Shapes.str(shape)
                    + "; received length " + data.length);
        }
        return new Tensor(data, shape.clone());
    }

    public static Tensor zeros(int... shape) {
        return new Tensor(new float[Shapes.numel(shape)], shape.clone());
    }

    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    public static Tensor full(float value, int... shape) {
        float[] d = new float[Shapes.numel(shape)];
        Arrays.fill(d, value);
        return new Tensor(d, shape.clone());
    }

    public static Tensor scalar(float value) {
        return new Tensor(new float[] {value}, new int[0]);
    }

    /** Standard normal samples. */
    public static Tensor randn(RandomGenerator rng, int... shape) {
        float[] d = new float[Shapes.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextGaussian();
        return new Tensor(d, shape.clone());
    }

    /** Uniform samples in [lo, hi). */
    public static Tensor uniform(RandomGenerator rng, float lo, float hi, int... shape) {
        float[] d = new float[Shapes.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rng.nextFloat();
        return new Tensor(d, shape.clone());
    }

    /** 0, 1, ..., n-1 as a 1-D tensor. */
    public static Tensor arange(int n) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = i;
        return new Tensor(d, new int[] {n});
    }

    // ------------------------------------------------------------------ inspection

    public int[] shape() { return shape.clone(); }

    public int dim() { return shape.length; }

    /** Size of dimension {@code d} (negative counts from the end). */
    public int size(int d) { return shape[Shapes.dim(d, shape.length)]; }

    public int numel() { return data.length; }

    /** The backing array, row-major. Writing to it bypasses autograd. */
    public float[] data() { return data; }

    /** The value of a one-element tensor. */
    public float item() {
        if (data.length != 1) {
            throw new IllegalArgumentException("item() expects a tensor with one element; received shape "
                    + Shapes.str(shape));
        }
        return data[0];
    }

    /** The element at the given index (one index per dimension). */
    public float get(int... index) {
        return data[flatIndex(index)];
    }

    /** Sets one element in place (bypasses autograd). */
    public void set(float value, int... index) {
        data[flatIndex(index)] = value;
    }

    private int flatIndex(int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("expected " + shape.length + " indices for shape " + Shapes.str(shape)
                    + "; received " + index.length);
        }
        int flat = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " out of bounds for shape "
                        + Shapes.str(shape));
            }
            flat = flat * shape[i] + index[i];
        }
        return flat;
    }

    // ------------------------------------------------------------------ autograd state

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks a leaf as a parameter (or input) whose gradient should be computed. Returns this. */
    public Tensor requiresGrad(boolean value) {
        if (creator != null && !value) {
            throw new IllegalStateException("cannot turn off requiresGrad on a non-leaf tensor; use detach()");
        }
        this.requiresGrad = value;
        return this;
    }

    void setRequiresGradInternal() { this.requiresGrad = true; }

    /** True when this tensor was not produced by a recorded operation. */
    public boolean isLeaf() { return creator == null; }

    /** The accumulated gradient, or null when none has been computed. Shares storage with this tensor's grad. */
    public Tensor grad() { return grad == null ? null : new Tensor(grad, shape); }

    /**
     * The gradient array, allocated (zeroed) on first use; during a backward pass, an array that pass
     * has finished with when one of the right size is free ({@link GradientPool}). For a leaf, while
     * a {@link LeafGradients} scope is entered on this thread, that scope's array for it instead.
     */
    public float[] gradBuffer() {
        if (creator == null) {
            LeafGradients shard = LeafGradients.active();
            if (shard != null) return shard.buffer(this);
        }
        if (grad == null) grad = GradientPool.zeroed(data.length);
        return grad;
    }

    /**
     * The gradient array for a function that writes every element of it, when this tensor has no
     * gradient yet: an array taken as it is, possibly holding old values (a freed one of the pass's
     * {@link GradientPool}, or a new one), so that nobody zeroes what the function overwrites; null
     * when there is a gradient to add into ({@link #gradBuffer}), or a {@link LeafGradients} scope
     * supplies this leaf's array. Until the function has written it the gradient is undefined.
     */
    float[] gradBufferToOverwrite() {
        if (grad != null || (creator == null && LeafGradients.active() != null)) return null;
        grad = GradientPool.uninitialized(data.length);
        return grad;
    }

    /** Sets the gradient to zero (keeps the buffer). Optimizers call this; nothing else should. */
    public void zeroGrad() {
        if (grad != null) GradientPool.zero(grad);
    }

    /**
     * Drops the gradient buffer. Inside a step of a {@link Workspace#forTraining training workspace}
     * the array goes back to the workspace, for a later gradient of its size, as PyTorch's
     * {@code x.grad = None} hands the memory back to its caching allocator: there, keep no reference
     * to the array (from {@link #gradBuffer} or {@link #grad}) past this call.
     */
    public void clearGrad() {
        if (grad != null) GradientPool.dropped(grad);
        grad = null;
    }

    /** A tensor sharing this one's data, cut from the tape. */
    public Tensor detach() { return new Tensor(data, shape); }

    /** A deep copy of the data, cut from the tape. */
    public Tensor copy() { return new Tensor(data.clone(), shape.clone()); }

    /** Overwrites this tensor's data with {@code src}'s (same shape), bypassing autograd. */
    public void copyFrom(Tensor src) {
        if (!Arrays.equals(shape, src.shape)) {
            throw new IllegalArgumentException("copyFrom expects shape " + Shapes.str(shape) + "; received "
                    + Shapes.str(src.shape));
        }
        System.arraycopy(src.data, 0, data, 0, data.length);
    }

    /** Backpropagates from a scalar (one-element) tensor, seeding d(this)/d(this) = 1. */
    public void backward() {
        if (data.length != 1) {
            throw new IllegalStateException("backward() without an argument needs a one-element tensor (a loss); "
                    + "received shape " + Shapes.str(shape) + "; pass the output gradient instead");
        }
        backward(Tensor.ones(shape));
    }

    /** Backpropagates {@code gradOut} (same shape as this) through the recorded graph. */
    public void backward(Tensor gradOut) {
        if (!Arrays.equals(shape, gradOut.shape)) {
            throw new IllegalArgumentException("backward expects a gradient of shape " + Shapes.str(shape)
                    + "; received " + Shapes.str(gradOut.shape));
        }
        if (!requiresGrad) {
            throw new IllegalStateException("backward() on a tensor that does not require grad: no parameter or "
                    + "input on its path has requiresGrad(true), or it was computed inside NoGrad");
        }
        List<Tensor> order = topologicalOrder();
        // An intermediate tensor's gradient is read by its own function only (nothing in the graph
        // below it can add to it), so it can be the caller's array itself, never written; a leaf's
        // gradient is the caller's to keep and accumulates.
        boolean borrowed = creator != null && grad == null;
        try (GradientPool pool = GradientPool.enter()) {
            if (borrowed) {
                grad = gradOut.data;
            } else {
                K.axpy(1f, gradOut.data, 0, gradBuffer(), 0, data.length);
            }
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Function fn = t.creator;
                if (fn == null) continue;
                float[] g = t.grad;
                if (g != null) fn.backward(g);
                // Free the graph as we go (tinygrad's `del t._ctx`): intermediate grads and saved
                // activations; the gradient array goes to the gradients still to come
                t.creator = null;
                t.grad = null;
                if (g != null) pool.recycle(g); // a no-op for the caller's array
            }
        } finally {
            if (borrowed) grad = null; // still set only when a function threw: never keep the caller's array
        }
    }

    /** Tensors reachable from this one through creators, in an order where inputs come before outputs. */
    private List<Tensor> topologicalOrder() {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        // Iterative DFS so ResNet-152 sized graphs cannot overflow the stack.
        Deque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {this, 0});
        visited.put(this, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Tensor[] ins = t.creator == null ? new Tensor[0] : t.creator.inputs;
            if (next < ins.length) {
                frame[1] = next + 1;
                Tensor in = ins[next];
                if (in != null && in.requiresGrad && visited.put(in, Boolean.TRUE) == null) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }

    // ------------------------------------------------------------------ element-wise (broadcasting)

    public Tensor add(Tensor other) { return Elementwise.binary(Elementwise.Op.ADD, this, other); }

    public Tensor sub(Tensor other) { return Elementwise.binary(Elementwise.Op.SUB, this, other); }

    public Tensor mul(Tensor other) { return Elementwise.binary(Elementwise.Op.MUL, this, other); }

    public Tensor div(Tensor other) { return Elementwise.binary(Elementwise.Op.DIV, this, other); }

    /** Element-wise maximum; where equal, the gradient goes to this tensor. */
    public Tensor maximum(Tensor other) { return Elementwise.binary(Elementwise.Op.MAX, this, other); }

    public Tensor add(float c) { return Elementwise.affine(this, 1f, c); }

    public Tensor sub(float c) { return Elementwise.affine(this, 1f, -c); }

    public Tensor mul(float c) { return Elementwise.affine(this, c, 0f); }

    public Tensor div(float c) { return Elementwise.affine(this, 1f / c, 0f); }

    public Tensor neg() { return Elementwise.affine(this, -1f, 0f); }

    public Tensor exp() { return Elementwise.unary(Elementwise.Unary.EXP, this, 0f); }

    /** Natural logarithm. */
    public Tensor log() { return Elementwise.unary(Elementwise.Unary.LOG, this, 0f); }

    public Tensor sqrt() { return Elementwise.unary(Elementwise.Unary.SQRT, this, 0f); }

    public Tensor abs() { return Elementwise.unary(Elementwise.Unary.ABS, this, 0f); }

    public Tensor square() { return Elementwise.unary(Elementwise.Unary.SQUARE, this, 0f); }

    public Tensor pow(float exponent) { return Elementwise.unary(Elementwise.Unary.POW, this, exponent); }

    /** max(x, 0); the gradient at exactly 0 is 0, as in PyTorch. */
    public Tensor relu() { return Elementwise.unary(Elementwise.Unary.RELU, this, 0f); }

    // ------------------------------------------------------------------ in place, for inference

    /**
     * {@link #relu} written over this tensor's data (PyTorch's {@code relu_}); returns this tensor.
     *
     * <p>In-place operations save inference the allocation and zeroing of a fresh array per layer (and
     * keep the data in cache): ResNet-18's blocks use them when nothing is recorded. They are allowed
     * only inside {@link NoGrad}: autograd here keeps no version counters (PyTorch's way of noticing
     * that a tensor saved for backward was overwritten), so with recording on they throw. Within
     * NoGrad the caller still must not overwrite a tensor that a graph recorded earlier saved for its
     * backward (a layer's input), nor one that is still needed elsewhere; views share the data.
     */
    public Tensor reluInPlace() {
        requireNoRecording("reluInPlace");
        K.activationForward(Activation.RELU, data, data, data.length, 0f);
        return this;
    }

    /** {@code this += other} for a tensor of the same shape (PyTorch's {@code add_}); see {@link #reluInPlace}. */
    public Tensor addInPlace(Tensor other) {
        requireNoRecording("addInPlace");
        if (!Arrays.equals(shape, other.shape)) {
            throw new IllegalArgumentException("addInPlace expects a tensor of shape " + Shapes.str(shape)
                    + "; received " + Shapes.str(other.shape));
        }
        K.axpy(1f, other.data, 0, data, 0, data.length);
        return this;
    }

    /** Throws unless gradients are off ({@link NoGrad}): the rule of the in-place operations. */
    static void requireNoRecording(String op) {
        if (NoGrad.isGradEnabled()) {
            throw new IllegalStateException(op + " overwrites its input, which autograd may have saved for "
                    + "backward: use it inside NoGrad (inference), or the out-of-place operation");
        }
    }

    /** x for x > 0, slope * x otherwise. */
    public Tensor leakyRelu(float slope) { return Elementwise.unary(Elementwise.Unary.LEAKY_RELU, this, slope); }

    /** x for x > 0, alpha * (exp(x) - 1) otherwise (Clevert et al. 2015). */
    public Tensor elu(float alpha) { return Elementwise.unary(Elementwise.Unary.ELU, this, alpha); }

    /** Scaled ELU with the self-normalising constants of Klambauer et al. 2017. */
    public Tensor selu() { return Elementwise.unary(Elementwise.Unary.SELU, this, 0f); }

    public Tensor tanh() { return Elementwise.unary(Elementwise.Unary.TANH, this, 0f); }

    public Tensor sigmoid() { return Elementwise.unary(Elementwise.Unary.SIGMOID, this, 0f); }

    /** Clamps to [lo, hi]; the gradient is 1 strictly inside and 0 outside. */
    public Tensor clamp(float lo, float hi) { return Elementwise.clamp(this, lo, hi); }

    // ------------------------------------------------------------------ reductions

    /** Sum of all elements, as a 0-d tensor. */
    public Tensor sum() { return Reduce.sumAll(this); }

    /** Sum over the given dimensions. */
    public Tensor sum(boolean keepDim, int... dims) { return Reduce.sum(this, dims, keepDim); }

    /** Mean of all elements, as a 0-d tensor. */
    public Tensor mean() { return sum().div(numel()); }

    public Tensor mean(boolean keepDim, int... dims) {
        int count = 1;
        for (int d : dims) count *= shape[Shapes.dim(d, shape.length)];
        return sum(keepDim, dims).div(count);
    }

    /** Maximum along one dimension (values; the gradient flows to the first maximum). */
    public Tensor max(int dim, boolean keepDim) { return Reduce.max(this, dim, keepDim); }

    /** Index of the maximum along the last dimension for each row of a 2-D tensor (ties: lowest index). */
    public int[] argmaxRows() { return Reduce.argmaxRows(this); }

    // ------------------------------------------------------------------ linear algebra

    /** Matrix product of 2-D tensors (m, k) x (k, n), or batched 3-D (b, m, k) x (b, k, n). */
    public Tensor matmul(Tensor other) { return MatMul.matmul(this, other); }

    /** x (n, in) · weightᵀ (out, in) + bias (out), the {@code Linear} layer in one fused op. */
    public Tensor linear(Tensor weight, Tensor bias) { return MatMul.linear(this, weight, bias); }

    // ------------------------------------------------------------------ views and copies

    /** Same data, new shape; one size may be -1. Shares storage. */
    public Tensor reshape(int... newShape) { return Views.reshape(this, newShape); }

    /** Flattens dimensions [startDim, end] into one, like {@code torch.flatten(x, startDim)}. */
    public Tensor flatten(int startDim) { return Views.flatten(this, startDim); }

    public Tensor unsqueeze(int dim) { return Views.unsqueeze(this, dim); }

    public Tensor squeeze(int dim) { return Views.squeeze(this, dim); }

    /** Reorders dimensions (copies). */
    public Tensor permute(int... order) { return Views.permute(this, order); }

    public Tensor transpose(int a, int b) { return Views.transpose(this, a, b); }

    /** Elements [start, end) along one dimension (copies). */
    public Tensor slice(int dim, int start, int end) { return Views.slice(this, dim, start, end); }

    /** Concatenates tensors along a dimension. */
    public static Tensor concat(int dim, Tensor... tensors) { return Views.concat(dim, tensors); }

    /** Zero padding of the last two dimensions: (left, right, top, bottom) like {@code F.pad}. */
    public Tensor pad2d(int left, int right, int top, int bottom) { return Views.pad2d(this, left, right, top, bottom); }

    // ------------------------------------------------------------------ convolution, pooling, normalisation

    /**
     * 2-D cross-correlation (what deep learning calls convolution), PyTorch's {@code F.conv2d}.
     * Input (N, C, H, W), weight (OC, C/groups, KH, KW), optional bias (OC), output (N, OC, OH, OW).
     *
     * @param stride   {strideH, strideW}
     * @param padding  zero padding {top, left, bottom, right} (asymmetric allowed, for "same" with even kernels)
     * @param dilation {dilationH, dilationW}
     */
    public Tensor conv2d(Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return ConvFn.conv2d(this, weight, bias, null, stride, padding, dilation, groups, false);
    }

    /**
     * {@code conv2d(...).relu()} as one operation: the same values and gradients, but each output
     * is rectified as the convolution writes it instead of in a second pass over memory (what an
     * inference session runs for a convolution, batch norm and ReLU folded into one).
     */
    public Tensor conv2dRelu(Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return ConvFn.conv2d(this, weight, bias, null, stride, padding, dilation, groups, true);
    }

    /**
     * {@code conv2d(...).add(residual).relu()} as one operation, {@code residual} of the output's
     * shape: a residual unit's second convolution, shortcut and ReLU, written once (what an
     * inference session runs with the batch norm folded in). The same values and gradients.
     */
    public Tensor conv2dAddRelu(Tensor weight, Tensor bias, Tensor residual, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        if (residual == null) throw new IllegalArgumentException("conv2dAddRelu expects a residual tensor; received null");
        return ConvFn.conv2d(this, weight, bias, residual, stride, padding, dilation, groups, true);
    }

    /** Square stride and symmetric padding, no dilation, one group. */
    public Tensor conv2d(Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(weight, bias, new int[] {stride, stride}, new int[] {padding, padding, padding, padding},
                new int[] {1, 1}, 1);
    }

    /**
     * 1-D convolution over (N, C, L) with weight (OC, C/groups, K): computed as a 2-D convolution of
     * height 1, which is exactly what it is.
     */
    public Tensor conv1d(Tensor weight, Tensor bias, int stride, int padLeft, int padRight, int dilation, int groups) {
        if (dim() != 3 || weight.dim() != 3) {
            throw new IllegalArgumentException("conv1d expects input (N, C, L) and weight (OC, C/groups, K); received "
                    + Shapes.str(shape) + " and " + Shapes.str(weight.shape));
        }
        Tensor y = unsqueeze(2).conv2d(weight.unsqueeze(2), bias, new int[] {1, stride},
                new int[] {0, padLeft, 0, padRight}, new int[] {1, dilation}, groups);
        return y.squeeze(2);
    }

    /** Max pooling over (N, C, H, W); kernel, stride, padding, dilation are {h, w}. */
    public Tensor maxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return PoolFn.maxPool2d(this, kernel, stride, padding, dilation, ceilMode);
    }

    /** Square max pooling, no padding: {@code x.maxPool2d(2, 2)}. */
    public Tensor maxPool2d(int kernel, int stride) {
        return maxPool2d(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {0, 0}, new int[] {1, 1}, false);
    }

    /** Average pooling with PyTorch's {@code ceil_mode} and {@code count_include_pad} semantics. */
    public Tensor avgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return PoolFn.avgPool2d(this, kernel, stride, padding, ceilMode, countIncludePad);
    }

    public Tensor avgPool2d(int kernel, int stride) {
        return avgPool2d(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {0, 0}, false, true);
    }

    /** PyTorch's adaptive average pooling: output cell i covers [floor(i*H/OH), ceil((i+1)*H/OH)). */
    public Tensor adaptiveAvgPool2d(int outH, int outW) {
        return PoolFn.adaptiveAvgPool2d(this, outH, outW);
    }

    /**
     * Batch normalisation over (N, C, ...) per channel (Ioffe and Szegedy 2015). In training mode it
     * uses the batch's statistics and updates the running ones in place (PyTorch: the running variance
     * takes the unbiased batch variance); in eval mode it uses the running ones. gamma/beta may be null.
     */
    public Tensor batchNorm(Tensor runningMean, Tensor runningVar, Tensor gamma, Tensor beta,
                            boolean training, float momentum, float eps) {
        return NormFn.batchNorm(this, runningMean, runningVar, gamma, beta, training, momentum, eps);
    }

    /**
     * {@code batchNorm(...).relu()} as one operation: the same values and gradients, but each
     * output is rectified as it is normalised, and the backward pass reads the output gradient
     * through the ReLU's mask, instead of two more passes over memory each way (a training step's
     * batch norm and the ReLU after it, as cuDNN and oneDNN fuse them).
     */
    public Tensor batchNormRelu(Tensor runningMean, Tensor runningVar, Tensor gamma, Tensor beta,
                                boolean training, float momentum, float eps) {
        return NormFn.batchNorm(this, runningMean, runningVar, gamma, beta, training, momentum, eps, null, true);
    }

    /**
     * {@code batchNorm(...).add(residual).relu()} as one operation, {@code residual} of this
     * tensor's shape: a residual unit's last batch norm, its shortcut and its ReLU in training,
     * written once (see {@link #batchNormRelu}).
     */
    public Tensor batchNormAddRelu(Tensor runningMean, Tensor runningVar, Tensor gamma, Tensor beta,
                                   boolean training, float momentum, float eps, Tensor residual) {
        if (residual == null) {
            throw new IllegalArgumentException("batchNormAddRelu expects a residual tensor; received null");
        }
        return NormFn.batchNorm(this, runningMean, runningVar, gamma, beta, training, momentum, eps, residual, true);
    }

    /**
     * {@link #batchNorm} in eval mode (the running statistics), written over this tensor's data; returns
     * this tensor. For inference: see {@link #reluInPlace} for when in-place operations are allowed.
     */
    public Tensor batchNormInPlace(Tensor runningMean, Tensor runningVar, Tensor gamma, Tensor beta, float eps) {
        return NormFn.batchNormInPlace(this, runningMean, runningVar, gamma, beta, eps);
    }

    /** Local response normalisation across channels (Krizhevsky et al. 2012), PyTorch's formula. */
    public Tensor localResponseNorm(int size, float alpha, float beta, float k) {
        return NormFn.localResponseNorm(this, size, alpha, beta, k);
    }

    // ------------------------------------------------------------------ softmax family

    /** log(softmax(x)) along a dimension, computed stably. */
    public Tensor logSoftmax(int dim) { return SoftmaxFn.logSoftmax(this, dim); }

    public Tensor softmax(int dim) { return logSoftmax(dim).exp(); }

    // ------------------------------------------------------------------ printing

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Shapes.str(shape));
        if (requiresGrad) sb.append(" requiresGrad");
        sb.append(' ');
        int shown = Math.min(data.length, 8);
        sb.append('[');
        for (int i = 0; i < shown; i++) {
            if (i > 0) sb.append(", ");
            sb.append(data[i]);
        }
        if (shown < data.length) sb.append(", ...");
        return sb.append(']').toString();
    }
}
