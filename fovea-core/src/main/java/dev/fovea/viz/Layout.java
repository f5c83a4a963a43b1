package dev.fovea.viz;

import dev.fovea.nn.Branching;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Places {@link Node}s and draws them into a {@link Scene}.
 *
 * <p>Positions are worked out along two axes: {@code u} in the direction of the data flow (down or
 * right) and {@code v} across it. Every node is measured as its length along {@code u} and its
 * breadth on either side of its axis (the line its input arrives on and its output leaves from),
 * so chains line their nodes up on one axis and the same code draws both directions; only the final
 * conversion to x and y differs. Forks put their branches side by side across the flow, fan the
 * input out on a bus line and collect the outputs on another one before the merge node; a residual
 * unit keeps its main path on the chain's axis, so the shortcut runs beside it as a bypass.
 */
final class Layout {

    // Sizes in pixels, at scale 1.
    static final double TITLE_SIZE = 12.5;
    static final double SUBTITLE_SIZE = 10.5;
    static final double NOTE_SIZE = 10.5;
    static final double BOX_HEIGHT = 40;
    static final double BOX_PAD = 14;
    static final double STRIPE = 6;
    static final double GAP = 24;
    static final double BRANCH_GAP = 22;
    static final double FORK_IN = 20;
    static final double FORK_OUT = 12;
    static final double MERGE_IN = 18;
    static final double MERGE_R = 10;
    static final double FRAME_PAD = 10;
    static final double FRAME_LABEL = 16;
    static final double MARGIN = 16;
    static final double HEADER = 48;

    static final String LINE = "#4d4d4d";
    static final String TEXT = "#1a1a1a";
    static final String MUTED = "#555555";
    static final String FRAME = "#9a9a9a";
    private static final String IDENTITY = "identity";

    private record Extent(double len, double before, double after) {
        double breadth() { return before + after; }
    }

    private final boolean down;
    private final double boxWidth;
    private final Map<Node, Extent> extents = new IdentityHashMap<>();
    private final List<Scene.Shape> shapes = new ArrayList<>();

    private Layout(boolean down, double boxWidth) {
        this.down = down;
        this.boxWidth = boxWidth;
    }

    /**
     * Draws {@code root} flowing down ({@code down}) or to the right, under a header with
     * {@code title} and a legend of the layer kinds that occur.
     */
    static Scene draw(Node.Chain root, boolean down, String title) {
        List<Node.Box> boxes = new ArrayList<>();
        collectBoxes(root, boxes);
        // One width for every box, as in the papers' figures: columns line up and arrows stay straight.
        double w = 0;
        Set<LayerKind> kinds = EnumSet.noneOf(LayerKind.class);
        for (Node.Box b : boxes) {
            double text = Math.max(Fonts.width(b.title(), TITLE_SIZE, true), Fonts.width(b.subtitle(), SUBTITLE_SIZE, false));
            w = Math.max(w, text + 2 * BOX_PAD + STRIPE * b.fused().size());
            kinds.add(b.kind());
            kinds.addAll(b.fused());
        }
        kinds.remove(LayerKind.INPUT);
        Layout layout = new Layout(down, Math.ceil(Math.max(w, 110)));
        Extent e = layout.measure(root);

        List<Scene.Shape> header = new ArrayList<>();
        double headerWidth = layout.header(header, title, kinds);
        double contentW = down ? e.breadth() : e.len();
        double contentH = down ? e.len() : e.breadth();
        double width = Math.ceil(Math.max(contentW, headerWidth) + 2 * MARGIN);
        double height = Math.ceil(contentH + HEADER + 2 * MARGIN);
        // Centre the content under the header when the header is wider.
        double left = MARGIN + (width - 2 * MARGIN - contentW) / 2;
        double top = MARGIN + HEADER;
        if (down) layout.draw(root, top, left + e.before());
        else layout.draw(root, left, top + e.before());
        List<Scene.Shape> all = new ArrayList<>(header);
        all.addAll(layout.shapes);
        return new Scene(width, height, all);
    }

    private static void collectBoxes(Node n, List<Node.Box> out) {
        switch (n) {
            case Node.Box b -> out.add(b);
            case Node.Chain c -> c.items().forEach(i -> collectBoxes(i, out));
            case Node.Fork f -> f.branches().forEach(b -> collectBoxes(b, out));
            case Node.Frame f -> collectBoxes(f.content(), out);
        }
    }

