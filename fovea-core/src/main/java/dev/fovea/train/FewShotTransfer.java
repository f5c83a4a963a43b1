package dev.fovea.train;

import dev.fovea.data.ArrayDataset;
import dev.fovea.data.DataLoader;
import dev.fovea.data.Dataset;
import dev.fovea.data.Mnist;
import dev.fovea.data.Transform;
import dev.fovea.models.LeNet5;
import dev.fovea.nn.Module;
import dev.fovea.optim.Adam;
import dev.fovea.optim.Optimizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The transfer-learning experiment behind {@code fovea transfer}: do convolutional features learned
 * on some digits help to learn other digits from a handful of examples?
 *
 * <ol>
 *   <li><b>Pretrain</b> LeNet-5 on the digits 0-4 of the bundled training split (about 4,000
 *       images), relabelled 0..4, with small random rotations and shifts.</li>
 *   <li><b>Few-shot target task</b>: the digits 5-9, relabelled 0..4, learned from {@code shots}
 *       examples per class, a fixed seeded choice from the training split (the examples for 5 shots
 *       include those for 1 shot, and so on).</li>
 *   <li>Three LeNet-5s learn it with the same optimizer (Adam), the same batches and the same number
 *       of steps: <i>from scratch</i>; <i>transferred, frozen</i> (the pretrained layers named in
 *       {@link Options#reuse()}, by default the convolutions c1 and c3, copied and frozen: a fixed
 *       feature extractor, only the new layers learn); <i>transferred, fine-tuned</i> (the same copy,
 *       the new layers at the learning rate and the reused ones at a tenth of it). All three start
 *       from the same initialisation of the new layers, so they differ only in the reused ones.</li>
 *   <li>Each is tested on <b>all</b> held-out digits 5-9 of the bundled t10k split (about 1,000).</li>
 * </ol>
 * With {@code trials > 1} the few-shot choice (and the initialisation of the new layers) is redrawn
 * and the accuracies averaged, because with 1 to 10 examples per class the choice of examples matters
 * a lot; the pretrained network is shared by all trials.
 * This follows Yosinski et al. (2014), "How transferable are features in deep neural networks?",
 * whose "AnB" networks split ImageNet's classes in two the same way.
 */
public final class FewShotTransfer {

    /** Digits the network is pretrained on. */
    public static final int[] SOURCE_DIGITS = {0, 1, 2, 3, 4};
    /** Digits learned from few examples. */
    public static final int[] TARGET_DIGITS = {5, 6, 7, 8, 9};
    /**
     * The pretrained layers that are reused by default: LeNet-5's two feature-extracting convolutions.
     * C5 is left out: on 5x5 maps with a 5x5 kernel it is a fully connected layer in all but name (as
     * the paper notes), and like F6 it encodes the source classes; reusing it lowers the accuracy on
     * new digits (see docs/transfer-learning.md), as Yosinski et al. found for the upper layers.
     */
    public static final String[] REUSED = {"c1", "c3"};

    /**
     * @param shots          examples per target class, one table row each (e.g. 1, 5, 10, 50)
     * @param pretrainEpochs epochs over the source digits
     * @param steps          optimizer steps for each few-shot run (the shared budget; rounded up to whole epochs)
     * @param batchSize      largest batch (few-shot sets smaller than this are one batch)
     * @param lr             Adam learning rate for pretraining, training from scratch and the new head
     * @param bodyLrFactor   the fine-tuned conv layers learn at {@code lr * bodyLrFactor}
     * @param trials         independent draws of the few-shot examples, averaged
     * @param seed           seeds everything (initialisation, example choice, batch order)
     */
    public record Options(int[] shots, int pretrainEpochs, int steps, int batchSize, double lr, double bodyLrFactor,
                          int trials, long seed, String[] reuse) {
        public Options {
            if (shots == null || shots.length == 0 || Arrays.stream(shots).anyMatch(s -> s < 1)) {
                throw new IllegalArgumentException("FewShotTransfer expects one or more shot counts >= 1; received "
                        + (shots == null ? "null" : Arrays.toString(shots)));
            }
            if (pretrainEpochs < 1 || steps < 1 || batchSize < 1 || trials < 1) {
                throw new IllegalArgumentException("FewShotTransfer expects pretrainEpochs, steps, batchSize and trials "
                        + ">= 1; received " + pretrainEpochs + ", " + steps + ", " + batchSize + ", " + trials);
            }
            if (!(lr > 0) || Double.isInfinite(lr) || !(bodyLrFactor >= 0) || Double.isInfinite(bodyLrFactor)) {
                throw new IllegalArgumentException("FewShotTransfer expects lr > 0 and bodyLrFactor >= 0; received lr="
                        + lr + ", bodyLrFactor=" + bodyLrFactor);
            }
            if (reuse == null || reuse.length == 0) {
                throw new IllegalArgumentException("FewShotTransfer expects the names of the layers to reuse, e.g. c1, c3, "
                        + "c5; received none");
            }
            shots = shots.clone();
            reuse = reuse.clone();
        }

        /**
         * The defaults of {@code fovea transfer}: shots 1, 5, 10, 50; 10 pretraining epochs; 150 steps
         * per few-shot run; batches of up to 32; Adam at 0.002 (the conv layers at a tenth when
         * fine-tuned); 3 trials; seed 1; reuse c1 and c3.
         */
        public static Options defaults() {
            return new Options(new int[] {1, 5, 10, 50}, 10, 150, 32, 2e-3, 0.1, 3, 1, REUSED);
        }

        @Override
        public int[] shots() { return shots.clone(); }

        @Override
        public String[] reuse() { return reuse.clone(); }

        public Options withShots(int... s) {
            return new Options(s, pretrainEpochs, steps, batchSize, lr, bodyLrFactor, trials, seed, reuse);
        }

        public Options withBudget(int pretrainEpochs, int steps) {
            return new Options(shots, pretrainEpochs, steps, batchSize, lr, bodyLrFactor, trials, seed, reuse);
        }

        public Options withReuse(String... layers) {
            return new Options(shots, pretrainEpochs, steps, batchSize, lr, bodyLrFactor, trials, seed, layers);
        }

        public Options withLr(double rate, double factor) {
            return new Options(shots, pretrainEpochs, steps, batchSize, rate, factor, trials, seed, reuse);
        }

        public Options withTrials(int t, long s) {
            return new Options(shots, pretrainEpochs, steps, batchSize, lr, bodyLrFactor, t, s, reuse);
        }
    }

    /** Mean test accuracies (fractions) on the target digits for one shot count. */
    public record Row(int shots, int examples, double scratch, double frozen, double fineTuned) {}

    /**
     * @param pretrainAccuracy accuracy of the pretrained network on the held-out source digits
     * @param sourceExamples   training images of the source digits
     * @param targetTest       held-out images of the target digits every row is tested on
     */
    public record Result(Options options, double pretrainAccuracy, int sourceExamples, int targetTest, List<Row> rows,
                         double seconds) {
        public Result {
            rows = List.copyOf(rows);
        }

        /** The comparison table, accuracies in percent. */
        public String format() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%5s  %8s  %12s  %19s  %23s%n", "shots", "examples", "from scratch",
                    "transferred, frozen", "transferred, fine-tuned"));
            for (Row r : rows) {
                sb.append(String.format(Locale.ROOT, "%5d  %8d  %11.1f%%  %18.1f%%  %22.1f%%%n", r.shots(), r.examples(),
                        100 * r.scratch(), 100 * r.frozen(), 100 * r.fineTuned()));
            }
            return sb.toString();
        }
    }

    private FewShotTransfer() {}

    /** Runs the experiment on the bundled digits, reporting progress lines to {@code log}. */
    public static Result run(Options o, Consumer<String> log) throws IOException {
        long started = System.nanoTime();
        ArrayDataset train = Mnist.bundled("train");
        ArrayDataset test = Mnist.bundled("t10k");
        ArrayDataset source = digits(train, SOURCE_DIGITS);
        ArrayDataset sourceTest = digits(test, SOURCE_DIGITS);
        ArrayDataset target = digits(train, TARGET_DIGITS);
        ArrayDataset targetTest = digits(test, TARGET_DIGITS);

        LeNet5 pretrained = pretrain(source, o, o.seed);
        double pre = accuracy(pretrained, sourceTest);
        log.accept(String.format(Locale.ROOT, "pretrained LeNet-5 on %,d images of the digits 0-4 for %d epoch%s: %.1f%% "
                + "on the %,d held-out ones (%.0f s)", source.size(), o.pretrainEpochs, o.pretrainEpochs == 1 ? "" : "s",
                100 * pre, sourceTest.size(), (System.nanoTime() - started) / 1e9));
        List<Row> rows = new ArrayList<>();
        for (int shots : o.shots) {
            double[] sum = new double[3];
            for (int trial = 0; trial < o.trials; trial++) {
                // Each trial draws other examples and another initialisation; the pretrained body is shared.
                long seed = o.seed + 1000L * trial;
                double[] acc = compare(pretrained, fewShot(target, shots, seed), targetTest, o, seed);
                for (int k = 0; k < 3; k++) sum[k] += acc[k];
                log.accept(String.format(Locale.ROOT, "%d shot%s, trial %d: from scratch %.1f%%, frozen %.1f%%, "
                        + "fine-tuned %.1f%%", shots, shots == 1 ? "" : "s", trial + 1, 100 * acc[0], 100 * acc[1],
                        100 * acc[2]));
            }
            rows.add(new Row(shots, shots * TARGET_DIGITS.length, sum[0] / o.trials, sum[1] / o.trials,
                    sum[2] / o.trials));
        }
        return new Result(o, pre, source.size(), targetTest.size(), rows, (System.nanoTime() - started) / 1e9);
    }

    /**
     * Pretrains LeNet-5 (5 outputs) on {@code source} for {@code o.pretrainEpochs()} epochs, with the
     * demo's augmentation (rotations up to 10 degrees, shifts up to 2 pixels): features that must
     * survive small distortions are more general, and they transfer better.
     */
    public static LeNet5 pretrain(ArrayDataset source, Options o, long seed) throws IOException {
        LeNet5 model = new LeNet5(SOURCE_DIGITS.length, new SplittableRandom(seed));
        var opt = new Adam(model.parameters(), o.lr);
        new Trainer(model, opt, LossFunction.crossEntropy(), Trainer.Options.of(o.pretrainEpochs, seed))
                .fit(new DataLoader(source, o.batchSize, true, false, seed, Transform.randomAffine(10, 2, 0f)), null);
        return model;
    }

    /**
     * Trains the three variants on {@code few} with the same budget and returns their accuracies on
     * {@code test}: {scratch, frozen, fine-tuned}.
     */
    public static double[] compare(LeNet5 pretrained, ArrayDataset few, ArrayDataset test, Options o, long seed)
            throws IOException {
        // One initialisation for all three, so they differ only in the conv layers.
        long init = seed + 17;
        int classes = TARGET_DIGITS.length;

        LeNet5 scratch = new LeNet5(classes, new SplittableRandom(init));
        double a = fit(scratch, new Adam(scratch.parameters(), o.lr), few, test, o, seed);

        LeNet5 frozen = new LeNet5(classes, new SplittableRandom(init));
        String[] head = head(frozen, o.reuse);
        Transfer.copyLayers(pretrained, frozen, o.reuse);
        frozen.freeze(o.reuse);
        double b = fit(frozen, new Adam(Transfer.fineTuneGroups(frozen, o.lr, 0, head)), few, test, o, seed);

        LeNet5 tuned = new LeNet5(classes, new SplittableRandom(init));
        Transfer.copyLayers(pretrained, tuned, o.reuse);
        double c = fit(tuned, new Adam(Transfer.fineTuneGroups(tuned, o.lr, o.lr * o.bodyLrFactor, head)), few, test, o,
                seed);
        return new double[] {a, b, c};
    }

    /** The top-level modules with parameters that {@code reuse} does not select: the new head. */
    static String[] head(Module model, String[] reuse) {
        List<String> head = new ArrayList<>();
        for (var e : model.children().entrySet()) {
            boolean reused = false;
            for (String r : reuse) reused |= Module.matchesPrefix(e.getKey(), r);
            if (!reused && e.getValue().parameterCount() > 0) head.add(e.getKey());
        }
        if (head.isEmpty()) {
            throw new IllegalArgumentException("FewShotTransfer expects some layers to stay new (the head); received reuse="
                    + Arrays.toString(reuse) + ", which covers every layer of " + model.getClass().getSimpleName());
        }
        return head.toArray(String[]::new);
    }

    /** Trains for about {@code o.steps()} steps (whole epochs) on {@code train}; returns accuracy on {@code test}. */
    static double fit(LeNet5 model, Optimizer opt, ArrayDataset train, ArrayDataset test, Options o, long seed)
            throws IOException {
        var loader = new DataLoader(train, Math.min(o.batchSize, train.size()), true, false, seed);
        int epochs = Math.max(1, (o.steps + loader.batchesPerEpoch() - 1) / loader.batchesPerEpoch());
        new Trainer(model, opt, LossFunction.crossEntropy(), Trainer.Options.of(epochs, seed)).monitor(null)
                .fit(loader, null);
        return accuracy(model, test);
    }

    private static double accuracy(LeNet5 model, ArrayDataset test) {
        return Trainer.evaluate(model, LossFunction.crossEntropy(), new DataLoader(test, 500, false, false, 0)).accuracy();
    }

    /**
     * The examples of {@code data} whose label is one of {@code digits}, relabelled by position
     * ({@code digits[i]} becomes class i, named after the digit), in their original order.
     */
    public static ArrayDataset digits(Dataset data, int[] digits) {
        int[] map = new int[data.numClasses()];
        Arrays.fill(map, -1);
        for (int i = 0; i < digits.length; i++) {
            if (digits[i] < 0 || digits[i] >= map.length) {
                throw new IllegalArgumentException("digits expects classes in [0, " + map.length + "); received "
                        + Arrays.toString(digits));
            }
            map[digits[i]] = i;
        }
        int n = 0;
        for (int i = 0; i < data.size(); i++) if (map[data.label(i)] >= 0) n++;
        int size = data.inputSize();
        float[] inputs = new float[n * size];
        int[] labels = new int[n];
        int k = 0;
        for (int i = 0; i < data.size(); i++) {
            int l = map[data.label(i)];
            if (l < 0) continue;
            data.copyInput(i, inputs, k * size);
            labels[k++] = l;
        }
        String[] names = new String[digits.length];
        String[] original = data.classNames();
        for (int i = 0; i < digits.length; i++) names[i] = original[digits[i]];
        return new ArrayDataset(inputs, labels, data.inputShape(), names);
    }

    /**
     * {@code shots} examples of every class of {@code data}, chosen by a permutation seeded with
     * {@code seed}: the same seed gives nested sets (the 5-shot set contains the 1-shot set).
     *
     * @throws IllegalArgumentException when a class has fewer than {@code shots} examples
     */
    public static ArrayDataset fewShot(ArrayDataset data, int shots, long seed) {
        int classes = data.numClasses();
        int[] counts = data.classCounts();
        for (int c = 0; c < classes; c++) {
            if (counts[c] < shots) {
                throw new IllegalArgumentException("fewShot expects at least " + shots + " examples per class; received "
                        + counts[c] + " of class " + data.classNames()[c]);
            }
        }
        int[] order = new int[data.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0x5DEECE66DL);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        // Walk the permutation and keep each class's first `shots` examples, grouped by class.
        int[] taken = new int[classes];
        int[][] chosen = new int[classes][shots];
        for (int i : order) {
            int c = data.label(i);
            if (taken[c] < shots) chosen[c][taken[c]++] = i;
        }
        int[] indices = new int[classes * shots];
        for (int c = 0; c < classes; c++) System.arraycopy(chosen[c], 0, indices, c * shots, shots);
        return ArrayDataset.subset(data, indices);
    }
}
