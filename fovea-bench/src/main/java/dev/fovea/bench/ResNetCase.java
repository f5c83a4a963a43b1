package dev.fovea.bench;

import dev.fovea.models.ResNet;
import dev.fovea.models.Summary;
import dev.fovea.nn.InferenceSession;
import dev.fovea.nn.Losses;
import dev.fovea.optim.Sgd;
import dev.fovea.tensor.Tensor;
import dev.fovea.tensor.Workspace;

import java.util.SplittableRandom;

/**
 * ResNet-18 ({@link ResNet#resnet18}, torchvision's layout, 1000 classes) on a fixed batch of
 * N(0, 1) images of 3x224x224, for the {@code resnet18_*} workloads; {@code bench/torch_bench.py}
 * builds the same with {@code torchvision.models.resnet18(weights=None)}.
 *
 * <ul>
 *   <li>{@link #infer()}: inference through an {@link InferenceSession} (eval mode, so batch norm
 *       uses its running statistics; nothing recorded for backward; convolution weights packed
 *       once, as ONNX Runtime's session prepacks them);</li>
 *   <li>{@link #step()}: one training step, the model in train mode (batch norm uses and updates
 *       the batch statistics): forward, cross-entropy on the fixed labels {@code label[i] = i},
 *       zeroGrad, backward, SGD step with momentum 0.9 and learning rate 1e-3. The images do not
 *       require a gradient, as in real training, so conv1's input gradient is never computed
 *       (PyTorch skips it too).</li>
 * </ul>
 * The rate is small on purpose: every step sees the same batch, and at a usual rate (0.01) the
 * network memorises it (PyTorch: loss 7.0 to 0.09 in 14 steps). The further that goes, the more
 * the logits drift apart, until softmax probabilities and the gradients behind them underflow to
 * subnormal floats, which can cost microcode assists on x86 (Java cannot set flush-to-zero): the
 * time of a step should not depend on how many steps ran before it. At 1e-3 the loss falls by
 * about 0.25 a step (7.0 to 4.1 in 14 steps), far from that for any measurement of a few dozen steps.
 */
public final class ResNetCase {

    /** Image height and width: the ImageNet size the model is built for. */
    public static final int SIZE = 224;
    /** Outputs of the classifier (torchvision's default). */
    public static final int CLASSES = 1000;
    /** Learning rate of the training step (see the class comment for why it is small). */
    public static final double LEARNING_RATE = 1e-3;
    /** SGD momentum of the training step (PyTorch's form, see {@link Sgd}). */
    public static final double MOMENTUM = 0.9;

    private final ResNet model;
    private final Tensor images;
    private final int[] labels;
    private final Sgd optimizer;
    private final InferenceSession session;
    /** The training steps' activations, reused from step to step. */
    private final Workspace steps = Workspace.forTraining();

    private ResNetCase(int batch, boolean training) {
        if (batch < 1) throw new IllegalArgumentException("ResNetCase expects a batch >= 1; received " + batch);
        SplittableRandom rng = new SplittableRandom(7);
        model = ResNet.resnet18(CLASSES, rng);
        images = Tensor.randn(rng, batch, 3, SIZE, SIZE);
        labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i % CLASSES;
        if (training) {
            model.train();
            optimizer = new Sgd(model.parameters(), LEARNING_RATE).momentum(MOMENTUM);
            session = null;
        } else {
            optimizer = null;
            session = InferenceSession.of(model); // the case lives as long as the benchmark: never closed
        }
    }

    /** A model in eval mode and a batch of {@code batch} images, for {@link #infer()}. */
    public static ResNetCase inference(int batch) {
        return new ResNetCase(batch, false);
    }

    /** A model in train mode, a batch of {@code batch} images with labels and an SGD optimizer, for {@link #step()}. */
    public static ResNetCase training(int batch) {
        return new ResNetCase(batch, true);
    }

    /** Inference on the batch: the logits {@code (batch, 1000)}, nothing recorded for backward. */
    public Tensor infer() {
        if (session == null) throw new IllegalStateException("infer() needs a ResNetCase made by inference(batch)");
        return session.run(images);
    }

    /**
     * One training step; returns the loss before the update. Its activations reuse the arrays of
     * the step before ({@link Workspace#forTraining}, as {@code Trainer.fit} runs its steps and as
     * PyTorch's caching allocator serves them).
     */
    public float step() {
        if (optimizer == null) throw new IllegalStateException("step() needs a ResNetCase made by training(batch)");
        try (Workspace.Scope _ = steps.enter()) {
            Tensor loss = Losses.crossEntropy(model.forward(images), labels);
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            return loss.item();
        }
    }

    /**
     * FLOPs of inference on one image (2 per multiply-add): convolutions and the linear layer, as
     * counted by {@link Summary} from the layers the model really runs (1,814,073,344 MACs at 224x224).
     * Batch norm, ReLU, pooling and the residual additions are memory-bound and left out.
     */
    public static double forwardFlopsPerImage() {
        return 2.0 * Macs.TOTAL;
    }

    /**
     * FLOPs of a training step per image, counted like {@link LeNetStep#flops()}: the forward pass,
     * a weight-gradient product for every convolution and the linear layer (as many multiply-adds as
     * its forward), and an input-gradient product for each of them except conv1, whose input (the
     * images) needs no gradient. That is 3x the forward minus conv1's forward, 10.65 GFLOP.
     */
    public static double trainFlopsPerImage() {
        return 2.0 * (3.0 * Macs.TOTAL - Macs.FIRST_CONV);
    }

    /**
     * The multiply-adds, computed on first use: {@link Summary} runs one forward pass, which takes
     * about 2 s before the JIT has compiled the kernels, so only runs that use a ResNet row pay it.
     */
    private static final class Macs {
        static final long TOTAL;
        static final long FIRST_CONV;

        static {
            Summary summary = Summary.of(ResNet.resnet18(CLASSES, new SplittableRandom(0)), 3, SIZE, SIZE);
            TOTAL = summary.totalMacs();
            FIRST_CONV = summary.rows().stream().filter(r -> r.path().equals("conv1")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("ResNet-18 summary has no row 'conv1'"))
                    .macs();
        }
    }
}