    /** Title and legend at the top left; returns their width. */
    private double header(List<Scene.Shape> out, String title, Set<LayerKind> kinds) {
        out.add(new Scene.Text(MARGIN, MARGIN + 13, title, 14, true, TEXT, Scene.Anchor.START));
        double x = MARGIN;
        double y = MARGIN + 28;
        for (LayerKind k : kinds) {
            out.add(new Scene.Rect(x, y, 12, 12, 2, k.fill, k.stroke, 1, false));
            out.add(new Scene.Text(x + 17, y + 10, k.label, 11, false, MUTED, Scene.Anchor.START));
            x += 17 + Fonts.width(k.label, 11, false) + 16;
        }
        return Math.max(Fonts.width(title, 14, true), x - MARGIN - 16);
    }

    // ------------------------------------------------------------------ measuring

    private double boxLen() { return down ? BOX_HEIGHT : boxWidth; }

    private double boxBreadth() { return down ? boxWidth : BOX_HEIGHT; }

    private Extent measure(Node n) {
        Extent cached = extents.get(n);
        if (cached != null) return cached;
        Extent e = switch (n) {
            case Node.Box b -> new Extent(boxLen(), boxBreadth() / 2, boxBreadth() / 2);
            case Node.Chain c -> {
                double len = 0;
                double before = 0;
                double after = 0;
                for (Node item : c.items()) {
                    Extent x = measure(item);
                    len += x.len();
                    before = Math.max(before, x.before());
                    after = Math.max(after, x.after());
                }
                yield new Extent(len + GAP * Math.max(0, c.items().size() - 1), before, after);
            }
            case Node.Frame f -> {
                Extent x = measure(f.content());
                double label = Fonts.width(f.label(), SUBTITLE_SIZE, true);
                if (down) {
                    double after = Math.max(x.after() + FRAME_PAD, label + 2 * FRAME_PAD - x.before() - FRAME_PAD);
                    yield new Extent(FRAME_LABEL + FRAME_PAD + x.len() + FRAME_PAD, x.before() + FRAME_PAD, after);
                }
                yield new Extent(Math.max(2 * FRAME_PAD + x.len(), label + 2 * FRAME_PAD),
                        x.before() + FRAME_PAD + FRAME_LABEL, x.after() + FRAME_PAD);
            }
            case Node.Fork f -> measureFork(f);
        };
        extents.put(n, e);
        return e;
    }

    /** Where a fork's branches sit across the flow, relative to the fork's leftmost (or topmost) edge. */
    private record ForkGeometry(double[] axes, double axis, double maxLen) {}

    private ForkGeometry forkGeometry(Node.Fork f) {
        int n = f.branches().size();
        double[] axes = new double[n];
        double cursor = 0;
        double maxLen = 0;
        for (int i = 0; i < n; i++) {
            Extent x = branchExtent(f.branches().get(i));
            axes[i] = cursor + x.before();
            cursor += x.breadth() + BRANCH_GAP;
            maxLen = Math.max(maxLen, x.len());
        }
        // A residual unit (add of a main path and a shortcut) keeps the main path on the axis;
        // otherwise the input arrives in the middle of the branches.
        double axis = f.merge() == Branching.Merge.ADD && n == 2 ? axes[0] : (axes[0] + axes[n - 1]) / 2;
        return new ForkGeometry(axes, axis, maxLen);
    }

    private Extent branchExtent(Node.Chain branch) {
        if (!branch.items().isEmpty()) return measure(branch);
        double label = Fonts.width(IDENTITY, NOTE_SIZE, false);
        // An identity path is a line with its label beside it (right of it going down, above it going right).
        return down ? new Extent(0, 4, 6 + label) : new Extent(0, 4 + NOTE_SIZE, 4);
    }

    private Extent measureFork(Node.Fork f) {
        ForkGeometry g = forkGeometry(f);
        int n = f.branches().size();
        Extent last = branchExtent(f.branches().get(n - 1));
        double total = g.axes[n - 1] + last.after();
        double[] merge = mergeSize(f);
        String note = note(f);
        double noteWidth = Fonts.width(note, NOTE_SIZE, false);
        double mergeLen = down ? merge[1] : Math.max(merge[0], noteWidth);
        double count = f.repeat() == 1 ? 0 : Fonts.width(repeatLabel(f), TITLE_SIZE, true) + 8;
        double mergeBefore = down ? merge[0] / 2 + count : merge[1] / 2 + (count > 0 ? 6 + TITLE_SIZE : 0);
        double mergeAfter = down ? merge[0] / 2 + 8 + noteWidth : merge[1] / 2 + 6 + NOTE_SIZE;
        double len = FORK_IN + g.maxLen + FORK_OUT + MERGE_IN + mergeLen;
        return new Extent(len, Math.max(g.axis, mergeBefore), Math.max(total - g.axis, mergeAfter));
    }

    /** "×35" for a node that stands for 35 identical units. */
    private static String repeatLabel(Node.Fork f) {
        return "×" + f.repeat();
    }

