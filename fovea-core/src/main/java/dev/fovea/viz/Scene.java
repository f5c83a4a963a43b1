package dev.fovea.viz;

import java.util.List;

/**
 * A drawing as a list of primitives in image coordinates (pixels, x right, y down), built once by
 * {@link Layout} and written by both {@link SvgWriter} and {@link PngWriter}, so the two formats
 * show the same picture. Colours are CSS hex strings ({@code #4a7fb5}); {@code null} means none.
 */
record Scene(double width, double height, List<Shape> shapes) {

    Scene {
        shapes = List.copyOf(shapes);
    }

    /** Horizontal alignment of a text relative to its x coordinate (SVG's {@code text-anchor}). */
    enum Anchor { START, MIDDLE, END }

    sealed interface Shape permits Rect, Line, Circle, Text, Group {}

    /** A rectangle with corner radius {@code radius}; {@code dashed} for container frames. */
    record Rect(double x, double y, double w, double h, double radius, String fill, String stroke, double strokeWidth,
                boolean dashed) implements Shape {}

    /**
     * A polyline through {@code points} (x0, y0, x1, y1, ...), with a filled arrowhead at the last
     * point when {@code arrow}.
     */
    record Line(double[] points, String stroke, double width, boolean arrow) implements Shape {
        Line {
            if (points.length < 4 || points.length % 2 != 0) {
                throw new IllegalArgumentException("a line needs at least two points (x, y pairs); received "
                        + points.length + " coordinates");
            }
            points = points.clone();
        }

        @Override
        public double[] points() { return points.clone(); }
    }

    record Circle(double cx, double cy, double r, String fill, String stroke, double strokeWidth) implements Shape {}

    /** One line of text; {@code y} is the baseline. */
    record Text(double x, double y, String text, double size, boolean bold, String color, Anchor anchor)
            implements Shape {}

    /** Shapes that belong together (one layer's box and labels), with a tooltip (SVG {@code <title>}). */
    record Group(String tooltip, List<Shape> shapes) implements Shape {
        Group {
            shapes = List.copyOf(shapes);
        }
    }

    /** Arrowhead size in pixels: length along the line and half its width. */
    static final double ARROW_LENGTH = 7;
    static final double ARROW_HALF_WIDTH = 3.5;

    /**
     * The arrowhead triangle for a segment ending at (x1, y1) coming from (x0, y0): tip, then the two
     * back corners, as x, y pairs.
     */
    static double[] arrowhead(double x0, double y0, double x1, double y1) {
        double dx = x1 - x0;
        double dy = y1 - y0;
        double len = Math.hypot(dx, dy);
        if (len == 0) return new double[] {x1, y1, x1, y1, x1, y1};
        double ux = dx / len;
        double uy = dy / len;
        double bx = x1 - ux * ARROW_LENGTH;
        double by = y1 - uy * ARROW_LENGTH;
        return new double[] {x1, y1, bx - uy * ARROW_HALF_WIDTH, by + ux * ARROW_HALF_WIDTH,
            bx + uy * ARROW_HALF_WIDTH, by - ux * ARROW_HALF_WIDTH};
    }
}
