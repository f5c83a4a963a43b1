package dev.fovea.models;

import dev.fovea.nn.AdaptiveAvgPool2d;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Dropout;
import dev.fovea.nn.Flatten;
import dev.fovea.nn.Linear;
import dev.fovea.nn.MaxPool2d;
import dev.fovea.nn.Module;
import dev.fovea.nn.ReLU;
import dev.fovea.nn.Sequential;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.random.RandomGenerator;

/**
 * AlexNet as torchvision defines it ({@code torchvision.models.alexnet}), so that torchvision
 * checkpoints load key for key ({@code features.0.weight}, ..., {@code classifier.6.bias}). It is the
 * "one weird trick" variant (Krizhevsky, <a href="https://arxiv.org/abs/1404.5997">One weird trick for
 * parallelizing convolutional neural networks</a>, 2014) rather than the 2012 network of {@link AlexNet}:
 * 64/192/384/256/256 maps, no local response normalisation, padding 2 on the first convolution, and an
 * adaptive average pool so any input of at least 63x63 works.
 *
 * <pre>
 *   key            what                                   output at 224x224     parameters
 *   input                                                 3 x 224 x 224
 *   features.0-2   conv 64 @ 11x11/4 pad 2, ReLU, max 3/2 64 x 27 x 27          (11*11*3 + 1)*64    =     23,296
 *   features.3-5   conv 192 @ 5x5 pad 2, ReLU, max 3/2    192 x 13 x 13         (5*5*64 + 1)*192    =    307,392
 *   features.6-7   conv 384 @ 3x3 pad 1, ReLU             384 x 13 x 13         (3*3*192 + 1)*384   =    663,936
 *   features.8-9   conv 256 @ 3x3 pad 1, ReLU             256 x 13 x 13         (3*3*384 + 1)*256   =    884,992
 *   features.10-12 conv 256 @ 3x3 pad 1, ReLU, max 3/2    256 x 6 x 6           (3*3*256 + 1)*256   =    590,080
 *   avgpool        adaptive average pool to 6x6           256 x 6 x 6           0
 *   (flatten)      torch.flatten in forward               9216                  0
 *   classifier.0-2 dropout 0.5, linear 4096, ReLU         4096                  (9216 + 1)*4096     = 37,752,832
 *   classifier.3-5 dropout 0.5, linear 4096, ReLU         4096                  (4096 + 1)*4096     = 16,781,312
 *   classifier.6   linear numClasses                      numClasses            (4096 + 1)*1000     =  4,097,000
 *                                                                                               total = 61,100,840
 * </pre>
 *
 * <p>Unlike the paper (and {@link AlexNet}), dropout comes before each hidden dense layer, as in
 * torchvision. The flatten is not a child of {@code classifier} (torchvision calls
 * {@code torch.flatten} in {@code forward}), so the classifier's indices match: linear layers at 1, 4, 6.
 */
public class AlexNetTorchvision extends Module {

    /** The smallest square input: it gives 1x1 maps after the last max-pool ({@code (63 + 4 - 11)/4 + 1 = 15, 7, 7, 3, 1}). */
    public static final int MIN_INPUT_SIZE = 63;

    public final int numClasses;
    public final Sequential features;
    public final AdaptiveAvgPool2d avgpool;
    private final Flatten flatten;

    public AlexNetTorchvision(int numClasses, RandomGenerator rng) {
        this(numClasses, 0.5f, rng);
    }

    /** @param dropout probability of the two dropout layers (torchvision's {@code dropout} argument, default 0.5) */
    public AlexNetTorchvision(int numClasses, float dropout, RandomGenerator rng) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("AlexNetTorchvision expects numClasses >= 1; received " + numClasses);
        }
        if (rng == null) throw new IllegalArgumentException("AlexNetTorchvision expects a RandomGenerator; received null");
        this.numClasses = numClasses;
        features = registerModule("features", new Sequential(
                new Conv2d(3, 64, 11, 4, 2, rng), new ReLU(), new MaxPool2d(3, 2),       // 0, 1, 2
                new Conv2d(64, 192, 5, 1, 2, rng), new ReLU(), new MaxPool2d(3, 2),      // 3, 4, 5
                new Conv2d(192, 384, 3, 1, 1, rng), new ReLU(),                          // 6, 7
                new Conv2d(384, 256, 3, 1, 1, rng), new ReLU(),                          // 8, 9
                new Conv2d(256, 256, 3, 1, 1, rng), new ReLU(), new MaxPool2d(3, 2)));   // 10, 11, 12
        avgpool = registerModule("avgpool", new AdaptiveAvgPool2d(6, 6));
        flatten = registerModule("flatten", new Flatten());
        registerModule("classifier", new Sequential(
                new Dropout(dropout, rng), new Linear(256 * 6 * 6, 4096, rng), new ReLU(), // 0, 1, 2
                new Dropout(dropout, rng), new Linear(4096, 4096, rng), new ReLU(),         // 3, 4, 5
                new Linear(4096, numClasses, rng)));                                       // 6
    }

    /** Factory used by the {@link ModelZoo}. */
    public static AlexNetTorchvision create(int numClasses, RandomGenerator rng) {
        return new AlexNetTorchvision(numClasses, rng);
    }

    /**
     * The dense part (dropout, linear layers at indices 1, 4, 6) registered as {@code "classifier"}: the one built here, or the module that
     * {@link #replaceModule} put in its place (a new head for transfer learning); {@link #forward} uses it.
     */
    public Module classifier() {
        return children().get("classifier");
    }

    /** Input (N, 3, H, W) with H, W >= 63 (224 for ImageNet); output (N, numClasses) logits. */
    @Override
    protected Tensor compute(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != 3 || s[2] < MIN_INPUT_SIZE || s[3] < MIN_INPUT_SIZE) {
            throw new IllegalArgumentException("AlexNetTorchvision expects input of shape (N, 3, H, W) with H, W >= "
                    + MIN_INPUT_SIZE + "; received " + Shapes.str(s));
        }
        x = features.forward(x);    // N x 256 x 6 x 6 at 224x224 (1x1 at 63x63)
        x = avgpool.forward(x);     // N x 256 x 6 x 6
        x = flatten.forward(x);     // N x 9216
        return classifier().forward(x); // N x numClasses
    }

    @Override
    public String extraRepr() {
        return "numClasses=" + numClasses;
    }
}
