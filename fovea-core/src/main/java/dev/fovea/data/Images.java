package dev.fovea.data;

/** Pixel-level helpers on (C, H, W) float images stored in a larger array at an offset. */
public final class Images {

    private Images() {}

    /** Shifts the image by (dy, dx) pixels, filling uncovered pixels with {@code fill}. */
    public static void shift(float[] x, int off, int c, int h, int w, int dy, int dx, float fill) {
        if (dy == 0 && dx == 0) return;
        float[] src = new float[c * h * w];
        System.arraycopy(x, off, src, 0, src.length);
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                int sy = y - dy;
                for (int xx = 0; xx < w; xx++) {
                    int sx = xx - dx;
                    boolean inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                    x[off + (ch * h + y) * w + xx] = inside ? src[(ch * h + sy) * w + sx] : fill;
                }
            }
        }
    }

    /** Rotates by {@code angle} radians about the centre and translates by (ty, tx), bilinear sampling. */
    public static void rotateTranslate(float[] x, int off, int c, int h, int w, double angle, double ty, double tx, float fill) {
        float[] src = new float[c * h * w];
        System.arraycopy(x, off, src, 0, src.length);
        double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0, cos = Math.cos(angle), sin = Math.sin(angle);
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                // inverse map: where in the source does output pixel (y, xx) come from
                double oy = y - cy - ty, ox = xx - cx - tx;
                double sy = cos * oy + sin * ox + cy, sx = -sin * oy + cos * ox + cx;
                for (int ch = 0; ch < c; ch++) {
                    x[off + (ch * h + y) * w + xx] = bilinear(src, ch * h * w, h, w, sy, sx, fill);
                }
            }
        }
    }

    /** Bilinear sample of one plane at (y, x); pixels outside read as {@code fill}. */
    static float bilinear(float[] plane, int off, int h, int w, double y, double x, float fill) {
        int y0 = (int) Math.floor(y), x0 = (int) Math.floor(x);
        double fy = y - y0, fx = x - x0;
        double v = 0;
        for (int dy = 0; dy <= 1; dy++) {
            for (int dx = 0; dx <= 1; dx++) {
                double weight = (dy == 0 ? 1 - fy : fy) * (dx == 0 ? 1 - fx : fx);
                if (weight == 0) continue;
                int yy = y0 + dy, xx = x0 + dx;
                float p = yy >= 0 && yy < h && xx >= 0 && xx < w ? plane[off + yy * w + xx] : fill;
                v += weight * p;
            }
        }
        return (float) v;
    }

    /** Bilinear resize of a (C, H, W) image to (C, oh, ow), aligning pixel centres (PyTorch align_corners=False). */
    public static float[] resize(float[] src, int c, int h, int w, int oh, int ow) {
        float[] out = new float[c * oh * ow];
        double sy = (double) h / oh, sx = (double) w / ow;
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < oh; y++) {
                double fy = Math.max(0, (y + 0.5) * sy - 0.5);
                for (int x = 0; x < ow; x++) {
                    double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                    out[(ch * oh + y) * ow + x] = bilinear(src, ch * h * w, h, w,
                            Math.min(fy, h - 1), Math.min(fx, w - 1), 0f);
                }
            }
        }
        return out;
    }
}
