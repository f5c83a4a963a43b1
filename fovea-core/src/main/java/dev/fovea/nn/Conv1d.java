package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.random.RandomGenerator;

/**
 * 1-D convolution over sequences, PyTorch's {@code nn.Conv1d}.
 *
 * <p>Shapes: input {@code (N, inChannels, L)}, weight {@code (outChannels, inChannels/groups, K)},
 * bias {@code (outChannels)}, output {@code (N, outChannels, OL)} with
 * {@code OL = floor((L + padLeft + padRight - dilation * (K - 1) - 1) / stride) + 1}.
 * Parameters: {@code outChannels * (inChannels/groups) * K + (bias ? outChannels : 0)}.
 *
 * <p>Initialised like PyTorch: weight and bias uniform in {@code ±1/sqrt(fanIn)}, {@code fanIn = inChannels/groups * K}.
 * Padding is {@link Padding#of(int)} (both ends), {@link Padding#SAME} (stride 1; an odd total puts the
 * extra element on the right) or {@link Padding#VALID}.
 */
public class Conv1d extends Module {

    public final int inChannels;
    public final int outChannels;
    public final int groups;
    public final int kernelSize;
    public final int stride;
    public final int dilation;
    public final Padding padding;
    /** (outChannels, inChannels/groups, K) */
    public final Tensor weight;
    /** (outChannels), or null without bias. */
    public final Tensor bias;

    /** Stride 1, no padding, with bias. */
    public Conv1d(int inChannels, int outChannels, int kernelSize, RandomGenerator rng) {
        this(inChannels, outChannels, kernelSize, 1, 0, rng);
    }

    /** Symmetric padding, with bias. */
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding, RandomGenerator rng) {
        this(inChannels, outChannels, kernelSize, stride, Padding.of(padding), 1, 1, true, rng);
    }

    /** The full constructor. */
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, Padding padding, int dilation,
                  int groups, boolean bias, RandomGenerator rng) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.dilation = dilation;
        this.groups = groups;
        this.padding = padding;
        if (inChannels < 1 || outChannels < 1 || kernelSize < 1 || stride < 1 || dilation < 1) {
            throw new IllegalArgumentException("Conv1d expects positive inChannels, outChannels, kernelSize, stride and dilation; "
                    + "received inChannels=" + inChannels + ", outChannels=" + outChannels + ", kernelSize=" + kernelSize
                    + ", stride=" + stride + ", dilation=" + dilation);
        }
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("Conv1d expects groups >= 1 dividing inChannels and outChannels; received groups="
                    + groups + " (inChannels=" + inChannels + ", outChannels=" + outChannels + ")");
        }
        if (padding == null) throw new IllegalArgumentException("Conv1d expects a padding; received null");
        padding.resolve1d(kernelSize, dilation); // rejects 2-D-only paddings early
        if (padding.isSame() && stride != 1) {
            throw new IllegalArgumentException("Conv1d expects stride 1 with padding=same; received stride=" + stride);
        }
        this.weight = registerParameter("weight", Tensor.zeros(outChannels, inChannels / groups, kernelSize));
        Init.kaimingUniform(this.weight, Math.sqrt(5.0), Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, rng);
        if (bias) {
            float bound = (float) (1.0 / Math.sqrt(Init.fans(this.weight)[0]));
            this.bias = registerParameter("bias", Tensor.uniform(rng, -bound, bound, outChannels));
        } else {
            this.bias = null;
        }
    }

    /** The resolved zero padding {left, right}. */
    public int[] resolvedPadding() {
        return padding.resolve1d(kernelSize, dilation);
    }

    /** Output length for input length {@code l}, or an IllegalArgumentException when it would be empty. */
    public int outputSize(int l) {
        int[] p = resolvedPadding();
        int span = dilation * (kernelSize - 1) + 1, padded = l + p[0] + p[1];
        if (padded < span) {
            throw new IllegalArgumentException("Conv1d expects a padded input length of at least " + span
                    + " (the dilated kernel); received length " + l + ", padded " + padded + " (" + extraRepr() + ")");
        }
        return (padded - span) / stride + 1;
    }

    @Override
    protected Tensor compute(Tensor x) {
        if (x.dim() != 3 || x.size(1) != inChannels) {
            throw new IllegalArgumentException("Conv1d expects input of shape (N, " + inChannels + ", L); received "
                    + Shapes.str(x.shape()) + " (" + extraRepr() + ")");
        }
        outputSize(x.size(2));
        int[] p = resolvedPadding();
        return x.conv1d(weight, bias, stride, p[0], p[1], dilation, groups);
    }

    /** {@code inChannels=.., outChannels=.., kernelSize=..}, then only non-default hyperparameters. */
    @Override
    public String extraRepr() {
        StringBuilder sb = new StringBuilder("inChannels=").append(inChannels).append(", outChannels=").append(outChannels)
                .append(", kernelSize=").append(kernelSize);
        if (stride != 1) sb.append(", stride=").append(stride);
        if (!padding.isZero() || padding.isValid()) sb.append(", padding=").append(padding1d());
        if (dilation != 1) sb.append(", dilation=").append(dilation);
        if (groups != 1) sb.append(", groups=").append(groups);
        if (bias == null) sb.append(", bias=false");
        return sb.toString();
    }

    private String padding1d() {
        if (padding.isSame() || padding.isValid()) return padding.toString();
        int[] p = resolvedPadding();
        return p[0] == p[1] ? Integer.toString(p[0]) : "(" + p[0] + ", " + p[1] + ")";
    }
}
