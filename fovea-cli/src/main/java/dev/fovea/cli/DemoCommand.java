package dev.fovea.cli;

import dev.fovea.data.DataLoader;
import dev.fovea.data.Mnist;
import dev.fovea.models.LeNet5;
import dev.fovea.optim.Adam;
import dev.fovea.optim.CosineAnnealingLR;
import dev.fovea.train.LossFunction;
import dev.fovea.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code fovea demo}: LeNet-5 learns the bundled MNIST digits from scratch and reports its accuracy
 * on the 2,000 held-out digits. The recipe (Adam, cosine decay, small random rotations and shifts)
 * is the one documented in the README.
 */
@Command(name = "demo", description = {
    "Train LeNet-5 on the 8,000 bundled MNIST digits and print its accuracy on the 2,000 held-out ones.",
    "Recipe: Adam lr 0.002 with cosine decay, batch 32, random rotations up to 10 degrees and shifts up to 2 px."},
        footerHeading = "%nExamples:%n",
        footer = {"  fovea demo", "  fovea demo --epochs 3        a quicker, less accurate run"})
final class DemoCommand implements Callable<Integer> {

    static final int DEFAULT_EPOCHS = 25;

    @Option(names = "--epochs", defaultValue = "" + DEFAULT_EPOCHS, description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (epochs < 1) throw new ParameterException(spec.commandLine(), "--epochs expects a positive integer; received " + epochs);
        PrintWriter out = spec.commandLine().getOut();
        var train = Mnist.bundled("train");
        var test = Mnist.bundled("t10k");
        var model = new LeNet5(10, new SplittableRandom(seed));
        var optimizer = new Adam(model.parameters(), 0.002);
        out.printf("LeNet-5 (%,d parameters) on %,d bundled MNIST digits, testing on %,d held-out digits%n",
                model.parameterCount(), train.size(), test.size());
        out.flush();
        long start = System.nanoTime();
        var trainer = new Trainer(model, optimizer, LossFunction.crossEntropy(), Trainer.Options.of(epochs, seed))
                .schedule(new CosineAnnealingLR(optimizer, epochs, 0))
                .callback(new ProgressCallback(out, epochs, !noProgress));
        trainer.fit(new DataLoader(train, 32, true, false, seed, TrainCommand.Recipes.augmentation(TrainCommand.Augment.affine)),
                null);
        var eval = trainer.evaluate(new DataLoader(test, 500, false, false, 0));
        out.printf(Locale.ROOT, "test accuracy: %.2f%% (%d/%d digits) after %d epochs in %.0f s%n", 100 * eval.accuracy(),
                Math.round(eval.accuracy() * test.size()), test.size(), epochs, (System.nanoTime() - start) / 1e9);
        out.flush();
        return Main.OK;
    }
}
