package dev.fovea.cli;

import dev.fovea.models.ModelZoo;
import dev.fovea.models.Summary;
import dev.fovea.nn.Module;
import dev.fovea.viz.Diagram;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code fovea summary <model>}: the per-layer table of a zoo model, optionally with formulas. */
@Command(
        name = "summary",
        description = {
            "Print a per-layer table of a model: output shape, kernel, stride, padding, activation, "
                    + "parameters and multiply-adds (MACs) per sample.",
            "Shapes come from one forward pass on zeros, so they are the ones the model really produces.",
            "With --diagram, also draw the network as blocks (SVG or PNG), as in the papers' figures."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  fovea summary lenet5",
            "  fovea summary lenet5 --explain",
            "  fovea summary lenet5 --input 1,28,28 --classes 26",
            "  fovea summary lenet5 --diagram lenet5.svg",
            "  fovea summary lenet5 --diagram lenet5.png --direction right --no-fold",
            "  fovea summary resnet152 --diagram resnet152.svg --collapse"})
final class SummaryCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "<model>", completionCandidates = ModelNames.class,
            description = "Model name: ${COMPLETION-CANDIDATES}.")
    String model;

    @Option(names = "--input", paramLabel = "SHAPE", converter = ShapeConverter.class,
            description = "Per-sample input shape without the batch dimension, e.g. 1,28,28 (default: the model's own).")
    SampleShape input;

    @Option(names = "--classes", paramLabel = "N", description = "Number of outputs (default: the model's own).")
    Integer classes;

    @Option(names = "--explain", description = "After the table, show each layer's formulas with the numbers substituted.")
    boolean explain;

    @Option(names = "--containers", description = "Also list container modules (Sequential, blocks), indented.")
    boolean containers;

    @Option(names = "--diagram", paramLabel = "FILE",
            description = "Also write an architecture diagram to FILE: .svg (text, hover for details) or .png.")
    Path diagram;

    @Option(names = "--direction", paramLabel = "DIR", defaultValue = "auto",
            description = "Diagram flow: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}: right for short chains, "
                    + "else down).")
    Diagram.Direction direction;

    @Option(names = "--no-fold", description = "In the diagram, give batch norm and activations their own boxes "
            + "instead of folding them into the layer before.")
    boolean noFold;

    @Option(names = "--collapse", description = "In the diagram, draw a run of identical units (e.g. residual units) "
            + "once, marked with their number.")
    boolean collapse;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String diagramName = diagram == null ? null : String.valueOf(diagram.getFileName()).toLowerCase(Locale.ROOT);
        if (diagramName != null && !diagramName.endsWith(".svg") && !diagramName.endsWith(".png")) {
            throw new ParameterException(spec.commandLine(), "--diagram expects a file name ending in .svg or .png; "
                    + "received '" + diagram + "'");
        }
        ModelZoo.Entry entry;
        try {
            entry = ModelZoo.entry(model);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (classes != null && classes < 1) {
            throw new ParameterException(spec.commandLine(), "--classes expects a number >= 1; received " + classes);
        }
        int numClasses = classes != null ? classes : entry.defaultClasses();
        // The weights do not matter for a summary; a fixed seed keeps runs identical.
        Module m = ModelZoo.create(entry.name(), numClasses, new SplittableRandom(0));
        Summary s;
        try {
            s = Summary.of(m, containers, input != null ? input.dims() : entry.inputShape());
        } catch (IllegalArgumentException e) {
            // The model rejected the shape: with --input that is a usage error, else a bug (exit 1).
            if (input == null) throw e;
            throw new ParameterException(spec.commandLine(), "--input " + joined(input.dims()) + " does not fit: "
                    + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(explain ? s.explain() : s.format());
        if (diagram != null) {
            Diagram d = Diagram.of(m, new Diagram.Options(direction, !noFold, collapse),
                    input != null ? input.dims() : entry.inputShape());
            Path parent = diagram.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            d.write(diagram);
            out.printf(Locale.ROOT, "Diagram:              %s (%.0f x %.0f, flowing %s)%n", diagram, d.width(), d.height(),
                    d.direction().name().toLowerCase(Locale.ROOT));
        }
        out.flush();
        return Main.OK;
    }

    private static String joined(int[] dims) {
        StringBuilder sb = new StringBuilder();
        for (int d : dims) sb.append(sb.isEmpty() ? "" : ",").append(d);
        return sb.toString();
    }

    /** A per-sample shape such as {1, 32, 32}; a record so picocli does not treat it as a multi-value option. */
    record SampleShape(int[] dims) {}

    /** "1,32,32" (or "1x32x32") to {1, 32, 32}. */
    static final class ShapeConverter implements ITypeConverter<SampleShape> {
        @Override
        public SampleShape convert(String value) {
            String[] parts = value.trim().split("\\s*[,x]\\s*", -1);
            int[] shape = new int[parts.length];
            try {
                for (int i = 0; i < parts.length; i++) {
                    shape[i] = Integer.parseInt(parts[i]);
                    if (shape[i] < 1) throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected positive sizes separated by commas, like 1,32,32; received '"
                        + value + "'");
            }
            return new SampleShape(shape);
        }
    }

    /** Zoo names for the help text and shell completion. */
    static final class ModelNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ModelZoo.names().iterator();
        }
    }
}
