package dev.fovea.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code fovea summary <model> --diagram FILE}: the table as before, plus an SVG or PNG drawing. */
class SummaryDiagramTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void writesAnSvgNextToTheTable(@TempDir Path dir) throws Exception {
        Path svg = dir.resolve("figures/lenet5.svg"); // a missing folder is created
        String[] r = run("summary", "lenet5", "--diagram", svg.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("Total params:         61,706"), r[1]);
        assertTrue(r[1].contains("Diagram:              " + svg + " ("), r[1]);
        assertTrue(r[1].contains(", flowing down)"), r[1]);
        var f = DocumentBuilderFactory.newInstance();
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        String text = f.newDocumentBuilder().parse(svg.toFile()).getDocumentElement().getTextContent();
        assertTrue(text.contains("conv 5×5, 6 + tanh"), text);
        assertTrue(text.contains("c5 · 120×1×1"), text);
    }

    @Test
    void writesAPngWithTheChosenDirectionAndFolding(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("lenet5.png");
        String[] r = run("summary", "lenet5", "--input", "1,28,28", "--diagram", png.toString(), "--direction", "right",
                "--no-fold");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains(", flowing right)"), r[1]);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image);
        assertTrue(image.getWidth() > 4 * image.getHeight(), image.getWidth() + " x " + image.getHeight());
    }

    @Test
    void anUnknownExtensionIsAUsageError(@TempDir Path dir) {
        Path gif = dir.resolve("lenet5.gif");
        String[] r = run("summary", "lenet5", "--diagram", gif.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].startsWith("fovea summary: --diagram expects a file name ending in .svg or .png; received '"), r[2]);
        assertEquals("", r[1], "nothing printed before the error");
        assertFalse(Files.exists(gif));
        String[] d = run("summary", "lenet5", "--diagram", dir.resolve("x.svg").toString(), "--direction", "sideways");
        assertEquals("2", d[0]);
        assertTrue(d[2].contains("--direction"), d[2]);
    }
}
