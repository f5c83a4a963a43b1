package dev.fovea.models;

import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Dropout;
import dev.fovea.nn.Flatten;
import dev.fovea.nn.Linear;
import dev.fovea.nn.LocalResponseNorm;
import dev.fovea.nn.MaxPool2d;
import dev.fovea.nn.Module;
import dev.fovea.nn.Padding;
import dev.fovea.nn.ReLU;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.random.RandomGenerator;

/**
 * AlexNet, the network of Krizhevsky, Sutskever and Hinton,
 * <a href="https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks">ImageNet
 * classification with deep convolutional neural networks</a> (NIPS 2012), as the CNN course draws it
 * (Ng, "Convolutional Neural Networks", week 2): one tower, 227x227 input.
 *
 * <pre>
 *   layer   what                                  output (per sample)   parameters
 *   input   RGB image                             3 x 227 x 227
 *   conv1   conv 96 @ 11x11, stride 4, ReLU       96 x 55 x 55          (11*11*3 + 1)*96    =     34,944
 *   pool1   max-pool 3x3, stride 2                96 x 27 x 27          0
 *   norm1   local response norm                   96 x 27 x 27          0
 *   conv2   conv 256 @ 5x5, pad 2, ReLU           256 x 27 x 27         (5*5*96 + 1)*256    =    614,656
 *   pool2   max-pool 3x3, stride 2                256 x 13 x 13         0
 *   norm2   local response norm                   256 x 13 x 13         0
 *   conv3   conv 384 @ 3x3, pad 1, ReLU           384 x 13 x 13         (3*3*256 + 1)*384   =    885,120
 *   conv4   conv 384 @ 3x3, pad 1, ReLU           384 x 13 x 13         (3*3*384 + 1)*384   =  1,327,488
 *   conv5   conv 256 @ 3x3, pad 1, ReLU           256 x 13 x 13         (3*3*384 + 1)*256   =    884,992
 *   pool5   max-pool 3x3, stride 2                256 x 6 x 6           0
 *   fc6     flatten, linear 4096, ReLU, drop 0.5  4096                  (9216 + 1)*4096     = 37,752,832
 *   fc7     linear 4096, ReLU, dropout 0.5        4096                  (4096 + 1)*4096     = 16,781,312
 *   fc8     linear numClasses                     numClasses            (4096 + 1)*1000     =  4,097,000
 *                                                                                   total = 62,378,344
 * </pre>
 *
 * <p>Why 62.4 million and not the paper's "60 million": the paper splits the network over two GPUs
 * of 3 GB, and conv2, conv4 and conv5 only see the half of the previous layer's maps that lives on
 * their own GPU (a grouped convolution with 2 groups): conv2 has {@code (5*5*48 + 1)*256 = 307,456}
 * parameters, conv4 663,936 and conv5 442,624, which takes 1,413,120 off the total: 60,965,224.
 * This class builds the single-tower network by default (every map sees every map of the layer
 * before, as the course draws it); pass {@code twoGpuGroups = true} to get the paper's grouping.
 * Three quarters of the parameters sit in fc6 alone, while the five convolutions do almost all of
 * the 1.1 billion multiply-adds.
 *
 * <p>Local response normalisation uses the paper's constants, {@code k = 2, n = 5, alpha = 1e-4,
 * beta = 0.75}, in the paper's formula {@code b = a / (k + alpha * sum a^2)^beta}; PyTorch's layer
 * divides alpha by {@code n}, so it is built as {@code LocalResponseNorm(5, 5e-4, 0.75, 2)} (alpha times n).
 *
 * <p>Deviations from the paper:
 * <ul>
 *   <li>Pooling comes before normalisation, the order of the course table (and of Caffe's
 *       "CaffeNet" reference model). The paper normalises first and pools the normalised maps;
 *       output shapes are the same, and normalising the pooled map is four times cheaper.</li>
 *   <li>227x227 input instead of the paper's "224x224": with an 11x11 kernel at stride 4 and no
 *       padding, only 227 gives the 55x55 maps of the paper's figure ({@code (227 - 11)/4 + 1 = 55}).</li>
 *   <li>Weights use the layers' default initialisation (PyTorch's), not the paper's N(0, 0.01) with
 *       biases of 1 in conv2, conv4, conv5 and the hidden dense layers.</li>
 *   <li>One tower unless {@code twoGpuGroups}; even then both groups run on one device.</li>
 * </ul>
 * {@link AlexNetTorchvision} is torchvision's later, batch-norm-free variant (64/192/384/256/256 maps,
 * no normalisation, adaptive pooling), whose checkpoints load into it key for key.
 */
public class AlexNet extends Module {

    /** The spatial size the network is built for: the only size that gives 6x6 maps before fc6. */
    public static final int INPUT_SIZE = 227;

    public final int numClasses;
    public final boolean twoGpuGroups;
    public final Conv2d conv1;
    public final MaxPool2d pool1;
    public final LocalResponseNorm norm1;
    public final Conv2d conv2;
    public final MaxPool2d pool2;
    public final LocalResponseNorm norm2;
    public final Conv2d conv3;
    public final Conv2d conv4;
    public final Conv2d conv5;
    public final MaxPool2d pool5;
    public final Linear fc6;
    public final Linear fc7;
    private final ReLU relu1;
    private final ReLU relu2;
    private final ReLU relu3;
    private final ReLU relu4;
    private final ReLU relu5;
    private final Flatten flatten;
    private final ReLU relu6;
    private final Dropout drop6;
    private final ReLU relu7;
    private final Dropout drop7;

