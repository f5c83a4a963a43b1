package dev.fovea.viz;

import dev.fovea.nn.Branching;

import java.util.ArrayList;
import java.util.List;

/**
 * The structure of a diagram before it is placed: layer boxes, chains of nodes, forks (parallel
 * branches joined by a merge node) and frames (a named container drawn as a dashed outline).
 */
sealed interface Node permits Node.Box, Node.Chain, Node.Fork, Node.Frame {

    /**
     * One layer, or a layer with the normalisation and activation that follow it folded in.
     *
     * @param kind     the layer's kind (its colour)
     * @param title    what it does, e.g. "conv 5×5, 6 + tanh"
     * @param subtitle where it is and what it produces, e.g. "c1 · 6×28×28"
     * @param fused    kinds folded into this box (drawn as coloured stripes), in order
     * @param tooltip  every folded layer's summary row, one per line
     * @param paths    module paths of the layers this box stands for
     */
    record Box(LayerKind kind, String title, String subtitle, List<LayerKind> fused, String tooltip, List<String> paths)
            implements Node {
        public Box {
            fused = List.copyOf(fused);
            paths = List.copyOf(paths);
        }

        /** This box with {@code other} folded in: "conv 3×3, 64" + "BN" -> "conv 3×3, 64 + BN". */
        Box absorb(Box other, String shortName, String shape) {
            List<LayerKind> f = new ArrayList<>(fused);
            f.add(other.kind);
            List<String> p = new ArrayList<>(paths);
            p.addAll(other.paths);
            String path = paths.isEmpty() ? "" : paths.get(0);
            return new Box(kind, title + " + " + shortName, path + " · " + shape, f, tooltip + "\n" + other.tooltip, p);
        }
    }

    /** Nodes applied one after the other; an empty chain is an identity path. */
    record Chain(List<Node> items) implements Node {
        public Chain {
            items = List.copyOf(items);
        }
    }

    /**
     * Branches that see the same input, joined by a merge node ({@code +} or {@code concat}).
     *
     * @param activation an activation applied after the merge and folded into its label, or null
     * @param path       the branching module's path
     * @param shape      output shape after the merge, e.g. "256×56×56"
     * @param repeat     how many identical units in a row this node stands for (1 unless repeats are collapsed)
     * @param lastPath   the path of the last of those units (equal to {@code path} when {@code repeat} is 1)
     */
    record Fork(List<Chain> branches, Branching.Merge merge, String activation, String path, String shape,
                String tooltip, int repeat, String lastPath) implements Node {
        public Fork {
            branches = List.copyOf(branches);
        }

        Fork withActivation(String name, String extraTooltip) {
            return new Fork(branches, merge, name, path, shape, tooltip + "\n" + extraTooltip, repeat, lastPath);
        }

        /** This unit standing for itself and {@code more} identical ones after it, the last at {@code last}. */
        Fork repeated(int more, String last) {
            return new Fork(branches, merge, activation, path, shape,
                    tooltip + "\n(drawn once for " + (repeat + more) + " identical units, " + path + " to " + last + ")",
                    repeat + more, last);
        }
    }

    /** A container (a stage such as {@code layer1} or {@code features}) drawn as a labelled dashed outline. */
    record Frame(String label, Chain content) implements Node {}
}
