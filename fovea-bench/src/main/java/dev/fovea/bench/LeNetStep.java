package dev.fovea.bench;

import dev.fovea.models.LeNet5;
import dev.fovea.nn.Losses;
import dev.fovea.optim.Adam;
import dev.fovea.tensor.Tensor;
import dev.fovea.tensor.Workspace;
import dev.fovea.train.DataParallel;
import dev.fovea.train.LossFunction;

import java.util.SplittableRandom;

/**
 * One LeNet-5 training step on a batch of 64 random 32x32 images with random labels: forward,
 * cross-entropy, zeroGrad, backward, Adam step (lr 1e-3). The input does not require a gradient,
 * as in real training, so C1's input gradient is never computed (PyTorch skips it too).
 *
 * <p>By default the batch is cut into {@link #SHARDS} data-parallel shards
 * ({@link DataParallel}, as {@code fovea train --shards 2} does), which give the whole batch's
 * gradient up to the order of the sums; {@code -Dfovea.bench.lenetShards=1} times the unsharded
 * step, each operation split across the threads.
 */
public final class LeNetStep {

    public static final int BATCH = 64;
    /** Shards of the default step: a fixed number, so that the step's result does not depend on the threads. */
    public static final int SHARDS = 2;

    private final LeNet5 model;
    private final Adam optimizer;
    private final Tensor images;
    private final int[] labels = new int[BATCH];
    /** The steps' activations, reused from step to step ({@link Workspace#forTraining}). */
    private final Workspace steps = Workspace.forTraining();
    /** The step's shards, or null for the unsharded step. */
    private final DataParallel shards;

    /** The step with {@code -Dfovea.bench.lenetShards} shards, {@link #SHARDS} by default. */
    public LeNetStep() {
        this(Integer.getInteger("fovea.bench.lenetShards", SHARDS));
    }

    /** The step with the batch cut into {@code shards} shards; 1: the unsharded step. */
    public LeNetStep(int shards) {
        SplittableRandom rng = new SplittableRandom(7);
        model = new LeNet5(10, rng);
        model.train();
        optimizer = new Adam(model.parameters());
        images = Tensor.randn(rng, BATCH, 1, LeNet5.INPUT_SIZE, LeNet5.INPUT_SIZE);
        for (int i = 0; i < BATCH; i++) labels[i] = rng.nextInt(10);
        this.shards = shards > 1 ? new DataParallel(model, LossFunction.crossEntropy(), shards) : null;
    }

    /** One step; returns the loss before the update. Its activations reuse the arrays of the step before. */
    public float step() {
        if (shards != null) {
            optimizer.zeroGrad();
            float loss = shards.forwardBackward(images, labels).loss();
            optimizer.step();
            return loss;
        }
        try (Workspace.Scope _ = steps.enter()) {
            Tensor logits = model.forward(images);
            Tensor loss = Losses.crossEntropy(logits, labels);
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            return loss.item();
        }
    }

    /**
     * FLOPs of one step counting convolutions and linear layers only (2 per multiply-add): the
     * forward pass, plus a weight-gradient GEMM for every layer and an input-gradient GEMM for every
     * layer but C1. Activations, pooling, the loss and Adam are memory-bound and left out.
     */
    public static double flops() {
        double b = BATCH;
        double c1 = 2 * b * 6 * 28 * 28 * 1 * 25;
        double c3 = 2 * b * 16 * 10 * 10 * 6 * 25;
        double c5 = 2 * b * 120 * 16 * 25;
        double f6 = 2 * b * 120 * 84;
        double out = 2 * b * 84 * 10;
        return 2 * c1 + 3 * (c3 + c5 + f6 + out);
    }
}
