package dev.fovea.models;

import dev.fovea.nn.Module;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A per-layer table of a network: output shape, kernel, stride, padding, activation, parameters and
 * multiply-accumulates (MACs), like Keras' {@code model.summary()} or torchinfo, plus an
 * {@linkplain #explain() explain mode} that shows each number's formula with the values substituted.
 *
 * <p>It runs one forward pass on zeros of shape {@code (1, sampleShape...)} in eval mode under
 * {@link NoGrad}, and records every module call through {@link Module#listen}, so shapes are the
 * ones the model really produces, not ones re-derived by a second implementation. Rows are the leaf
 * modules in call order (a module called twice gets two rows, parameters counted once), plus the
 * containers when asked. Shapes and MACs are per sample: the batch dimension is left out.
 *
 * <p>MACs count only convolutions (OC·OH·OW · (C/groups)·KH·KW) and linear layers (in · out);
 * pooling reports its comparisons/additions separately, as a course on CNN cost would: they are
 * cheap next to the multiply-adds. See {@link LayerDescribers} for how layers are read.
 */
public final class Summary {

    /**
     * One module call.
     *
     * @param path        dotted module path ({@code features.0}); "(model)" for the root
     * @param type        simple class name
     * @param depth       nesting depth (root 0)
     * @param container   true for a module with children
     * @param reused      true when the same module instance was already listed (parameters counted there)
     * @param inputShape  per-sample input shape
     * @param outputShape per-sample output shape
     * @param params      parameters registered on this module itself (0 for a reused call);
     *                    for a container row, all parameters below it
     */
    public record Row(String path, String type, int depth, boolean container, boolean reused, int[] inputShape,
                      int[] outputShape, String kernel, String stride, String padding, String activation, long params,
                      long macs, long otherOps, String otherOpsKind, List<String> explain) {
        public Row {
            inputShape = inputShape.clone();
            outputShape = outputShape.clone();
            explain = List.copyOf(explain);
        }

        @Override
        public int[] inputShape() { return inputShape.clone(); }

        @Override
        public int[] outputShape() { return outputShape.clone(); }
    }

    private final String modelName;
    private final int[] inputShape;
    private final int[] outputShape;
    private final List<Row> rows;
    private final long totalParams;
    private final long trainableParams;
    private final long bufferValues;

    private Summary(String modelName, int[] inputShape, int[] outputShape, List<Row> rows, long totalParams,
                    long trainableParams, long bufferValues) {
        this.modelName = modelName;
        this.inputShape = inputShape;
        this.outputShape = outputShape;
        this.rows = List.copyOf(rows);
        this.totalParams = totalParams;
        this.trainableParams = trainableParams;
        this.bufferValues = bufferValues;
    }

    /** Summarises {@code model} on one sample of shape {@code sampleShape} (no batch dimension), leaves only. */
    public static Summary of(Module model, int... sampleShape) {
        return of(model, false, sampleShape);
    }

    /**
     * Summarises {@code model}; with {@code includeContainers}, containers get rows too (indented,
     * before their children).
     *
     * @throws IllegalArgumentException when the shape is invalid or the model rejects it
     */
    public static Summary of(Module model, boolean includeContainers, int... sampleShape) {
        if (model == null) throw new IllegalArgumentException("Summary expects a model; received null");
        if (sampleShape == null || sampleShape.length == 0) {
            throw new IllegalArgumentException("Summary expects a per-sample input shape such as (1, 32, 32); received "
                    + (sampleShape == null ? "null" : "()"));
        }
        for (int d : sampleShape) {
            if (d < 1) {
                throw new IllegalArgumentException("Summary expects positive input sizes; received "
                        + Shapes.str(sampleShape));
            }
        }
        int[] batched = new int[sampleShape.length + 1];
        batched[0] = 1;
        System.arraycopy(sampleShape, 0, batched, 1, sampleShape.length);

        Map<Module, String> paths = new IdentityHashMap<>();
        for (var e : model.namedModules().entrySet()) paths.putIfAbsent(e.getValue(), e.getKey());
        Recorder recorder = new Recorder(paths, includeContainers);

        // Eval mode: dropout off, batch norm uses (and does not update) running statistics; restore after.
        Map<Module, Boolean> modes = new IdentityHashMap<>();
        for (Module m : model.namedModules().values()) modes.put(m, m.isTraining());
        model.eval();
        Tensor out;
        AutoCloseable listening = Module.listen(recorder);
        NoGrad noGrad = NoGrad.enter();
        try {
            out = model.forward(Tensor.zeros(batched));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Summary of " + model.getClass().getSimpleName() + " on input "
                    + Shapes.str(batched) + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Summary of " + model.getClass().getSimpleName() + " on input "
                    + Shapes.str(batched) + " failed: " + e, e);
        } finally {
            noGrad.close();
            closeQuietly(listening);
            // namedModules is pre-order, so a child's own flag is set after its parent's recursive one.
            for (var e : model.namedModules().entrySet()) {
                Boolean wasTraining = modes.get(e.getValue());
                if (wasTraining != null) {
                    if (wasTraining) e.getValue().train();
                    else e.getValue().eval();
                }
            }
        }

        long trainable = 0;
        for (Tensor p : model.parameters()) if (p.requiresGrad()) trainable += p.numel();
        long buffers = 0;
        for (Tensor b : model.namedBuffers().values()) buffers += b.numel();
        return new Summary(model.getClass().getSimpleName(), sampleShape.clone(), perSample(out.shape()), recorder.rows,
                model.parameterCount(), trainable, buffers);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not remove the summary listener", e);
        }
    }

    /** Collects one row per module call, in call order, containers placed before their children. */
    private static final class Recorder implements Module.ForwardListener {
        final Map<Module, String> paths;
        final boolean includeContainers;
        final List<Row> rows = new ArrayList<>();
        final Set<Module> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

        Recorder(Map<Module, String> paths, boolean includeContainers) {
            this.paths = paths;
            this.includeContainers = includeContainers;
        }

        @Override
        public void onForward(Module m, Tensor input, Tensor output) {
            boolean container = !m.children().isEmpty();
            long own = LayerDescribers.ownParameterCount(m);
            if (container && !includeContainers && own == 0) return;
            String path = paths.get(m);
            String shown = path == null ? "?" : path.isEmpty() ? "(model)" : path;
            int depth = path == null || path.isEmpty() ? 0 : path.split("\\.").length;
            boolean reused = !seen.add(m);
            int[] in = perSample(input.shape());
            int[] out = perSample(output.shape());
            String type = m.getClass().getSimpleName().isEmpty() ? m.getClass().getName() : m.getClass().getSimpleName();
            if (container) {
                long params = reused ? 0 : includeContainers ? m.parameterCount() : own;
                Row row = new Row(shown, type, depth, true, reused, in, out, "-", "-", "-", "-", params, 0, 0, "",
                        List.of("container: " + m.children().size() + " children, " + LayerDescribers.n(m.parameterCount())
                                + " parameters in total"));
                // Post-order notification: this call's descendants are the trailing rows under its path.
                int at = rows.size();
                String prefix = path == null ? null : path.isEmpty() ? "" : path + ".";
                while (prefix != null && at > 0 && isUnder(rows.get(at - 1).path(), prefix)) at--;
                rows.add(at, row);
                return;
            }
            LayerDescriber.Description d = LayerDescribers.forType(m.getClass()).describe(m, in, out);
            rows.add(new Row(shown, type, depth, false, reused, in, out, d.kernel(), d.stride(), d.padding(),
                    d.activation(), reused ? 0 : own, d.macs(), d.otherOps(), d.otherOpsKind(), d.explain()));
        }

        private static boolean isUnder(String rowPath, String prefix) {
            return prefix.isEmpty() ? !rowPath.equals("(model)") : rowPath.startsWith(prefix);
        }
    }

    private static int[] perSample(int[] shape) {
        return shape.length == 0 ? shape : Arrays.copyOfRange(shape, 1, shape.length);
    }

    // ------------------------------------------------------------------ results

    public List<Row> rows() { return rows; }

    public String modelName() { return modelName; }

    /** Per-sample input shape. */
    public int[] inputShape() { return inputShape.clone(); }

    /** Per-sample output shape. */
    public int[] outputShape() { return outputShape.clone(); }

    /** All parameters of the model (each shared tensor once). */
    public long totalParams() { return totalParams; }

    public long trainableParams() { return trainableParams; }

    /** Values in buffers (e.g. batch-norm running statistics): saved with the model, not trained. */
    public long bufferValues() { return bufferValues; }

    /** Multiply-accumulates for one sample, summed over leaf rows. */
    public long totalMacs() {
        long t = 0;
        for (Row r : rows) if (!r.container()) t += r.macs();
        return t;
    }

    // ------------------------------------------------------------------ formatting

    private static final String[] HEADERS = {"Layer", "Type", "Output shape", "Kernel", "Stride", "Padding",
        "Activation", "Params", "MACs"};

    /** The table with totals. */
    public String format() {
        List<String[]> cells = new ArrayList<>();
        boolean indented = rows.stream().anyMatch(Row::container); // show nesting only when containers are listed
        for (Row r : rows) {
            String indent = "  ".repeat(Math.max(0, r.depth() - 1));
            cells.add(new String[] {
                (indented ? indent : "") + r.path(), r.type(), Shapes.str(r.outputShape()), r.kernel(), r.stride(),
                r.padding(), r.activation(), r.reused() ? "(reused)" : LayerDescribers.n(r.params()),
                r.container() ? "" : LayerDescribers.n(r.macs())});
        }
        int[] width = new int[HEADERS.length];
        for (int i = 0; i < HEADERS.length; i++) width[i] = HEADERS[i].length();
        for (String[] c : cells) for (int i = 0; i < c.length; i++) width[i] = Math.max(width[i], c[i].length());

        StringBuilder sb = new StringBuilder();
        sb.append(modelName).append(" on input ").append(Shapes.str(inputShape))
                .append(" (shapes and MACs per sample; batch dimension omitted)\n");
        int total = Arrays.stream(width).sum() + 2 * (width.length - 1);
        sb.append("=".repeat(total)).append('\n');
        appendLine(sb, HEADERS, width);
        sb.append("-".repeat(total)).append('\n');
        for (String[] c : cells) appendLine(sb, c, width);
        sb.append("=".repeat(total)).append('\n');
        sb.append("Total params:         ").append(LayerDescribers.n(totalParams))
                .append(" (").append(bytes(totalParams * 4)).append(" as float32)\n");
        sb.append("Trainable params:     ").append(LayerDescribers.n(trainableParams)).append('\n');
        if (bufferValues > 0) sb.append("Buffer values:        ").append(LayerDescribers.n(bufferValues)).append('\n');
        long macs = totalMacs();
        sb.append("Multiply-adds (MACs): ").append(LayerDescribers.n(macs)).append(" (").append(millions(macs))
                .append(" M) per sample\n");
        sb.append("Output shape:         ").append(Shapes.str(outputShape)).append('\n');
        return sb.toString();
    }

    /** The table followed by each row's formulas with numbers substituted. */
    public String explain() {
        StringBuilder sb = new StringBuilder(format()).append('\n');
        for (Row r : rows) {
            sb.append(r.path()).append(" (").append(r.type()).append("): ").append(Shapes.str(r.inputShape()))
                    .append(" -> ").append(Shapes.str(r.outputShape())).append('\n');
            if (r.reused()) sb.append("  (same module as above; its parameters are counted once)\n");
            for (String line : r.explain()) sb.append("  ").append(line).append('\n');
            sb.append('\n');
        }
        sb.append("Total MACs = sum over layers = ").append(LayerDescribers.n(totalMacs())).append('\n');
        return sb.toString();
    }

    @Override
    public String toString() { return format(); }

    private static void appendLine(StringBuilder sb, String[] cells, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            boolean numeric = i >= cells.length - 2; // right-align the counts
            String c = cells[i];
            if (i > 0) line.append("  ");
            if (numeric) line.append(" ".repeat(width[i] - c.length())).append(c);
            else line.append(c).append(" ".repeat(width[i] - c.length()));
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }

    private static String millions(long v) {
        return String.format(Locale.ROOT, "%.2f", v / 1e6);
    }

    private static String bytes(long b) {
        if (b < 1024) return b + " B";
        if (b < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        if (b < 1024L * 1024 * 1024) return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
        return String.format(Locale.ROOT, "%.2f GiB", b / (1024.0 * 1024 * 1024));
    }
}
