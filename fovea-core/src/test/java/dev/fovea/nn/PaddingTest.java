package dev.fovea.nn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PaddingTest {

    private static final int[] ONE = {1, 1};

    @Test
    void explicitPaddingResolvesToTopLeftBottomRight() {
        assertArrayEquals(new int[] {2, 2, 2, 2}, Padding.of(2).resolve(new int[] {5, 5}, ONE));
        assertArrayEquals(new int[] {1, 3, 1, 3}, Padding.of(1, 3).resolve(new int[] {3, 7}, ONE));
        assertArrayEquals(new int[] {0, 1, 2, 3}, Padding.of(0, 1, 2, 3).resolve(new int[] {3, 3}, ONE));
        assertArrayEquals(new int[] {0, 0, 0, 0}, Padding.VALID.resolve(new int[] {3, 3}, ONE));
    }

    @Test
    void sameKeepsSizeAndPutsTheOddExtraBottomRightLikePyTorch() {
        // odd kernel: symmetric
        assertArrayEquals(new int[] {1, 1, 1, 1}, Padding.SAME.resolve(new int[] {3, 3}, ONE));
        // even kernel 4: total 3 -> 1 before, 2 after (torch: left = total // 2)
        assertArrayEquals(new int[] {1, 1, 2, 2}, Padding.SAME.resolve(new int[] {4, 4}, ONE));
        // 2x5 kernel: total (1, 4)
        assertArrayEquals(new int[] {0, 2, 1, 2}, Padding.SAME.resolve(new int[] {2, 5}, ONE));
        // dilation 2 on a 3-kernel spans 5: total 4
        assertArrayEquals(new int[] {2, 2, 2, 2}, Padding.SAME.resolve(new int[] {3, 3}, new int[] {2, 2}));
        // for every kernel/dilation, a stride-1 output equals the input size
        for (int k = 1; k <= 6; k++) {
            for (int d = 1; d <= 3; d++) {
                int[] p = Padding.SAME.resolve(new int[] {k, k}, new int[] {d, d});
                int in = 10, out = in + p[0] + p[2] - d * (k - 1);
                assertEquals(in, out, "k=" + k + " d=" + d);
                assertTrue(p[2] - p[0] == 0 || p[2] - p[0] == 1);
            }
        }
    }

    @Test
    void oneDimensionalResolution() {
        assertArrayEquals(new int[] {3, 3}, Padding.of(3).resolve1d(5, 1));
        assertArrayEquals(new int[] {1, 2}, Padding.SAME.resolve1d(4, 1));
        assertArrayEquals(new int[] {0, 0}, Padding.VALID.resolve1d(7, 1));
        assertArrayEquals(new int[] {1, 2}, Padding.of(0, 1, 0, 2).resolve1d(3, 1));
        assertThrows(IllegalArgumentException.class, () -> Padding.of(1, 2).resolve1d(3, 1));
    }

    @Test
    void printingAndEquality() {
        assertEquals("same", Padding.SAME.toString());
        assertEquals("valid", Padding.VALID.toString());
        assertEquals("(1, 2)", Padding.of(1, 2).toString());
        assertEquals("(0, 1, 2, 3)", Padding.of(0, 1, 2, 3).toString());
        assertEquals(Padding.of(2), Padding.of(2, 2));
        assertEquals(Padding.of(2).hashCode(), Padding.of(2, 2, 2, 2).hashCode());
        assertNotEquals(Padding.VALID, Padding.of(0));
    }

    @Test
    void rejectsNegativeSizes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Padding.of(-1));
        assertTrue(e.getMessage().contains("received top=-1"), e.getMessage());
    }
}
