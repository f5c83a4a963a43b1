package dev.fovea.models;

import dev.fovea.nn.AdaptiveAvgPool2d;
import dev.fovea.nn.BatchNorm2d;
import dev.fovea.nn.BatchNormFolding;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Flatten;
import dev.fovea.nn.Init;
import dev.fovea.nn.Linear;
import dev.fovea.nn.MaxPool2d;
import dev.fovea.nn.Module;
import dev.fovea.nn.Padding;
import dev.fovea.nn.ReLU;
import dev.fovea.nn.Sequential;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The ImageNet residual networks of He, Zhang, Ren and Sun,
 * <a href="https://arxiv.org/abs/1512.03385">Deep residual learning for image recognition</a> (CVPR 2016),
 * built like torchvision's {@code resnet.py} so that its checkpoints load key for key
 * ({@code conv1.weight}, {@code layer1.0.conv1.weight}, {@code layer2.0.downsample.0.weight}, {@code fc.bias}).
 *
 * <pre>
 *   key       what                                 output at 224x224     (e = 1 basic, 4 bottleneck)
 *   input                                          3 x 224 x 224
 *   conv1     conv 64 @ 7x7/2 pad 3, bn1, relu     64 x 112 x 112
 *   maxpool   max-pool 3x3/2 pad 1                 64 x 56 x 56
 *   layer1    blocks[0] blocks,  64 planes         64e x 56 x 56
 *   layer2    blocks[1] blocks, 128 planes, /2     128e x 28 x 28
 *   layer3    blocks[2] blocks, 256 planes, /2     256e x 14 x 14
 *   layer4    blocks[3] blocks, 512 planes, /2     512e x 7 x 7
 *   avgpool   adaptive average pool to 1x1         512e x 1 x 1
 *   fc        flatten, linear numClasses           numClasses
 *
 *   depth   block        blocks          parameters (1000 classes)   multiply-adds at 224x224
 *   18      BasicBlock   2, 2, 2, 2      11,689,512                  1.8 G
 *   34      BasicBlock   3, 4, 6, 3      21,797,672                  3.6 G
 *   50      Bottleneck   3, 4, 6, 3      25,557,032                  4.1 G
 *   101     Bottleneck   3, 4, 23, 3     44,549,160                  7.8 G
 *   152     Bottleneck   3, 8, 36, 3     60,192,808                  11.5 G
 * </pre>
 * (the paper's Table 1; "depth" counts the convolutions on the main path plus fc: 18 = 1 + 2*8 + 1,
 * 50 = 1 + 3*16 + 1.) The first block of layers 2-4 halves the size with stride 2, and the first block
 * of any layer whose channels change gets a projection shortcut {@code downsample = conv1x1 + BN}
 * (the paper's option B); all other shortcuts are identities. Bottleneck blocks put the stride on the
 * 3x3 convolution (torchvision's "v1.5", see {@link Bottleneck}).
 *
 * <p>The adaptive pool makes any input of at least 1x1 valid (the output of layer4 is
 * {@code ceil(H/32)}); 224x224 is the ImageNet size. Initialisation follows torchvision: convolutions
 * Kaiming-normal with fan-out and ReLU gain, batch norms weight 1 and bias 0, fc PyTorch's default.
 */
public class ResNet extends Module {

    /** The residual unit a network is built from. */
    public enum Block {
        BASIC(BasicBlock.EXPANSION), BOTTLENECK(Bottleneck.EXPANSION);

        /** Output channels of a block = planes * expansion. */
        public final int expansion;

        Block(int expansion) { this.expansion = expansion; }

        Module create(int inplanes, int planes, int stride, Module downsample, RandomGenerator rng) {
            return this == BASIC ? new BasicBlock(inplanes, planes, stride, downsample, rng)
                    : new Bottleneck(inplanes, planes, stride, downsample, rng);
        }
    }

    /** Planes (the width of the blocks' 3x3 convolutions) of layer1..layer4. */
    static final int[] PLANES = {64, 128, 256, 512};
    /** Stride of the first block of layer1..layer4. */
    static final int[] STRIDES = {1, 2, 2, 2};

    public final Block block;
    /** Number of blocks in layer1..layer4. */
    private final int[] layers;
    public final int numClasses;
    public final Conv2d conv1;
    public final BatchNorm2d bn1;
    public final ReLU relu;
    public final MaxPool2d maxpool;
    public final Sequential layer1;
    public final Sequential layer2;
    public final Sequential layer3;
    public final Sequential layer4;
    public final AdaptiveAvgPool2d avgpool;
    private final Flatten flatten;
    /** Channels entering the next block while the layers are built (torchvision's {@code self.inplanes}). */
    private int inplanes = 64;

    /**
     * @param layers number of blocks in each of the four layers, e.g. {3, 4, 6, 3}
     */
    public ResNet(Block block, int[] layers, int numClasses, RandomGenerator rng) {
        if (block == null || layers == null || layers.length != 4) {
            throw new IllegalArgumentException("ResNet expects a block type and 4 layer sizes; received block=" + block
                    + ", layers=" + (layers == null ? "null" : Shapes.str(layers)));
        }
        for (int n : layers) {
            if (n < 1) throw new IllegalArgumentException("ResNet expects at least 1 block per layer; received " + Shapes.str(layers));
        }
        if (numClasses < 1) throw new IllegalArgumentException("ResNet expects numClasses >= 1; received " + numClasses);
        if (rng == null) throw new IllegalArgumentException("ResNet expects a RandomGenerator; received null");
        this.block = block;
        this.layers = layers.clone();
        this.numClasses = numClasses;
        conv1 = registerModule("conv1", new Conv2d(3, 64, new int[] {7, 7}, new int[] {2, 2}, Padding.of(3),
                new int[] {1, 1}, 1, false, rng));
        bn1 = registerModule("bn1", new BatchNorm2d(64));
        bn1.inPlace(true);
        relu = registerModule("relu", new ReLU(true));
        maxpool = registerModule("maxpool", new MaxPool2d(3, 2, 1));
        layer1 = registerModule("layer1", makeLayer(block, PLANES[0], layers[0], STRIDES[0], rng));
        layer2 = registerModule("layer2", makeLayer(block, PLANES[1], layers[1], STRIDES[1], rng));
        layer3 = registerModule("layer3", makeLayer(block, PLANES[2], layers[2], STRIDES[2], rng));
        layer4 = registerModule("layer4", makeLayer(block, PLANES[3], layers[3], STRIDES[3], rng));
        avgpool = registerModule("avgpool", new AdaptiveAvgPool2d(1, 1));
        flatten = registerModule("flatten", new Flatten());
        registerModule("fc", new Linear(PLANES[3] * block.expansion, numClasses, rng));
        // torchvision: kaiming_normal_(mode="fan_out", nonlinearity="relu") for every convolution; BN is already 1/0.
        for (Module m : namedModules().values()) {
            if (m instanceof Conv2d c) Init.kaimingNormal(c.weight, 0.0, Init.FanMode.FAN_OUT, Init.Nonlinearity.RELU, rng);
        }
    }

    public static ResNet resnet18(int numClasses, RandomGenerator rng) {
        return new ResNet(Block.BASIC, new int[] {2, 2, 2, 2}, numClasses, rng);
    }

    public static ResNet resnet34(int numClasses, RandomGenerator rng) {
        return new ResNet(Block.BASIC, new int[] {3, 4, 6, 3}, numClasses, rng);
    }

    public static ResNet resnet50(int numClasses, RandomGenerator rng) {
        return new ResNet(Block.BOTTLENECK, new int[] {3, 4, 6, 3}, numClasses, rng);
    }

    public static ResNet resnet101(int numClasses, RandomGenerator rng) {
        return new ResNet(Block.BOTTLENECK, new int[] {3, 4, 23, 3}, numClasses, rng);
    }

    public static ResNet resnet152(int numClasses, RandomGenerator rng) {
        return new ResNet(Block.BOTTLENECK, new int[] {3, 8, 36, 3}, numClasses, rng);
    }

    /** 3x3 convolution with padding 1 and no bias (the batch norm that follows has the shift). */
    public static Conv2d conv3x3(int in, int out, int stride, RandomGenerator rng) {
        return new Conv2d(in, out, new int[] {3, 3}, new int[] {stride, stride}, Padding.of(1), new int[] {1, 1}, 1,
                false, rng);
    }

    /** 1x1 convolution without bias: mixes channels, and with stride 2 subsamples. */
    public static Conv2d conv1x1(int in, int out, int stride, RandomGenerator rng) {
        return new Conv2d(in, out, new int[] {1, 1}, new int[] {stride, stride}, Padding.of(0), new int[] {1, 1}, 1,
                false, rng);
    }

    /**
     * One stage: {@code blocks} blocks of width {@code planes}; the first has the stride and, when the
     * shape changes, the projection shortcut (torchvision's {@code _make_layer}).
     */
    private Sequential makeLayer(Block block, int planes, int blocks, int stride, RandomGenerator rng) {
        Module downsample = null;
        if (stride != 1 || inplanes != planes * block.expansion) {
            downsample = new Sequential(conv1x1(inplanes, planes * block.expansion, stride, rng),
                    new BatchNorm2d(planes * block.expansion).inPlace(true));
        }
        List<Module> out = new ArrayList<>();
        out.add(block.create(inplanes, planes, stride, downsample, rng));
        inplanes = planes * block.expansion;
        for (int i = 1; i < blocks; i++) out.add(block.create(inplanes, planes, 1, null, rng));
        return new Sequential(out);
    }

    /** Number of blocks in layer1..layer4. */
    public int[] layers() {
        return layers.clone();
    }

    /**
     * The classifier registered as {@code "fc"}: the one built here, or the module that
     * {@link #replaceModule} put in its place (a new head for transfer learning); {@link #forward} uses it.
     */
    public Module fc() {
        return children().get("fc");
    }

    /** Input (N, 3, H, W), 224x224 for ImageNet; output (N, numClasses) logits. */
    @Override
    protected Tensor compute(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != 3) {
            throw new IllegalArgumentException("ResNet expects input of shape (N, 3, H, W); received " + Shapes.str(s));
        }
        x = BatchNormFolding.convolveNormalizeAndRectify(conv1, bn1, relu, x); // N x 64 x 112 x 112 (at 224x224)
        x = maxpool.forward(x);                          // N x 64 x 56 x 56
        x = layer1.forward(x);                           // N x 64e x 56 x 56
        x = layer2.forward(x);                           // N x 128e x 28 x 28
        x = layer3.forward(x);                           // N x 256e x 14 x 14
        x = layer4.forward(x);                           // N x 512e x 7 x 7
        x = avgpool.forward(x);                          // N x 512e x 1 x 1
        x = flatten.forward(x);                          // N x 512e
        return fc().forward(x);                          // N x numClasses
    }

    @Override
    public String extraRepr() {
        return "block=" + block + ", layers=" + Shapes.str(layers) + ", numClasses=" + numClasses;
    }
}
