package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.Arrays;

/**
 * Loss functions, PyTorch's {@code torch.nn.functional} losses with {@code reduction="mean"} (the default):
 * each returns a 0-d tensor to call {@link Tensor#backward()} on.
 *
 * <p>All are composed from differentiable {@link Tensor} operations, so their gradients come from
 * autograd; the numerically delicate parts go through the fused, max-subtracted
 * {@link Tensor#logSoftmax(int)}. Class targets are {@code int[]} and become constant one-hot masks
 * ({@link #oneHot}), which is how the "gather" of the target's log-probability is expressed with
 * element-wise operations.
 */
public final class Losses {

    /** Added to the difference in {@link #tripletMargin} and {@link #contrastive}, as PyTorch's {@code pairwise_distance(eps=1e-6)}. */
    public static final float DISTANCE_EPS = 1e-6f;

    private Losses() {}

    // ------------------------------------------------------------------ classification

    /**
     * Softmax cross-entropy from raw scores: {@code mean_i -log softmax(logits_i)[targets_i]}.
     * Uniform logits over C classes give {@code ln C}.
     *
     * @param logits  (N, C), unnormalised scores
     * @param targets N class indices in [0, C)
     */
    public static Tensor crossEntropy(Tensor logits, int[] targets) {
        return crossEntropy(logits, targets, null, 0f);
    }

