package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.random.RandomGenerator;

/**
 * 2-D convolution (cross-correlation, as in every deep-learning library), PyTorch's {@code nn.Conv2d}.
 *
 * <p>Shapes: input {@code (N, inChannels, H, W)}, weight {@code (outChannels, inChannels/groups, KH, KW)},
 * bias {@code (outChannels)}, output {@code (N, outChannels, OH, OW)} with
 * {@code OH = floor((H + padTop + padBottom - dilationH * (KH - 1) - 1) / strideH) + 1} (and likewise OW).
 * Parameters: {@code outChannels * (inChannels/groups) * KH * KW + (bias ? outChannels : 0)}.
 *
 * <p>{@code groups} splits the channels into independent convolutions (AlexNet's two-GPU split;
 * {@code groups = inChannels} is a depthwise convolution). Initialised like PyTorch: Kaiming-uniform
 * with {@code a = sqrt(5)}, which makes weight and bias uniform in {@code ±1/sqrt(fanIn)} with
 * {@code fanIn = inChannels/groups * KH * KW}; use {@link Init} for other schemes.
 */
public class Conv2d extends Module {

    public final int inChannels;
    public final int outChannels;
    public final int groups;
    /** {kh, kw} */
    public final int[] kernelSize;
    /** {sh, sw} */
    public final int[] stride;
    /** {dh, dw} */
    public final int[] dilation;
    public final Padding padding;
    /** (outChannels, inChannels/groups, KH, KW) */
    public final Tensor weight;
    /** (outChannels), or null without bias. */
    public final Tensor bias;

