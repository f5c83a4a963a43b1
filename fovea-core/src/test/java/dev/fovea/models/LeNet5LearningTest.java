package dev.fovea.models;

import dev.fovea.data.DataLoader;
import dev.fovea.data.Mnist;
import dev.fovea.optim.Adam;
import dev.fovea.train.LossFunction;
import dev.fovea.train.Trainer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** LeNet-5 really learns real digits: four epochs on the 8,000 bundled ones, tested on the 2,000 held out. */
class LeNet5LearningTest {

    @Test
    void reaches95PercentOnHeldOutDigitsInFourEpochs() throws IOException {
        var model = new LeNet5(10, new SplittableRandom(1));
        var opt = new Adam(model.parameters(), 0.002);
        var trainer = new Trainer(model, opt, LossFunction.crossEntropy(), Trainer.Options.of(4, 1));
        trainer.fit(new DataLoader(Mnist.bundled("train"), 32, true, false, 1), null);
        double accuracy = trainer.evaluate(new DataLoader(Mnist.bundled("t10k"), 500, false, false, 0)).accuracy();
        // with this seed three epochs gave 0.9355 and the demo's 25 epochs with augmentation give 0.983
        assertTrue(accuracy >= 0.95, "test accuracy " + accuracy);
    }
}
