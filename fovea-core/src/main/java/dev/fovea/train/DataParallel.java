package dev.fovea.train;

import dev.fovea.kernels.Parallel;
import dev.fovea.nn.BatchNorm;
import dev.fovea.nn.Module;
import dev.fovea.nn.Stochastic;
import dev.fovea.tensor.LeafGradients;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import dev.fovea.tensor.Workspace;

import java.util.Arrays;
import java.util.Map;

/**
 * The forward and backward passes of a training step with the batch cut into a fixed number of
 * shards that run at the same time, one per thread, each through the whole model on its own
 * samples, their parameter gradients then added in shard order: data parallelism inside one
 * process, over one copy of the weights (PyTorch's {@code DataParallel} on CPU threads; Deeplearning4j's
 * {@code ParallelWrapper} averages separate replicas instead).
 *
 * <p>Why: a small network's operations are short (LeNet-5 at batch 64: some 40 operations of
 * 20-300 us each), and splitting each one across threads costs a hand-off per operation while the
 * serial work between operations leaves the other threads waiting; on 2 threads that step ran
 * only 1.3x faster than on 1. A shard is a whole pass of its own, so each thread runs one long
 * piece of work and the threads meet once per step. Inside a shard every kernel runs on its
 * thread alone ({@link Parallel}: nested calls run inline).
 *
 * <p>What it gives: the gradient of the whole batch's loss, as {@code loss.backward()} on the
 * unsharded batch would, up to the order of the floating-point sums: each shard's loss is scaled
 * by its share of the samples, so the loss must be a mean over the batch's samples (the
 * classification losses of {@link LossFunction} are). The result depends on the number of shards,
 * never on the number of threads: the shards' gradients are added one after the other in shard
 * order, and with fewer threads than shards the shards simply run in turn. Layers that mix the
 * samples of a batch are refused in training mode: batch normalization (its statistics would be
 * the shard's, not the batch's) and random layers such as dropout (their masks come from one
 * stream per layer, which the shards would draw from at the same time).
 *
 * <p>Each shard keeps a training {@link Workspace} from step to step (its activations and backward
 * gradients reuse the arrays of the step before) and its own parameter-gradient arrays
 * ({@link LeafGradients}), so the caller must not keep a step's outputs past the next step.
 * Instances are used by one thread at a time.
 */
public final class DataParallel {

    private final Module model;
    private final LossFunction loss;
    private final Shard[] shards;

    /**
     * @param model  the model to train; its layers must treat each sample on its own (see above)
     * @param loss   a mean over the batch's samples
     * @param shards how many parts each batch is cut into (a fixed number, so that results do not
     *               depend on the thread count; use the number of cores of the machine you train on)
     */
    public DataParallel(Module model, LossFunction loss, int shards) {
        if (shards < 1) throw new IllegalArgumentException("shards >= 1 expected; received " + shards);
        this.model = model;
        this.loss = loss;
        this.shards = new Shard[shards];
        for (int i = 0; i < shards; i++) this.shards[i] = new Shard();
        requireSampleWise(model);
    }

    /** Number of shards a batch is cut into. */
    public int shards() {
        return shards.length;
    }

    /**
     * Refuses a model with a layer that, in training mode, mixes the samples of a batch or draws
     * random numbers: the message names the first such layer.
     */
    static void requireSampleWise(Module model) {
        if (!model.isTraining()) return;
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            Module m = e.getValue();
            String why = m instanceof BatchNorm && m.isTraining() ? "normalises with the statistics of the whole batch"
                    : m instanceof Stochastic && m.isTraining() ? "draws random masks from one stream for the whole batch"
                    : null;
            if (why != null) {
                String name = e.getKey().isEmpty() ? "the model" : "'" + e.getKey() + "'";
                throw new IllegalArgumentException("data-parallel training expects layers that treat each sample on "
                        + "its own in training mode; received " + name + " (" + m.getClass().getSimpleName() + "), which "
                        + why + "; train it with one shard");
            }
        }
    }

    /** What {@link #forwardBackward} measured on a batch. */
    public record Result(float loss, long correct) {}

    /**
     * Runs the forward pass, the loss and the backward pass of every shard, then adds the
     * parameter gradients into the parameters' own (as {@code loss.backward()} would: zero them
     * first, as before any backward pass). When a shard's loss is not finite (NaN or infinite) no
     * gradient is added at all and the returned loss is that value, so that the caller can stop
     * with the weights and their gradients as they were, as it would check the loss before
     * {@code backward()}.
     *
     * @return the loss of the whole batch (the shards' losses weighted by their sizes) and how many
     *         samples the model classified right (argmax of a 2-D output; 0 otherwise)
     */
    public Result forwardBackward(Tensor inputs, int[] labels) {
        int n = inputs.shape()[0];
        if (labels.length != n) {
            throw new IllegalArgumentException("one label per sample expected: " + n + " labels; received "
                    + labels.length);
        }
        if (!NoGrad.isGradEnabled()) {
            throw new IllegalStateException("a data-parallel step records gradients; received a call inside NoGrad");
        }
        if (inputs.requiresGrad()) {
            throw new IllegalArgumentException("data-parallel steps compute the parameters' gradients only; received "
                    + "inputs that require a gradient (take the step unsharded to get the inputs' gradient)");
        }
        requireSampleWise(model);
        int count = shards.length;
        Parallel.forRange(count, 1, (s0, s1) -> {
            for (int s = s0; s < s1; s++) {
                shards[s].run(inputs, labels, (int) ((long) n * s / count), (int) ((long) n * (s + 1) / count), n);
            }
        });
        double total = 0;
        long correct = 0;
        for (Shard s : shards) {
            if (s.size == 0) continue;
            if (!Float.isFinite(s.lossValue)) return new Result(s.lossValue, 0);
            total += (double) s.lossValue * s.size;
            correct += s.correct;
        }
        for (Shard s : shards) {
            if (s.size > 0) s.gradients.addToLeaves();
        }
        return new Result((float) (total / n), correct);
    }

    /** One part of the batch: its inputs, activations, gradients and results, kept from step to step. */
    private final class Shard {
        final Workspace workspace = Workspace.forTraining();
        final LeafGradients gradients = new LeafGradients();
        float[] inputs = new float[0];
        int size;
        float lossValue;
        long correct;

        void run(Tensor batch, int[] labels, int from, int to, int n) {
            size = to - from;
            if (size == 0) return;
            int[] shape = batch.shape().clone();
            int perSample = batch.data().length / n;
            shape[0] = size;
            if (inputs.length != size * perSample) inputs = new float[size * perSample];
            System.arraycopy(batch.data(), from * perSample, inputs, 0, inputs.length);
            int[] ownLabels = Arrays.copyOfRange(labels, from, to);
            try (Workspace.Scope _ = workspace.enter(); LeafGradients.Scope _ = gradients.enter()) {
                Tensor output = model.forward(Tensor.of(inputs, shape));
                Tensor l = loss.apply(output, ownLabels);
                lossValue = l.item();
                correct = countCorrect(output, ownLabels);
                if (Float.isFinite(lossValue)) {
                    // d(whole-batch mean)/d(shard mean) = the shard's share of the samples
                    l.backward(Tensor.of(new float[] {(float) size / n}, l.shape()));
                }
            }
        }
    }

    /** Samples whose largest output is their label, for a 2-D output; 0 otherwise. */
    static long countCorrect(Tensor output, int[] labels) {
        if (output.dim() != 2) return 0;
        int[] pred = output.argmaxRows();
        long c = 0;
        for (int i = 0; i < labels.length; i++) if (pred[i] == labels[i]) c++;
        return c;
    }
}
