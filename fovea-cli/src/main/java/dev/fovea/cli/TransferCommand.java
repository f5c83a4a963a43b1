package dev.fovea.cli;

import dev.fovea.models.LeNet5;
import dev.fovea.nn.Module;
import dev.fovea.train.FewShotTransfer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code fovea transfer}: the transfer-learning demo of {@link FewShotTransfer}. LeNet-5 pretrained
 * on the digits 0-4 lends its convolutional layers to learning 5-9 from a few examples per class,
 * compared with training from scratch on the same examples.
 */
@Command(name = "transfer", description = {
    "Reuse pretrained layers: pretrain LeNet-5 on the bundled digits 0-4, then learn 5-9 from a few examples per "
            + "class, from scratch and with the pretrained conv layers (frozen, or fine-tuned at a tenth of the "
            + "learning rate). Prints the mean accuracy on all held-out digits 5-9.",
    "Every run of one row gets the same examples, initialisation of the new layers, batches and number of steps."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  fovea transfer                          shots 1, 5, 10, 50, 3 trials each (about 2 min)",
            "  fovea transfer --shots 10 --trials 1    one quick row",
            "  fovea transfer --reuse c1,c3,c5         also reuse C5 (it transfers worse)"})
final class TransferCommand implements Callable<Integer> {

    @Option(names = "--shots", split = ",", paramLabel = "N", defaultValue = "1,5,10,50",
            description = "Training examples per new digit, one row each (default ${DEFAULT-VALUE}).")
    int[] shots;

    @Option(names = "--trials", defaultValue = "3",
            description = "Draws of the few examples to average over (default ${DEFAULT-VALUE}).")
    int trials;

    @Option(names = "--pretrain-epochs", paramLabel = "N", defaultValue = "10",
            description = "Pretraining epochs on the digits 0-4 (default ${DEFAULT-VALUE}).")
    int pretrainEpochs;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "150",
            description = "Optimizer steps of each few-shot run, the budget shared by all three (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--lr", defaultValue = "0.002",
            description = "Adam learning rate; fine-tuned reused layers learn at a tenth of it (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--reuse", split = ",", paramLabel = "LAYER", defaultValue = "c1,c3",
            description = "Pretrained LeNet-5 layers to reuse (default ${DEFAULT-VALUE}); the others are new.")
    String[] reuse;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-q", "--quiet"}, description = "Only the table: no progress lines on stderr.")
    boolean quiet;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        FewShotTransfer.Options options = options();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        out.printf("Transfer learning with LeNet-5: pretrained on the digits 0-4, reusing %s to learn 5-9 from few "
                + "examples%n", String.join(", ", reuse));
        out.flush();
        FewShotTransfer.Result r = FewShotTransfer.run(options, line -> {
            if (!quiet) {
                err.println(line);
                err.flush();
            }
        });
        out.printf(Locale.ROOT, "Pretrained on %,d images (%.1f%% on the held-out 0-4). Accuracy on all %,d held-out "
                + "5-9 digits, mean of %d trial%s, %d steps each:%n%n", r.sourceExamples(), 100 * r.pretrainAccuracy(),
                r.targetTest(), trials, trials == 1 ? "" : "s", steps);
        out.print(r.format());
        out.printf(Locale.ROOT, "%n(%.0f s)%n", r.seconds());
        out.flush();
        return Main.OK;
    }

    /** The options, checked here so that mistakes are usage errors (exit 2) rather than failures after pretraining. */
    private FewShotTransfer.Options options() {
        if (Arrays.stream(shots).anyMatch(s -> s < 1 || s > 500)) {
            throw usage("--shots expects numbers of examples per digit from 1 to 500; received " + Arrays.toString(shots));
        }
        if (trials < 1) throw usage("--trials expects a positive integer; received " + trials);
        if (pretrainEpochs < 1) throw usage("--pretrain-epochs expects a positive integer; received " + pretrainEpochs);
        if (steps < 1) throw usage("--steps expects a positive integer; received " + steps);
        if (!(lr > 0) || Double.isInfinite(lr)) throw usage("--lr expects a positive number; received " + lr);
        Module probe = new LeNet5(FewShotTransfer.TARGET_DIGITS.length, new SplittableRandom(0));
        for (String layer : reuse) {
            if (layer.isEmpty() || probe.namedParameters().keySet().stream().noneMatch(k -> Module.matchesPrefix(k, layer))) {
                throw usage("--reuse expects LeNet-5 layers with weights (c1, c3, c5, f6); received '" + layer + "'");
            }
            if (Module.matchesPrefix("output.weight", layer)) {
                throw usage("--reuse cannot include the output layer: it is the new head for the digits 5-9; received '"
                        + layer + "'");
            }
        }
        return new FewShotTransfer.Options(shots, pretrainEpochs, steps, 32, lr, 0.1, trials, seed, reuse);
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
