package dev.fovea.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;

/**
 * Paints a {@link Scene} into a {@link BufferedImage} with Java 2D (antialiased shapes and text),
 * for writing as PNG with {@link javax.imageio.ImageIO}. Works headless.
 */
final class PngWriter {

    /** Images above this many pixels are drawn at a smaller scale, so a 150-layer network stays a few MB. */
    static final long MAX_PIXELS = 40_000_000L;

    private PngWriter() {}

    /** The scene at {@code scale} pixels per unit (2 for sharp text on high-density screens), reduced if huge. */
    static BufferedImage paint(Scene scene, double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("PNG scale must be a positive number; received " + scale);
        }
        double pixels = scene.width() * scene.height() * scale * scale;
        if (pixels > MAX_PIXELS) scale *= Math.sqrt(MAX_PIXELS / pixels);
        int w = Math.max(1, (int) Math.ceil(scene.width() * scale));
        int h = Math.max(1, (int) Math.ceil(scene.height() * scale));
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.scale(scale, scale);
            for (Scene.Shape s : scene.shapes()) paint(g, s);
        } finally {
            g.dispose();
        }
        return image;
    }

    private static void paint(Graphics2D g, Scene.Shape shape) {
        switch (shape) {
            case Scene.Rect r -> {
                var box = new RoundRectangle2D.Double(r.x(), r.y(), r.w(), r.h(), 2 * r.radius(), 2 * r.radius());
                if (r.fill() != null) {
                    g.setColor(color(r.fill()));
                    g.fill(box);
                }
                if (r.stroke() != null) {
                    g.setColor(color(r.stroke()));
                    g.setStroke(r.dashed()
                            ? new BasicStroke((float) r.strokeWidth(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10,
                            new float[] {5, 4}, 0)
                            : new BasicStroke((float) r.strokeWidth()));
                    g.draw(box);
                }
            }
            case Scene.Line l -> {
                double[] p = l.points();
                Path2D.Double path = new Path2D.Double();
                path.moveTo(p[0], p[1]);
                for (int i = 2; i < p.length; i += 2) path.lineTo(p[i], p[i + 1]);
                g.setColor(color(l.stroke()));
                g.setStroke(new BasicStroke((float) l.width(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER));
                g.draw(path);
                if (l.arrow()) {
                    double[] h = Scene.arrowhead(p[p.length - 4], p[p.length - 3], p[p.length - 2], p[p.length - 1]);
                    Path2D.Double head = new Path2D.Double();
                    head.moveTo(h[0], h[1]);
                    head.lineTo(h[2], h[3]);
                    head.lineTo(h[4], h[5]);
                    head.closePath();
                    g.fill(head);
                }
            }
            case Scene.Circle c -> {
                var circle = new Ellipse2D.Double(c.cx() - c.r(), c.cy() - c.r(), 2 * c.r(), 2 * c.r());
                if (c.fill() != null) {
                    g.setColor(color(c.fill()));
                    g.fill(circle);
                }
                g.setColor(color(c.stroke()));
                g.setStroke(new BasicStroke((float) c.strokeWidth()));
                g.draw(circle);
            }
            case Scene.Text t -> {
                g.setFont(Fonts.font(t.size(), t.bold()));
                g.setColor(color(t.color()));
                double width = Fonts.width(t.text(), t.size(), t.bold());
                double x = switch (t.anchor()) {
                    case START -> t.x();
                    case MIDDLE -> t.x() - width / 2;
                    case END -> t.x() - width;
                };
                g.drawString(t.text(), (float) x, (float) t.y());
            }
            case Scene.Group grp -> {
                for (Scene.Shape s : grp.shapes()) paint(g, s);
            }
        }
    }

    /** "#3f78b5" to a colour. */
    private static Color color(String hex) {
        return new Color(Integer.parseInt(hex.substring(1), 16));
    }
}
