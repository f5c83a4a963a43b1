package dev.fovea.viz;

import dev.fovea.models.Summary;
import dev.fovea.nn.Module;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An architecture diagram of a network, like the figures in the papers: one box per layer with what
 * it does (kind, kernel, stride) and the shape it produces (C×H×W), arrows in the direction of the
 * data, boxes coloured by kind (convolution, pooling, normalisation, activation, dense), and, for
 * modules implementing {@link dev.fovea.nn.Branching}, the branches side by side joined by a
 * {@code +} or {@code concat} node, an identity shortcut drawn as a bypass line.
 *
 * <pre>{@code
 * Diagram.of(new LeNet5(10, new SplittableRandom(0)), 1, 32, 32).write(Path.of("lenet5.svg"));
 * }</pre>
 *
 * <p>Shapes and labels come from a {@link Summary} (one forward pass on zeros), so they are what
 * the model really computes; the layout follows the order in which layers are called. With
 * {@linkplain Options#fold() folding} (the default) a convolution or dense layer and the batch norm
 * and activation after it share one box ("conv 3×3, 64 + BN + relu", with a coloured stripe per
 * folded layer), as the ResNet and Inception papers draw them; a 150-layer ResNet then becomes a
 * tall but readable column of about 50 residual units. SVG output is plain text (each box carries a
 * hover tooltip with its summary rows); PNG output is painted with Java 2D. Both work headless.
 */
public final class Diagram {

    /** Which way the data flows in the picture. */
    public enum Direction {
        /** {@link #RIGHT} for a short chain without branches or stages (at most 5 boxes), else {@link #DOWN}. */
        AUTO,
        /** Top to bottom: any depth, branches side by side. */
        DOWN,
        /** Left to right, as LeNet-5's figure in the paper: best for short chains. */
        RIGHT
    }

    /**
     * @param direction which way the data flows
     * @param fold      fold batch norm and activations into the box of the layer before them
     * @param collapse  draw a run of identical units (residual units, inception modules with the same
     *                  layers and shapes) once, marked "×n" with the first and last path, as the papers'
     *                  tables do: ResNet-152's 50 units become 8
     */
    public record Options(Direction direction, boolean fold, boolean collapse) {
        public Options {
            if (direction == null) throw new IllegalArgumentException("Diagram.Options expects a direction; received null");
        }

        /** Every layer drawn, activations and batch norm folded, direction chosen from the shape of the network. */
        public static Options defaults() { return new Options(Direction.AUTO, true, false); }
    }

    private static final int AUTO_RIGHT_MAX_BOXES = 5;

    private final Scene scene;
    private final List<String> labels;
    private final Direction direction;

    private Diagram(Scene scene, List<String> labels, Direction direction) {
        this.scene = scene;
        this.labels = List.copyOf(labels);
        this.direction = direction;
    }

    /** The diagram of {@code model} on one sample of shape {@code sampleShape} (no batch dimension), default options. */
    public static Diagram of(Module model, int... sampleShape) {
        return of(model, Options.defaults(), sampleShape);
    }

    /**
     * The diagram of {@code model} on one sample of shape {@code sampleShape}.
     *
     * @throws IllegalArgumentException when the shape is invalid or the model rejects it (see {@link Summary#of})
     */
    public static Diagram of(Module model, Options options, int... sampleShape) {
        if (options == null) throw new IllegalArgumentException("Diagram expects options; received null");
        Summary summary = Summary.of(model, true, sampleShape);
        Node.Chain root = Structure.build(model, summary, options.fold(), options.collapse());
        Direction d = options.direction();
        if (d == Direction.AUTO) {
            boolean simple = root.items().stream().allMatch(n -> n instanceof Node.Box);
            d = simple && root.items().size() <= AUTO_RIGHT_MAX_BOXES ? Direction.RIGHT : Direction.DOWN;
        }
        String title = summary.modelName() + " · " + String.format(Locale.ROOT, "%,d", summary.totalParams())
                + " parameters · input " + Structure.shape(summary.inputShape());
        List<String> labels = new ArrayList<>();
        collectLabels(root, labels);
        return new Diagram(Layout.draw(root, d == Direction.DOWN, title), labels, d);
    }

    private static void collectLabels(Node n, List<String> out) {
        switch (n) {
            case Node.Box b -> out.add(b.title());
            case Node.Chain c -> c.items().forEach(i -> collectLabels(i, out));
            case Node.Fork f -> {
                f.branches().forEach(b -> collectLabels(b, out));
                out.add(f.merge() == dev.fovea.nn.Branching.Merge.ADD ? "+" : "concat");
            }
            case Node.Frame f -> {
                out.add(f.label());
                collectLabels(f.content(), out);
            }
        }
    }

    /** The box titles (and merge-node and frame labels) in drawing order, e.g. "conv 5×5, 6 + tanh". */
    public List<String> labels() { return labels; }

    /** The direction used (AUTO resolved). */
    public Direction direction() { return direction; }

    /** Width of the drawing in SVG units (PNG pixels at scale 1). */
    public double width() { return scene.width(); }

    public double height() { return scene.height(); }

    /** The diagram as a standalone SVG document. */
    public String toSvg() { return SvgWriter.write(scene); }

    /**
     * The diagram painted at {@code scale} (2 gives sharp text on high-density screens); very large
     * diagrams are painted smaller so the image stays under 40 megapixels.
     */
    public BufferedImage toImage(double scale) { return PngWriter.paint(scene, scale); }

    /** Writes SVG or PNG, chosen by the file name's extension ({@code .svg}, {@code .png}); PNG at scale 2. */
    public void write(Path file) throws IOException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".svg")) {
            writeSvg(file);
        } else if (name.endsWith(".png")) {
            writePng(file, 2);
        } else {
            throw new IllegalArgumentException("Diagram.write expects a file name ending in .svg or .png; received '"
                    + file + "'");
        }
    }

    public void writeSvg(Path file) throws IOException {
        Files.writeString(file, toSvg(), StandardCharsets.UTF_8);
    }

    public void writePng(Path file, double scale) throws IOException {
        if (!ImageIO.write(toImage(scale), "png", file.toFile())) {
            throw new IOException("no PNG writer is available in this Java runtime (javax.imageio)");
        }
    }
}
