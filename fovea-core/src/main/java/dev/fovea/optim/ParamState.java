package dev.fovea.optim;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The optimizer state of one parameter: its update count and named buffers, spelled as in PyTorch
 * ({@code exp_avg}, {@code momentum_buffer}, ...). Buffers are created on first use, so a parameter
 * that never received a gradient has no state, as in PyTorch.
 */
public final class ParamState {

    private final int[] shape;
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    long step;

    ParamState(int[] shape) {
        this.shape = shape;
    }

    /** How many updates this parameter has received, counting the current one inside {@code update}. */
    public long step() { return step; }

    /** The buffer {@code name} with the parameter's shape, created as zeros on first use. */
    public float[] buffer(String name) {
        return buffer(name, 0f);
    }

    /** The buffer {@code name} with the parameter's shape, created filled with {@code initial} on first use. */
    public float[] buffer(String name, float initial) {
        return buffers.computeIfAbsent(name, k -> Tensor.full(initial, shape)).data();
    }

    /** The buffer {@code name}, or null when it has not been created yet. */
    public float[] bufferOrNull(String name) {
        Tensor t = buffers.get(name);
        return t == null ? null : t.data();
    }

    /** A one-element buffer (shape ()) named {@code name}, created holding {@code initial}. */
    public float[] scalar(String name, float initial) {
        return buffers.computeIfAbsent(name, k -> Tensor.scalar(initial)).data();
    }

    /** Adds {@code state.<index>.step} and a copy of each buffer as {@code state.<index>.<name>}. */
    void writeTo(Map<String, Tensor> out, int index) {
        out.put("state." + index + ".step", StateDicts.f64(step));
        for (var e : buffers.entrySet()) out.put("state." + index + "." + e.getKey(), e.getValue().copy());
    }

    /**
     * Reads every {@code state.<i>.<name>} key of {@code dict} into new states (null where a parameter
     * has none), validating indices, names and shapes; adds the keys read to {@code consumed}.
     */
    static ParamState[] readAll(Map<String, Tensor> dict, List<Tensor> params, Set<String> names,
                                Set<String> scalarNames, String owner, Set<String> consumed) {
        ParamState[] loaded = new ParamState[params.size()];
        for (var e : dict.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith("state.")) continue;
            String[] parts = key.split("\\.", 3);
            int i = parseIndex(parts.length == 3 ? parts[1] : "");
            if (i < 0 || i >= loaded.length) {
                throw new IllegalArgumentException(owner + " state dict expects keys state.<i>.<name> with i in [0, "
                        + loaded.length + "); received '" + key + "'");
            }
            String name = parts[2];
            Tensor p = params.get(i);
            ParamState s = loaded[i];
            if (s == null) s = loaded[i] = new ParamState(p.shape());
            if (name.equals("step")) {
                s.step = StateDicts.counter(dict, key, owner);
            } else if (names.contains(name)) {
                Tensor t = e.getValue();
                boolean scalar = scalarNames.contains(name);
                if (scalar ? t.numel() != 1 : !Arrays.equals(t.shape(), p.shape())) {
                    throw new IllegalArgumentException(owner + " state dict expects '" + key + "' of shape "
                            + (scalar ? "()" : Shapes.str(p.shape())) + "; received " + Shapes.str(t.shape()));
                }
                s.buffers.put(name, scalar ? Tensor.scalar(t.data()[0]) : t.copy());
            } else {
                throw new IllegalArgumentException(owner + " state dict has unknown buffer '" + key + "'; expected "
                        + "step or one of " + new TreeSet<>(names));
            }
            consumed.add(key);
        }
        for (int i = 0; i < loaded.length; i++) {
            if (loaded[i] != null && !dict.containsKey("state." + i + ".step")) {
                throw new IllegalArgumentException(owner + " state dict has buffers for parameter " + i
                        + " but no 'state." + i + ".step'");
            }
        }
        return loaded;
    }

    private static int parseIndex(String s) {
        if (s.isEmpty() || s.length() > 9) return -1;
        for (int k = 0; k < s.length(); k++) if (s.charAt(k) < '0' || s.charAt(k) > '9') return -1;
        return Integer.parseInt(s);
    }
}
