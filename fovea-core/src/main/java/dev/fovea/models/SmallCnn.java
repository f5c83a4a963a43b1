package dev.fovea.models;

import dev.fovea.nn.BatchNorm1d;
import dev.fovea.nn.BatchNorm2d;
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
 * A modern two-convolution network for 28x28 grey images (MNIST, Fashion-MNIST): the shape of
 * the Keras MNIST example and of the 2-conv baselines on the Fashion-MNIST benchmark page
 * (0.88-0.93 test accuracy), with batch normalisation (Ioffe and Szegedy 2015) after each
 * convolution, He-style ReLU units, and dropout (Srivastava et al. 2014) before the classifier.
 *
 * <pre>
 *   stage     what                                  output (per sample)   parameters
 *   input                                           1 x 28 x 28
 *   block1    conv 32 @ 3x3 pad 1, BN, ReLU, max 2  32 x 14 x 14          320 + 64
 *   block2    conv 64 @ 3x3 pad 1, BN, ReLU, max 2  64 x 7 x 7            18,496 + 128
 *   head      flatten, dropout 0.25                 3,136
 *             linear 128, BN, ReLU, dropout 0.25    128                   401,536 + 256
 *             linear numClasses                     numClasses            1,290 (10 classes)
 *                                                                 total = 422,090 (10 classes)
 * </pre>
 */
public class SmallCnn extends Module {

    public final Sequential features;
    public final Sequential classifier;

    public SmallCnn(int numClasses, RandomGenerator rng) {
        if (numClasses < 1) throw new IllegalArgumentException("SmallCnn expects numClasses >= 1; received " + numClasses);
        features = registerModule("features", new Sequential(
                new Conv2d(1, 32, 3, 1, 1, rng), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, 3, 1, 1, rng), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2)));
        classifier = registerModule("classifier", new Sequential(
                new Flatten(), new Dropout(0.25f, rng),
                new Linear(64 * 7 * 7, 128, rng), new BatchNorm1d(128), new ReLU(), new Dropout(0.25f, rng),
                new Linear(128, numClasses, rng)));
    }

    public static SmallCnn create(int numClasses, RandomGenerator rng) {
        return new SmallCnn(numClasses, rng);
    }

    /** Input (N, 1, 28, 28); output (N, numClasses) logits. */
    @Override
    protected Tensor compute(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != 1 || s[2] != 28 || s[3] != 28) {
            throw new IllegalArgumentException("SmallCnn expects input of shape (N, 1, 28, 28); received " + Shapes.str(s));
        }
        x = features.forward(x);      // N x 64 x 7 x 7
        return classifier.forward(x); // N x numClasses
    }
}
