package dev.fovea.nn;

import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.Arrays;

/**
 * Batch normalisation (Ioffe and Szegedy, 2015), the common part of {@link BatchNorm1d} and
 * {@link BatchNorm2d} (PyTorch's {@code _BatchNorm}).
 *
 * <p>Per channel c: {@code y = (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c}. In training mode the
 * mean and (biased) variance come from the batch, over every dimension but the channel one, and the
 * running estimates move towards them: {@code running = (1 - momentum) * running + momentum * batch},
 * with the unbiased batch variance for {@code running_var}, as PyTorch does; {@code num_batches_tracked}
 * counts the training batches. In eval mode the running estimates are used, so the output of one sample
 * no longer depends on the rest of the batch.
 *
 * <p>Parameters: {@code weight} (gamma, init 1) and {@code bias} (beta, init 0), each {@code (numFeatures)},
 * when {@code affine}: {@code 2 * numFeatures}. Buffers: {@code running_mean} (init 0), {@code running_var}
 * (init 1), both {@code (numFeatures)}, and {@code num_batches_tracked}, a 0-d tensor (PyTorch stores an
 * int64; here a float, exact up to 2^24 batches).
 */
public abstract class BatchNorm extends Module {

    public final int numFeatures;
    public final float eps;
    public final float momentum;
    public final boolean affine;
    /** Gamma (numFeatures), or null when not affine. */
    public final Tensor weight;
    /** Beta (numFeatures), or null when not affine. */
    public final Tensor bias;
    public final Tensor runningMean;
    public final Tensor runningVar;
    /** 0-d count of training batches seen. */
    public final Tensor numBatchesTracked;
    /** Whether eval-mode inference overwrites the input ({@link #inPlace(boolean)}). */
    private boolean inPlace;

    protected BatchNorm(int numFeatures, float eps, float momentum, boolean affine) {
        if (numFeatures < 1) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " expects numFeatures >= 1; received " + numFeatures);
        }
        if (!(eps > 0f) || !(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " expects eps > 0 and momentum in [0, 1]; received eps="
                    + eps + ", momentum=" + momentum);
        }
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.weight = affine ? registerParameter("weight", Tensor.ones(numFeatures)) : null;
        this.bias = affine ? registerParameter("bias", Tensor.zeros(numFeatures)) : null;
        this.runningMean = registerBuffer("running_mean", Tensor.zeros(numFeatures));
        this.runningVar = registerBuffer("running_var", Tensor.ones(numFeatures));
        this.numBatchesTracked = registerBuffer("num_batches_tracked", Tensor.scalar(0f));
    }

    /**
     * Makes eval-mode inference under {@link NoGrad} normalise the input tensor in place
     * ({@link Tensor#batchNormInPlace}) instead of allocating the output, as a model may for a layer
     * whose input nothing else reads (the output of the convolution before it); training and
     * recorded passes always allocate. Off by default. Returns this layer.
     */
    public BatchNorm inPlace(boolean on) {
        this.inPlace = on;
        return this;
    }

    /** Checks the input's rank and channel count; the message names the expected shape. */
    protected abstract void checkInput(Tensor x);

    @Override
    protected Tensor compute(Tensor x) {
        return normalize(x, null, false);
    }

    /**
     * {@code relu(compute(x) + residual)} (no sum when residual is null) as one operation
     * ({@link Tensor#batchNormRelu}, {@link Tensor#batchNormAddRelu}), for a model's own code
     * where this layer's output goes to a ReLU and nowhere else ({@link BatchNormFolding}). It
     * bypasses {@link #forward}: callers use it only while no listener observes module calls.
     */
    Tensor normalizeAndRectify(Tensor x, Tensor residual) {
        if (residual != null && !Arrays.equals(residual.shape(), x.shape())) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " expects a residual of the input's shape "
                    + Shapes.str(x.shape()) + "; received " + Shapes.str(residual.shape()));
        }
        return normalize(x, residual, true);
    }

    private Tensor normalize(Tensor x, Tensor residual, boolean rectify) {
        checkInput(x);
        int[] s = x.shape();
        // View as (N, C, S, 1) so one 4-D fused op serves (N, C), (N, C, L) and (N, C, H, W).
        int spatial = x.numel() / Math.max(1, s[0] * s[1]);
        Tensor x4 = s.length == 4 ? x : x.reshape(s[0], s[1], spatial, 1);
        boolean training = isTraining();
        if (training) {
            if (s[0] * spatial <= 1) {
                throw new IllegalArgumentException(getClass().getSimpleName()
                        + " expects more than 1 value per channel when training; received input " + Shapes.str(s)
                        + " (numFeatures=" + numFeatures + "); use eval() or a larger batch");
            }
        }
        Tensor r4 = residual == null || s.length == 4 ? residual : residual.reshape(s[0], s[1], spatial, 1);
        Tensor y;
        if (r4 != null) {
            y = x4.batchNormAddRelu(runningMean, runningVar, weight, bias, training, momentum, eps, r4);
        } else if (rectify) {
            y = x4.batchNormRelu(runningMean, runningVar, weight, bias, training, momentum, eps);
        } else if (inPlace && !training && !NoGrad.isGradEnabled()) {
            y = x4.batchNormInPlace(runningMean, runningVar, weight, bias, eps);
        } else {
            y = x4.batchNorm(runningMean, runningVar, weight, bias, training, momentum, eps);
        }
        if (training) numBatchesTracked.data()[0] += 1f; // after the op, so a failed call leaves the count alone
        return s.length == 4 ? y : y.reshape(s);
    }

    @Override
    public String extraRepr() {
        return "numFeatures=" + numFeatures + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + affine;
    }
}
