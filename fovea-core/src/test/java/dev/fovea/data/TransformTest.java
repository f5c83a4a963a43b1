package dev.fovea.data;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class TransformTest {

    static float[] ramp(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = i;
        return x;
    }

    @Test
    void normalizePerChannel() {
        float[] x = {1, 3, 10, 30};
        Transform.normalize(new float[] {2, 20}, new float[] {1, 10}).apply(x, 0, 2, 1, 2, new SplittableRandom(0));
        assertArrayEquals(new float[] {-1, 1, -1, 1}, x);
    }

    @Test
    void flipTwiceIsIdentityAndFlipsRows() {
        float[] x = ramp(6);
        Transform flip = Transform.horizontalFlip(1.0);
        flip.apply(x, 0, 1, 2, 3, new SplittableRandom(0));
        assertArrayEquals(new float[] {2, 1, 0, 5, 4, 3}, x);
        flip.apply(x, 0, 1, 2, 3, new SplittableRandom(0));
        assertArrayEquals(ramp(6), x);
    }

    @Test
    void shiftMovesPixelsAndFills() {
        float[] x = ramp(9);
        Images.shift(x, 0, 1, 3, 3, 1, -1, -5f);
        assertArrayEquals(new float[] {-5, -5, -5, 1, 2, -5, 4, 5, -5}, x);
    }

    @Test
    void zeroRotationIsIdentityAndQuarterTurnRotates() {
        float[] x = ramp(9);
        Images.rotateTranslate(x, 0, 1, 3, 3, 0, 0, 0, 0f);
        assertArrayEquals(ramp(9), x, 1e-5f);
        Images.rotateTranslate(x, 0, 1, 3, 3, Math.PI / 2, 0, 0, 0f);
        // the centre stays, the four corners cycle
        assertEquals(4f, x[4], 1e-5f);
        float corner = Math.round(x[0]);
        assertEquals(corner, x[0], 1e-4f);
        org.junit.jupiter.api.Assertions.assertTrue(corner == 2f || corner == 6f, "top-left after a quarter turn: " + x[0]);
        assertEquals(16f, x[0] + x[2] + x[6] + x[8], 1e-4f);
    }

    @Test
    void resizeKeepsConstantImagesAndHalvesByAveraging() {
        float[] flat = new float[16];
        java.util.Arrays.fill(flat, 3f);
        assertArrayEquals(new float[] {3, 3, 3, 3}, Images.resize(flat, 1, 4, 4, 2, 2), 1e-6f);
        float[] x = {0, 2, 4, 6};
        assertArrayEquals(new float[] {1, 5}, Images.resize(x, 1, 1, 4, 1, 2), 1e-6f);
    }

    @Test
    void augmentationIsReproducibleThroughTheLoader() {
        var ds = new ArrayDataset(ramp(4 * 16), new int[] {0, 1, 0, 1}, new int[] {1, 4, 4}, ArrayDataset.numberedClasses(2));
        Transform aug = Transform.compose(List.of(Transform.randomCrop(1, 0f), Transform.colorJitter(0.1, 0.1)));
        var a = new DataLoader(ds, 2, true, false, 5, aug).epoch(1).iterator().next();
        var b = new DataLoader(ds, 2, true, false, 5, aug).epoch(1).iterator().next();
        assertArrayEquals(a.inputs().data(), b.inputs().data());
        var c = new DataLoader(ds, 2, true, false, 5, aug).epoch(2).iterator().next();
        assertNotEquals(java.util.Arrays.toString(a.inputs().data()), java.util.Arrays.toString(c.inputs().data()));
    }
}
