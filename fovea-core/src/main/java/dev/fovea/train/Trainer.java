package dev.fovea.train;

import dev.fovea.data.Batch;
import dev.fovea.data.DataLoader;
import dev.fovea.io.Json;
import dev.fovea.io.SafeTensors;
import dev.fovea.nn.Module;
import dev.fovea.nn.Stochastic;
import dev.fovea.optim.GradClip;
import dev.fovea.optim.LrSchedule;
import dev.fovea.optim.Optimizer;
import dev.fovea.optim.ReduceLROnPlateau;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import dev.fovea.tensor.Workspace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Trains a classifier: {@link #fit} runs the textbook loop (forward, loss, zero the gradients,
 * backward, step) over a {@link DataLoader}, with validation, learning-rate schedules, gradient
 * clipping, a {@link GradientMonitor}, callbacks, a JSON-lines metrics log, and atomic checkpoints
 * that {@link Options#resume} continues from bit-exactly.
 *
 * <p>Each training step's activations (the outputs of convolutions, pooling, batch norm,
 * activations and element-wise sums) go into the arrays of the step before
 * ({@link Workspace#forTraining}) instead of fresh arrays the JVM zeroes on the calling thread: the
 * ResNet-18 step at batch 16 4% faster on one thread and 8-10% on two, LeNet-5's 10%
 * (docs/benchmarks.md). So a model must not keep a tensor it computed in one step for a later one
 * (a module that wants to show an activation afterwards keeps a copy of its data); parameters,
 * gradients, optimizer state and the values given to callbacks are not affected.
 */
public final class Trainer {

    /**
     * @param epochs           total epochs of the run (a resumed run stops at the same total)
     * @param seed             seeds data order and dropout masks
     * @param outputDir        where checkpoint.safetensors, model.safetensors and metrics.jsonl go; null: nowhere
     * @param checkpointEvery  also checkpoint every this many batches inside an epoch (0: only at epoch ends)
     * @param clipNorm         clip the global gradient norm to this value (0: no clipping)
     * @param resume           continue from outputDir/checkpoint.safetensors when it exists
     */
    public record Options(int epochs, long seed, Path outputDir, int checkpointEvery, double clipNorm, boolean resume) {
        public Options {
            if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1; received " + epochs);
            if (checkpointEvery < 0) throw new IllegalArgumentException("checkpointEvery must be >= 0; received " + checkpointEvery);
            if (clipNorm < 0 || Double.isNaN(clipNorm)) throw new IllegalArgumentException("clipNorm must be >= 0; received " + clipNorm);
            if (resume && outputDir == null) throw new IllegalArgumentException("resume needs an output directory");
        }

        public static Options of(int epochs, long seed) { return new Options(epochs, seed, null, 0, 0, false); }
    }

    private final Module model;
    private final Optimizer optimizer;
    private final LossFunction loss;
    private final Options options;
    private final List<Callback> callbacks = new ArrayList<>();
    private LrSchedule schedule;
    private ReduceLROnPlateau plateau;
    private GradientMonitor monitor = new GradientMonitor();
    private Map<String, String> modelMetadata = Map.of();
    private DataParallel parallel;

    public Trainer(Module model, Optimizer optimizer, LossFunction loss, Options options) {
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
        this.options = options;
    }

    /** A schedule stepped once per epoch. */
    public Trainer schedule(LrSchedule s) { this.schedule = s; return this; }

    /** Reduce-on-plateau, stepped with the validation loss (training loss without validation) per epoch. */
    public Trainer plateau(ReduceLROnPlateau p) { this.plateau = p; return this; }

    public Trainer callback(Callback c) { callbacks.add(c); return this; }

    /** String metadata stored in model.safetensors (model name, class names, input shape...). */
    public Trainer modelMetadata(Map<String, String> metadata) {
        this.modelMetadata = Map.copyOf(metadata);
        return this;
    }

    /**
     * Cuts each training batch into this many shards that run their forward and backward passes at
     * the same time, one per thread ({@link DataParallel}); 1, the default, runs each batch whole.
     * For models whose layers treat every sample on their own in training mode (no batch norm, no
     * dropout): small networks, whose operations are too short to split across threads one by one.
     */
    public Trainer dataParallel(int shards) {
        this.parallel = shards == 1 ? null : new DataParallel(model, loss, shards);
        return this;
    }

    /** Replaces the gradient monitor (null disables it). */
    public Trainer monitor(GradientMonitor m) { this.monitor = m; return this; }

    public Path checkpointFile() { return options.outputDir() == null ? null : options.outputDir().resolve("checkpoint.safetensors"); }

    /** Trains and returns one result per epoch run in this call. */
    public List<EpochResult> fit(DataLoader train, DataLoader validation) throws IOException {
        Checkpoint.Position pos = Checkpoint.Position.start(options.seed());
        Path ckpt = checkpointFile();
        if (options.resume() && Files.exists(ckpt)) {
            pos = Checkpoint.load(ckpt, model, optimizer, schedule, plateau);
            if (pos.seed() != options.seed()) {
                throw new IllegalArgumentException("cannot resume: the checkpoint was trained with seed " + pos.seed()
                        + "; received seed " + options.seed());
            }
        }
        if (options.outputDir() != null) {
            Files.createDirectories(options.outputDir());
            truncateLog(pos.epoch());
        }
        // Looked up once: walking the module tree every batch would rebuild the same maps.
        List<StochasticLayer> stochastic = stochasticLayers();
        Map<String, Tensor> namedParameters = model.namedParameters();
        List<EpochResult> results = new ArrayList<>();
        // each step's activations go into the arrays of the step before, instead of fresh arrays the
        // JVM zeroes on this thread (tensor.Workspace); nothing of a step is kept past it
        Workspace steps = Workspace.forTraining();
        for (int epoch = pos.epoch(); epoch < options.epochs(); epoch++) {
            long started = System.nanoTime();
            double lr = optimizer.lr();
            int batches = train.batchesPerEpoch();
            int b = epoch == pos.epoch() ? pos.batch() : 0;
            double lossSum = epoch == pos.epoch() ? pos.lossSum() : 0;
            long correct = epoch == pos.epoch() ? pos.correct() : 0, seen = epoch == pos.epoch() ? pos.seen() : 0;
            model.train();
            for (Callback c : callbacks) c.onEpochStart(epoch, batches);
            for (Batch batch : train.batches(epoch, b)) {
                reseed(stochastic, epoch, b);
                // forward, loss, zeroed gradients, backward; the step only if the loss is finite, so
                // that the weights (and the last checkpoint) stay usable
                DataParallel.Result step = parallel != null ? shardedPass(batch) : pass(steps, batch);
                if (!Float.isFinite(step.loss())) throw diverged(step.loss(), epoch, b);
                if (options.clipNorm() > 0) GradClip.clipGlobalNorm(optimizer.params(), options.clipNorm());
                if (monitor != null) monitor.record(namedParameters);
                optimizer.step();
                double value = step.loss();
                correct += step.correct();
                lossSum += value * batch.size();
                seen += batch.size();
                for (Callback c : callbacks) c.onBatchEnd(epoch, b, value);
                b++;
                if (options.checkpointEvery() > 0 && ckpt != null && b % options.checkpointEvery() == 0 && b < batches) {
                    Checkpoint.save(ckpt, model, optimizer, schedule, plateau,
                            new Checkpoint.Position(epoch, b, options.seed(), lossSum, correct, seen));
                }
            }
            Evaluation val = validation == null ? null : evaluate(validation);
            List<String> warnings = monitor == null ? List.of() : monitor.endEpoch();
            EpochResult r = new EpochResult(epoch, lossSum / seen, (double) correct / seen,
                    val == null ? Double.NaN : val.loss(), val == null ? Double.NaN : val.accuracy(), lr,
                    (System.nanoTime() - started) / 1e9, warnings);
            if (schedule != null) schedule.step();
            if (plateau != null) plateau.step(val == null ? r.trainLoss() : val.loss());
            results.add(r);
            if (options.outputDir() != null) {
                Files.writeString(options.outputDir().resolve("metrics.jsonl"), r.toJson() + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                Checkpoint.save(ckpt, model, optimizer, schedule, plateau, Checkpoint.Position.start(options.seed())
                        .withEpoch(epoch + 1));
                SafeTensors.save(model, options.outputDir().resolve("model.safetensors"), modelMetadata);
            }
            boolean stop = false;
            for (Callback c : callbacks) {
                c.onEpochEnd(r);
                stop |= c.shouldStop();
            }
            if (stop) break;
        }
        return results;
    }

    /** Class probabilities (softmax of the outputs) for a batch of inputs, in eval mode and without gradients. */
    public Tensor predict(Tensor inputs) {
        boolean wasTraining = model.isTraining();
        model.eval();
        try (var off = NoGrad.enter()) {
            return model.forward(inputs).softmax(1);
        } finally {
            if (wasTraining) model.train();
        }
    }

    /** Mean loss and the confusion matrix on a data set, in eval mode and without recording gradients. */
    public Evaluation evaluate(DataLoader data) {
        return evaluate(model, loss, data);
    }

    public static Evaluation evaluate(Module model, LossFunction loss, DataLoader data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        ConfusionMatrix cm = new ConfusionMatrix(data.dataset().classNames(), Math.min(5, data.dataset().numClasses()));
        double lossSum = 0;
        long n = 0;
        try (var off = NoGrad.enter()) {
            for (Batch batch : data.epoch(0)) {
                Tensor out = model.forward(batch.inputs());
                lossSum += loss.apply(out, batch.labels()).item() * batch.size();
                n += batch.size();
                cm.add(out, batch.labels());
            }
        } finally {
            if (wasTraining) model.train();
        }
        return new Evaluation(lossSum / n, cm);
    }

    /** Mean loss and confusion matrix (accuracy, top-k, per-class precision and recall). */
    public record Evaluation(double loss, ConfusionMatrix confusion) {
        public double accuracy() { return confusion.accuracy(); }
    }

    /** A layer with random training-mode output and its index among all modules (which fixes its stream). */
    private record StochasticLayer(int moduleIndex, Stochastic layer) {}

    private List<StochasticLayer> stochasticLayers() {
        List<StochasticLayer> out = new ArrayList<>();
        int i = 0;
        for (Module m : model.namedModules().values()) {
            if (m instanceof Stochastic s) out.add(new StochasticLayer(i, s));
            i++;
        }
        return out;
    }

    /** Restarts every stochastic layer's stream from (seed, epoch, batch, module index). */
    private void reseed(List<StochasticLayer> layers, int epoch, int batch) {
        for (StochasticLayer s : layers) {
            s.layer().reseed(options.seed() * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L
                    + batch * 0x94D049BB133111EBL + s.moduleIndex());
        }
    }

    /** Forward, loss and, when the loss is finite, zeroed gradients and backward, in the step's workspace. */
    private DataParallel.Result pass(Workspace steps, Batch batch) {
        try (Workspace.Scope _ = steps.enter()) {
            Tensor output = model.forward(batch.inputs());
            Tensor l = loss.apply(output, batch.labels());
            float value = l.item();
            if (!Float.isFinite(value)) return new DataParallel.Result(value, 0);
            optimizer.zeroGrad();
            l.backward();
            return new DataParallel.Result(value, DataParallel.countCorrect(output, batch.labels()));
        }
    }

    /** {@link #pass} by {@link DataParallel} shards (which add nothing after a non-finite loss). */
    private DataParallel.Result shardedPass(Batch batch) {
        optimizer.zeroGrad();
        return parallel.forwardBackward(batch.inputs(), batch.labels());
    }

    private static IllegalStateException diverged(float loss, int epoch, int batch) {
        return new IllegalStateException(String.format(java.util.Locale.ROOT,
                "training diverged: the loss is %s at epoch %d, batch %d (expected a finite number); "
                        + "check the inputs for NaN, lower the learning rate or clip gradients", loss, epoch + 1, batch));
    }

    /** On resume, drops log lines of epochs that will be run again so the log has one line per epoch. */
    private void truncateLog(int fromEpoch) {
        Path log = options.outputDir().resolve("metrics.jsonl");
        if (!Files.exists(log)) return;
        try {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                Object epoch = Json.parse(line) instanceof Map<?, ?> m ? m.get("epoch") : null;
                if (epoch instanceof Long e && e < fromEpoch) kept.add(line);
            }
            Files.write(log, kept, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update " + log, e);
        }
    }
}
