package dev.fovea.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fovea.kernels.ConvGeometry;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * Which layers {@link NarrowConv} takes. Its results are checked against the scalar reference by
 * {@code KernelsConformanceTest}, whose NarrowConv geometries this test also checks are really taken
 * (a silent fall-back to another path would pass there).
 */
class NarrowConvTest {

    private static final Simd SIMD = Simd.forSpecies(VectorSpecies.of(float.class, VectorShape.S_512_BIT));

    private static final ConvGeometry LENET_C1 = ConvGeometry.of(32, 1, 32, 32, 6, 5, 1, 0);
    private static final ConvGeometry LENET_C3 = ConvGeometry.of(32, 6, 14, 14, 16, 5, 1, 0);

    @Test
    void takesLeNetFiveFirstTwoConvolutions() {
        assertTrue(NarrowConv.appliesToForward(SIMD, LENET_C3), "C3 forward: 16 output channels in lanes");
        assertTrue(NarrowConv.appliesToWeightGradient(SIMD, LENET_C3), "C3 weight gradient");
        assertTrue(NarrowConv.appliesToRows(SIMD, ImplicitConv.inputGradientGeometry(LENET_C3)),
                "C3 input gradient: 6 output channels, rows of 14");
        assertTrue(NarrowConv.appliesToRows(SIMD, LENET_C1), "C1 forward: 6 output channels, rows of 28");
        assertFalse(NarrowConv.appliesToRows(SIMD, ImplicitConv.inputGradientGeometry(LENET_C1)),
                "C1 input gradient: one output channel has a kernel of its own");
    }

    @Test
    void takesTheConformanceGeometries() {
        assertTrue(NarrowConv.appliesToForward(SIMD, new ConvGeometry(3, 8, 13, 17, 32, 3, 5, 2, 1, 1, 2, 2, 1, 1, 2, 2)));
        ConvGeometry twelve = new ConvGeometry(2, 5, 9, 31, 12, 3, 9, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        assertTrue(NarrowConv.appliesToForward(SIMD, twelve), "12 output channels, rows of 23");
        assertTrue(NarrowConv.appliesToRows(SIMD, ImplicitConv.inputGradientGeometry(twelve)), "its input gradient");
        ConvGeometry rowsOf13 = ConvGeometry.of(2, 3, 19, 19, 16, 7, 1, 0);
        assertFalse(NarrowConv.appliesToForward(SIMD, rowsOf13), "rows of 13 fill 13 of 24 tile positions");
        assertTrue(NarrowConv.appliesToWeightGradient(SIMD, rowsOf13), "weight gradient: only real positions");
        ConvGeometry fiveWide = new ConvGeometry(3, 6, 11, 8, 32, 3, 5, 2, 1, 1, 1, 0, 0, 1, 1, 2);
        assertTrue(NarrowConv.appliesToWeightGradient(SIMD, fiveWide), "5 taps across, 9 kernel rows, rows of 5");
        assertTrue(NarrowConv.appliesToWeightGradient(SIMD, ConvGeometry.of(2, 2, 8, 8, 16, 5, 1, 0)), "rows of 4");
        assertTrue(NarrowConv.appliesToRows(SIMD, new ConvGeometry(2, 4, 17, 30, 20, 3, 3, 2, 1, 1, 1, 2, 0, 1, 2, 2)));
        assertTrue(NarrowConv.appliesToRows(SIMD, new ConvGeometry(3, 4, 17, 30, 12, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 2)),
                "unpadded, two groups: the input read in place, the last image copied");
        assertTrue(NarrowConv.appliesToRows(SIMD,
                ImplicitConv.inputGradientGeometry(new ConvGeometry(3, 5, 11, 13, 24, 3, 3, 1, 1, 1, 0, 2, 1, 2, 1, 1))));
    }

    @Test
    void leavesLayersTheOtherPathsRunFaster() {
        ConvGeometry[] notTaken = {
            ConvGeometry.of(64, 1, 28, 28, 32, 3, 1, 1),  // SmallCnn's first layer: 1.64 against 0.69 ms
            ConvGeometry.of(32, 3, 28, 28, 16, 5, 1, 0),  // rows of 24 of 28 columns: 0.70 against 0.60 ms
            ConvGeometry.of(32, 16, 14, 14, 16, 5, 1, 0), // 16 input channels: the channels-last paths
            ConvGeometry.of(32, 6, 14, 14, 16, 5, 2, 0),  // stride 2
            ConvGeometry.of(32, 6, 14, 14, 8, 5, 1, 0),   // 8 output channels fill half the lanes
        };
        for (ConvGeometry g : notTaken) {
            assertFalse(NarrowConv.appliesToForward(SIMD, g), "forward " + g);
            assertFalse(NarrowConv.appliesToWeightGradient(SIMD, g), "weight gradient " + g);
        }
        assertFalse(NarrowConv.appliesToRows(SIMD, ConvGeometry.of(8, 64, 56, 56, 64, 3, 1, 1)), "64 channels: 8-row tiles fit");
        assertFalse(NarrowConv.appliesToRows(SIMD, new ConvGeometry(8, 4, 1, 200, 6, 1, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1)),
                "1-D: one output row would fill a third of a tile");
        assertFalse(NarrowConv.appliesToRows(SIMD, ConvGeometry.of(8, 3, 12, 12, 6, 5, 1, 0)), "rows of 8 in 16 lanes");
    }
}
