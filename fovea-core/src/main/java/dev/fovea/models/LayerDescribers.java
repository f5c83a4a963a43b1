package dev.fovea.models;

import dev.fovea.nn.Module;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry of {@link LayerDescriber}s and the reflective default behind {@link Summary}.
 *
 * <p>The default needs no code in the layers: it recognises a layer by its public fields, spelled
 * as in PyTorch, and classifies it as
 * <ul>
 *   <li>convolution: {@code inChannels, outChannels, kernelSize} (+ {@code stride, padding,
 *       dilation, groups}); MACs per sample = OC·OH·OW · (C/groups)·KH·KW,</li>
 *   <li>linear: {@code inFeatures, outFeatures}; MACs per sample = in · out (per position),</li>
 *   <li>pooling: {@code kernelSize} without {@code inChannels}; 0 MACs, comparisons (max) or
 *       additions (avg) counted separately,</li>
 *   <li>activation: by class name ({@code ReLU, Tanh, Sigmoid, ...}),</li>
 *   <li>anything else: parameters listed, 0 MACs.</li>
 * </ul>
 * Output sizes use the course formula {@code (n + 2p - f)/s + 1} (floored), with
 * {@code f = d·(k - 1) + 1} for dilation d (<a href="https://arxiv.org/abs/1603.07285">Dumoulin &amp;
 * Visin, A guide to convolution arithmetic</a>).
 */
public final class LayerDescribers {

    private static final Map<Class<?>, LayerDescriber> REGISTRY = new ConcurrentHashMap<>();
    private static final LayerDescriber REFLECTIVE = LayerDescribers::describeByFields;

    /** Element-wise non-linearities, recognised by simple class name. */
    private static final Set<String> ACTIVATIONS = Set.of("ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "GELU",
            "SiLU", "Tanh", "Sigmoid", "Hardtanh", "Softplus", "Softmax", "LogSoftmax");

    private LayerDescribers() {}

    /** Uses {@code describer} for {@code type} and its subclasses (unless they have their own). */
    public static void register(Class<? extends Module> type, LayerDescriber describer) {
        if (type == null || describer == null) {
            throw new IllegalArgumentException("LayerDescribers.register expects a class and a describer; received "
                    + type + ", " + describer);
        }
        REGISTRY.put(type, describer);
    }

