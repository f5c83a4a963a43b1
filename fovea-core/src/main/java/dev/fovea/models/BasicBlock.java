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
 * The residual unit of ResNet-18/34 and of the CIFAR ResNets (He, Zhang, Ren and Sun,
 * <a href="https://arxiv.org/abs/1512.03385">Deep residual learning for image recognition</a>, CVPR 2016,
 * figure 5 left), torchvision's {@code BasicBlock}: two 3x3 convolutions on the main path, added to the
 * shortcut, then ReLU.
 *
 * <pre>
 *   main path   conv1 3x3/stride, bn1, relu   planes x H/stride x W/stride
 *               conv2 3x3,        bn2         planes x H/stride x W/stride
 *   shortcut    x, or downsample(x) when the shape changes
 *   output      relu(main + shortcut)         planes x H/stride x W/stride
 * </pre>
 *
 * <p>Parameters {@code 9*inplanes*planes + 9*planes*planes + 4*planes} plus the downsample's. The
 * convolutions have no bias: the batch norm after each one has its own shift. {@code downsample} is any
 * module mapping {@code (N, inplanes, H, W)} to {@code (N, planes, H/stride, W/stride)}: ResNet's
 * projection ({@code conv1x1 + BN}, option B of the paper) or the CIFAR networks' parameter-free
 * zero-padding shortcut (option A, {@link ResNetCifar.PadShortcut}). State-dict keys are torchvision's:
 * {@code conv1.weight, bn1.weight, ..., conv2.weight, bn2.*, downsample.0.weight, downsample.1.*}.
 */
public class BasicBlock extends Module implements Branching {

    /** Output channels = {@code planes * EXPANSION}. */
    public static final int EXPANSION = 1;

    public final int inplanes;
    public final int planes;
    public final int stride;
    public final Conv2d conv1;
    public final BatchNorm2d bn1;
    public final ReLU relu;
    public final Conv2d conv2;
    public final BatchNorm2d bn2;
    /** The shortcut's projection, or null for the identity. */
    public final Module downsample;

    /**
     * @param downsample null for an identity shortcut, which needs {@code stride == 1} and
     *                   {@code inplanes == planes}
     */
    public BasicBlock(int inplanes, int planes, int stride, Module downsample, RandomGenerator rng) {
        if (inplanes < 1 || planes < 1 || stride < 1) {
            throw new IllegalArgumentException("BasicBlock expects positive inplanes, planes and stride; received inplanes="
                    + inplanes + ", planes=" + planes + ", stride=" + stride);
        }
        if (downsample == null && (stride != 1 || inplanes != planes * EXPANSION)) {
            throw new IllegalArgumentException("BasicBlock expects a downsample module when the shape changes; received "
                    + "inplanes=" + inplanes + ", planes=" + planes + ", stride=" + stride + " and no downsample");
        }
        this.inplanes = inplanes;
        this.planes = planes;
        this.stride = stride;
        // Same order as torchvision's __init__, hence the same state-dict order.
        conv1 = registerModule("conv1", ResNet.conv3x3(inplanes, planes, stride, rng));
        bn1 = registerModule("bn1", new BatchNorm2d(planes));
        bn1.inPlace(true);
        relu = registerModule("relu", new ReLU(true));
        conv2 = registerModule("conv2", ResNet.conv3x3(planes, planes, 1, rng));
        bn2 = registerModule("bn2", new BatchNorm2d(planes));
        bn2.inPlace(true);
        this.downsample = downsample == null ? null : registerModule("downsample", downsample);
    }

    /** Input (N, inplanes, H, W); output (N, planes, ceil(H/stride), ceil(W/stride)). */
    @Override
    protected Tensor compute(Tensor x) {
        // conv then bn: one convolution with the batch norm folded in inside an inference session
        Tensor out = BatchNormFolding.convolveNormalizeAndRectify(conv1, bn1, relu, x); // N x planes x H/s x W/s
        // conv2, bn2, the addition and the ReLU in one pass (inference session), or bn2, the
        // addition and the ReLU in one recorded operation (training)
        if (BatchNormFolding.folds(conv2, bn2) || BatchNormFolding.fusesWithRelu()) {
            Tensor identity = downsample == null ? x : downsample.forward(x);
            return BatchNormFolding.convolveNormalizeAddAndRectify(conv2, bn2, identity, relu, out);
        }
        out = bn2.forward(conv2.forward(out));                                           // N x planes x H/s x W/s
        Tensor identity = downsample == null ? x : downsample.forward(x); // N x planes x H/s x W/s
        // inference adds into the block's own tensor (ReLU and the batch norms work in place there too)
        out = NoGrad.isGradEnabled() ? out.add(identity) : out.addInPlace(identity);
        return relu.forward(out);
    }

    @Override
    public List<List<Module>> branches() {
        return List.of(List.of(conv1, bn1, relu, conv2, bn2), downsample == null ? List.of() : List.of(downsample));
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