    /** Screen width and height of the merge node. */
    private static double[] mergeSize(Node.Fork f) {
        if (f.merge() == Branching.Merge.ADD) return new double[] {2 * MERGE_R, 2 * MERGE_R};
        return new double[] {Fonts.width("concat", SUBTITLE_SIZE, true) + 16, 2 * MERGE_R};
    }

    /** The text beside a merge node: folded activation, module path (or paths and count), output shape. */
    private static String note(Node.Fork f) {
        String where = f.repeat() == 1 ? f.path() : f.path() + " … " + f.lastPath();
        return (f.activation() == null ? "" : f.activation() + " · ") + where + " · " + f.shape();
    }

    // ------------------------------------------------------------------ drawing

    private double x(double u, double v) { return down ? v : u; }

    private double y(double u, double v) { return down ? u : v; }

    private Scene.Rect rect(double u, double v, double len, double breadth, double radius, String fill, String stroke,
                            double strokeWidth, boolean dashed) {
        return down ? new Scene.Rect(v, u, breadth, len, radius, fill, stroke, strokeWidth, dashed)
                : new Scene.Rect(u, v, len, breadth, radius, fill, stroke, strokeWidth, dashed);
    }

    /** A connector through points given as (u, v) pairs. */
    private void line(boolean arrow, double... uv) {
        double[] xy = new double[uv.length];
        for (int i = 0; i < uv.length; i += 2) {
            xy[i] = x(uv[i], uv[i + 1]);
            xy[i + 1] = y(uv[i], uv[i + 1]);
        }
        shapes.add(new Scene.Line(xy, LINE, 1.2, arrow));
    }

    /** True when a connector into {@code n} should end in an arrowhead (boxes); forks start with a bus line. */
    private static boolean arrowInto(Node n) {
        return switch (n) {
            case Node.Box b -> true;
            case Node.Chain c -> !c.items().isEmpty() && arrowInto(c.items().get(0));
            case Node.Frame f -> false;
            case Node.Fork f -> false;
        };
    }

    /** Draws {@code n} starting at {@code u} along the flow, centred on the axis {@code v}. */
    private void draw(Node n, double u, double v) {
        switch (n) {
            case Node.Box b -> drawBox(b, u, v);
            case Node.Chain c -> {
                for (int i = 0; i < c.items().size(); i++) {
                    Node item = c.items().get(i);
                    draw(item, u, v);
                    u += measure(item).len();
                    if (i + 1 < c.items().size()) {
                        // A frame's output line starts inside it, at the end of its content.
                        double from = item instanceof Node.Frame ? u - FRAME_PAD : u;
                        line(arrowInto(c.items().get(i + 1)), from, v, u + GAP, v);
                        u += GAP;
                    }
                }
            }
            case Node.Frame f -> drawFrame(f, u, v);
            case Node.Fork f -> drawFork(f, u, v);
        }
    }

    private void drawBox(Node.Box b, double u, double v) {
        List<Scene.Shape> group = new ArrayList<>();
        Scene.Rect r = rect(u, v - boxBreadth() / 2, boxLen(), boxBreadth(), 5, b.kind().fill, b.kind().stroke, 1.2, false);
        group.add(r);
        // Folded layers: one stripe each in their colour, at the right end of the box.
        double sx = r.x() + r.w() - 1.5;
        for (int i = b.fused().size() - 1; i >= 0; i--) {
            LayerKind k = b.fused().get(i);
            sx -= STRIPE;
            group.add(new Scene.Rect(sx, r.y() + 1.5, STRIPE, r.h() - 3, 0, k.stroke, null, 0, false));
        }
        double textCenter = r.x() + (r.w() - STRIPE * b.fused().size()) / 2;
        double cy = r.y() + r.h() / 2;
        group.add(new Scene.Text(textCenter, Fonts.baseline(cy - 7, TITLE_SIZE), b.title(), TITLE_SIZE, true, TEXT,
                Scene.Anchor.MIDDLE));
        group.add(new Scene.Text(textCenter, Fonts.baseline(cy + 9, SUBTITLE_SIZE), b.subtitle(), SUBTITLE_SIZE, false,
                MUTED, Scene.Anchor.MIDDLE));
        shapes.add(new Scene.Group(b.tooltip(), group));
    }

