package dev.fovea.viz;

import dev.fovea.models.Summary;
import dev.fovea.nn.Branching;
import dev.fovea.nn.Dropout;
import dev.fovea.nn.LocalResponseNorm;
import dev.fovea.nn.Module;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a model and its {@link Summary} (taken with containers) into diagram {@link Node}s.
 *
 * <p>The summary rows are the module calls of one forward pass, in call order, each container
 * listed just before the calls it makes, so they give the call tree: the order in which the boxes
 * are drawn is the order in which the layers really run. Modules implementing {@link Branching}
 * become forks: each call inside them is matched to the branch that lists its module; calls
 * outside every branch (a ReLU after the addition of a residual unit) go before or after the fork.
 * Containers directly under the model (stages such as {@code layer1}, {@code features}) become
 * frames.
 *
 * <p>Folding: a convolution or dense layer absorbs the normalisation and activation that follow
 * it (one box "conv 3×3, 64 + BN + relu", as the figures of the ResNet and Inception papers draw
 * them), and an activation right after a merge is written next to the merge node. This keeps a
 * 150-layer network at about a third of the boxes.
 */
final class Structure {

    private record Call(Summary.Row row, Module module, List<Call> children) {}

    private final List<Summary.Row> rows;
    private final Map<String, Module> modules;
    private final boolean fold;
    private final boolean collapse;
    private int pos;

    private Structure(Module model, Summary summary, boolean fold, boolean collapse) {
        this.rows = summary.rows();
        this.modules = new java.util.HashMap<>(model.namedModules());
        this.modules.put("(model)", model);
        this.fold = fold;
        this.collapse = collapse;
    }

    /**
     * The diagram of {@code model}: an input box, then the model's layers; with {@code collapse}, a run
     * of identical units (same layers, shapes and merge) is drawn once, marked with its count.
     */
    static Node.Chain build(Module model, Summary summary, boolean fold, boolean collapse) {
        Structure s = new Structure(model, summary, fold, collapse);
        List<Call> top = s.siblings(null);
        List<Node> items = new ArrayList<>();
        int[] in = summary.inputShape();
        items.add(new Node.Box(LayerKind.INPUT, "input", shape(in), List.of(), "input: " + shape(in), List.of()));
        for (Call c : top) items.add(s.node(c, 0));
        return s.chain(items);
    }

    // ------------------------------------------------------------------ call tree

    /** The calls at this level: rows under {@code parentPath} (null: any), each with its own calls. */
    private List<Call> siblings(String parentPath) {
        List<Call> out = new ArrayList<>();
        while (pos < rows.size() && under(rows.get(pos).path(), parentPath)) {
            Summary.Row row = rows.get(pos++);
            List<Call> children = row.container() ? siblings(row.path()) : List.of();
            out.add(new Call(row, modules.get(row.path()), children));
        }
        return out;
    }

    private static boolean under(String path, String parent) {
        if (parent == null) return true;
        if (parent.equals("(model)")) return !path.equals("(model)");
        return path.startsWith(parent + ".");
    }

    // ------------------------------------------------------------------ nodes

    private Node node(Call c, int depth) {
        if (c.children.isEmpty()) return box(c);
        if (c.module instanceof Branching b) {
            Node fork = fork(c, b);
            if (fork != null) return fork;
        }
        List<Node> items = new ArrayList<>();
        for (Call child : c.children) items.add(node(child, depth + 1));
        Node.Chain chain = chain(items);
        // Stages directly under the model get a frame, unless folding left a single box in them.
        if (depth == 1 && chain.items().size() >= 2) return new Node.Frame(c.row.path(), chain);
        return chain;
    }

