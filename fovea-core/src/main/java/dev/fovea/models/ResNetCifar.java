package dev.fovea.models;

import dev.fovea.nn.AdaptiveAvgPool2d;
import dev.fovea.nn.BatchNorm2d;
import dev.fovea.nn.BatchNormFolding;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Flatten;
import dev.fovea.nn.Init;
import dev.fovea.nn.Linear;
import dev.fovea.nn.Module;
import dev.fovea.nn.ReLU;
import dev.fovea.nn.Sequential;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The residual networks for 32x32 images of He et al. 2016,
 * <a href="https://arxiv.org/abs/1512.03385">Deep residual learning for image recognition</a>, section 4.2
 * (CIFAR-10): {@code 6n + 2} layers, three stages of {@code n} {@link BasicBlock}s at 16, 32 and 64 maps
 * on 32x32, 16x16 and 8x8, global average pooling and one dense layer. ResNet-20 ({@code n = 3}) has
 * 269,722 parameters and trains to a useful accuracy in minutes on a CPU, unlike the ImageNet {@link ResNet}s.
 *
 * <pre>
 *   key       what                                     output (per sample)   parameters (ResNet-20)
 *   input                                              3 x 32 x 32
 *   conv1     conv 16 @ 3x3 pad 1, bn1, relu           16 x 32 x 32          432 + 32
 *   layer1    n BasicBlocks, 16 maps                   16 x 32 x 32          3 * (2,304 + 2,304 + 64)  =  14,016
 *   layer2    n BasicBlocks, 32 maps, first stride 2   32 x 16 x 16          4,608 + 5 * 9,216 + 6 * 64 = 51,072
 *   layer3    n BasicBlocks, 64 maps, first stride 2   64 x 8 x 8            18,432 + 5 * 36,864 + 6 * 128 = 203,520
 *   avgpool   global average pool                      64 x 1 x 1            0
 *   fc        flatten, linear numClasses               numClasses            (64 + 1) * 10 = 650
 *                                                                                      total = 269,722
 * </pre>
 *
 * <p>Where the maps double and halve (the first block of layer2 and layer3) the shortcut must change
 * shape. The paper's CIFAR networks use <b>option A</b>, the default here: the shortcut stays
 * parameter-free, taking every second pixel and padding the new channels with zeros
 * ({@link PadShortcut}), "so our residual models have exactly the same depth, width, and number of
 * parameters as the plain counterparts" (0.27M for ResNet-20, the paper's Table 6). <b>Option B</b>
 * projects with a strided 1x1 convolution and batch norm, as the ImageNet networks do
 * (+2,752 parameters for ResNet-20); the paper found B slightly better on ImageNet (Table 3), mostly
 * because the zero-padded channels learn no residual.
 *
 * <p>Depths and parameter counts of the paper's Table 6 (option A): 20: 0.27M, 32: 0.46M, 44: 0.66M,
 * 56: 0.85M, 110: 1.7M. Initialisation as {@link ResNet} (He et al. 2015 for the convolutions).
 * Any input of at least 1x1 works (the pooling is adaptive); the network is designed for 32x32.
 */
public class ResNetCifar extends Module {

    /** How a shortcut changes shape. */
    public enum Shortcut {
        /** Parameter-free: subsample by the stride, zero-pad the extra channels (the paper's CIFAR choice). */
        A,
        /** Projection: conv1x1 with the stride, then batch norm (torchvision's ImageNet {@code downsample}). */
        B
    }

    /** The input size the network is designed for. */
    public static final int INPUT_SIZE = 32;
    /** Maps of the three stages. */
    static final int[] PLANES = {16, 32, 64};

    public final int depth;
    public final Shortcut shortcut;
    public final int numClasses;
    public final Conv2d conv1;
    public final BatchNorm2d bn1;
    public final ReLU relu;
    public final Sequential layer1;
    public final Sequential layer2;
    public final Sequential layer3;
    public final AdaptiveAvgPool2d avgpool;
    private final Flatten flatten;
    private int inplanes = PLANES[0];

