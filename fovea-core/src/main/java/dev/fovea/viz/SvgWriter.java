package dev.fovea.viz;

import java.util.Locale;

/**
 * Writes a {@link Scene} as a standalone SVG 1.1 document: plain text, one element per primitive,
 * each layer a {@code <g>} whose {@code <title>} is its summary (a browser shows it on hover).
 */
final class SvgWriter {

    private SvgWriter() {}

    static String write(Scene scene) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").append(num(scene.width()))
                .append("\" height=\"").append(num(scene.height())).append("\" viewBox=\"0 0 ").append(num(scene.width()))
                .append(' ').append(num(scene.height())).append("\" font-family=\"").append(Fonts.SVG_FAMILY)
                .append("\">\n");
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        for (Scene.Shape s : scene.shapes()) shape(sb, s, "");
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static void shape(StringBuilder sb, Scene.Shape shape, String indent) {
        sb.append(indent);
        switch (shape) {
            case Scene.Rect r -> {
                sb.append("<rect x=\"").append(num(r.x())).append("\" y=\"").append(num(r.y())).append("\" width=\"")
                        .append(num(r.w())).append("\" height=\"").append(num(r.h())).append('"');
                if (r.radius() > 0) sb.append(" rx=\"").append(num(r.radius())).append('"');
                sb.append(" fill=\"").append(r.fill() == null ? "none" : r.fill()).append('"');
                if (r.stroke() != null) {
                    sb.append(" stroke=\"").append(r.stroke()).append("\" stroke-width=\"").append(num(r.strokeWidth()))
                            .append('"');
                    if (r.dashed()) sb.append(" stroke-dasharray=\"5 4\"");
                }
                sb.append("/>\n");
            }
            case Scene.Line l -> {
                double[] p = l.points();
                sb.append("<polyline points=\"");
                for (int i = 0; i < p.length; i += 2) {
                    if (i > 0) sb.append(' ');
                    sb.append(num(p[i])).append(',').append(num(p[i + 1]));
                }
                sb.append("\" fill=\"none\" stroke=\"").append(l.stroke()).append("\" stroke-width=\"")
                        .append(num(l.width())).append("\"/>\n");
                if (l.arrow()) {
                    double[] h = Scene.arrowhead(p[p.length - 4], p[p.length - 3], p[p.length - 2], p[p.length - 1]);
                    sb.append(indent).append("<polygon points=\"").append(num(h[0])).append(',').append(num(h[1]))
                            .append(' ').append(num(h[2])).append(',').append(num(h[3])).append(' ').append(num(h[4]))
                            .append(',').append(num(h[5])).append("\" fill=\"").append(l.stroke()).append("\"/>\n");
                }
            }
            case Scene.Circle c -> sb.append("<circle cx=\"").append(num(c.cx())).append("\" cy=\"").append(num(c.cy()))
                    .append("\" r=\"").append(num(c.r())).append("\" fill=\"").append(c.fill() == null ? "none" : c.fill())
                    .append("\" stroke=\"").append(c.stroke()).append("\" stroke-width=\"").append(num(c.strokeWidth()))
                    .append("\"/>\n");
            case Scene.Text t -> {
                sb.append("<text x=\"").append(num(t.x())).append("\" y=\"").append(num(t.y())).append("\" font-size=\"")
                        .append(num(t.size())).append('"');
                if (t.bold()) sb.append(" font-weight=\"bold\"");
                if (t.anchor() != Scene.Anchor.START) {
                    sb.append(" text-anchor=\"").append(t.anchor() == Scene.Anchor.MIDDLE ? "middle" : "end").append('"');
                }
                sb.append(" fill=\"").append(t.color()).append("\">").append(escape(t.text())).append("</text>\n");
            }
            case Scene.Group g -> {
                sb.append("<g>\n");
                if (g.tooltip() != null && !g.tooltip().isEmpty()) {
                    sb.append(indent).append("  <title>").append(escape(g.tooltip())).append("</title>\n");
                }
                for (Scene.Shape s : g.shapes()) shape(sb, s, indent + "  ");
                sb.append(indent).append("</g>\n");
            }
        }
    }

    /** Coordinates with at most two decimals, no trailing zeros. */
    static String num(double v) {
        long rounded = Math.round(v * 100);
        if (rounded % 100 == 0) return Long.toString(rounded / 100);
        String s = String.format(Locale.ROOT, "%.2f", rounded / 100.0);
        return s.endsWith("0") ? s.substring(0, s.length() - 1) : s;
    }

    /** Text content and attribute values with XML's five special characters escaped. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    // XML 1.0 forbids most control characters even when escaped; tooltips only use '\n'.
                    if (c < 0x20 && c != '\n' && c != '\t') sb.append(' ');
                    else sb.append(c);
                }
            }
        }
        return sb.toString();
    }
}