    /** A fork with the calls before and after it; null when no call belongs to a branch. */
    private Node fork(Call c, Branching b) {
        List<List<Module>> branches = b.branches();
        int[] next = new int[branches.size()];
        List<List<Node>> parts = new ArrayList<>();
        for (int i = 0; i < branches.size(); i++) parts.add(new ArrayList<>());
        List<Node> before = new ArrayList<>();
        List<Node> after = new ArrayList<>();
        boolean started = false;
        for (Call child : c.children) {
            // The call belongs to the first branch that lists its module (or modules inside it: a
            // branch may name the layers of a child container) at or after the branch's position.
            int k = -1;
            for (int i = 0; i < branches.size() && k < 0; i++) {
                List<Module> branch = branches.get(i);
                for (int j = next[i]; j < branch.size(); j++) {
                    if (branch.get(j) == child.module || contains(child.module, branch.get(j))) {
                        k = i;
                        next[i] = j + 1;
                        while (next[i] < branch.size() && contains(child.module, branch.get(next[i]))) next[i]++;
                        break;
                    }
                }
            }
            // Branch contents are never framed: depth 2 keeps frames at the top level only.
            Node n = node(child, 2);
            if (k >= 0) {
                parts.get(k).add(n);
                started = true;
            } else {
                (started ? after : before).add(n);
            }
        }
        if (!started) return null;
        List<Node.Chain> chains = new ArrayList<>();
        for (List<Node> p : parts) chains.add(chain(p));
        String shape = shape(c.row.outputShape());
        String merge = b.merge() == Branching.Merge.ADD ? "add" : "concat";
        Node.Fork fork = new Node.Fork(chains, b.merge(), null, c.row.path(), shape,
                c.row.path() + " (" + c.row.type() + "): " + merge + " of " + branches.size() + " branches -> " + shape,
                1, c.row.path());
        List<Node> items = new ArrayList<>(before);
        items.add(fork);
        items.addAll(after);
        return chain(items);
    }

    /** True when {@code inner} is a descendant of {@code outer} (compared by identity). */
    private static boolean contains(Module outer, Module inner) {
        if (outer == null || outer.children().isEmpty()) return false;
        for (Module m : outer.namedModules().values()) {
            if (m == inner && m != outer) return true;
        }
        return false;
    }

    /** Flattens nested chains and, when folding, merges boxes as described in the class comment. */
    private Node.Chain chain(List<Node> items) {
        List<Node> flat = new ArrayList<>();
        for (Node n : items) {
            if (n instanceof Node.Chain c) flat.addAll(c.items());
            else flat.add(n);
        }
        List<Node> out = new ArrayList<>();
        for (Node n : flat) {
            Node last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (fold && n instanceof Node.Box box && last != null) {
                Node merged = absorb(last, box);
                if (merged != null) {
                    out.set(out.size() - 1, merged);
                    continue;
                }
            }
            out.add(n);
        }
        return new Node.Chain(collapse ? collapseRepeats(out) : out);
    }

    /**
     * Replaces each run of identical forks by its first, marked with the run's length, as the ResNet
     * paper's table writes "x 36". Forks are compared by what they show apart from module paths.
     */
    private static List<Node> collapseRepeats(List<Node> items) {
        List<Node> out = new ArrayList<>();
        for (Node n : items) {
            Node last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (n instanceof Node.Fork f && last instanceof Node.Fork first && signature(first).equals(signature(f))) {
                out.set(out.size() - 1, first.repeated(f.repeat(), f.lastPath()));
            } else {
                out.add(n);
            }
        }
        return out;
    }

    /** A description of what a node draws, leaving out module paths. */
    private static String signature(Node n) {
        return switch (n) {
            case Node.Box b -> b.kind() + ":" + b.title() + ":" + b.fused() + ":"
                    + b.subtitle().substring(b.subtitle().lastIndexOf(" · ") + 3);
            case Node.Chain c -> {
                StringBuilder sb = new StringBuilder("[");
                for (Node item : c.items()) sb.append(signature(item)).append(';');
                yield sb.append(']').toString();
            }
            case Node.Fork f -> {
                StringBuilder sb = new StringBuilder("fork(").append(f.merge()).append(',').append(f.activation())
                        .append(',').append(f.shape());
                for (Node.Chain branch : f.branches()) sb.append(',').append(signature(branch));
                yield sb.append(')').toString();
            }
            case Node.Frame f -> "frame" + signature(f.content());
        };
    }

