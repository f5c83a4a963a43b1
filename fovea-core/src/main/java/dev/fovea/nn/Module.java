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

    /** Whether a {@link ForwardListener} observes this thread's module calls. */
    static boolean listening() {
        return LISTENER.get() != null;
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

    // ------------------------------------------------------------------ freezing (transfer learning)

    /**
     * Freezes the parameters selected by {@code prefixes} so that no gradient is computed for them:
     * each gets {@code requiresGrad(false)} and loses any gradient it already holds (so an optimizer
     * that still lists it skips it instead of applying a stale gradient). This is how pretrained
     * layers are reused as a fixed feature extractor (Yosinski et al. 2014, "How transferable are
     * features in deep neural networks?"; PyTorch's {@code requires_grad_(False)}, Keras'
     * {@code layer.trainable = False}).
     *
     * <p>A prefix selects a parameter when it equals the parameter's dotted name or is a whole leading
     * part of it: {@code "c1"} selects {@code c1.weight} and {@code c1.bias} but not {@code c10.weight};
     * {@code "layer1.0"} selects everything in the first block of {@code layer1}. With no prefixes,
     * every parameter is frozen. Batch-norm running statistics are buffers, not parameters: they still
     * update in training mode; call {@code eval()} on a frozen normalisation layer's subtree to keep them.
     *
     * @return this, for chaining
     * @throws IllegalArgumentException when a prefix selects no parameter (a typo would otherwise
     *     silently leave layers trainable)
     */
    public Module freeze(String... prefixes) {
        for (Tensor p : selectParameters("freeze", prefixes).values()) {
            p.requiresGrad(false);
            p.clearGrad();
        }
        return this;
    }

    /**
     * Makes the parameters selected by {@code prefixes} trainable again ({@code requiresGrad(true)});
     * with no prefixes, every parameter. Prefixes match as in {@link #freeze}.
     *
     * @return this, for chaining
     * @throws IllegalArgumentException when a prefix selects no parameter
     */
    public Module unfreeze(String... prefixes) {
        for (Tensor p : selectParameters("unfreeze", prefixes).values()) p.requiresGrad(true);
        return this;
    }

    /** The parameters that are frozen (no gradient computed), keyed by dotted path, in {@link #namedParameters} order. */
    public Map<String, Tensor> frozenParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : namedParameters().entrySet()) if (!e.getValue().requiresGrad()) out.put(e.getKey(), e.getValue());
        return out;
    }

    /** The parameters that are not frozen, keyed by dotted path: what an optimizer should be given. */
    public Map<String, Tensor> trainableParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : namedParameters().entrySet()) if (e.getValue().requiresGrad()) out.put(e.getKey(), e.getValue());
        return out;
    }

    /**
     * True when {@code prefix} selects the parameter (or module) named {@code name}: equal, or a
     * leading run of whole dot-separated parts ({@code "c1"} matches {@code "c1.weight"}, not
     * {@code "c10.weight"}). The empty prefix matches everything.
     */
    public static boolean matchesPrefix(String name, String prefix) {
        if (prefix.isEmpty() || name.equals(prefix)) return true;
        return name.length() > prefix.length() && name.startsWith(prefix) && name.charAt(prefix.length()) == '.';
    }

    private Map<String, Tensor> selectParameters(String operation, String... prefixes) {
        Map<String, Tensor> all = namedParameters();
        if (prefixes == null || prefixes.length == 0) return all;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String prefix : prefixes) {
            if (prefix == null) {
                throw new IllegalArgumentException(operation + " expects parameter names or prefixes such as 'c1' or "
                        + "'layer1.0'; received null");
            }
            boolean any = false;
            for (var e : all.entrySet()) {
                if (matchesPrefix(e.getKey(), prefix)) {
                    out.put(e.getKey(), e.getValue());
                    any = true;
                }
            }
            if (!any) {
                throw new IllegalArgumentException(operation + " expects a prefix of a parameter name of "
                        + getClass().getSimpleName() + " (top-level modules " + children.keySet() + "); received '"
                        + prefix + "', which selects no parameter");
            }
        }
        return out;
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
