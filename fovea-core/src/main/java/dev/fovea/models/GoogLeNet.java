package dev.fovea.models;

import dev.fovea.nn.AdaptiveAvgPool2d;
import dev.fovea.nn.BatchNorm2d;
import dev.fovea.nn.BatchNormFolding;
import dev.fovea.nn.Branching;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Dropout;
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
 * GoogLeNet (Inception v1) of Szegedy et al., <a href="https://arxiv.org/abs/1409.4842">Going deeper with
 * convolutions</a> (CVPR 2015), built exactly like torchvision 0.14's {@code googlenet.py} so that its
 * checkpoints load key for key ({@code conv1.conv.weight}, {@code inception3a.branch2.0.conv.weight},
 * {@code aux1.fc1.weight}, {@code fc.weight}).
 *
 * <pre>
 *   key           what                                          output at 224x224   parameters
 *   input                                                       3 x 224 x 224
 *   conv1         conv 64 @ 7x7/2 pad 3                         64 x 112 x 112          9,536
 *   maxpool1      max-pool 3x3/2, ceil                          64 x 56 x 56                0
 *   conv2         conv 64 @ 1x1                                 64 x 56 x 56            4,224
 *   conv3         conv 192 @ 3x3 pad 1                          192 x 56 x 56         110,976
 *   maxpool2      max-pool 3x3/2, ceil                          192 x 28 x 28               0
 *   inception3a   64 | 96->128 | 16->32 | pool->32              256 x 28 x 28         155,872
 *   inception3b   128 | 128->192 | 32->96 | pool->64            480 x 28 x 28         340,224
 *   maxpool3      max-pool 3x3/2, ceil                          480 x 14 x 14               0
 *   inception4a   192 | 96->208 | 16->48 | pool->64             512 x 14 x 14         364,512
 *   (aux1)        training only: see {@link InceptionAux}       numClasses          3,188,968
 *   inception4b   160 | 112->224 | 24->64 | pool->64            512 x 14 x 14         425,232
 *   inception4c   128 | 128->256 | 24->64 | pool->64            512 x 14 x 14         486,192
 *   inception4d   112 | 144->288 | 32->64 | pool->64            528 x 14 x 14         573,312
 *   (aux2)        training only                                 numClasses          3,191,016
 *   inception4e   256 | 160->320 | 32->128 | pool->128          832 x 14 x 14         803,840
 *   maxpool4      max-pool 2x2/2, ceil                          832 x 7 x 7                 0
 *   inception5a   256 | 160->320 | 32->128 | pool->128          832 x 7 x 7           978,944
 *   inception5b   384 | 192->384 | 48->128 | pool->128          1024 x 7 x 7        1,347,040
 *   avgpool       adaptive average pool to 1x1                  1024 x 1 x 1                0
 *   fc            flatten, dropout 0.2, linear numClasses       numClasses          1,025,000
 *                                         total without aux 6,624,904, with aux 13,004,888
 * </pre>
 * An inception column "a | b->c | d->e | pool->f" reads: a 1x1 convolutions; b 1x1 reductions then c
 * 3x3; d 1x1 reductions then e "5x5" (see below); a 3x3/1 max-pool then f 1x1 projections; the four
 * results are concatenated along channels (the paper's Table 1). Every convolution is a
 * {@link BasicConv2d}: convolution without bias, batch norm (eps 0.001), ReLU.
 *
 * <p>Where torchvision (and therefore this class) differs from the paper:
 * <ul>
 *   <li>Batch norm after every convolution (the paper predates it; torchvision's weights were trained
 *       with it, taking the "BN-Inception" idea of Ioffe and Szegedy 2015 into the v1 layout).</li>
 *   <li>The "5x5" branch uses a 3x3 convolution. torchvision's source calls this a known bug
 *       (pytorch/vision issue 906) and keeps it because its published checkpoints were trained with
 *       it; so does this class, or those checkpoints would not load (the weight shapes differ).</li>
 *   <li>The max-pools use ceil mode (Caffe's rounding), so 56 -> 28 -> 14 -> 7 as in the paper's table.</li>
 *   <li>No local response normalisation; dropout 0.2 instead of 0.4 before fc; the auxiliary
 *       classifiers pool adaptively to 4x4 instead of 5x5/3 average pooling, and use dropout 0.7.</li>
 * </ul>
 *
 * <p>Auxiliary classifiers ({@code auxLogits}) exist only to help training: in training mode
 * {@link #forward} still returns the main logits, and {@link #lastAuxOutputs()} holds the two
 * auxiliary logits of that call (the paper adds them to the loss with weight 0.3). In eval mode they
 * are not computed. {@code transformInput} is torchvision's {@code transform_input}: it re-normalises
 * images normalised with the ImageNet mean/std to the {@code (x - 0.5) / 0.5} scaling the original
 * weights expect; it is off by default (torchvision turns it on only when loading its pretrained weights).
 */
public class GoogLeNet extends Module {

    /** torchvision's smallest square input (its ceil-mode max-pools still produce a map); smaller is rejected up front. */
    public static final int MIN_INPUT_SIZE = 15;

    public final int numClasses;
    public final boolean auxLogits;
    public final boolean transformInput;
    public final BasicConv2d conv1;
    public final MaxPool2d maxpool1;
    public final BasicConv2d conv2;
    public final BasicConv2d conv3;
    public final MaxPool2d maxpool2;
    public final Inception inception3a;
    public final Inception inception3b;
    public final MaxPool2d maxpool3;
    public final Inception inception4a;
    public final Inception inception4b;
    public final Inception inception4c;
    public final Inception inception4d;
    public final Inception inception4e;
    public final MaxPool2d maxpool4;
    public final Inception inception5a;
    public final Inception inception5b;
    /** Null without auxiliary classifiers. */
    public final InceptionAux aux1;
    /** Null without auxiliary classifiers. */
    public final InceptionAux aux2;
    public final AdaptiveAvgPool2d avgpool;
    public final Dropout dropout;
    private final Flatten flatten;
    private List<Tensor> lastAux = List.of();

    /** torchvision's {@code googlenet(aux_logits=False, transform_input=False)}: 6,624,904 parameters for 1000 classes. */
    public GoogLeNet(int numClasses, RandomGenerator rng) {
        this(numClasses, false, false, rng);
    }

    public GoogLeNet(int numClasses, boolean auxLogits, boolean transformInput, RandomGenerator rng) {
        if (numClasses < 1) throw new IllegalArgumentException("GoogLeNet expects numClasses >= 1; received " + numClasses);
        if (rng == null) throw new IllegalArgumentException("GoogLeNet expects a RandomGenerator; received null");
        this.numClasses = numClasses;
        this.auxLogits = auxLogits;
        this.transformInput = transformInput;
        // Registration order = torchvision's __init__ order, hence the same state-dict order (aux before fc).
        conv1 = registerModule("conv1", new BasicConv2d(3, 64, 7, 2, 3, rng));
        maxpool1 = registerModule("maxpool1", ceilPool(3, 2, 0));
        conv2 = registerModule("conv2", new BasicConv2d(64, 64, 1, 1, 0, rng));
        conv3 = registerModule("conv3", new BasicConv2d(64, 192, 3, 1, 1, rng));
        maxpool2 = registerModule("maxpool2", ceilPool(3, 2, 0));
        inception3a = registerModule("inception3a", new Inception(192, 64, 96, 128, 16, 32, 32, rng));
        inception3b = registerModule("inception3b", new Inception(256, 128, 128, 192, 32, 96, 64, rng));
        maxpool3 = registerModule("maxpool3", ceilPool(3, 2, 0));
        inception4a = registerModule("inception4a", new Inception(480, 192, 96, 208, 16, 48, 64, rng));
        inception4b = registerModule("inception4b", new Inception(512, 160, 112, 224, 24, 64, 64, rng));
        inception4c = registerModule("inception4c", new Inception(512, 128, 128, 256, 24, 64, 64, rng));
        inception4d = registerModule("inception4d", new Inception(512, 112, 144, 288, 32, 64, 64, rng));
        inception4e = registerModule("inception4e", new Inception(528, 256, 160, 320, 32, 128, 128, rng));
        maxpool4 = registerModule("maxpool4", ceilPool(2, 2, 0));
        inception5a = registerModule("inception5a", new Inception(832, 256, 160, 320, 32, 128, 128, rng));
        inception5b = registerModule("inception5b", new Inception(832, 384, 192, 384, 48, 128, 128, rng));
        aux1 = auxLogits ? registerModule("aux1", new InceptionAux(512, numClasses, rng)) : null;
        aux2 = auxLogits ? registerModule("aux2", new InceptionAux(528, numClasses, rng)) : null;
        avgpool = registerModule("avgpool", new AdaptiveAvgPool2d(1, 1));
        flatten = registerModule("flatten", new Flatten());
        dropout = registerModule("dropout", new Dropout(0.2f, rng));
        registerModule("fc", new Linear(1024, numClasses, rng));
        // torchvision's init_weights: trunc_normal_(std=0.01, a=-2, b=2) on conv and linear weights. The
        // bounds are absolute, 200 standard deviations out, so this is a plain N(0, 0.01) in practice.
        for (Module m : namedModules().values()) {
            if (m instanceof Conv2d c) Init.normal(c.weight, 0f, 0.01f, rng);
            else if (m instanceof Linear l) Init.normal(l.weight, 0f, 0.01f, rng);
        }
    }

    /** Factory used by the {@link ModelZoo}: no auxiliary classifiers, no input transform. */
    public static GoogLeNet create(int numClasses, RandomGenerator rng) {
        return new GoogLeNet(numClasses, rng);
    }

    private static MaxPool2d ceilPool(int kernel, int stride, int padding) {
        return new MaxPool2d(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {1, 1}, true);
    }

    /**
     * The classifier registered as {@code "fc"}: the one built here, or the module that
     * {@link #replaceModule} put in its place (a new head for transfer learning); {@link #forward} uses it.
     */
    public Module fc() {
        return children().get("fc");
    }

    /**
     * The auxiliary logits {@code [aux1, aux2]} of the last {@link #forward} call in training mode (after
     * inception4a and inception4d); empty after an eval-mode call or without auxiliary classifiers.
     */
    public List<Tensor> lastAuxOutputs() {
        return lastAux;
    }

    /** Input (N, 3, H, W), 224x224 for ImageNet; output (N, numClasses) logits. */
    @Override
    protected Tensor compute(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != 3 || s[2] < MIN_INPUT_SIZE || s[3] < MIN_INPUT_SIZE) {
            throw new IllegalArgumentException("GoogLeNet expects input of shape (N, 3, H, W) with H, W >= "
                    + MIN_INPUT_SIZE + "; received " + Shapes.str(s));
        }
        boolean withAux = aux1 != null && isTraining();
        lastAux = List.of();
        if (transformInput) x = transformInput(x);
        x = conv1.forward(x);         // N x 64 x 112 x 112
        x = maxpool1.forward(x);      // N x 64 x 56 x 56
        x = conv2.forward(x);         // N x 64 x 56 x 56
        x = conv3.forward(x);         // N x 192 x 56 x 56
        x = maxpool2.forward(x);      // N x 192 x 28 x 28
        x = inception3a.forward(x);   // N x 256 x 28 x 28
        x = inception3b.forward(x);   // N x 480 x 28 x 28
        x = maxpool3.forward(x);      // N x 480 x 14 x 14
        x = inception4a.forward(x);   // N x 512 x 14 x 14
        Tensor a1 = withAux ? aux1.forward(x) : null; // N x numClasses
        x = inception4b.forward(x);   // N x 512 x 14 x 14
        x = inception4c.forward(x);   // N x 512 x 14 x 14
        x = inception4d.forward(x);   // N x 528 x 14 x 14
        Tensor a2 = withAux ? aux2.forward(x) : null; // N x numClasses
        x = inception4e.forward(x);   // N x 832 x 14 x 14
        x = maxpool4.forward(x);      // N x 832 x 7 x 7
        x = inception5a.forward(x);   // N x 832 x 7 x 7
        x = inception5b.forward(x);   // N x 1024 x 7 x 7
        x = avgpool.forward(x);       // N x 1024 x 1 x 1
        x = flatten.forward(x);       // N x 1024
        x = dropout.forward(x);       // N x 1024
        x = fc().forward(x);          // N x numClasses
        if (withAux) lastAux = List.of(a1, a2);
        return x;
    }

    /**
     * torchvision's {@code _transform_input}: per channel {@code x * std/0.5 + (mean - 0.5)/0.5} with
     * ImageNet's mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225), which turns
     * {@code (img - mean)/std} into {@code (img - 0.5)/0.5}.
     */
    private static Tensor transformInput(Tensor x) {
        double[] mean = {0.485, 0.456, 0.406};
        double[] std = {0.229, 0.224, 0.225};
        Tensor[] ch = new Tensor[3];
        for (int c = 0; c < 3; c++) {
            ch[c] = x.slice(1, c, c + 1).mul((float) (std[c] / 0.5)).add((float) ((mean[c] - 0.5) / 0.5));
        }
        return Tensor.concat(1, ch);
    }

    @Override
    public String extraRepr() {
        return "numClasses=" + numClasses + (auxLogits ? ", auxLogits=true" : "") + (transformInput ? ", transformInput=true" : "");
    }

    /**
     * Convolution without bias, batch norm with eps 0.001, ReLU: torchvision's {@code BasicConv2d}, the
     * unit every GoogLeNet convolution is made of. Keys {@code conv.weight}, {@code bn.weight},
     * {@code bn.bias}, {@code bn.running_mean}, {@code bn.running_var}, {@code bn.num_batches_tracked}.
     * Parameters {@code in*out*k*k + 2*out}. Shapes: (N, in, H, W) to (N, out, OH, OW) as the convolution.
     */
    public static final class BasicConv2d extends Module {

        public final Conv2d conv;
        public final BatchNorm2d bn;
        private final ReLU relu;

        public BasicConv2d(int in, int out, int kernel, int stride, int padding, RandomGenerator rng) {
            conv = registerModule("conv", new Conv2d(in, out, new int[] {kernel, kernel}, new int[] {stride, stride},
                    Padding.of(padding), new int[] {1, 1}, 1, false, rng));
            // eps 0.001 as in TensorFlow, where the original weights come from (PyTorch's default is 1e-5).
            bn = registerModule("bn", new BatchNorm2d(out, 0.001f, 0.1f, true));
            relu = registerModule("relu", new ReLU());
        }

        @Override
        protected Tensor compute(Tensor x) {
            return BatchNormFolding.convolveNormalizeAndRectify(conv, bn, relu, x); // N x out x OH x OW
        }
    }

    /**
     * The inception module (the paper's figure 2b): four paths over the same input, concatenated along
     * channels. Output channels {@code ch1x1 + ch3x3 + ch5x5 + poolProj}; the spatial size is kept.
     *
     * <pre>
     *   branch1   1x1 conv                                ch1x1
     *   branch2   1x1 conv (reduce), 3x3 conv pad 1       ch3x3red -> ch3x3
     *   branch3   1x1 conv (reduce), 3x3 conv pad 1       ch5x5red -> ch5x5   (the paper: 5x5 pad 2)
     *   branch4   3x3/1 max-pool pad 1 (ceil), 1x1 conv   poolProj
     * </pre>
     * The 1x1 reductions are the module's point: a 5x5 convolution from 192 to 32 channels at 28x28 costs
     * 120 million multiply-adds; reducing to 16 channels first costs 12.4 million.
     */
    public static final class Inception extends Module implements Branching {

        public final int inChannels;
        public final int outChannels;
        public final BasicConv2d branch1;
        public final Sequential branch2;
        public final Sequential branch3;
        public final Sequential branch4;

        public Inception(int inChannels, int ch1x1, int ch3x3red, int ch3x3, int ch5x5red, int ch5x5, int poolProj,
                         RandomGenerator rng) {
            this.inChannels = inChannels;
            this.outChannels = ch1x1 + ch3x3 + ch5x5 + poolProj;
            branch1 = registerModule("branch1", new BasicConv2d(inChannels, ch1x1, 1, 1, 0, rng));
            branch2 = registerModule("branch2", new Sequential(
                    new BasicConv2d(inChannels, ch3x3red, 1, 1, 0, rng),
                    new BasicConv2d(ch3x3red, ch3x3, 3, 1, 1, rng)));
            // torchvision's known deviation: kernel 3, not the paper's 5 (see the class comment of GoogLeNet).
            branch3 = registerModule("branch3", new Sequential(
                    new BasicConv2d(inChannels, ch5x5red, 1, 1, 0, rng),
                    new BasicConv2d(ch5x5red, ch5x5, 3, 1, 1, rng)));
            branch4 = registerModule("branch4", new Sequential(
                    new MaxPool2d(new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, true),
                    new BasicConv2d(inChannels, poolProj, 1, 1, 0, rng)));
        }

        @Override
        protected Tensor compute(Tensor x) {
            if (x.dim() != 4 || x.size(1) != inChannels) {
                throw new IllegalArgumentException("Inception expects input of shape (N, " + inChannels + ", H, W); received "
                        + Shapes.str(x.shape()));
            }
            Tensor b1 = branch1.forward(x); // N x ch1x1 x H x W
            Tensor b2 = branch2.forward(x); // N x ch3x3 x H x W
            Tensor b3 = branch3.forward(x); // N x ch5x5 x H x W
            Tensor b4 = branch4.forward(x); // N x poolProj x H x W
            return Tensor.concat(1, b1, b2, b3, b4); // N x outChannels x H x W
        }

        @Override
        public List<List<Module>> branches() {
            List<List<Module>> out = new ArrayList<>();
            out.add(List.of(branch1));
            for (Sequential s : List.of(branch2, branch3, branch4)) out.add(List.copyOf(s.children().values()));
            return out;
        }

        @Override
        public Merge merge() {
            return Merge.CONCAT;
        }

        @Override
        public String extraRepr() {
            return "inChannels=" + inChannels + ", outChannels=" + outChannels;
        }
    }

    /**
     * An auxiliary classifier on an intermediate map (torchvision's {@code InceptionAux}): adaptive
     * average pool to 4x4, 1x1 {@link BasicConv2d} to 128 maps, dense 2048 -> 1024 with ReLU, dropout 0.7,
     * dense to numClasses. Input (N, C, H, W), output (N, numClasses). Parameters
     * {@code 128*C + 256 + 2048*1024 + 1024 + 1025*numClasses}.
     */
    public static final class InceptionAux extends Module {

        public final AdaptiveAvgPool2d pool;
        public final BasicConv2d conv;
        public final Linear fc1;
        public final Linear fc2;
        public final Dropout dropout;
        private final Flatten flatten;
        private final ReLU relu;

        public InceptionAux(int inChannels, int numClasses, RandomGenerator rng) {
            pool = registerModule("pool", new AdaptiveAvgPool2d(4, 4));
            conv = registerModule("conv", new BasicConv2d(inChannels, 128, 1, 1, 0, rng));
            flatten = registerModule("flatten", new Flatten());
            fc1 = registerModule("fc1", new Linear(2048, 1024, rng));
            relu = registerModule("relu", new ReLU());
            fc2 = registerModule("fc2", new Linear(1024, numClasses, rng));
            dropout = registerModule("dropout", new Dropout(0.7f, rng));
        }

        @Override
        protected Tensor compute(Tensor x) {
            x = pool.forward(x);                     // N x C x 4 x 4
            x = conv.forward(x);                     // N x 128 x 4 x 4
            x = flatten.forward(x);                  // N x 2048
            x = relu.forward(fc1.forward(x));        // N x 1024
            x = dropout.forward(x);                  // N x 1024
            return fc2.forward(x);                   // N x numClasses
        }
    }
}
