package dev.fovea.cli;

import dev.fovea.data.DataLoader;
import dev.fovea.data.Transform;
import dev.fovea.models.ModelZoo;
import dev.fovea.nn.Module;
import dev.fovea.optim.AdaGrad;
import dev.fovea.optim.Adam;
import dev.fovea.optim.AdamW;
import dev.fovea.optim.CosineAnnealingLR;
import dev.fovea.optim.ExponentialLR;
import dev.fovea.optim.LrSchedule;
import dev.fovea.optim.Nadam;
import dev.fovea.optim.Optimizer;
import dev.fovea.optim.ReduceLROnPlateau;
import dev.fovea.optim.RmsProp;
import dev.fovea.optim.Sgd;
import dev.fovea.optim.StepLR;
import dev.fovea.train.EarlyStopping;
import dev.fovea.train.LossFunction;
import dev.fovea.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code fovea train}: train a zoo model on a data set, with checkpoints, resume and a metrics log. */
@Command(
        name = "train",
        description = {"Train a model and report its test accuracy.",
            "Writes OUTPUT/checkpoint.safetensors (atomically, every epoch and every --checkpoint-every batches), "
                    + "OUTPUT/model.safetensors (weights, PyTorch key names) and OUTPUT/metrics.jsonl (one line per epoch)."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  fovea train --model lenet5 --data mnist --epochs 15 --augment affine",
            "  fovea train --data fashion-mnist --epochs 20 --optimizer adam --lr 0.002 --schedule cosine",
            "  fovea train --data mnist --output runs/digits --resume        continue a stopped run",
            "  fovea train --data ~/cifar-10-batches-bin --model lenet5 --input-shape 3,32,32"})
final class TrainCommand implements Callable<Integer> {

    enum OptimizerName { sgd, adagrad, rmsprop, adam, adamw, nadam }

    enum ScheduleName { none, step, exponential, cosine, plateau }

    enum Augment { none, affine, crop, cropflip }

