package dev.fovea.kernels.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * {@link Simd#transpose} against the definition, for the 16-lane species (16 x 16 blocks through
 * registers, overlapping at the edges, and gathers below 16 rows or columns) and the 8-lane one
 * (gathers only).
 */
class TransposeTest {

    @Test
    void movesEveryValueToItsTransposedPlace() {
        for (VectorShape shape : new VectorShape[] {VectorShape.S_512_BIT, VectorShape.S_256_BIT}) {
            Simd simd = Simd.forSpecies(VectorSpecies.of(float.class, shape));
            int[][] sizes = {{16, 16}, {64, 56}, {37, 20}, {20, 37}, {5, 40}, {40, 7}, {17, 17}, {256, 64}};
            Random rnd = new Random(7);
            for (int[] size : sizes) {
                int count = size[0], len = size[1], stride = len + 3, srcOff = 5, dstOff = 2, dstStride = count + 4;
                float[] src = new float[srcOff + count * stride + 16];
                for (int i = 0; i < src.length; i++) src[i] = rnd.nextFloat();
                int[] index = new int[(count + 15) / 16 * 16];
                for (int c = 0; c < count; c++) index[c] = c * stride;
                float[] dst = new float[dstOff + len * dstStride + 16], expected = dst.clone();
                for (int x = 0; x < len; x++) {
                    for (int c = 0; c < count; c++) expected[dstOff + x * dstStride + c] = src[srcOff + c * stride + x];
                }
                simd.transpose(src, srcOff, index, count, len, dst, dstOff, dstStride);
                assertArrayEquals(expected, dst, shape + " " + count + " x " + len);
            }
        }
    }
}
