package dev.fovea.models;

import dev.fovea.nn.Module;

import java.util.List;

/**
 * Describes one call of a layer for {@link Summary}: its hyperparameters as short text, its
 * multiply-accumulate count and a worked explanation of the numbers.
 *
 * <p>Shapes are per sample (batch dimension removed): {@code (C, H, W)} for images. The default,
 * {@link LayerDescribers#reflective()}, reads the layer's public fields (the PyTorch names
 * {@code inChannels, outChannels, kernelSize, stride, padding, dilation, groups, inFeatures,
 * outFeatures}); register a describer with {@link LayerDescribers#register} for layers it cannot read.
 */
@FunctionalInterface
public interface LayerDescriber {

    /** Describes {@code layer}, which mapped a sample of {@code inputShape} to {@code outputShape}. */
    Description describe(Module layer, int[] inputShape, int[] outputShape);

    /**
     * What a summary row shows besides the path, type, shape and parameter count.
     *
     * @param kernel     e.g. "5x5", or "-" when not applicable
     * @param stride     e.g. "1" or "2x1", or "-"
     * @param padding    e.g. "0", "same", "(1, 2, 1, 2)", or "-"
     * @param activation the non-linearity the layer applies ("tanh"), or "-"
     * @param macs       multiply-accumulates per sample (convolutions and linear layers only)
     * @param otherOps   other counted operations per sample (pooling comparisons/additions), 0 if none
     * @param otherOpsKind what {@code otherOps} counts ("comparisons", "additions"), or "" when 0
     * @param explain    lines of worked formulas with the numbers substituted
     */
    record Description(String kernel, String stride, String padding, String activation, long macs, long otherOps,
                       String otherOpsKind, List<String> explain) {
        public Description {
            explain = List.copyOf(explain);
            if (macs < 0 || otherOps < 0) {
                throw new IllegalArgumentException("operation counts must be >= 0; received macs=" + macs
                        + ", otherOps=" + otherOps);
            }
        }
    }
}
