package dev.fovea.viz;

import dev.fovea.models.LeNet5;
import dev.fovea.models.Summary;
import dev.fovea.nn.Module;
import dev.fovea.nn.ReLU;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

import javax.imageio.ImageIO;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiagramTest {

    /** Parses SVG text as XML (no DTDs, no external entities) and returns the document. */
    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    /** The text content of every element named {@code tag}. */
    private static List<String> texts(Document doc, String tag) {
        NodeList nodes = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) out.add(nodes.item(i).getTextContent());
        return out;
    }

    private static List<Summary.Row> leaves(Module m, int... shape) {
        return Summary.of(m, shape).rows().stream().filter(r -> !r.container()).toList();
    }

    @Test
    void lenet5SvgIsWellFormedAndLabelsEveryLayer() throws Exception {
        LeNet5 model = new LeNet5(10, new SplittableRandom(0));
        Diagram d = Diagram.of(model, new Diagram.Options(Diagram.Direction.DOWN, true, false), 1, 32, 32);
        Document doc = parse(d.toSvg());
        assertEquals("svg", doc.getDocumentElement().getLocalName());
        List<String> texts = texts(doc, "text");
        List<String> titles = texts(doc, "title");

        // Folded: input, C1+tanh, S2, C3+tanh, S4, C5+tanh, flatten, F6+tanh, output.
        assertEquals(List.of("input", "conv 5×5, 6 + tanh", "avg pool 2×2, /2", "conv 5×5, 16 + tanh", "avg pool 2×2, /2",
                "conv 5×5, 120 + tanh", "flatten", "dense 84 + tanh", "dense 10"), d.labels());
        for (String label : d.labels()) assertTrue(texts.contains(label), "no text element reads '" + label + "'");
        assertTrue(texts.contains("c1 · 6×28×28"), texts.toString());
        assertTrue(texts.contains("s4 · 16×5×5"), texts.toString());
        assertTrue(texts.contains("output · 10"), texts.toString());
        // Every layer, folded or not, is named in a box's tooltip with its type.
        String tooltips = String.join("\n", titles);
        for (Summary.Row r : leaves(model, 1, 32, 32)) {
            assertTrue(tooltips.contains(r.path() + " (" + r.type() + ")"), "no tooltip names " + r.path());
        }
        assertTrue(texts.get(0).startsWith("LeNet5 · 61,706 parameters · input 1×32×32"), texts.get(0));
        assertTrue(d.height() > d.width(), "flows down: " + d.width() + " x " + d.height());
    }

    @Test
    void withoutFoldingEveryLayerHasItsOwnBox() throws Exception {
        LeNet5 model = new LeNet5(10, new SplittableRandom(0));
        Diagram d = Diagram.of(model, new Diagram.Options(Diagram.Direction.RIGHT, false, false), 1, 28, 28);
        List<Summary.Row> rows = leaves(model, 1, 28, 28);
        assertEquals(rows.size() + 1, d.labels().size(), d.labels().toString());
        assertEquals("tanh", d.labels().get(2));
        List<String> texts = texts(parse(d.toSvg()), "text");
        for (Summary.Row r : rows) {
            assertTrue(texts.stream().anyMatch(t -> t.startsWith(r.path() + " · ")), "no box for " + r.path());
        }
        assertTrue(d.width() > d.height(), "flows right: " + d.width() + " x " + d.height());
        assertEquals(Diagram.Direction.RIGHT, d.direction());
    }

    @Test
    void branchesAreDrawnSideBySideWithTheirMergeNodes() throws Exception {
        Module model = new ToyNets.BranchyNet(new SplittableRandom(1));
        Diagram d = Diagram.of(model, 3, 16, 16);
        assertEquals(Diagram.Direction.DOWN, d.direction());
        // Two residual units (identity, then projection shortcut) and one inception module.
        assertEquals(2, Collections.frequency(d.labels(), "+"), d.labels().toString());
        assertEquals(1, Collections.frequency(d.labels(), "concat"), d.labels().toString());
        List<String> labels = d.labels();
        // Unit 1: the main path, then its merge; the ReLU after the addition is written beside the merge node.
        int merge1 = labels.indexOf("+");
        assertEquals(List.of("conv 3×3, 8 + BN + relu", "conv 3×3, 8 + BN", "+"), labels.subList(merge1 - 2, merge1 + 1));
        // Unit 2: main path, then the projection shortcut (1x1, stride 2) in its own branch.
        assertTrue(labels.contains("conv 1×1, 16, /2 + BN"), labels.toString());
        assertTrue(labels.contains("max pool 3×3"), labels.toString());

        Document doc = parse(d.toSvg());
        List<String> texts = texts(doc, "text");
        assertTrue(texts.contains("relu · block1 · 8×16×16"), texts.toString());
        assertTrue(texts.contains("inception · 24×8×8"), texts.toString());
        assertEquals(1, Collections.frequency(texts, "identity"), "one identity shortcut: " + texts);
        assertEquals(2, doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", "circle").getLength(), "two + nodes");
        for (String label : labels) {
            if (!label.equals("+")) assertTrue(texts.contains(label), "no text element reads '" + label + "'");
        }
        String tooltips = String.join("\n", texts(doc, "title"));
        for (Summary.Row r : leaves(model, 3, 16, 16)) {
            assertTrue(tooltips.contains(r.path() + " (" + r.type() + ")"), "no tooltip names " + r.path());
        }
        assertTrue(tooltips.contains("inception (Inception): concat of 3 branches -> 24×8×8"), tooltips);
        assertTrue(tooltips.contains("block2 (Residual): add of 2 branches -> 16×8×8"), tooltips);
        // The stage containers directly under the model become frames when they hold several boxes.
        assertTrue(texts.contains("head"), texts.toString());
    }

    @Test
    void branchesMayNameTheLayersInsideChildContainers() throws Exception {
        Diagram byLayers = Diagram.of(new ToyNets.InceptionByLayers(new SplittableRandom(3)), 16, 8, 8);
        Diagram byContainers = Diagram.of(new ToyNets.Inception(16, 8, 4, 8, 8, new SplittableRandom(3)), 16, 8, 8);
        assertEquals(byContainers.labels(), byLayers.labels());
        assertEquals(List.of("input", "conv 1×1, 8 + relu", "conv 1×1, 4 + relu", "conv 3×3, 8 + relu", "max pool 3×3",
                "conv 1×1, 8 + relu", "concat"), byLayers.labels());
        assertEquals(byContainers.width(), byLayers.width(), 1e-9, "three branches side by side in both");
    }

    @Test
    void pngDecodesWithTheDiagramsProportions(@TempDir Path dir) throws Exception {
        for (Module model : List.<Module>of(new LeNet5(10, new SplittableRandom(0)), new ToyNets.BranchyNet(new SplittableRandom(1)))) {
            int[] shape = model instanceof LeNet5 ? new int[] {1, 32, 32} : new int[] {3, 16, 16};
            Diagram d = Diagram.of(model, shape);
            Path png = dir.resolve(model.getClass().getSimpleName() + ".png");
            Path svg = dir.resolve(model.getClass().getSimpleName() + ".svg");
            d.write(png);
            d.write(svg);
            BufferedImage image = ImageIO.read(png.toFile());
            assertNotNull(image, "the PNG does not decode");
            assertEquals(Math.ceil(d.width() * 2), image.getWidth(), 1.0);
            assertEquals(Math.ceil(d.height() * 2), image.getHeight(), 1.0);
            // Not blank: the box fills and text put many distinct colours on the white background.
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            for (int y = 0; y < image.getHeight(); y += 3) {
                for (int x = 0; x < image.getWidth(); x += 3) colours.add(image.getRGB(x, y));
            }
            assertTrue(colours.size() > 20, "only " + colours.size() + " colours");
            parse(Files.readString(svg));
        }
    }

    @Test
    void aResNet152ShapedStackStaysOneReadableColumn() throws Exception {
        Module model = ToyNets.deepResNet(new SplittableRandom(2));
        Diagram d = Diagram.of(model, 3, 32, 32);
        List<String> labels = d.labels();
        // 50 residual units; conv + BN (+ ReLU) fold into one box: 1 stem + 3 per unit + 3 projections
        // (stages 2-4 start with one; stage 1 keeps its 8 channels, so its first shortcut is an identity).
        assertEquals(50, Collections.frequency(labels, "+"));
        long convBoxes = labels.stream().filter(l -> l.startsWith("conv")).count();
        assertEquals(1 + 3 * 50 + 3, convBoxes);
        assertEquals(152, Summary.of(model, 3, 32, 32).rows().stream()
                .filter(r -> r.type().equals("Conv2d") || r.type().equals("Linear")).count() - 3, "ResNet-152's 152 layers");
        parse(d.toSvg());
        assertTrue(d.height() / d.width() > 10, "a tall column: " + d.width() + " x " + d.height());
        BufferedImage image = d.toImage(2);
        assertTrue((long) image.getWidth() * image.getHeight() <= PngWriter.MAX_PIXELS + image.getWidth() + image.getHeight(),
                image.getWidth() + " x " + image.getHeight());

        // Collapsed: each stage's identical units drawn once with their count (stage 1 has no projection: one run).
        Diagram c = Diagram.of(model, new Diagram.Options(Diagram.Direction.AUTO, true, true), 3, 32, 32);
        assertEquals(7, Collections.frequency(c.labels(), "+"), c.labels().toString());
        List<String> texts = texts(parse(c.toSvg()), "text");
        assertTrue(texts.contains("relu · 3.0 … 3.2 · 8×32×32"), texts.toString());
        assertTrue(texts.contains("relu · 5.1 … 5.35 · 32×8×8"), texts.toString());
        assertEquals(List.of("×3", "×7", "×35", "×2"), texts.stream().filter(t -> t.startsWith("×")).toList());
        assertTrue(texts.contains("relu · 5.0 · 32×8×8"), texts.toString());
        assertTrue(c.height() < d.height() / 4, c.height() + " vs " + d.height());
    }

    /** A module whose child names need escaping in XML. */
    static final class Awkward extends Module {
        final ReLU child;

        Awkward() {
            child = registerModule("a<b>&\"c'", new ReLU());
        }

        @Override
        protected Tensor compute(Tensor x) {
            return child.forward(x);
        }
    }

    @Test
    void specialCharactersAreEscapedAndBadFileNamesRejected(@TempDir Path dir) throws Exception {
        Diagram d = Diagram.of(new Awkward(), 2, 3);
        List<String> texts = texts(parse(d.toSvg()), "text");
        assertTrue(texts.contains("a<b>&\"c' · 2×3"), texts.toString());
        assertEquals(Diagram.Direction.RIGHT, d.direction(), "two boxes flow right");
        var e = assertThrows(IllegalArgumentException.class, () -> d.write(dir.resolve("net.jpg")));
        assertTrue(e.getMessage().contains("expects a file name ending in .svg or .png; received"), e.getMessage());
        var bad = assertThrows(IllegalArgumentException.class, () -> Diagram.of(new LeNet5(10, new SplittableRandom(0)), 3, 32, 32));
        assertTrue(bad.getMessage().contains("received (1, 3, 32, 32)"), bad.getMessage());
    }
}
