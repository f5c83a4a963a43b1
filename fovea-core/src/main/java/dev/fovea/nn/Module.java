package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A building block of a network: it owns named parameters (trainable tensors), buffers (state that
 * is saved but not trained, such as batch-norm running statistics) and child modules.
 *
 * <p>Users call {@link #forward}; a subclass implements {@link #compute}. The split lets tools
 * observe every call (the summary table records each layer's output shape this way) without each
 * layer having to cooperate, as PyTorch's {@code __call__} does around {@code forward}.
 *
 * <p>State-dict keys are spelled like PyTorch's ({@code features.0.weight}, {@code bn1.running_mean}),
 * in the same order (a module's parameters, then its buffers, then each child), so torchvision
 * checkpoints converted to safetensors load one-to-one.
 */
public abstract class Module {

    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Observes module calls (for summaries and debugging); one per thread, usually none. */
    public interface ForwardListener {
        void onForward(Module module, Tensor input, Tensor output);
    }

    private static final ThreadLocal<ForwardListener> LISTENER = new ThreadLocal<>();

    /** Installs a listener for calls on this thread until the returned handle is closed. */
    public static AutoCloseable listen(ForwardListener listener) {
        ForwardListener previous = LISTENER.get();
        LISTENER.set(listener);
        return () -> LISTENER.set(previous);
    }

    /** Applies this module to {@code x}. */
    public final Tensor forward(Tensor x) {
        Tensor y = compute(x);
        ForwardListener l = LISTENER.get();
        if (l != null) l.onForward(this, x, y);
        return y;
    }

    /** The module's computation; call {@link #forward} on children so listeners see them too. */
    protected abstract Tensor compute(Tensor x);

    // ------------------------------------------------------------------ registration

    /** Registers a trainable tensor (marks it requiresGrad) and returns it. */
    protected final Tensor registerParameter(String name, Tensor value) {
        checkName(name);
        if (value != null) value.requiresGrad(true);
        parameters.put(name, value);
        return value;
    }

    /** Registers saved, non-trainable state and returns it. */
    protected final Tensor registerBuffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, value);
        return value;
    }

    /** Registers a child module and returns it. */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("module member names must be non-empty and contain no '.'; received '" + name + "'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " already has a member named '" + name + "'");
        }
    }

    /** Replaces a registered child (for swapping a classifier head), keeping its position in the order. */
    public void replaceModule(String name, Module module) {
        if (!children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no child named '" + name
                    + "'; children are " + children.keySet());
        }
        children.put(name, module);
    }

    // ------------------------------------------------------------------ traversal

    /** Direct children in registration order. */
    public Map<String, Module> children() { return Collections.unmodifiableMap(children); }

    /** This module ("" key) and all descendants, keyed by dotted path, depth-first in registration order. */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out) {
        out.put(prefix, this);
        for (var e : children.entrySet()) {
            if (e.getValue() != null) e.getValue().collectModules(join(prefix, e.getKey()), out);
        }
    }

    /** All trainable tensors keyed by dotted path (e.g. {@code layer1.0.conv1.weight}). */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var m : namedModules().entrySet()) {
            for (var p : m.getValue().parameters.entrySet()) {
                if (p.getValue() != null) out.put(join(m.getKey(), p.getKey()), p.getValue());
            }
        }
        return out;
    }

    public List<Tensor> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Non-trainable state keyed by dotted path. */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var m : namedModules().entrySet()) {
            for (var b : m.getValue().buffers.entrySet()) {
                if (b.getValue() != null) out.put(join(m.getKey(), b.getKey()), b.getValue());
            }
        }
        return out;
    }

    /** Parameters and buffers in PyTorch's order: per module its parameters, then its buffers, then children. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        for (var p : parameters.entrySet()) if (p.getValue() != null) out.put(join(prefix, p.getKey()), p.getValue());
        for (var b : buffers.entrySet()) if (b.getValue() != null) out.put(join(prefix, b.getKey()), b.getValue());
        for (var c : children.entrySet()) if (c.getValue() != null) c.getValue().collectState(join(prefix, c.getKey()), out);
    }

    /**
     * Copies values into this module's parameters and buffers by key. With {@code strict}, missing or
     * unexpected keys are an error listing them; a shape mismatch is always an error naming the key.
     */
    public void loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        if (strict) {
            Set<String> missing = new TreeSet<>(own.keySet());
            missing.removeAll(state.keySet());
            Set<String> unexpected = new TreeSet<>(state.keySet());
            unexpected.removeAll(own.keySet());
            if (!missing.isEmpty() || !unexpected.isEmpty()) {
                throw new IllegalArgumentException("state dict does not match " + getClass().getSimpleName()
                        + ": missing keys " + missing + ", unexpected keys " + unexpected);
            }
        }
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) continue;
            Tensor dst = e.getValue();
            if (!java.util.Arrays.equals(dst.shape(), src.shape())) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "': expected shape "
                        + Shapes.str(dst.shape()) + ", received " + Shapes.str(src.shape()));
            }
        }
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src != null) e.getValue().copyFrom(src);
        }
    }

    /** Total number of trainable scalars. */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : namedParameters().values()) n += t.numel();
        return n;
    }

    // ------------------------------------------------------------------ mode

    /** Training mode (dropout active, batch norm uses batch statistics) for this module and all children. */
    public Module train() { return setTraining(true); }

    /** Inference mode for this module and all children. */
    public Module eval() { return setTraining(false); }

    public boolean isTraining() { return training; }

    private Module setTraining(boolean on) {
        for (Module m : namedModules().values()) m.training = on;
        return this;
    }

    // ------------------------------------------------------------------ printing

    /** Hyperparameters shown in {@link #toString()}, e.g. {@code 3, 6, kernelSize=(5, 5)}. */
    public String extraRepr() { return ""; }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(').append(extraRepr());
        if (!children.isEmpty()) {
            sb.append('\n');
            for (var c : children.entrySet()) {
                String inner = String.valueOf(c.getValue()).replace("\n", "\n  ");
                sb.append("  (").append(c.getKey()).append("): ").append(inner).append('\n');
            }
        }
        return sb.append(')').toString();
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }
}
