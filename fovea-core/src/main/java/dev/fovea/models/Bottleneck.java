package dev.fovea.models;

import dev.fovea.nn.BatchNorm2d;
import dev.fovea.nn.BatchNormFolding;
import dev.fovea.nn.Branching;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Module;
import dev.fovea.nn.ReLU;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The residual unit of ResNet-50/101/152 (He et al. 2016, figure 5 right), torchvision's
 * {@code Bottleneck}: a 1x1 convolution reduces the channels to {@code planes}, a 3x3 convolution
 * works at that width, and a 1x1 convolution expands to {@code 4 * planes}, so the expensive 3x3 sees a
 * quarter of the channels.
 *
 * <pre>
 *   main path   conv1 1x1,        bn1, relu   planes x H x W
 *               conv2 3x3/stride, bn2, relu   planes x H/stride x W/stride
 *               conv3 1x1,        bn3         4*planes x H/stride x W/stride
 *   shortcut    x, or downsample(x) = conv1x1/stride + BN when the shape changes
 *   output      relu(main + shortcut)         4*planes x H/stride x W/stride
 * </pre>
 *
 * <p>The stride sits on the 3x3 convolution, as in torchvision's "ResNet v1.5" (and Caffe2/Facebook's
 * implementations); the paper puts it on the first 1x1, which then skips three quarters of its input.
 * v1.5 is about 0.5% more accurate on ImageNet at slightly higher cost, and is what torchvision's
 * checkpoints were trained with. Parameters {@code inplanes*planes + 9*planes^2 + 4*planes^2 + 12*planes}
 * (convolutions without bias; batch norms 2 per channel) plus the downsample's.
 */
public class Bottleneck extends Module implements Branching {

    /** Output channels = {@code planes * EXPANSION}. */
    public static final int EXPANSION = 4;

    public final int inplanes;
    public final int planes;
    public final int stride;
    public final Conv2d conv1;
    public final BatchNorm2d bn1;
    public final Conv2d conv2;
    public final BatchNorm2d bn2;
    public final Conv2d conv3;
    public final BatchNorm2d bn3;
    public final ReLU relu;
    /** The shortcut's projection, or null for the identity. */
    public final Module downsample;

    /**
     * @param downsample null for an identity shortcut, which needs {@code stride == 1} and
     *                   {@code inplanes == 4 * planes}
     */
    public Bottleneck(int inplanes, int planes, int stride, Module downsample, RandomGenerator rng) {
        if (inplanes < 1 || planes < 1 || stride < 1) {
            throw new IllegalArgumentException("Bottleneck expects positive inplanes, planes and stride; received inplanes="
                    + inplanes + ", planes=" + planes + ", stride=" + stride);
        }
        if (downsample == null && (stride != 1 || inplanes != planes * EXPANSION)) {
            throw new IllegalArgumentException("Bottleneck expects a downsample module when the shape changes; received "
                    + "inplanes=" + inplanes + ", planes=" + planes + " (output " + planes * EXPANSION + "), stride="
                    + stride + " and no downsample");
        }
        this.inplanes = inplanes;
        this.planes = planes;
        this.stride = stride;
        // Same order as torchvision's __init__, hence the same state-dict order.
        conv1 = registerModule("conv1", ResNet.conv1x1(inplanes, planes, 1, rng));
        bn1 = registerModule("bn1", new BatchNorm2d(planes));
        bn1.inPlace(true);
        conv2 = registerModule("conv2", ResNet.conv3x3(planes, planes, stride, rng));
        bn2 = registerModule("bn2", new BatchNorm2d(planes));
        bn2.inPlace(true);
        conv3 = registerModule("conv3", ResNet.conv1x1(planes, planes * EXPANSION, 1, rng));
        bn3 = registerModule("bn3", new BatchNorm2d(planes * EXPANSION));
        bn3.inPlace(true);
        relu = registerModule("relu", new ReLU(true));
        this.downsample = downsample == null ? null : registerModule("downsample", downsample);
    }

    /** Input (N, inplanes, H, W); output (N, 4*planes, ceil(H/stride), ceil(W/stride)). */
    @Override
    protected Tensor compute(Tensor x) {
        // conv then bn: one convolution with the batch norm folded in inside an inference session
        Tensor out = BatchNormFolding.convolveNormalizeAndRectify(conv1, bn1, relu, x);   // N x planes x H x W
        out = BatchNormFolding.convolveNormalizeAndRectify(conv2, bn2, relu, out);        // N x planes x H/s x W/s
        // conv3, bn3, the addition and the ReLU in one pass (inference session), or bn3, the
        // addition and the ReLU in one recorded operation (training)
        if (BatchNormFolding.folds(conv3, bn3) || BatchNormFolding.fusesWithRelu()) {
            Tensor identity = downsample == null ? x : downsample.forward(x);
            return BatchNormFolding.convolveNormalizeAddAndRectify(conv3, bn3, identity, relu, out);
        }
        out = bn3.forward(conv3.forward(out));                                             // N x 4*planes x H/s x W/s
        Tensor identity = downsample == null ? x : downsample.forward(x); // N x 4*planes x H/s x W/s
        // inference adds into the block's own tensor (ReLU and the batch norms work in place there too)
        out = NoGrad.isGradEnabled() ? out.add(identity) : out.addInPlace(identity);
        return relu.forward(out);
    }

    @Override
    public List<List<Module>> branches() {
        return List.of(List.of(conv1, bn1, relu, conv2, bn2, relu, conv3, bn3),
                downsample == null ? List.of() : List.of(downsample));
    }

    @Override
    public Merge merge() {
        return Merge.ADD;
    }

    @Override
    public String extraRepr() {
        return "inplanes=" + inplanes + ", planes=" + planes + (stride != 1 ? ", stride=" + stride : "");
    }
}
