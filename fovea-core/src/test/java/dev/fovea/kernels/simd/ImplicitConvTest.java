package dev.fovea.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fovea.kernels.ConvGeometry;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * Which layers the dot-tile weight gradient of {@link ImplicitConv#weightGradient} takes, and how it
 * splits the images; its results are checked against the scalar reference, and for every thread
 * count, by {@code KernelsConformanceTest}.
 */
class ImplicitConvTest {

    private static final Simd SIMD = Simd.forSpecies(VectorSpecies.of(float.class, VectorShape.S_512_BIT));

    @Test
    void splitsTheImagesSoThatPartsFitL2AndTwoThreadsShareTheTasks() {
        // LeNet-5's C1 (1 -> 6, 5x5 on 32x32): 9 tiles of 6 x 3; per image 6 rows of 896 output
        // gradients and the 1,024-value image
        ConvGeometry c1 = ConvGeometry.of(64, 1, 32, 32, 6, 5, 1, 0);
        assertTrue(ImplicitConv.smallWeightGradient(c1), "C1 takes the dot tiles");
        long perImage = 6 * 896 + 1024;
        assertEquals(4, ImplicitConv.imageParts(64, perImage, 9), "batch 64: 1.6 MB in parts of at most 512 KB");
        assertEquals(2, ImplicitConv.imageParts(32, perImage, 9), "batch 32 (a LeNet-5 shard): 16 tasks at least");
        assertEquals(1, ImplicitConv.imageParts(1, perImage, 9), "never more parts than images");
        assertEquals(1, ImplicitConv.imageParts(8, 100, 40), "enough tiles and little data: one part");
    }

    @Test
    void takesTheThreadTestsGeometries() {
        // the small weight gradients of KernelsConformanceTest's thread-count test, in 2 parts each
        for (ConvGeometry g : new ConvGeometry[] {ConvGeometry.of(6, 1, 20, 20, 6, 5, 1, 0), ConvGeometry.of(7, 3, 12, 12, 8, 3, 1, 1)}) {
            assertTrue(ImplicitConv.smallWeightGradient(g), g.toString());
            assertFalse(NarrowConv.appliesToWeightGradient(SIMD, g), g.toString());
            assertFalse(Winograd.appliesToWeightGradient(SIMD, g), g.toString());
        }
    }
}
