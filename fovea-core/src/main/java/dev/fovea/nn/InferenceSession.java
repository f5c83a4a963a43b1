package dev.fovea.nn;

import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.KernelsProvider;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import dev.fovea.tensor.Workspace;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A module prepared for inference, the way ONNX Runtime's {@code InferenceSession} or
 * {@code torch.jit.freeze} prepare a model: the module is put in eval mode, and every convolution
 * weight is declared constant to the kernels ({@link Kernels#holdConstantWeight}), which pack it
 * once into their micro-kernel's layout instead of on every call or not at all. At batch 1 the
 * fast kernels otherwise read small layers' weights in place (packing them per call costs more
 * than it saves); packed once, ResNet-18 at batch 1 ran 10% faster (docs/benchmarks.md).
 *
 * <pre>{@code
 * try (InferenceSession session = InferenceSession.of(model)) {
 *     Tensor logits = session.run(images);
 * }
 * }</pre>
 *
 * <p>While a session is open the module's parameters are read-only: training it, loading a state
 * dict into it or writing a weight's {@code data()} gives undefined results until the session is
 * closed (the kernels may keep reading the copy packed at the start). Closing restores the
 * module's training mode. Sessions over the same module may overlap; each holds its own
 * declarations. A session may be used by several threads at once if the module's forward pass may.
 *
 * <p>Where a model's code applies a batch norm (and a ReLU) to a convolution's output alone
 * ({@link BatchNormFolding}: ResNet, GoogLeNet, {@link Sequential}), a run folds the batch norm into
 * the convolution's weight and bias, made at the first run and held like the other weights, and
 * the convolution adds a residual unit's shortcut and rectifies each output as it writes it: the
 * activation is written once instead of three or four times (ResNet-18, best of 3 interleaved
 * runs: batch 1 33.2 -> 32.8 ms on 1 thread; batch 16 476 -> 467 ms and 262 -> 256 ms). Results
 * equal the module's eval forward pass up to rounding.
 *
 * <p>The outputs of the convolutions and pooling layers inside a run are kept for the next run on
 * the same thread ({@link Workspace}), so that the JVM does not zero a fresh array for each (it
 * does so on the calling thread alone, while the others wait). ResNet-18, best of 3-4 interleaved
 * runs: batch 1 34.0 -> 33.4 ms on 1 thread, 20.1 -> 19.6 ms on 2; batch 16 499 -> 486 ms and
 * 282 -> 262 ms. The tensor a run returns is always the caller's; a session holds one run's
 * intermediate activations per thread until it is closed.
 */
public final class InferenceSession implements AutoCloseable {

    private final Module module;
    private final boolean wasTraining;
    private final Kernels kernels;
    private final List<float[]> held = new ArrayList<>();
    /** Each thread's intermediate outputs, reused by its next run (only the result of a run is the caller's). */
    private final ThreadLocal<Workspace> workspaces;
    private final List<Workspace> allWorkspaces = Collections.synchronizedList(new ArrayList<>());
    /** A convolution and the batch norm after it (modules compare by identity). */
    private record Chain(Conv2d conv, BatchNorm2d bn) {}

    /** Convolutions with the batch norm after them folded in: {weight, bias} per pair. */
    private final Map<Chain, Tensor[]> folded = new ConcurrentHashMap<>();
    private static final ThreadLocal<InferenceSession> RUNNING = new ThreadLocal<>();
    private boolean closed;

    private InferenceSession(Module module) {
        this.module = module;
        this.wasTraining = module.isTraining();
        this.kernels = KernelsProvider.get();
        this.workspaces = ThreadLocal.withInitial(() -> {
            Workspace workspace = new Workspace();
            allWorkspaces.add(workspace);
            return workspace;
        });
        module.eval();
        try {
            for (Module m : module.namedModules().values()) {
                if (m instanceof Conv2d conv) {
                    float[] weight = conv.weight.data();
                    kernels.holdConstantWeight(weight, conv.outChannels, conv.groups);
                    held.add(weight);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Opens a session over {@code module}: eval mode, convolution weights packed once. */
    public static InferenceSession of(Module module) {
        if (module == null) throw new IllegalArgumentException("InferenceSession expects a module; received null");
        return new InferenceSession(module);
    }

    /** The module's forward pass on {@code input} with nothing recorded for backward. */
    public Tensor run(Tensor input) {
        if (closed) throw new IllegalStateException("InferenceSession.run: the session is closed");
        Workspace workspace = workspaces.get();
        InferenceSession outer = RUNNING.get();
        RUNNING.set(this);
        try (NoGrad _ = NoGrad.enter(); Workspace.Scope _ = workspace.enter()) {
            Tensor result = module.forward(input);
            workspace.release(result);
            return result;
        } finally {
            RUNNING.set(outer);
        }
    }

    /** The session whose {@link #run} is on this thread's stack (the innermost), or null. */
    static InferenceSession running() {
        return RUNNING.get();
    }

    /**
     * {@code conv}'s weight and bias with {@code bn} folded in ({@link BatchNormFolding#fold}),
     * computed at the first call for that pair and held constant for the kernels like the
     * layers' own weights; later calls return the same tensors.
     */
    Tensor[] folded(Conv2d conv, BatchNorm2d bn) {
        return folded.computeIfAbsent(new Chain(conv, bn), chain -> {
            Tensor[] f = BatchNormFolding.fold(conv, bn);
            synchronized (held) {
                kernels.holdConstantWeight(f[0].data(), conv.outChannels, conv.groups);
                held.add(f[0].data());
            }
            return f;
        });
    }

    /** How many convolutions have a batch norm folded in so far (for tests). */
    int foldedConvolutions() {
        return folded.size();
    }

    /** The module this session runs. */
    public Module module() { return module; }

    /** Releases the packed weights and restores the module's training mode; later calls do nothing. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        synchronized (held) {
            for (float[] weight : held) kernels.releaseConstantWeight(weight);
            held.clear();
        }
        folded.clear();
        allWorkspaces.forEach(Workspace::clear);
        if (wasTraining) module.train();
    }
}