    /**
     * @param depth    6n + 2 layers: 20, 32, 44, 56, 110, ...
     * @param shortcut option A (the paper's CIFAR choice) or B
     */
    public ResNetCifar(int depth, Shortcut shortcut, int numClasses, RandomGenerator rng) {
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new IllegalArgumentException("ResNetCifar expects depth = 6n + 2 with n >= 1 (20, 32, 44, 56, 110); "
                    + "received " + depth);
        }
        if (shortcut == null) throw new IllegalArgumentException("ResNetCifar expects a shortcut option A or B; received null");
        if (numClasses < 1) throw new IllegalArgumentException("ResNetCifar expects numClasses >= 1; received " + numClasses);
        if (rng == null) throw new IllegalArgumentException("ResNetCifar expects a RandomGenerator; received null");
        this.depth = depth;
        this.shortcut = shortcut;
        this.numClasses = numClasses;
        int n = (depth - 2) / 6;
        conv1 = registerModule("conv1", ResNet.conv3x3(3, PLANES[0], 1, rng));
        bn1 = registerModule("bn1", new BatchNorm2d(PLANES[0]));
        relu = registerModule("relu", new ReLU());
        layer1 = registerModule("layer1", makeLayer(PLANES[0], n, 1, rng));
        layer2 = registerModule("layer2", makeLayer(PLANES[1], n, 2, rng));
        layer3 = registerModule("layer3", makeLayer(PLANES[2], n, 2, rng));
        avgpool = registerModule("avgpool", new AdaptiveAvgPool2d(1, 1));
        flatten = registerModule("flatten", new Flatten());
        registerModule("fc", new Linear(PLANES[2], numClasses, rng));
        for (Module m : namedModules().values()) {
            if (m instanceof Conv2d c) Init.kaimingNormal(c.weight, 0.0, Init.FanMode.FAN_OUT, Init.Nonlinearity.RELU, rng);
        }
    }

    /** ResNet-20 with option A shortcuts: 269,722 parameters for 10 classes. */
    public static ResNetCifar resnet20(int numClasses, RandomGenerator rng) {
        return new ResNetCifar(20, Shortcut.A, numClasses, rng);
    }

    private Sequential makeLayer(int planes, int blocks, int stride, RandomGenerator rng) {
        Module downsample = null;
        if (stride != 1 || inplanes != planes) {
            downsample = shortcut == Shortcut.A ? new PadShortcut(inplanes, planes, stride)
                    : new Sequential(ResNet.conv1x1(inplanes, planes, stride, rng), new BatchNorm2d(planes));
        }
        List<Module> out = new ArrayList<>();
        out.add(new BasicBlock(inplanes, planes, stride, downsample, rng));
        inplanes = planes;
        for (int i = 1; i < blocks; i++) out.add(new BasicBlock(planes, planes, 1, null, rng));
        return new Sequential(out);
    }

    /**
     * The classifier registered as {@code "fc"}: the one built here, or the module that
     * {@link #replaceModule} put in its place (a new head for transfer learning); {@link #forward} uses it.
     */
    public Module fc() {
        return children().get("fc");
    }

    /** Input (N, 3, H, W), 32x32 for CIFAR; output (N, numClasses) logits. */
    @Override
    protected Tensor compute(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != 3) {
            throw new IllegalArgumentException("ResNetCifar expects input of shape (N, 3, H, W); received " + Shapes.str(s));
        }
        x = BatchNormFolding.convolveNormalizeAndRectify(conv1, bn1, relu, x); // N x 16 x 32 x 32
        x = layer1.forward(x);                           // N x 16 x 32 x 32
        x = layer2.forward(x);                           // N x 32 x 16 x 16
        x = layer3.forward(x);                           // N x 64 x 8 x 8
        x = avgpool.forward(x);                          // N x 64 x 1 x 1
        x = flatten.forward(x);                          // N x 64
        return fc().forward(x);                          // N x numClasses
    }

    @Override
    public String extraRepr() {
        return "depth=" + depth + ", shortcut=" + shortcut + ", numClasses=" + numClasses;
    }

    /**
     * The option-A shortcut: keeps every {@code stride}-th pixel in each direction (the pixels the strided
     * 3x3 convolution of the main path is centred on) and zero-pads the channels from {@code inChannels}
     * to {@code outChannels}, half before and half after, so the identity part lines up with the middle
     * channels. No parameters.
     *
     * <p>Shapes: input {@code (N, inChannels, H, W)}, output
     * {@code (N, outChannels, ceil(H/stride), ceil(W/stride))}.
     */
    public static final class PadShortcut extends Module {

        public final int inChannels;
        public final int outChannels;
        public final int stride;

        public PadShortcut(int inChannels, int outChannels, int stride) {
            if (inChannels < 1 || outChannels < inChannels || stride < 1) {
                throw new IllegalArgumentException("PadShortcut expects 1 <= inChannels <= outChannels and stride >= 1; "
                        + "received inChannels=" + inChannels + ", outChannels=" + outChannels + ", stride=" + stride);
            }
            this.inChannels = inChannels;
            this.outChannels = outChannels;
            this.stride = stride;
        }

        @Override
        protected Tensor compute(Tensor x) {
            if (x.dim() != 4 || x.size(1) != inChannels) {
                throw new IllegalArgumentException("PadShortcut expects input of shape (N, " + inChannels
                        + ", H, W); received " + Shapes.str(x.shape()) + " (" + extraRepr() + ")");
            }
            if (stride != 1) {
                // A 1x1 max-pool with a stride is exactly x[:, :, ::stride, ::stride], with the gradient routed back.
                x = x.maxPool2d(new int[] {1, 1}, new int[] {stride, stride}, new int[] {0, 0}, new int[] {1, 1}, false);
            }
            int extra = outChannels - inChannels;
            if (extra == 0) return x;
            int[] s = x.shape();
            int before = extra / 2, after = extra - before;
            Tensor tail = Tensor.zeros(s[0], after, s[2], s[3]);
            if (before == 0) return Tensor.concat(1, x, tail);           // one extra channel: pad after only
            Tensor head = Tensor.zeros(s[0], before, s[2], s[3]);
            return Tensor.concat(1, head, x, tail); // N x outChannels x H/stride x W/stride
        }

        @Override
        public String extraRepr() {
            return "inChannels=" + inChannels + ", outChannels=" + outChannels + ", stride=" + stride;
        }
    }
}
