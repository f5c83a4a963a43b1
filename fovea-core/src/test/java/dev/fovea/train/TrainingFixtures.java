package dev.fovea.train;

import dev.fovea.data.ArrayDataset;
import dev.fovea.data.DataLoader;
import dev.fovea.data.Mnist;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Dropout;
import dev.fovea.nn.Flatten;
import dev.fovea.nn.Linear;
import dev.fovea.nn.MaxPool2d;
import dev.fovea.nn.Module;
import dev.fovea.nn.ReLU;
import dev.fovea.nn.Sequential;
import dev.fovea.optim.Adam;
import dev.fovea.optim.Optimizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/** A small, real training setup shared by the trainer tests and the kill-and-resume probe. */
final class TrainingFixtures {

    static final int EXAMPLES = 256;
    static final int BATCH = 32;

    private TrainingFixtures() {}

    /** The first 256 bundled MNIST training digits. */
    static ArrayDataset digits() throws IOException {
        ArrayDataset all = Mnist.bundled("train");
        int[] idx = new int[EXAMPLES];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        return ArrayDataset.subset(all, idx);
    }

    /** conv 4@3x3 -> relu -> maxpool 2 -> dropout -> linear 10: small, but with every kind of state. */
    static Module model() {
        Random rng = new Random(7);
        return new Sequential(new Conv2d(1, 4, 3, rng), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Dropout(0.3f, rng), new Linear(4 * 13 * 13, 10, rng));
    }

    static Optimizer optimizer(Module model) {
        return new Adam(model.parameters(), 5e-3);
    }

    static DataLoader loader(ArrayDataset data) {
        return new DataLoader(data, BATCH, true, false, 11);
    }
}