    private void drawFrame(Node.Frame f, double u, double v) {
        Extent e = measure(f);
        Scene.Rect r = rect(u, v - e.before(), e.len(), e.breadth(), 8, null, FRAME, 1, true);
        shapes.add(r);
        double labelWidth = Fonts.width(f.label(), SUBTITLE_SIZE, true);
        double lx = r.x() + FRAME_PAD;
        // Going down, the label sits left of the incoming line; move it right of the line if it would cross it.
        if (down && lx + labelWidth + 4 > x(u, v)) lx = x(u, v) + 6;
        shapes.add(new Scene.Text(lx, r.y() + 4 + SUBTITLE_SIZE, f.label(), SUBTITLE_SIZE, true, MUTED,
                Scene.Anchor.START));
        double start = u + (down ? FRAME_LABEL + FRAME_PAD : FRAME_PAD);
        line(arrowInto(f.content()), u, v, start, v);
        draw(f.content(), start, v);
    }

    private void drawFork(Node.Fork f, double u, double v) {
        ForkGeometry g = forkGeometry(f);
        Extent e = measure(f);
        double base = v - g.axis; // the branches' edge across the flow
        int n = f.branches().size();
        double first = base + g.axes[0];
        double lastAxis = base + g.axes[n - 1];
        double collect = u + FORK_IN + g.maxLen + FORK_OUT;
        // Fan out on a bus line across all branches, and collect on another one.
        if (n > 1) {
            line(false, u, Math.min(first, v), u, Math.max(lastAxis, v));
            line(false, collect, Math.min(first, v), collect, Math.max(lastAxis, v));
        }
        for (int i = 0; i < n; i++) {
            Node.Chain branch = f.branches().get(i);
            double a = base + g.axes[i];
            if (branch.items().isEmpty()) {
                line(false, u, a, collect, a);
                double mid = (u + collect) / 2;
                if (down) {
                    shapes.add(new Scene.Text(a + 6, Fonts.baseline(mid, NOTE_SIZE), IDENTITY, NOTE_SIZE, false, MUTED,
                            Scene.Anchor.START));
                } else {
                    shapes.add(new Scene.Text(mid, a - 5, IDENTITY, NOTE_SIZE, false, MUTED, Scene.Anchor.MIDDLE));
                }
                continue;
            }
            line(arrowInto(branch), u, a, u + FORK_IN, a);
            draw(branch, u + FORK_IN, a);
            line(false, u + FORK_IN + measure(branch).len(), a, collect, a);
        }
        double mergeStart = collect + MERGE_IN;
        line(true, collect, v, mergeStart, v);
        drawMerge(f, mergeStart, v, u + e.len());
    }

    private void drawMerge(Node.Fork f, double u, double v, double end) {
        double[] size = mergeSize(f);
        double len = down ? size[1] : size[0];
        List<Scene.Shape> group = new ArrayList<>();
        double cx = x(u + len / 2, v);
        double cy = y(u + len / 2, v);
        if (f.merge() == Branching.Merge.ADD) {
            group.add(new Scene.Circle(cx, cy, MERGE_R, "#ffffff", LINE, 1.2));
            double arm = MERGE_R * 0.55;
            group.add(new Scene.Line(new double[] {cx - arm, cy, cx + arm, cy}, LINE, 1.6, false));
            group.add(new Scene.Line(new double[] {cx, cy - arm, cx, cy + arm}, LINE, 1.6, false));
        } else {
            group.add(new Scene.Rect(cx - size[0] / 2, cy - size[1] / 2, size[0], size[1], size[1] / 2, "#ffffff", LINE,
                    1.2, false));
            group.add(new Scene.Text(cx, Fonts.baseline(cy, SUBTITLE_SIZE), "concat", SUBTITLE_SIZE, true, TEXT,
                    Scene.Anchor.MIDDLE));
        }
        if (f.repeat() > 1) {
            // The count of identical units, bold, on the other side of the node from the note.
            group.add(down
                    ? new Scene.Text(cx - size[0] / 2 - 8, Fonts.baseline(cy, TITLE_SIZE), repeatLabel(f), TITLE_SIZE, true,
                    TEXT, Scene.Anchor.END)
                    : new Scene.Text(cx, cy - size[1] / 2 - 6, repeatLabel(f), TITLE_SIZE, true, TEXT, Scene.Anchor.MIDDLE));
        }
        String note = note(f);
        if (down) {
            group.add(new Scene.Text(cx + size[0] / 2 + 8, Fonts.baseline(cy, NOTE_SIZE), note, NOTE_SIZE, false, MUTED,
                    Scene.Anchor.START));
        } else {
            // Below the node, starting at its left edge, so it stays inside the node's slot.
            group.add(new Scene.Text(cx - size[0] / 2, cy + size[1] / 2 + 4 + NOTE_SIZE, note, NOTE_SIZE, false, MUTED,
                    Scene.Anchor.START));
        }
        shapes.add(new Scene.Group(f.tooltip(), group));
        // Going right, a long note makes the node's slot longer than the node: continue the line to the slot's end.
        if (u + len < end) line(false, u + len, v, end, v);
    }
}