    /**
     * Cross-entropy with optional class weights and label smoothing, with PyTorch's (1.13+) semantics.
     *
     * <p>With weights w (C): the NLL term is {@code sum_i -w[y_i] logp[i, y_i] / sum_i w[y_i]} (a weighted
     * mean, so rescaling all weights changes nothing). Label smoothing {@code eps} (Szegedy et al. 2016)
     * mixes in the cross-entropy against the uniform distribution:
     * {@code loss = (1 - eps) * NLL + eps/C * sum_i sum_c -w[c] logp[i, c] / sum_i w[y_i]}, and without
     * weights {@code (1 - eps) * NLL + eps * mean_i mean_c -logp[i, c]}. PyTorch normalises the smoothing
     * term by the target weights too; we follow it so results agree.
     *
     * @param classWeights   (C), or null for equal weights
     * @param labelSmoothing in [0, 1]; 0 disables smoothing
     */
    public static Tensor crossEntropy(Tensor logits, int[] targets, Tensor classWeights, float labelSmoothing) {
        int c = checkClassInput("crossEntropy", logits, "logits", targets, classWeights);
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f)) {
            throw new IllegalArgumentException("crossEntropy expects labelSmoothing in [0, 1]; received " + labelSmoothing);
        }
        Tensor logp = logits.logSoftmax(1);
        Tensor oneHot = oneHot(targets, c);
        Tensor rowWeights = classWeights == null ? oneHot : oneHot.mul(classWeights); // w[y_i] at (i, y_i)
        Tensor denominator = classWeights == null ? Tensor.scalar(targets.length) : rowWeights.sum();
        Tensor nll = logp.mul(rowWeights).sum().neg().div(denominator);
        if (labelSmoothing == 0f) return nll;
        Tensor all = classWeights == null ? logp : logp.mul(classWeights);
        Tensor smooth = all.sum().neg().div(denominator).div(c);
        return nll.mul(1f - labelSmoothing).add(smooth.mul(labelSmoothing));
    }

    /** Negative log-likelihood of log-probabilities, {@code mean_i -logProbs[i, targets_i]}. */
    public static Tensor nll(Tensor logProbs, int[] targets) {
        return nll(logProbs, targets, null);
    }

    /**
     * Negative log-likelihood with optional class weights (PyTorch's {@code nll_loss}):
     * {@code sum_i -w[y_i] logProbs[i, y_i] / sum_i w[y_i]}. Feed it {@code x.logSoftmax(1)};
     * {@code nll(logSoftmax(x)) == crossEntropy(x)}.
     *
     * @param logProbs (N, C)
     * @param weights  (C), or null
     */
    public static Tensor nll(Tensor logProbs, int[] targets, Tensor weights) {
        int c = checkClassInput("nll", logProbs, "logProbs", targets, weights);
        Tensor oneHot = oneHot(targets, c);
        if (weights == null) return logProbs.mul(oneHot).sum().neg().div(targets.length);
        Tensor rowWeights = oneHot.mul(weights);
        return logProbs.mul(rowWeights).sum().neg().div(rowWeights.sum());
    }

    /** A constant (N, numClasses) matrix with 1 at (i, targets[i]) and 0 elsewhere. */
    public static Tensor oneHot(int[] targets, int numClasses) {
        checkTargets("oneHot", targets, numClasses);
        float[] d = new float[targets.length * numClasses];
        for (int i = 0; i < targets.length; i++) d[i * numClasses + targets[i]] = 1f;
        return Tensor.of(d, targets.length, numClasses);
    }

    private static int checkClassInput(String who, Tensor scores, String name, int[] targets, Tensor weights) {
        if (scores.dim() != 2) {
            throw new IllegalArgumentException(who + " expects " + name + " of shape (N, C); received " + Shapes.str(scores.shape()));
        }
        int n = scores.size(0), c = scores.size(1);
        if (targets == null || targets.length != n) {
            throw new IllegalArgumentException(who + " expects " + n + " targets, one per row of " + name + " "
                    + Shapes.str(scores.shape()) + "; received " + (targets == null ? "null" : targets.length));
        }
        if (n == 0) throw new IllegalArgumentException(who + " expects at least one sample; received " + Shapes.str(scores.shape()));
        checkTargets(who, targets, c);
        if (weights != null && !Arrays.equals(weights.shape(), new int[] {c})) {
            throw new IllegalArgumentException(who + " expects class weights of shape " + Shapes.str(c) + "; received "
                    + Shapes.str(weights.shape()));
        }
        return c;
    }

    private static void checkTargets(String who, int[] targets, int c) {
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] < 0 || targets[i] >= c) {
                throw new IllegalArgumentException(who + " expects targets in [0, " + c + "); received " + targets[i]
                        + " at index " + i);
            }
        }
    }

    // ------------------------------------------------------------------ binary

    /** Binary cross-entropy from logits, {@link #bceWithLogits(Tensor, Tensor, Tensor)} without a positive weight. */
    public static Tensor bceWithLogits(Tensor logits, Tensor targets) {
        return bceWithLogits(logits, targets, null);
    }

    /**
     * Binary cross-entropy on raw scores, PyTorch's {@code binary_cross_entropy_with_logits}:
     * {@code mean(-(posWeight * y * log σ(x) + (1 - y) * log(1 - σ(x))))}.
     *
     * <p>Computed stably: {@code log σ(x)} and {@code log(1 - σ(x))} are the two entries of the log-softmax
     * of the pair {@code (0, x)}, which the fused log-softmax evaluates as {@code -max(x,0) - log(1+exp(-|x|))}
     * plus the entry; without a positive weight the loss is therefore exactly PyTorch's
     * {@code max(x,0) - x*y + log(1+exp(-|x|))}, never overflowing. Going through the fused op rather than
     * composing {@code max} and {@code |x|} also gives the exact gradient {@code σ(x) - y} at {@code x = 0},
     * where the two kinks would contribute arbitrary subgradients.
     *
     * @param logits    any shape
     * @param targets   same shape, values in [0, 1] (soft labels allowed)
     * @param posWeight null, or broadcastable to the logits (e.g. (C) for (N, C)): weight of positive examples
     */
    public static Tensor bceWithLogits(Tensor logits, Tensor targets, Tensor posWeight) {
        checkSameShape("bceWithLogits", logits, "logits", targets, "targets");
        float[] t = targets.data();
        for (int i = 0; i < t.length; i++) {
            if (!(t[i] >= 0f && t[i] <= 1f)) {
                throw new IllegalArgumentException("bceWithLogits expects targets in [0, 1]; received " + t[i] + " at flat index " + i);
            }
        }
        if (posWeight != null) {
            int[] b;
            try {
                b = Shapes.broadcast(posWeight.shape(), logits.shape());
            } catch (IllegalArgumentException e) {
                b = null;
            }
            if (!Arrays.equals(b, logits.shape())) {
                throw new IllegalArgumentException("bceWithLogits expects posWeight broadcastable to the logits' shape "
                        + Shapes.str(logits.shape()) + "; received " + Shapes.str(posWeight.shape()));
            }
        }
        if (logits.numel() == 0) {
            throw new IllegalArgumentException("bceWithLogits expects at least one element; received " + Shapes.str(logits.shape()));
        }
        int last = logits.dim();
        Tensor pair = Tensor.concat(last, Tensor.zeros(logits.shape()).unsqueeze(last), logits.unsqueeze(last));
        Tensor logSoft = pair.logSoftmax(last);
        Tensor logSigmoid = logSoft.slice(last, 1, 2).squeeze(last);          // log σ(x)
        Tensor logOneMinusSigmoid = logSoft.slice(last, 0, 1).squeeze(last);  // log(1 - σ(x)) = log σ(-x)
        Tensor positive = targets.mul(logSigmoid);
        if (posWeight != null) positive = positive.mul(posWeight);
        Tensor negative = targets.neg().add(1f).mul(logOneMinusSigmoid);
        return positive.add(negative).mean().neg();
    }

    // ------------------------------------------------------------------ regression

    /** Mean squared error {@code mean((pred - target)^2)}; shapes must match. */
    public static Tensor mse(Tensor pred, Tensor target) {
        checkSameShape("mse", pred, "pred", target, "target");
        return pred.sub(target).square().mean();
    }

    /** Smooth L1 with beta = 1, see {@link #smoothL1(Tensor, Tensor, float)}. */
    public static Tensor smoothL1(Tensor pred, Tensor target) {
        return smoothL1(pred, target, 1f);
    }

    /**
     * Smooth L1 (Girshick, Fast R-CNN, 2015), PyTorch's {@code smooth_l1_loss}: per element, with
     * {@code d = pred - target}, {@code 0.5 d^2 / beta} where {@code |d| < beta} and {@code |d| - 0.5 beta}
     * elsewhere; mean. Quadratic near 0 (smooth gradient), linear far away (robust to outliers).
     * {@code beta = 0} is the L1 loss; {@code smoothL1(beta) = huber(delta = beta) / beta}.
     */
    public static Tensor smoothL1(Tensor pred, Tensor target, float beta) {
        checkSameShape("smoothL1", pred, "pred", target, "target");
        if (!(beta >= 0f) || Float.isInfinite(beta)) {
            throw new IllegalArgumentException("smoothL1 expects a finite beta >= 0; received " + beta);
        }
        Tensor d = pred.sub(target);
        if (beta == 0f) return d.abs().mean();
        return huberElements(d, beta).div(beta).mean();
    }

    /** Huber loss with delta = 1, see {@link #huber(Tensor, Tensor, float)}. */
    public static Tensor huber(Tensor pred, Tensor target) {
        return huber(pred, target, 1f);
    }

    /**
     * Huber loss (Huber 1964), PyTorch's {@code huber_loss}: per element {@code 0.5 d^2} where
     * {@code |d| <= delta} and {@code delta (|d| - 0.5 delta)} elsewhere; mean. Its gradient is clipped
     * at ±delta.
     */
    public static Tensor huber(Tensor pred, Tensor target, float delta) {
        checkSameShape("huber", pred, "pred", target, "target");
        if (!(delta > 0f) || Float.isInfinite(delta)) {
            throw new IllegalArgumentException("huber expects a finite delta > 0; received " + delta);
        }
        return huberElements(pred.sub(target), delta).mean();
    }

    /**
     * {@code 0.5 q^2 + delta (|d| - q)} with {@code q = min(|d|, delta)}: equal to the piecewise Huber
     * formula, written without branches so autograd differentiates it; its derivative in |d| is
     * continuous ({@code q}), so the choice of subgradient at the joint does not matter.
     */
    private static Tensor huberElements(Tensor d, float delta) {
        Tensor a = d.abs();
        Tensor q = a.clamp(0f, delta);
        return q.square().mul(0.5f).add(a.sub(q).mul(delta));
    }

    // ------------------------------------------------------------------ metric learning

    /** Triplet margin loss with margin 1, see {@link #tripletMargin(Tensor, Tensor, Tensor, float)}. */
    public static Tensor tripletMargin(Tensor anchor, Tensor positive, Tensor negative) {
        return tripletMargin(anchor, positive, negative, 1f);
    }

    /**
     * Triplet margin loss (Schroff et al., FaceNet, 2015), PyTorch's {@code triplet_margin_loss} with p = 2:
     * {@code mean_i max(d(a_i, p_i) - d(a_i, n_i) + margin, 0)} where
     * {@code d(x, y) = ||x - y + 1e-6||_2} (PyTorch's {@code pairwise_distance}; the epsilon keeps the
     * gradient of the norm finite when two embeddings coincide).
     *
     * @param anchor   (N, D); positive and negative the same shape
     */
    public static Tensor tripletMargin(Tensor anchor, Tensor positive, Tensor negative, float margin) {
        checkPairs("tripletMargin", anchor, "anchor", positive, "positive");
        checkSameShape("tripletMargin", anchor, "anchor", negative, "negative");
        if (!(margin >= 0f) || Float.isInfinite(margin)) {
            throw new IllegalArgumentException("tripletMargin expects a finite margin >= 0; received " + margin);
        }
        Tensor dPos = pairwiseDistance(anchor, positive);
        Tensor dNeg = pairwiseDistance(anchor, negative);
        return dPos.sub(dNeg).add(margin).relu().mean();
    }

    /**
     * Contrastive loss (Hadsell, Chopra and LeCun, "Dimensionality Reduction by Learning an Invariant
     * Mapping", 2006, eq. 4):
     * {@code mean_i 1/2 [y_i d_i^2 + (1 - y_i) max(margin - d_i, 0)^2]}, with {@code d_i = ||x1_i - x2_i + 1e-6||_2}.
     * Similar pairs are pulled together; dissimilar ones pushed apart until they are {@code margin} away.
     * We keep the paper's factor 1/2 (so the gradient of a similar pair is {@code x1 - x2}); note our
     * {@code y = 1} means <em>similar</em>, the opposite of the paper's Y.
     *
     * @param x1      (N, D) embeddings
     * @param x2      (N, D) embeddings
     * @param similar N labels, 1 for a same-identity pair and 0 for a different one
     * @param margin  > 0
     */
    public static Tensor contrastive(Tensor x1, Tensor x2, float[] similar, float margin) {
        checkPairs("contrastive", x1, "x1", x2, "x2");
        int n = x1.size(0);
        if (similar == null || similar.length != n) {
            throw new IllegalArgumentException("contrastive expects " + n + " similarity labels, one per pair; received "
                    + (similar == null ? "null" : similar.length));
        }
        for (int i = 0; i < n; i++) {
            if (similar[i] != 0f && similar[i] != 1f) {
                throw new IllegalArgumentException("contrastive expects labels 0 (different) or 1 (similar); received "
                        + similar[i] + " at index " + i);
            }
        }
        if (!(margin > 0f) || Float.isInfinite(margin)) {
            throw new IllegalArgumentException("contrastive expects a finite margin > 0; received " + margin);
        }
        Tensor y = Tensor.of(similar.clone(), n);
        Tensor sq = x1.sub(x2).add(DISTANCE_EPS).square().sum(false, 1);   // d^2
        Tensor d = sq.sqrt();
        Tensor pull = y.mul(sq);
        Tensor push = y.neg().add(1f).mul(d.neg().add(margin).relu().square());
        return pull.add(push).mul(0.5f).mean();
    }

    /** {@code ||x - y + eps||_2} per row of (N, D) inputs, PyTorch's {@code pairwise_distance}; shape (N). */
    private static Tensor pairwiseDistance(Tensor x, Tensor y) {
        return x.sub(y).add(DISTANCE_EPS).square().sum(false, 1).sqrt();
    }

    private static void checkPairs(String who, Tensor a, String an, Tensor b, String bn) {
        if (a.dim() != 2 || a.size(0) == 0) {
            throw new IllegalArgumentException(who + " expects " + an + " of shape (N, D) with N >= 1; received "
                    + Shapes.str(a.shape()));
        }
        checkSameShape(who, a, an, b, bn);
    }

    private static void checkSameShape(String who, Tensor a, String an, Tensor b, String bn) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(who + " expects " + bn + " of the same shape as " + an + " "
                    + Shapes.str(a.shape()) + "; received " + Shapes.str(b.shape()));
        }
    }
}
