package dev.fovea.train;

import dev.fovea.nn.Module;
import dev.fovea.optim.ParamGroup;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reusing pretrained layers: copy them into a new model, replace the head, and fine-tune with a
 * smaller learning rate for the reused body than for the new head.
 *
 * <p>The recipe (Yosinski et al. 2014, "How transferable are features in deep neural networks?",
 * NeurIPS; the Keras guide "Transfer learning and fine-tuning"; PyTorch's "Finetuning torchvision
 * models" tutorial):
 * <pre>{@code
 * Transfer.copyLayers(pretrained, model, "c1", "c3", "c5");      // reuse the convolutional body
 * model.freeze("c1", "c3", "c5");                                 // feature extraction: body fixed
 * var opt = new Adam(Transfer.fineTuneGroups(model, 1e-3, 1e-4, "f6", "output"));
 * }</pre>
 * Frozen parameters are left out of the optimizer groups; unfrozen body parameters get the small
 * rate (a tenth of the head's is the usual choice) so the pretrained features move only a little,
 * while the freshly initialised head learns at full speed.
 */
public final class Transfer {

    private Transfer() {}

    /**
     * Copies the parameters and buffers whose state-dict keys are selected by {@code prefixes} (as in
     * {@link Module#freeze}: {@code "c1"} selects {@code c1.weight}, not {@code c10.weight}) from
     * {@code source} into {@code target}; with no prefixes, every key the two models share.
     * Shapes must agree. Returns the copied keys in {@code target}'s state-dict order.
     *
     * @throws IllegalArgumentException when a prefix selects nothing in {@code source}, a selected key
     *     is missing from {@code target}, or shapes differ (nothing is copied then)
     */
    public static List<String> copyLayers(Module source, Module target, String... prefixes) {
        if (source == null || target == null) {
            throw new IllegalArgumentException("copyLayers expects a source and a target model; received "
                    + (source == null ? "null" : source.getClass().getSimpleName()) + " and "
                    + (target == null ? "null" : target.getClass().getSimpleName()));
        }
        Map<String, Tensor> from = source.stateDict();
        Map<String, Tensor> to = target.stateDict();
        List<String> keys = new ArrayList<>();
        if (prefixes == null || prefixes.length == 0) {
            for (String k : to.keySet()) if (from.containsKey(k)) keys.add(k);
        } else {
            for (String prefix : prefixes) {
                int before = keys.size();
                for (String k : from.keySet()) {
                    if (Module.matchesPrefix(k, prefix) && !keys.contains(k)) keys.add(k);
                }
                if (keys.size() == before) {
                    throw new IllegalArgumentException("copyLayers expects a prefix of a state-dict key of "
                            + source.getClass().getSimpleName() + " (top-level modules " + source.children().keySet()
                            + "); received '" + prefix + "', which selects nothing");
                }
            }
        }
        for (String k : keys) {
            Tensor dst = to.get(k);
            if (dst == null) {
                throw new IllegalArgumentException("copyLayers: " + target.getClass().getSimpleName() + " has no tensor '"
                        + k + "' to receive " + source.getClass().getSimpleName() + "'s");
            }
            if (!Arrays.equals(dst.shape(), from.get(k).shape())) {
                throw new IllegalArgumentException("copyLayers: tensor '" + k + "' expects shape " + Shapes.str(dst.shape())
                        + "; received " + Shapes.str(from.get(k).shape()) + " from " + source.getClass().getSimpleName());
            }
        }
        List<String> ordered = new ArrayList<>();
        for (String k : to.keySet()) {
            if (keys.contains(k)) {
                to.get(k).copyFrom(from.get(k));
                ordered.add(k);
            }
        }
        return ordered;
    }

    /**
     * Replaces the module at dotted {@code path} (e.g. {@code "classifier.6"} or {@code "fc"}) with
     * {@code replacement}, keeping its place in the state-dict order, and returns the old module.
     * This is the usual way to put a new head on a pretrained network ({@code model.fc = nn.Linear(512, 5)}
     * in PyTorch).
     *
     * @throws IllegalArgumentException when no module has that path, or when the parent also holds
     *     the old module in a field of its own: its {@code compute} then calls the field, so replacing
     *     the registered child would change the state dict but not what the model computes. Build a
     *     new model with the head you want and {@link #copyLayers} the body into it instead.
     */
    public static Module replaceModule(Module model, String path, Module replacement) {
        if (model == null || replacement == null || path == null || path.isEmpty()) {
            throw new IllegalArgumentException("replaceModule expects a model, a dotted path such as 'fc' and a module; "
                    + "received " + model + ", '" + path + "', " + replacement);
        }
        int dot = path.lastIndexOf('.');
        String parentPath = dot < 0 ? "" : path.substring(0, dot);
        String name = path.substring(dot + 1);
        Module parent = model.namedModules().get(parentPath);
        Module old = parent == null ? null : parent.children().get(name);
        if (old == null) {
            throw new IllegalArgumentException("replaceModule expects the path of a module of "
                    + model.getClass().getSimpleName() + "; received '" + path + "' (modules: "
                    + String.join(", ", model.namedModules().keySet().stream().filter(k -> !k.isEmpty()).toList()) + ")");
        }
        String field = fieldHolding(parent, old);
        if (field != null) {
            throw new IllegalArgumentException(parent.getClass().getSimpleName() + " keeps '" + name + "' in its field '"
                    + field + "' and calls it from there, so replacing the registered child would not change what the "
                    + "model computes; build a new " + parent.getClass().getSimpleName()
                    + " with the head you want and use Transfer.copyLayers to reuse the pretrained layers");
        }
        parent.replaceModule(name, replacement);
        return old;
    }

    /** The name of a field of {@code owner} (declared below Module) that refers to {@code child}, or null. */
    private static String fieldHolding(Module owner, Module child) {
        for (Class<?> c = owner.getClass(); c != null && c != Module.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive() || !f.trySetAccessible()) continue;
                try {
                    if (f.get(owner) == child) return f.getName();
                } catch (IllegalAccessException e) {
                    // not readable: cannot tell, so do not object
                }
            }
        }
        return null;
    }

    /**
     * Optimizer groups for fine-tuning: the trainable parameters selected by {@code headPrefixes}
     * (the new head) at {@code headLr}, every other trainable parameter (the reused body) at
     * {@code bodyLr}; frozen parameters are left out. The body group is omitted when everything but
     * the head is frozen. Group 0 is always the head, so {@code optimizer.setLr(lr)} (what schedules
     * call) keeps the body at {@code bodyLr / headLr} of it.
     *
     * @throws IllegalArgumentException when a prefix selects nothing, or no trainable parameter is
     *     in the head
     */
    public static ParamGroup[] fineTuneGroups(Module model, double headLr, double bodyLr, String... headPrefixes) {
        if (model == null) throw new IllegalArgumentException("fineTuneGroups expects a model; received null");
        if (headPrefixes == null || headPrefixes.length == 0) {
            throw new IllegalArgumentException("fineTuneGroups expects the names of the head's modules, e.g. 'fc'; "
                    + "received none");
        }
        Map<String, Tensor> all = model.namedParameters();
        for (String prefix : headPrefixes) {
            if (prefix == null || all.keySet().stream().noneMatch(k -> Module.matchesPrefix(k, prefix))) {
                throw new IllegalArgumentException("fineTuneGroups expects prefixes of parameter names of "
                        + model.getClass().getSimpleName() + " (top-level modules " + model.children().keySet()
                        + "); received '" + prefix + "', which selects no parameter");
            }
        }
        List<Tensor> head = new ArrayList<>();
        List<Tensor> body = new ArrayList<>();
        for (var e : model.trainableParameters().entrySet()) {
            boolean inHead = false;
            for (String prefix : headPrefixes) inHead |= Module.matchesPrefix(e.getKey(), prefix);
            (inHead ? head : body).add(e.getValue());
        }
        if (head.isEmpty()) {
            throw new IllegalArgumentException("fineTuneGroups expects a trainable head; every parameter under "
                    + Arrays.toString(headPrefixes) + " is frozen");
        }
        return body.isEmpty()
                ? new ParamGroup[] {new ParamGroup(head, headLr)}
                : new ParamGroup[] {new ParamGroup(head, headLr), new ParamGroup(body, bodyLr)};
    }
}
