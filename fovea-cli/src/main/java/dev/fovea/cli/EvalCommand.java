package dev.fovea.cli;

import dev.fovea.data.DataLoader;
import dev.fovea.train.LossFunction;
import dev.fovea.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code fovea eval}: test-set loss, accuracy, top-k and the confusion matrix of a trained model. */
@Command(
        name = "eval",
        description = "Evaluate a trained model (a model.safetensors written by 'fovea train') on a test set.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  fovea eval runs/lenet5-mnist/model.safetensors",
            "  fovea eval runs/fashion/model.safetensors --data fashion-mnist"})
final class EvalCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "<weights>", description = "model.safetensors written by 'fovea train'.")
    Path weights;

    @Mixin
    DataOptions dataOptions;

    @Option(names = "--model", description = "Zoo model name, when the file does not record it.")
    String model;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ModelFile.Loaded loaded = ModelFile.load(weights, model);
        DataSources.Split split;
        try {
            split = DataSources.load(dataOptions.data, dataOptions.dataDir, loaded.inputShape());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (split.test().numClasses() != loaded.classNames().length
                || !Arrays.equals(split.test().inputShape(), loaded.inputShape())) {
            throw new ParameterException(spec.commandLine(), weights + " was trained on " + loaded.classNames().length
                    + " classes of shape " + Arrays.toString(loaded.inputShape()) + "; " + split.description() + " has "
                    + split.test().numClasses() + " classes of shape " + Arrays.toString(split.test().inputShape()));
        }
        var eval = Trainer.evaluate(loaded.model(), LossFunction.crossEntropy(),
                new DataLoader(split.test(), 256, false, false, 0));
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s on the test split of %s%n", loaded.name(), split.description());
        out.printf(Locale.ROOT, "loss %.4f%n%s%n", eval.loss(), eval.confusion().format());
        out.flush();
        return Main.OK;
    }
}