    /** The single-tower network of the course, 62,378,344 parameters for 1000 classes. */
    public AlexNet(int numClasses, RandomGenerator rng) {
        this(numClasses, false, rng);
    }

    /**
     * @param twoGpuGroups true for the paper's two-GPU connectivity: conv2, conv4 and conv5 as
     *                     grouped convolutions with 2 groups (60,965,224 parameters for 1000 classes)
     */
    public AlexNet(int numClasses, boolean twoGpuGroups, RandomGenerator rng) {
        if (numClasses < 1) throw new IllegalArgumentException("AlexNet expects numClasses >= 1; received " + numClasses);
        if (rng == null) throw new IllegalArgumentException("AlexNet expects a RandomGenerator; received null");
        this.numClasses = numClasses;
        this.twoGpuGroups = twoGpuGroups;
        int g = twoGpuGroups ? 2 : 1;
        // Registration order = state-dict order: conv1, conv2, ..., fc8 (the parameterless layers add no keys).
        conv1 = registerModule("conv1", new Conv2d(3, 96, 11, 4, 0, rng));
        relu1 = registerModule("relu1", new ReLU());
        pool1 = registerModule("pool1", new MaxPool2d(3, 2));
        norm1 = registerModule("norm1", paperLrn());
        conv2 = registerModule("conv2", conv(96, 256, 5, 2, g, rng));
        relu2 = registerModule("relu2", new ReLU());
        pool2 = registerModule("pool2", new MaxPool2d(3, 2));
        norm2 = registerModule("norm2", paperLrn());
        conv3 = registerModule("conv3", conv(256, 384, 3, 1, 1, rng)); // the paper's conv3 sees both GPUs' maps
        relu3 = registerModule("relu3", new ReLU());
        conv4 = registerModule("conv4", conv(384, 384, 3, 1, g, rng));
        relu4 = registerModule("relu4", new ReLU());
        conv5 = registerModule("conv5", conv(384, 256, 3, 1, g, rng));
        relu5 = registerModule("relu5", new ReLU());
        pool5 = registerModule("pool5", new MaxPool2d(3, 2));
        flatten = registerModule("flatten", new Flatten());
        fc6 = registerModule("fc6", new Linear(256 * 6 * 6, 4096, rng));
        relu6 = registerModule("relu6", new ReLU());
        drop6 = registerModule("drop6", new Dropout(0.5f, rng));
        fc7 = registerModule("fc7", new Linear(4096, 4096, rng));
        relu7 = registerModule("relu7", new ReLU());
        drop7 = registerModule("drop7", new Dropout(0.5f, rng));
        registerModule("fc8", new Linear(4096, numClasses, rng));
    }

    /** Factory used by the {@link ModelZoo}. */
    public static AlexNet create(int numClasses, RandomGenerator rng) {
        return new AlexNet(numClasses, rng);
    }

    /**
     * The output layer registered as {@code "fc8"}: the one built here, or the module that
     * {@link #replaceModule} put in its place (a new head for transfer learning); {@link #forward} uses it.
     */
    public Module fc8() {
        return children().get("fc8");
    }

    /** Paper section 3.3: k = 2, n = 5, alpha = 1e-4, beta = 0.75; PyTorch's layer divides alpha by n. */
    private static LocalResponseNorm paperLrn() {
        return new LocalResponseNorm(5, 5e-4f, 0.75f, 2f); // alpha = n * 1e-4
    }

    private static Conv2d conv(int in, int out, int kernel, int pad, int groups, RandomGenerator rng) {
        return new Conv2d(in, out, new int[] {kernel, kernel}, new int[] {1, 1}, Padding.of(pad), new int[] {1, 1},
                groups, true, rng);
    }

    /** Input (N, 3, 227, 227); output (N, numClasses) logits. */
    @Override
    protected Tensor compute(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != 3 || s[2] != INPUT_SIZE || s[3] != INPUT_SIZE) {
            throw new IllegalArgumentException("AlexNet expects input of shape (N, 3, 227, 227); received " + Shapes.str(s)
                    + " (use AlexNetTorchvision, which pools adaptively, for other sizes)");
        }
        x = relu1.forward(conv1.forward(x));  // N x 96 x 55 x 55
        x = norm1.forward(pool1.forward(x));  // N x 96 x 27 x 27
        x = relu2.forward(conv2.forward(x));  // N x 256 x 27 x 27
        x = norm2.forward(pool2.forward(x));  // N x 256 x 13 x 13
        x = relu3.forward(conv3.forward(x));  // N x 384 x 13 x 13
        x = relu4.forward(conv4.forward(x));  // N x 384 x 13 x 13
        x = relu5.forward(conv5.forward(x));  // N x 256 x 13 x 13
        x = pool5.forward(x);                 // N x 256 x 6 x 6
        x = flatten.forward(x);               // N x 9216
        x = drop6.forward(relu6.forward(fc6.forward(x))); // N x 4096
        x = drop7.forward(relu7.forward(fc7.forward(x))); // N x 4096
        return fc8().forward(x);              // N x numClasses
    }

    @Override
    public String extraRepr() {
        return "numClasses=" + numClasses + (twoGpuGroups ? ", twoGpuGroups=true" : "");
    }
}