    /** {@code last} with {@code next} folded in, or null when they stay separate boxes. */
    private static Node absorb(Node last, Node.Box next) {
        if (last instanceof Node.Fork f && next.kind() == LayerKind.ACTIVATION && f.activation() == null) {
            return f.withActivation(next.title(), next.tooltip());
        }
        if (!(last instanceof Node.Box box) || (box.kind() != LayerKind.CONV && box.kind() != LayerKind.DENSE)) return null;
        boolean hasNorm = box.fused().contains(LayerKind.NORM);
        boolean hasActivation = box.fused().contains(LayerKind.ACTIVATION);
        String shape = next.subtitle().substring(next.subtitle().lastIndexOf(" · ") + 3);
        if (next.kind() == LayerKind.NORM && !hasNorm && !hasActivation) return box.absorb(next, shortNorm(next), shape);
        if (next.kind() == LayerKind.ACTIVATION && !hasActivation) return box.absorb(next, next.title(), shape);
        return null;
    }

    private static String shortNorm(Node.Box norm) {
        return norm.title().equals("batch norm") ? "BN" : norm.title().startsWith("LRN") ? "LRN" : norm.title();
    }

    private Node.Box box(Call c) {
        Summary.Row r = c.row;
        LayerKind kind = LayerKind.of(c.module, r);
        String shape = shape(r.outputShape());
        String path = r.path();
        String tooltip = path + " (" + r.type() + ")"
                + (r.kernel().equals("-") ? "" : ": kernel " + r.kernel() + ", stride " + r.stride() + ", padding "
                + r.padding())
                + "; " + String.format(Locale.ROOT, "%,d", r.params()) + " params, "
                + String.format(Locale.ROOT, "%,d", r.macs()) + " MACs; output " + shape;
        return new Node.Box(kind, title(kind, c.module, r), path + " · " + shape, List.of(), tooltip, List.of(path));
    }

    /** The paper-style label of a layer: "conv 5×5, 6", "max pool 3×3, /2", "dense 84", "batch norm". */
    static String title(LayerKind kind, Module m, Summary.Row r) {
        int[] out = r.outputShape();
        String type = r.type();
        String kernel = r.kernel().replace('x', '×');
        String stride = r.stride().equals("-") || r.stride().equals("1") ? "" : ", /" + r.stride().replace('x', '×');
        return switch (kind) {
            case CONV -> "conv " + kernel + ", " + (out.length > 0 ? out[0] : "?") + stride;
            case DENSE -> "dense " + (out.length > 0 ? out[out.length - 1] : "?");
            case POOL -> {
                String lower = type.toLowerCase(Locale.ROOT);
                String op = lower.contains("max") ? "max pool" : "avg pool";
                if (lower.startsWith("global")) yield "global " + op;
                if (lower.startsWith("adaptive")) yield "adaptive " + op;
                yield op + (r.kernel().equals("-") ? "" : " " + kernel) + stride;
            }
            case NORM -> {
                if (m instanceof LocalResponseNorm lrn) yield "LRN, size " + lrn.size;
                yield type.startsWith("BatchNorm") ? "batch norm" : type;
            }
            case ACTIVATION -> r.activation().equals("-") ? type.toLowerCase(Locale.ROOT) : r.activation();
            case OTHER -> {
                if (m instanceof Dropout d) yield "dropout " + d.p;
                yield type.toLowerCase(Locale.ROOT);
            }
            case INPUT -> "input";
        };
    }

    /** (6, 28, 28) as "6×28×28". */
    static String shape(int[] s) {
        StringBuilder sb = new StringBuilder();
        for (int d : s) sb.append(sb.isEmpty() ? "" : "×").append(d);
        return sb.isEmpty() ? "scalar" : sb.toString();
    }
}