    /** Square kernel, stride 1, no padding, with bias. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, RandomGenerator rng) {
        this(inChannels, outChannels, kernelSize, 1, 0, rng);
    }

    /** Square kernel and stride, symmetric padding, with bias. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, RandomGenerator rng) {
        this(inChannels, outChannels, kernelSize, stride, Padding.of(padding), rng);
    }

    /** Square kernel and stride, any padding (e.g. {@link Padding#SAME}), with bias. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, Padding padding, RandomGenerator rng) {
        this(inChannels, outChannels, new int[] {kernelSize, kernelSize}, new int[] {stride, stride}, padding,
                new int[] {1, 1}, 1, true, rng);
    }

    /**
     * The full constructor.
     *
     * @param kernelSize {kh, kw}
     * @param stride     {sh, sw}
     * @param padding    explicit, {@link Padding#SAME} (stride 1 only) or {@link Padding#VALID}
     * @param dilation   {dh, dw}: spacing between kernel taps
     * @param groups     divides inChannels and outChannels
     */
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, Padding padding, int[] dilation,
                  int groups, boolean bias, RandomGenerator rng) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.groups = groups;
        this.kernelSize = pair("kernelSize", kernelSize);
        this.stride = pair("stride", stride);
        this.dilation = pair("dilation", dilation);
        this.padding = padding;
        if (inChannels < 1 || outChannels < 1) {
            throw new IllegalArgumentException("Conv2d expects positive channel counts; received inChannels=" + inChannels
                    + ", outChannels=" + outChannels);
        }
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("Conv2d expects groups >= 1 dividing inChannels and outChannels; received groups="
                    + groups + " (inChannels=" + inChannels + ", outChannels=" + outChannels + ")");
        }
        if (padding == null) throw new IllegalArgumentException("Conv2d expects a padding; received null");
        if (padding.isSame() && (this.stride[0] != 1 || this.stride[1] != 1)) {
            // PyTorch refuses too: with stride > 1 no padding makes the output the input's size.
            throw new IllegalArgumentException("Conv2d expects stride (1, 1) with padding=same; received stride="
                    + Shapes.str(this.stride));
        }
        this.weight = registerParameter("weight", Tensor.zeros(outChannels, inChannels / groups,
                this.kernelSize[0], this.kernelSize[1]));
        // PyTorch's reset_parameters: kaiming_uniform(a=sqrt(5)) = U(±1/sqrt(fanIn)) for the weight, same bound for the bias.
        Init.kaimingUniform(this.weight, Math.sqrt(5.0), Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, rng);
        if (bias) {
            float bound = (float) (1.0 / Math.sqrt(Init.fans(this.weight)[0]));
            this.bias = registerParameter("bias", Tensor.uniform(rng, -bound, bound, outChannels));
        } else {
            this.bias = null;
        }
    }

    private static int[] pair(String name, int[] v) {
        if (v == null || v.length != 2 || v[0] < 1 || v[1] < 1) {
            throw new IllegalArgumentException("Conv2d expects " + name + " as a pair {h, w} of positive ints; received "
                    + (v == null ? "null" : Shapes.str(v)));
        }
        return v.clone();
    }

    /** The resolved zero padding {top, left, bottom, right}. */
    public int[] resolvedPadding() {
        return padding.resolve(kernelSize, dilation);
    }

    /** Output {@code {OH, OW}} for an input of size {@code {H, W}}, or an IllegalArgumentException when it would be empty. */
    public int[] outputSize(int h, int w) {
        int[] p = resolvedPadding();
        int eh = dilation[0] * (kernelSize[0] - 1) + 1, ew = dilation[1] * (kernelSize[1] - 1) + 1;
        int ph = h + p[0] + p[2], pw = w + p[1] + p[3];
        if (ph < eh || pw < ew) {
            throw new IllegalArgumentException("Conv2d expects a padded input of at least " + Shapes.str(eh, ew)
                    + " (the dilated kernel); received input " + Shapes.str(h, w) + ", padded " + Shapes.str(ph, pw)
                    + " (" + extraRepr() + ")");
        }
        return new int[] {(ph - eh) / stride[0] + 1, (pw - ew) / stride[1] + 1};
    }

    @Override
    protected Tensor compute(Tensor x) {
        return convolve(x, weight, bias, null, false);
    }

    /**
     * This layer's convolution of {@code x} with another weight and bias of the same shapes (its
     * own, or those an inference session folded a batch norm into: {@link BatchNormFolding}),
     * plus {@code residual} when not null, rectified in the same pass when {@code rectify}.
     */
    Tensor convolve(Tensor x, Tensor weight, Tensor bias, Tensor residual, boolean rectify) {
        if (x.dim() != 4 || x.size(1) != inChannels) {
            throw new IllegalArgumentException("Conv2d expects input of shape (N, " + inChannels + ", H, W); received "
                    + Shapes.str(x.shape()) + " (" + extraRepr() + ")");
        }
        outputSize(x.size(2), x.size(3));
        if (residual != null) {
            if (!rectify) throw new IllegalArgumentException("Conv2d.convolve: a residual is added only before a ReLU");
            return x.conv2dAddRelu(weight, bias, residual, stride, resolvedPadding(), dilation, groups);
        }
        return rectify ? x.conv2dRelu(weight, bias, stride, resolvedPadding(), dilation, groups)
                : x.conv2d(weight, bias, stride, resolvedPadding(), dilation, groups);
    }

    /**
     * {@code inChannels=3, outChannels=6, kernelSize=(5, 5)}, then only the hyperparameters that differ from
     * their defaults (stride, padding, dilation, groups, bias), so error messages stay short.
     */
    @Override
    public String extraRepr() {
        StringBuilder sb = new StringBuilder("inChannels=").append(inChannels).append(", outChannels=").append(outChannels)
                .append(", kernelSize=").append(Shapes.str(kernelSize));
        if (stride[0] != 1 || stride[1] != 1) sb.append(", stride=").append(Shapes.str(stride));
        if (!padding.isZero() || padding.isValid()) sb.append(", padding=").append(padding);
        if (dilation[0] != 1 || dilation[1] != 1) sb.append(", dilation=").append(Shapes.str(dilation));
        if (groups != 1) sb.append(", groups=").append(groups);
        if (bias == null) sb.append(", bias=false");
        return sb.toString();
    }
}