    /** The describer registered for the closest superclass of {@code type}, else the reflective default. */
    public static LayerDescriber forType(Class<? extends Module> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            LayerDescriber d = REGISTRY.get(c);
            if (d != null) return d;
        }
        return REFLECTIVE;
    }

    /** The field-reading default described in the class comment. */
    public static LayerDescriber reflective() { return REFLECTIVE; }

    // ------------------------------------------------------------------ the reflective describer

    private static LayerDescriber.Description describeByFields(Module m, int[] in, int[] out) {
        Object inChannels = field(m, "inChannels");
        Object kernel = field(m, "kernelSize");
        if (inChannels instanceof Integer c && field(m, "outChannels") instanceof Integer oc && kernel != null) {
            return conv(m, c, oc, in, out);
        }
        if (field(m, "inFeatures") instanceof Integer fi && field(m, "outFeatures") instanceof Integer fo) {
            return linear(m, fi, fo, out);
        }
        if (kernel != null) return pool(m, in, out);
        String name = m.getClass().getSimpleName();
        if (ACTIVATIONS.contains(name)) {
            String act = name.toLowerCase(Locale.ROOT);
            return new LayerDescriber.Description("-", "-", "-", act, 0, 0, "", List.of(
                    "element-wise " + act + " on " + values(out),
                    "params: 0; MACs: 0"));
        }
        return other(m, out);
    }

    private static LayerDescriber.Description conv(Module m, int c, int oc, int[] in, int[] out) {
        int[] k = ints(field(m, "kernelSize"), -1);
        int nd = k.length;
        int[] s = ints(field(m, "stride"), nd, 1);
        int[] d = ints(field(m, "dilation"), nd, 1);
        int groups = field(m, "groups") instanceof Integer g ? g : 1;
        int[][] pad = padding(m, k, d, s, in, out);
        long outValues = Shapes.numel(out);
        int fd = c / Math.max(1, groups);
        long perOutput = (long) fd * prod(k);
        long macs = outValues * perOutput;

        List<String> lines = new ArrayList<>(sizeLines(k, s, d, pad, in, out));
        boolean hasBias = field(m, "bias") instanceof Tensor;
        String kernelTerms = join(k, "*") + "*" + fd;
        String kernelNames = nd == 1 ? "f*fd" : nd == 2 ? "fh*fw*fd" : "f1*...*fd";
        long formula = (perOutput + (hasBias ? 1 : 0)) * oc;
        lines.add(hasBias
                ? "params: (" + kernelNames + " + 1)*F = (" + kernelTerms + " + 1)*" + oc + " = " + n(formula)
                : "params: " + kernelNames + "*F = " + kernelTerms + "*" + oc + " = " + n(formula) + " (no bias)");
        addParamCheck(lines, m, formula);
        String outNames = nd == 1 ? "F*OL" : nd == 2 ? "F*OH*OW" : "F*O...";
        lines.add("MACs: " + outNames + " * " + kernelNames + " = " + join(out, "*") + " * " + kernelTerms + " = "
                + n(macs) + (groups > 1 ? " (fd = C/groups = " + c + "/" + groups + ")" : ""));
        return new LayerDescriber.Description(cross(k), compact(s), padText(m, pad), activationField(m), macs, 0, "", lines);
    }

    private static LayerDescriber.Description linear(Module m, int fi, int fo, int[] out) {
        long positions = Shapes.numel(out) / Math.max(1, fo); // 1 for (N, out); L for (N, L, out)
        long macs = positions * fi * fo;
        boolean hasBias = field(m, "bias") instanceof Tensor;
        long formula = ((long) fi + (hasBias ? 1 : 0)) * fo;
        List<String> lines = new ArrayList<>();
        lines.add(hasBias ? "params: (in + 1)*out = (" + fi + " + 1)*" + fo + " = " + n(formula)
                : "params: in*out = " + fi + "*" + fo + " = " + n(formula) + " (no bias)");
        addParamCheck(lines, m, formula);
        lines.add(positions == 1 ? "MACs: in*out = " + fi + "*" + fo + " = " + n(macs)
                : "MACs: positions*in*out = " + positions + "*" + fi + "*" + fo + " = " + n(macs));
        return new LayerDescriber.Description("-", "-", "-", activationField(m), macs, 0, "", lines);
    }

    private static LayerDescriber.Description pool(Module m, int[] in, int[] out) {
        int[] k = ints(field(m, "kernelSize"), -1);
        int nd = k.length;
        int[] s = ints(field(m, "stride"), nd);
        if (s == null || s.length != nd) s = k.clone(); // PyTorch: stride defaults to the kernel size
        int[] d = ints(field(m, "dilation"), nd, 1);
        int[][] pad = padding(m, k, d, s, in, out);
        boolean max = m.getClass().getSimpleName().toLowerCase(Locale.ROOT).contains("max");
        long ops = Shapes.numel(out) * prod(k);
        String kind = max ? "comparisons" : "additions";
        List<String> lines = new ArrayList<>(sizeLines(k, s, d, pad, in, out));
        lines.add("params: 0 (pooling has no weights)");
        lines.add("MACs: 0; " + kind + ": " + (nd == 2 ? "C*OH*OW*fh*fw" : "outputs*window") + " = " + join(out, "*")
                + "*" + join(k, "*") + " = " + n(ops));
        return new LayerDescriber.Description(cross(k), compact(s), padText(m, pad), activationField(m), 0, ops, kind, lines);
    }

    private static LayerDescriber.Description other(Module m, int[] out) {
        List<String> lines = new ArrayList<>();
        long total = 0;
        List<String> terms = new ArrayList<>();
        for (var e : ownParameters(m).entrySet()) {
            terms.add(e.getKey() + " " + Shapes.str(e.getValue().shape()));
            total += e.getValue().numel();
        }
        lines.add(terms.isEmpty() ? "params: 0" : "params: " + String.join(" + ", terms) + " = " + n(total));
        lines.add("MACs: 0 (only convolutions and linear layers are counted); output " + values(out));
        return new LayerDescriber.Description("-", "-", "-", activationField(m), 0, 0, "", lines);
    }

    // ------------------------------------------------------------------ output-size arithmetic

    /**
     * Padding per spatial dimension as {before, after}: from an int / int[] field, from a padding
     * object's {@code resolve(int[] kernel, int[] dilation)} / {@code resolve1d(int, int)}, or, when
     * neither works, the smallest padding consistent with the observed shapes.
     */
    private static int[][] padding(Module m, int[] k, int[] d, int[] s, int[] in, int[] out) {
        int nd = k.length;
        int[] flat = resolvePadding(field(m, "padding"), k, d);
        int[][] pad = new int[nd][2];
        if (flat != null && flat.length == nd) {
            for (int i = 0; i < nd; i++) pad[i] = new int[] {flat[i], flat[i]};
            return pad;
        }
        if (flat != null && flat.length == 2 * nd) {
            // {top, left, bottom, right} for 2-D (Tensor.conv2d's order), {left, right} for 1-D.
            for (int i = 0; i < nd; i++) pad[i] = new int[] {flat[i], flat[nd + i]};
            return pad;
        }
        for (int i = 0; i < nd; i++) {
            int n = size(in, i, nd);
            int o = size(out, i, nd);
            int total = (n < 0 || o < 0) ? 0 : Math.max(0, (o - 1) * s[i] + d[i] * (k[i] - 1) + 1 - n);
            pad[i] = new int[] {total / 2, total - total / 2};
        }
        return pad;
    }

    private static int[] resolvePadding(Object p, int[] k, int[] d) {
        if (p == null) return null;
        if (p instanceof Integer i) return filled(k.length, i);
        if (p instanceof int[] a) return a.length == 1 ? filled(k.length, a[0]) : a.clone();
        try {
            Object r;
            if (k.length == 1) {
                Method mt = p.getClass().getMethod("resolve1d", int.class, int.class);
                r = mt.invoke(p, k[0], d[0]);
            } else {
                Method mt = p.getClass().getMethod("resolve", int[].class, int[].class);
                r = mt.invoke(p, k.clone(), d.clone());
            }
            return r instanceof int[] a ? a : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // unknown padding type: fall back to what the shapes imply
        }
    }

    /** One line per spatial dimension (merged when identical), course notation. */
    private static List<String> sizeLines(int[] k, int[] s, int[] d, int[][] pad, int[] in, int[] out) {
        int nd = k.length;
        if (in.length != nd + 1 || out.length != nd + 1) {
            return List.of("output size: input " + Shapes.str(in) + " -> " + Shapes.str(out));
        }
        String[] names = nd == 1 ? new String[] {"length"} : nd == 2 ? new String[] {"height", "width"}
                : new String[] {"depth", "height", "width"};
        if (nd > names.length) names = null;
        List<String> lines = new ArrayList<>();
        boolean anyStride = false;
        boolean anyDilation = false;
        for (int i = 0; i < nd; i++) {
            anyStride |= s[i] > 1;
            anyDilation |= d[i] > 1;
        }
        lines.add("output size: " + (anyStride ? "floor((n + 2p - f)/s) + 1" : "(n + 2p - f)/s + 1")
                + (anyDilation ? ", with f = d*(k - 1) + 1" : ""));
        String[] terms = new String[nd];
        for (int i = 0; i < nd; i++) {
            int n = in[i + 1];
            int f = d[i] * (k[i] - 1) + 1;
            String padTerm = pad[i][0] == pad[i][1] ? "2*" + pad[i][0] : pad[i][0] + " + " + pad[i][1];
            String fTerm = d[i] > 1 ? "(" + d[i] + "*(" + k[i] + " - 1) + 1)" : Integer.toString(f);
            String inner = "(" + n + " + " + padTerm + " - " + fTerm + ")/" + s[i];
            int formula = Math.floorDiv(n + pad[i][0] + pad[i][1] - f, s[i]) + 1;
            String t = (s[i] > 1 ? "floor(" + inner + ")" : inner) + " + 1 = " + formula;
            if (formula != out[i + 1]) t += " (the layer produced " + out[i + 1] + ")";
            terms[i] = t;
        }
        boolean same = Arrays.stream(terms).distinct().count() == 1;
        if (same && nd > 1) {
            lines.add("  " + String.join(" = ", names) + ": " + terms[0]);
        } else {
            for (int i = 0; i < nd; i++) lines.add("  " + (names == null ? "dim " + i : names[i]) + ": " + terms[i]);
        }
        return lines;
    }

    private static int size(int[] shape, int i, int nd) {
        return shape.length == nd + 1 ? shape[i + 1] : -1;
    }

    // ------------------------------------------------------------------ helpers

    private static String padText(Module m, int[][] pad) {
        Object p = field(m, "padding");
        // Named modes ("same", "valid") read better than their sizes; explicit sizes are shown as numbers.
        if (p != null && !(p instanceof Integer) && !(p instanceof int[]) && overridesToString(p)
                && p.toString().matches("[A-Za-z_]+")) {
            return p.toString();
        }
        boolean symmetric = true;
        boolean uniform = true;
        for (int[] q : pad) {
            symmetric &= q[0] == q[1];
            uniform &= q[0] == pad[0][0] && q[1] == pad[0][0];
        }
        if (uniform) return Integer.toString(pad.length == 0 ? 0 : pad[0][0]);
        StringBuilder sb = new StringBuilder();
        for (int[] q : pad) {
            if (!sb.isEmpty()) sb.append('x');
            sb.append(symmetric ? Integer.toString(q[0]) : q[0] + "+" + q[1]);
        }
        return sb.toString();
    }

    private static boolean overridesToString(Object o) {
        try {
            return o.getClass().getMethod("toString").getDeclaringClass() != Object.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** An optional public {@code activation} field (a fused non-linearity), as text. */
    private static String activationField(Module m) {
        Object a = field(m, "activation");
        if (a == null) return "-";
        return a instanceof Module mod ? mod.getClass().getSimpleName().toLowerCase(Locale.ROOT) : a.toString();
    }

    private static void addParamCheck(List<String> lines, Module m, long formula) {
        long actual = ownParameterCount(m);
        if (actual != formula) lines.add("  (the layer registers " + n(actual) + " parameters)");
    }

    /** Parameters registered directly on {@code m} (not on its children). */
    static Map<String, Tensor> ownParameters(Module m) {
        Map<String, Tensor> own = new java.util.LinkedHashMap<>();
        for (var e : m.namedParameters().entrySet()) {
            if (e.getKey().indexOf('.') < 0) own.put(e.getKey(), e.getValue());
        }
        return own;
    }

    static long ownParameterCount(Module m) {
        long total = 0;
        for (Tensor t : ownParameters(m).values()) total += t.numel();
        return total;
    }

    /** A public field's value, or null when the layer has no such field. */
    private static Object field(Module m, String name) {
        Field f;
        try {
            f = m.getClass().getField(name);
        } catch (NoSuchFieldException e) {
            return null;
        }
        // A public field of a non-public class (a layer declared inside a test or an application class)
        // is not accessible from here without opening it first.
        if (!f.trySetAccessible()) return null;
        try {
            return f.get(m);
        } catch (IllegalAccessException e) {
            return null;
        }
    }

    /** An int or int[] field as an array of {@code dims} values ({@code dims} = -1: as stored); null if absent. */
    private static int[] ints(Object v, int dims) {
        if (v instanceof Integer i) return filled(Math.max(1, dims), i);
        if (v instanceof int[] a) return dims > 0 && a.length == 1 && dims > 1 ? filled(dims, a[0]) : a.clone();
        return null;
    }

    private static int[] ints(Object v, int dims, int fallback) {
        int[] r = ints(v, dims);
        return r != null && r.length == dims ? r : filled(dims, fallback);
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    private static long prod(int[] a) {
        long p = 1;
        for (int v : a) p *= v;
        return p;
    }

    private static String join(int[] a, String sep) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < a.length; i++) {
            if (i > 0) sb.append(sep);
            sb.append(a[i]);
        }
        return sb.toString();
    }

    /** Window sizes as "5x5" (or "5" in 1-D). */
    private static String cross(int[] a) {
        return join(a, "x");
    }

    /** Strides as "2" when all dimensions agree, else "2x1". */
    private static String compact(int[] a) {
        return Arrays.stream(a).distinct().count() == 1 ? Integer.toString(a[0]) : join(a, "x");
    }

    /** "6*28*28 = 4,704 values", or "84 values" for a vector. */
    private static String values(int[] shape) {
        String count = n(Shapes.numel(shape)) + " values";
        return shape.length <= 1 ? count : join(shape, "*") + " = " + count;
    }

    /** 1234567 as "1,234,567". */
    static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }
}