    @Option(names = "--model", defaultValue = "lenet5", completionCandidates = SummaryCommand.ModelNames.class,
            description = "Model: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    String model;

    @Mixin
    DataOptions dataOptions;

    @Option(names = "--input-shape", converter = SummaryCommand.ShapeConverter.class, paramLabel = "C,H,W",
            description = "Image size for image folders (default 3,32,32).")
    SummaryCommand.SampleShape inputShape;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--optimizer", defaultValue = "adam", description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    OptimizerName optimizer;

    @Option(names = "--lr", defaultValue = "0.001", description = "Learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "Momentum for sgd and rmsprop (default ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--nesterov", description = "Nesterov momentum (sgd).")
    boolean nesterov;

    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay (decoupled for adamw) (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--schedule", defaultValue = "none", description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    ScheduleName schedule;

    @Option(names = "--warmup", defaultValue = "0", description = "Linear warm-up epochs for the cosine schedule.")
    int warmup;

    @Option(names = "--step-size", defaultValue = "5", description = "Epochs between decays for --schedule step.")
    int stepSize;

    @Option(names = "--gamma", defaultValue = "0.5", description = "Decay factor for step/exponential schedules.")
    double gamma;

    @Option(names = "--augment", defaultValue = "none",
            description = "none, affine (±10° rotation, ±2 px shift), crop (pad 4 + random crop), cropflip (+ mirror).")
    Augment augment;

    @Option(names = "--label-smoothing", defaultValue = "0", description = "Label smoothing for the cross-entropy.")
    float labelSmoothing;

    @Option(names = "--clip-norm", defaultValue = "0", description = "Clip the global gradient norm (0 = off).")
    double clipNorm;

    @Option(names = "--early-stop", defaultValue = "0", description = "Stop after this many epochs without validation improvement (0 = off).")
    int earlyStop;

    @Option(names = "--shards", defaultValue = "1", description = "Cut each batch into this many shards that train at "
            + "the same time, one per thread (data parallelism, for models without batch norm or dropout such as "
            + "lenet5; results depend on the shards, not on the threads) (default ${DEFAULT-VALUE}).")
    int shards;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for weights, data order, augmentation and dropout.")
    long seed;

    @Option(names = "--output", description = "Output folder (default runs/<model>-<data>).")
    Path output;

    @Option(names = "--resume", description = "Continue from OUTPUT/checkpoint.safetensors.")
    boolean resume;

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Also checkpoint every N batches (0 = only per epoch).")
    int checkpointEvery;

    @Option(names = "--target-acc", description = "Fail (exit 1) if the final test accuracy is below this fraction, e.g. 0.98.")
    Double targetAccuracy;

    @Option(names = "--no-progress", description = "No progress bar (one line per epoch only).")
    boolean noProgress;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        checkArguments();
        DataSources.Split split;
        try {
            split = DataSources.load(dataOptions.data, dataOptions.dataDir, inputShape == null ? null : inputShape.dims());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Path out = output != null ? output : Path.of("runs", model + "-" + Path.of(dataOptions.data).getFileName());
        if (!resume && Files.exists(out.resolve("checkpoint.safetensors"))) {
            throw new ParameterException(spec.commandLine(), out + " already holds a training run; pass --resume to "
                    + "continue it or choose another --output (nothing was overwritten)");
        }
        PrintWriter stdout = spec.commandLine().getOut();
        var train = split.train();
        var test = split.test();
        Module net = Recipes.model(spec, model, train.numClasses(), train.inputShape(), seed);
        Optimizer opt = Recipes.optimizer(optimizer, net, lr, momentum, nesterov, weightDecay);
        stdout.printf("training %s (%,d parameters) on %s with %s, %d epochs, batch %d%n",
                model, net.parameterCount(), split.description(), opt.getClass().getSimpleName(), epochs, batchSize);
        stdout.flush();

        var trainer = new Trainer(net, opt, labelSmoothing > 0 ? LossFunction.crossEntropy(labelSmoothing) : LossFunction.crossEntropy(),
                new Trainer.Options(epochs, seed, out, checkpointEvery, clipNorm, resume));
        LrSchedule s = Recipes.schedule(schedule, opt, epochs, warmup, stepSize, gamma);
        if (s != null) trainer.schedule(s);
        if (schedule == ScheduleName.plateau) trainer.plateau(new ReduceLROnPlateau(opt).patience(2).factor(gamma));
        if (earlyStop > 0) trainer.callback(new EarlyStopping(earlyStop, 1e-4));
        if (shards != 1) {
            try {
                trainer.dataParallel(shards);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--shards " + shards + ": " + e.getMessage());
            }
        }
        trainer.callback(new ProgressCallback(stdout, epochs, !noProgress));
        trainer.modelMetadata(ModelFile.metadata(model, train));
        DataLoader trainLoader = new DataLoader(train, batchSize, true, false, seed, Recipes.augmentation(augment));
        DataLoader testLoader = new DataLoader(test, 256, false, false, seed);
        trainer.fit(trainLoader, testLoader);

        Trainer.Evaluation eval = trainer.evaluate(testLoader);
        stdout.printf(Locale.ROOT, "test accuracy: %.2f%% (%d/%d), loss %.4f%n", 100 * eval.accuracy(),
                Math.round(eval.accuracy() * test.size()), test.size(), eval.loss());
        stdout.printf("saved %s and %s%n", out.resolve("model.safetensors"), out.resolve("metrics.jsonl"));
        stdout.flush();
        if (targetAccuracy != null && eval.accuracy() < targetAccuracy) {
            spec.commandLine().getErr().printf(Locale.ROOT, "fovea train: test accuracy %.4f is below --target-acc %.4f%n",
                    eval.accuracy(), targetAccuracy);
            return Main.FAILURE;
        }
        return Main.OK;
    }

    private void checkArguments() {
        List<String> bad = new ArrayList<>();
        if (epochs < 1) bad.add("--epochs expects a positive integer; received " + epochs);
        if (batchSize < 1) bad.add("--batch-size expects a positive integer; received " + batchSize);
        if (!(lr > 0) || Double.isInfinite(lr)) bad.add("--lr expects a positive number; received " + lr);
        if (weightDecay < 0) bad.add("--weight-decay expects a number >= 0; received " + weightDecay);
        if (labelSmoothing < 0 || labelSmoothing >= 1) bad.add("--label-smoothing expects [0, 1); received " + labelSmoothing);
        if (clipNorm < 0) bad.add("--clip-norm expects a number >= 0; received " + clipNorm);
        if (shards < 1) bad.add("--shards expects a positive integer; received " + shards);
        if (checkpointEvery < 0) bad.add("--checkpoint-every expects a number >= 0; received " + checkpointEvery);
        if (warmup < 0 || warmup >= epochs && warmup > 0) bad.add("--warmup expects 0 <= warmup < epochs; received " + warmup);
        if (!bad.isEmpty()) throw new ParameterException(spec.commandLine(), String.join("; ", bad));
    }

    /** Factories from command-line names to Fovea objects, shared by train and demo. */
    static final class Recipes {

        private Recipes() {}

        static Module model(CommandSpec spec, String name, int classes, int[] inputShape, long seed) {
            ModelZoo.Entry entry;
            try {
                entry = ModelZoo.entry(name);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            if (entry.inputShape()[0] != inputShape[0]) {
                throw new ParameterException(spec.commandLine(), "model " + name + " expects " + entry.inputShape()[0]
                        + "-channel input; the data has " + inputShape[0] + " channels");
            }
            return ModelZoo.create(name, classes, new SplittableRandom(seed));
        }

        static Optimizer optimizer(OptimizerName name, Module net, double lr, double momentum, boolean nesterov, double wd) {
            var params = net.parameters();
            return switch (name) {
                case sgd -> new Sgd(params, lr).momentum(momentum).nesterov(nesterov).weightDecay(wd);
                case adagrad -> new AdaGrad(params, lr).weightDecay(wd);
                case rmsprop -> new RmsProp(params, lr).momentum(momentum).weightDecay(wd);
                case adam -> new Adam(params, lr).weightDecay(wd);
                case adamw -> new AdamW(params, lr).weightDecay(wd);
                case nadam -> new Nadam(params, lr).weightDecay(wd);
            };
        }

        static LrSchedule schedule(ScheduleName name, Optimizer opt, int epochs, int warmup, int stepSize, double gamma) {
            return switch (name) {
                case none, plateau -> null;
                case step -> new StepLR(opt, stepSize, gamma);
                case exponential -> new ExponentialLR(opt, gamma);
                case cosine -> warmup > 0 ? new CosineAnnealingLR(opt, epochs, 0, warmup, 0.1) : new CosineAnnealingLR(opt, epochs, 0);
            };
        }

        static Transform augmentation(Augment a) {
            return switch (a) {
                case none -> null;
                case affine -> Transform.randomAffine(10, 2, 0f);
                case crop -> Transform.randomCrop(4, 0f);
                case cropflip -> Transform.compose(List.of(Transform.randomCrop(4, 0f), Transform.horizontalFlip(0.5)));
            };
        }
    }
}
