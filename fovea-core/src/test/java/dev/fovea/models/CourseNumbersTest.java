package dev.fovea.models;

import dev.fovea.nn.AvgPool2d;
import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Flatten;
import dev.fovea.nn.Linear;
import dev.fovea.nn.MaxPool2d;
import dev.fovea.nn.Padding;
import dev.fovea.nn.Sequential;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worked numbers of the CNN course (Ng, "Convolutional Neural Networks", weeks 1–2), checked
 * through {@link Summary} on the real layers.
 */
class CourseNumbersTest {

    private static Summary.Row row(Summary s, String path) {
        return s.rows().stream().filter(r -> r.path().equals(path)).findFirst().orElseThrow();
    }

    @Test
    void fullyConnectedOn300x300x3Has27Million100Params() {
        Summary s = Summary.of(new Sequential(new Flatten(), new Linear(300 * 300 * 3, 100, new SplittableRandom(0))),
                3, 300, 300);
        assertEquals(27_000_100L, s.totalParams());
        assertTrue(row(s, "1").explain().contains("params: (in + 1)*out = (270000 + 1)*100 = 27,000,100"));
    }

    @Test
    void hundredFiveByFiveFiltersOnThreeChannelsHave7600Params() {
        Summary s = Summary.of(new Sequential(new Conv2d(3, 100, 5, new SplittableRandom(0))), 3, 32, 32);
        Summary.Row conv = row(s, "0");
        assertEquals(7_600L, conv.params());
        assertTrue(conv.explain().contains("params: (fh*fw*fd + 1)*F = (5*5*3 + 1)*100 = 7,600"), conv.explain().toString());
        assertArrayEquals(new int[] {100, 28, 28}, conv.outputShape());
    }

    @Test
    void bottleneckCuts120MillionMacsTo12Point4Million() {
        SplittableRandom rng = new SplittableRandom(0);
        Summary direct = Summary.of(new Conv2d(192, 32, 5, 1, 2, rng), 192, 28, 28);
        assertEquals(120_422_400L, direct.totalMacs());

        Summary bottleneck = Summary.of(new Sequential(
                new Conv2d(192, 16, 1, rng),
                new Conv2d(16, 32, 5, 1, 2, rng)), 192, 28, 28);
        assertEquals(2_408_448L, row(bottleneck, "0").macs());
        assertEquals(10_035_200L, row(bottleneck, "1").macs());
        assertEquals(12_443_648L, bottleneck.totalMacs());

        Summary same = Summary.of(new Sequential(
                new Conv2d(192, 16, 1, rng),
                new Conv2d(16, 32, new int[] {5, 5}, new int[] {1, 1}, Padding.SAME, new int[] {1, 1}, 1, true, rng)),
                192, 28, 28);
        assertEquals(12_443_648L, same.totalMacs());
        assertEquals("same", row(same, "1").padding());
        assertArrayEquals(new int[] {32, 28, 28}, same.outputShape());
    }

    @Test
    void outputSizeFormulaWithStrideAndPadding() {
        // Course example: 7x7 input, 3x3 filter, stride 2 -> 3x3; and n + 2p - f over s with padding 1.
        Summary s = Summary.of(new Conv2d(1, 1, 3, 2, 0, new SplittableRandom(0)), 1, 7, 7);
        assertTrue(s.rows().get(0).explain().contains("  height = width: floor((7 + 2*0 - 3)/2) + 1 = 3"),
                s.rows().get(0).explain().toString());
        Summary p = Summary.of(new Conv2d(3, 8, 3, 2, 1, new SplittableRandom(0)), 3, 32, 32);
        assertTrue(p.rows().get(0).explain().contains("  height = width: floor((32 + 2*1 - 3)/2) + 1 = 16"),
                p.rows().get(0).explain().toString());
    }

    @Test
    void poolingHasNoParametersAndNoMacs() {
        Summary s = Summary.of(new Sequential(new MaxPool2d(2, 2), new AvgPool2d(2, 2)), 6, 28, 28);
        assertEquals(0, s.totalParams());
        assertEquals(0, s.totalMacs());
        assertEquals("comparisons", row(s, "0").otherOpsKind());
        assertEquals("additions", row(s, "1").otherOpsKind());
        assertArrayEquals(new int[] {6, 7, 7}, s.outputShape());
    }
}
