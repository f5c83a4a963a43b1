package dev.fovea.data;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A shape-preserving, in-place change to one example image (C, H, W) stored at {@code x[offset...]}:
 * normalisation and data augmentation. Randomness comes only from {@code rng}, which the
 * {@link DataLoader} derives from (seed, epoch, example index), so augmented batches are the same on
 * every run and independent of prefetch threading.
 */
@FunctionalInterface
public interface Transform {

    void apply(float[] x, int offset, int c, int h, int w, RandomGenerator rng);

    /** Applies the transforms in order. */
    static Transform compose(List<Transform> steps) {
        List<Transform> copy = List.copyOf(steps);
        return (x, off, c, h, w, rng) -> {
            for (Transform t : copy) t.apply(x, off, c, h, w, rng);
        };
    }

    /** (x - mean[c]) / std[c] per channel; one value applies to all channels. */
    static Transform normalize(float[] mean, float[] std) {
        for (float s : std) {
            if (!(s > 0f)) throw new IllegalArgumentException("normalize expects positive std; received " + s);
        }
        return (x, off, c, h, w, rng) -> {
            if (mean.length != 1 && mean.length != c || std.length != 1 && std.length != c) {
                throw new IllegalArgumentException("normalize expects 1 or " + c + " means and stds; received "
                        + mean.length + " and " + std.length);
            }
            int plane = h * w;
            for (int ch = 0; ch < c; ch++) {
                float m = mean[mean.length == 1 ? 0 : ch], inv = 1f / std[std.length == 1 ? 0 : ch];
                for (int i = off + ch * plane, end = i + plane; i < end; i++) x[i] = (x[i] - m) * inv;
            }
        };
    }

    /** Mirrors the image left-right with probability p. */
    static Transform horizontalFlip(double p) {
        return (x, off, c, h, w, rng) -> {
            if (rng.nextDouble() >= p) return;
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    int row = off + (ch * h + y) * w;
                    for (int i = 0, j = w - 1; i < j; i++, j--) {
                        float t = x[row + i]; x[row + i] = x[row + j]; x[row + j] = t;
                    }
                }
            }
        };
    }

    /**
     * Random crop after zero padding (the CIFAR recipe of He et al. 2016): equivalent to shifting the
     * image by up to {@code pad} pixels in each direction, filling with {@code fill}.
     */
    static Transform randomCrop(int pad, float fill) {
        if (pad < 0) throw new IllegalArgumentException("randomCrop expects pad >= 0; received " + pad);
        return (x, off, c, h, w, rng) -> {
            int dy = rng.nextInt(2 * pad + 1) - pad, dx = rng.nextInt(2 * pad + 1) - pad;
            Images.shift(x, off, c, h, w, dy, dx, fill);
        };
    }

    /**
     * Random rotation by up to ±maxDegrees and translation by up to ±maxShift pixels, with bilinear
     * sampling and {@code fill} outside the image (the small affine jitter used for digits).
     */
    static Transform randomAffine(double maxDegrees, double maxShift, float fill) {
        return (x, off, c, h, w, rng) -> {
            double angle = Math.toRadians((rng.nextDouble() * 2 - 1) * maxDegrees);
            double ty = (rng.nextDouble() * 2 - 1) * maxShift, tx = (rng.nextDouble() * 2 - 1) * maxShift;
            Images.rotateTranslate(x, off, c, h, w, angle, ty, tx, fill);
        };
    }

    /**
     * Brightness and contrast jitter: x' = (x - mean) * contrast + mean + brightness with contrast in
     * [1 - maxContrast, 1 + maxContrast] and brightness in ±maxBrightness (values in the image's units).
     */
    static Transform colorJitter(double maxBrightness, double maxContrast) {
        return (x, off, c, h, w, rng) -> {
            float contrast = (float) (1 + (rng.nextDouble() * 2 - 1) * maxContrast);
            float brightness = (float) ((rng.nextDouble() * 2 - 1) * maxBrightness);
            int n = c * h * w;
            double sum = 0;
            for (int i = off; i < off + n; i++) sum += x[i];
            float mean = (float) (sum / n);
            for (int i = off; i < off + n; i++) x[i] = (x[i] - mean) * contrast + mean + brightness;
        };
    }
}
