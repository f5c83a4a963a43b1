package dev.fovea.train;

import dev.fovea.nn.Losses;
import dev.fovea.tensor.Tensor;

/** Maps a model's output for a batch and the batch's labels to a scalar loss. */
@FunctionalInterface
public interface LossFunction {

    Tensor apply(Tensor output, int[] labels);

    /** Softmax cross-entropy on logits, the default for classification. */
    static LossFunction crossEntropy() {
        return Losses::crossEntropy;
    }

    /** Cross-entropy with label smoothing (Szegedy et al. 2016). */
    static LossFunction crossEntropy(float labelSmoothing) {
        return (out, labels) -> Losses.crossEntropy(out, labels, null, labelSmoothing);
    }
}
