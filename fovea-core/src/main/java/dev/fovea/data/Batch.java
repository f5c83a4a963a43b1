package dev.fovea.data;

import dev.fovea.tensor.Tensor;

/** One mini-batch: inputs (N, ...), labels (N), and the dataset indices the examples came from. */
public record Batch(Tensor inputs, int[] labels, int[] indices) {

    public int size() { return labels.length; }
}
