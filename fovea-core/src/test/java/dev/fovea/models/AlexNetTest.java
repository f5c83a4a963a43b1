package dev.fovea.models;

import dev.fovea.nn.Conv2d;
import dev.fovea.nn.Linear;
import dev.fovea.nn.Sequential;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AlexNet as the course draws it ({@code fovea summary alexnet}) and torchvision's variant. */
class AlexNetTest {

    private static Summary.Row row(Summary s, String path) {
        return s.rows().stream().filter(r -> r.path().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("no summary row " + path + " in " + s.rows().stream().map(Summary.Row::path).toList()));
    }

    @Test
    void summaryReproducesTheCourseTable() {
        ModelZoo.Entry entry = ModelZoo.entry("alexnet");
        assertArrayEquals(new int[] {3, 227, 227}, entry.inputShape());
        Summary s = Summary.of(ModelZoo.create("alexnet", new SplittableRandom(0)), entry.inputShape());

        // path, output (per sample), parameters: the course's slide, layer by layer.
        record Line(String path, int[] out, long params) {}
        List<Line> table = List.of(
                new Line("conv1", new int[] {96, 55, 55}, 34_944),
                new Line("pool1", new int[] {96, 27, 27}, 0),
                new Line("norm1", new int[] {96, 27, 27}, 0),
                new Line("conv2", new int[] {256, 27, 27}, 614_656),
                new Line("pool2", new int[] {256, 13, 13}, 0),
                new Line("norm2", new int[] {256, 13, 13}, 0),
                new Line("conv3", new int[] {384, 13, 13}, 885_120),
                new Line("conv4", new int[] {384, 13, 13}, 1_327_488),
                new Line("conv5", new int[] {256, 13, 13}, 884_992),
                new Line("pool5", new int[] {256, 6, 6}, 0),
                new Line("flatten", new int[] {9216}, 0),
                new Line("fc6", new int[] {4096}, 37_752_832),
                new Line("drop6", new int[] {4096}, 0),
                new Line("fc7", new int[] {4096}, 16_781_312),
                new Line("drop7", new int[] {4096}, 0),
                new Line("fc8", new int[] {1000}, 4_097_000));
        for (Line l : table) {
            Summary.Row r = row(s, l.path());
            assertArrayEquals(l.out(), r.outputShape(), l.path() + " output shape");
            assertEquals(l.params(), r.params(), l.path() + " parameters");
        }
        assertEquals("11x11", row(s, "conv1").kernel());
        assertEquals(62_378_344L, s.totalParams());
        assertArrayEquals(new int[] {1000}, s.outputShape());
        // conv1 96*55*55*363 + conv2 256*27*27*2400 + conv3..5 + fc6..8 = 1.14 billion multiply-adds.
        assertEquals(105_415_200L, row(s, "conv1").macs());
        assertEquals(1_135_256_096L, s.totalMacs());
        // The rows come in the order of the table (ReLUs interleaved).
        List<String> paths = s.rows().stream().map(Summary.Row::path).toList();
        int last = -1;
        for (Line l : table) {
            int at = paths.indexOf(l.path());
            assertTrue(at > last, l.path() + " out of order in " + paths);
            last = at;
        }
    }

    @Test
    void twoGpuGroupingGivesThePapersSixtyMillion() {
        AlexNet paper = new AlexNet(1000, true, new SplittableRandom(0));
        assertEquals(60_965_224L, paper.parameterCount());
        assertEquals(2, paper.conv2.groups);
        assertEquals(1, paper.conv3.groups);
        assertArrayEquals(new int[] {256, 48, 5, 5}, paper.conv2.weight.shape());
        assertEquals(62_378_344L - 60_965_224L, 307_200L + 663_552L + 442_368L);
    }

    @Test
    void localResponseNormUsesThePaperConstants() {
        AlexNet net = new AlexNet(10, new SplittableRandom(0));
        for (var lrn : List.of(net.norm1, net.norm2)) {
            assertEquals(5, lrn.size);
            assertEquals(5e-4f, lrn.alpha, 1e-12f); // the paper's 1e-4, times n because PyTorch divides by n
            assertEquals(0.75f, lrn.beta);
            assertEquals(2f, lrn.k);
        }
        assertEquals(10, ((Linear) net.fc8()).outFeatures);
        assertEquals(0.5f, ((dev.fovea.nn.Dropout) net.children().get("drop6")).p);
    }

    @Test
    void rejectsOtherInputSizes() {
        AlexNet net = new AlexNet(10, new SplittableRandom(0));
        var e = assertThrows(IllegalArgumentException.class, () -> net.forward(Tensor.zeros(1, 3, 224, 224)));
        assertTrue(e.getMessage().startsWith("AlexNet expects input of shape (N, 3, 227, 227); received (1, 3, 224, 224)"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AlexNet(0, new SplittableRandom(0)));
    }

    @Test
    void torchvisionVariantHasItsShapesAndPoolsAdaptively() {
        AlexNetTorchvision net = new AlexNetTorchvision(1000, new SplittableRandom(0));
        Summary s = Summary.of(net, 3, 224, 224);
        assertArrayEquals(new int[] {64, 55, 55}, row(s, "features.0").outputShape());
        assertArrayEquals(new int[] {64, 27, 27}, row(s, "features.2").outputShape());
        assertArrayEquals(new int[] {192, 13, 13}, row(s, "features.5").outputShape());
        assertArrayEquals(new int[] {256, 6, 6}, row(s, "features.12").outputShape());
        assertArrayEquals(new int[] {256, 6, 6}, row(s, "avgpool").outputShape());
        assertEquals(61_100_840L, s.totalParams());
        // Linear layers at torchvision's indices, so classifier.1/4/6 keys line up.
        Sequential classifier = (Sequential) net.classifier();
        assertTrue(classifier.get(1) instanceof Linear && classifier.get(4) instanceof Linear
                && classifier.get(6) instanceof Linear);
        assertTrue(net.features.get(10) instanceof Conv2d);

        Summary small = Summary.of(net, 3, AlexNetTorchvision.MIN_INPUT_SIZE, AlexNetTorchvision.MIN_INPUT_SIZE);
        assertArrayEquals(new int[] {256, 1, 1}, row(small, "features.12").outputShape());
        assertArrayEquals(new int[] {1000}, small.outputShape());
        var e = assertThrows(IllegalArgumentException.class, () -> net.forward(Tensor.zeros(1, 3, 62, 62)));
        assertEquals("AlexNetTorchvision expects input of shape (N, 3, H, W) with H, W >= 63; received (1, 3, 62, 62)",
                e.getMessage());
    }
}
