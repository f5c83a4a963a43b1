package dev.fovea.nn;

import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.KernelsProvider;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import dev.fovea.tensor.Workspace;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

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
        try (NoGrad _ = NoGrad.enter(); Workspace.Scope _ = workspace.enter()) {
            Tensor result = module.forward(input);
            workspace.release(result);
            return result;
        }
    }

    /** The module this session runs. */
    public Module module() { return module; }

    /** Releases the packed weights and restores the module's training mode; later calls do nothing. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (float[] weight : held) kernels.releaseConstantWeight(weight);
        held.clear();
        allWorkspaces.forEach(Workspace::clear);
        if (wasTraining) module.train();
    }
}
