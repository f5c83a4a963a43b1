package dev.fovea.viz;

import java.awt.Font;
import java.awt.font.FontRenderContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Text measurement for the layout, with Java's logical {@code SansSerif} font (DejaVu Sans on most
 * Linux systems). The SVG asks for the same family first, so boxes sized here fit their labels in
 * both outputs. Works without a display (headless): only a {@link FontRenderContext} is needed.
 */
final class Fonts {

    /** The font family list written into SVG files; DejaVu Sans and Verdana have about the same widths. */
    static final String SVG_FAMILY = "DejaVu Sans, Verdana, Geneva, sans-serif";

    private static final FontRenderContext CONTEXT = new FontRenderContext(null, true, true);
    private static final Map<String, Font> FONTS = new ConcurrentHashMap<>();

    private Fonts() {}

    static Font font(double size, boolean bold) {
        return FONTS.computeIfAbsent(size + (bold ? "b" : ""),
                k -> new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, 1).deriveFont((float) size));
    }

    /** Advance width of {@code text} in pixels. */
    static double width(String text, double size, boolean bold) {
        if (text.isEmpty()) return 0;
        try {
            return font(size, bold).getStringBounds(text, CONTEXT).getWidth();
        } catch (RuntimeException | LinkageError | InternalError | java.awt.AWTError e) {
            // No usable font subsystem (a stripped-down JRE): DejaVu Sans averages ~0.62 em per character.
            return text.length() * size * (bold ? 0.68 : 0.62);
        }
    }

    /** The baseline that centres a line of text of this size vertically on {@code centerY}. */
    static double baseline(double centerY, double size) {
        // Centre the capital height (0.73 em in DejaVu Sans) rather than ascent + descent: digits and
        // capitals dominate the labels, and descenders are rare.
        return centerY + 0.36 * size;
    }
}
