package dev.fovea.models;

import dev.fovea.nn.Linear;
import dev.fovea.nn.Module;
import dev.fovea.nn.Sequential;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Summary on Linear and on test-local layers that expose the public fields the real layers have
 * ({@code inChannels, outChannels, kernelSize, stride, padding, ...}) and return zeros of the right
 * shape, so the reflective describer and the course's worked numbers are checked without the fused
 * convolution op.
 */
class SummaryTest {

    // ------------------------------------------------------------------ test-local layers

    /** (N, d1, d2, ...) -> (N, d1*d2*...). */
    static final class Flat extends Module {
        @Override
        protected Tensor compute(Tensor x) { return x.flatten(1); }
    }

    /** A convolution's fields and parameters; returns zeros of the output shape (the math is not under test here). */
    static final class FakeConv2d extends Module {
        public final int inChannels;
        public final int outChannels;
        public final int groups = 1;
        public final int[] kernelSize;
        public final int[] stride;
        public final int[] dilation = {1, 1};
        public final Object padding;
        public final Tensor weight;
        public final Tensor bias;
        private final int[] pad; // {top, left, bottom, right}

        FakeConv2d(int inC, int outC, int k, int s, Object padding, int[] pad) {
            this.inChannels = inC;
            this.outChannels = outC;
            this.kernelSize = new int[] {k, k};
            this.stride = new int[] {s, s};
            this.padding = padding;
            this.pad = pad;
            this.weight = registerParameter("weight", Tensor.zeros(outC, inC, k, k));
            this.bias = registerParameter("bias", Tensor.zeros(outC));
        }

        FakeConv2d(int inC, int outC, int k, int s, int p) {
            this(inC, outC, k, s, p, new int[] {p, p, p, p});
        }

        @Override
        protected Tensor compute(Tensor x) {
            int oh = (x.size(2) + pad[0] + pad[2] - kernelSize[0]) / stride[0] + 1;
            int ow = (x.size(3) + pad[1] + pad[3] - kernelSize[1]) / stride[1] + 1;
            return Tensor.zeros(x.size(0), outChannels, oh, ow);
        }
    }

    /** Like the real Padding: resolve(kernel, dilation) gives {top, left, bottom, right}; prints "same". */
    public static final class SamePadding {
        public int[] resolve(int[] kernelSize, int[] dilation) {
            int th = dilation[0] * (kernelSize[0] - 1);
            int tw = dilation[1] * (kernelSize[1] - 1);
            return new int[] {th / 2, tw / 2, th - th / 2, tw - tw / 2};
        }

        @Override
        public String toString() { return "same"; }
    }

    static final class FakeMaxPool2d extends Module {
        public final int[] kernelSize;
        public final int[] stride;
        public final int[] padding = {0, 0};

        FakeMaxPool2d(int k, int s) {
            kernelSize = new int[] {k, k};
            stride = new int[] {s, s};
        }

        @Override
        protected Tensor compute(Tensor x) {
            return Tensor.zeros(x.size(0), x.size(1), (x.size(2) - kernelSize[0]) / stride[0] + 1,
                    (x.size(3) - kernelSize[1]) / stride[1] + 1);
        }
    }

    static final class Tanh extends Module {
        @Override
        protected Tensor compute(Tensor x) { return x.tanh(); }
    }

    static final class ShapeChecking extends Module {
        @Override
        protected Tensor compute(Tensor x) {
            if (x.size(1) != 3) {
                throw new IllegalArgumentException("ShapeChecking expects input of shape (N, 3); received "
                        + Shapes.str(x.shape()));
            }
            return x;
        }
    }

    private static Summary.Row row(Summary s, String path) {
        return s.rows().stream().filter(r -> r.path().equals(path)).findFirst().orElseThrow();
    }

    // ------------------------------------------------------------------ the course's numbers

    @Test
    void flattened300x300x3ImageIntoHundredUnitsIs27Million100Params() {
        Sequential model = new Sequential(new Flat(), new Linear(300 * 300 * 3, 100, new Random(0)));
        Summary s = Summary.of(model, 3, 300, 300);
        assertEquals(27_000_100L, s.totalParams());
        Summary.Row fc = row(s, "1");
        assertEquals("Linear", fc.type());
        assertEquals(27_000_100L, fc.params());
        assertEquals(27_000_000L, fc.macs());
        assertArrayEquals(new int[] {100}, fc.outputShape());
        assertArrayEquals(new int[] {270_000}, row(s, "0").outputShape());
        assertTrue(fc.explain().contains("params: (in + 1)*out = (270000 + 1)*100 = 27,000,100"), fc.explain().toString());
        assertTrue(s.format().contains("Total params:         27,000,100"), s.format());
    }

    @Test
    void hundredFiveByFiveFiltersOnThreeChannelsAre7600Params() {
        Summary s = Summary.of(new Sequential(new FakeConv2d(3, 100, 5, 1, 0)), 3, 32, 32);
        Summary.Row conv = row(s, "0");
        assertEquals(7_600L, conv.params());
        assertEquals("5x5", conv.kernel());
        assertEquals("1", conv.stride());
        assertEquals("0", conv.padding());
        assertArrayEquals(new int[] {100, 28, 28}, conv.outputShape());
        assertEquals(100L * 28 * 28 * 5 * 5 * 3, conv.macs());
        assertEquals(List.of(
                "output size: (n + 2p - f)/s + 1",
                "  height = width: (32 + 2*0 - 5)/1 + 1 = 28",
                "params: (fh*fw*fd + 1)*F = (5*5*3 + 1)*100 = 7,600",
                "MACs: F*OH*OW * fh*fw*fd = 100*28*28 * 5*5*3 = 5,880,000"), conv.explain());
    }

    @Test
    void oneByOneBottleneckCutsMacsFrom120MillionTo12Point4Million() {
        Summary direct = Summary.of(new FakeConv2d(192, 32, 5, 1, 2), 192, 28, 28);
        assertEquals(120_422_400L, direct.totalMacs()); // 28*28*32 * 5*5*192

        Sequential bottleneck = new Sequential(
                new FakeConv2d(192, 16, 1, 1, 0),
                new FakeConv2d(16, 32, 5, 1, new SamePadding(), new int[] {2, 2, 2, 2}));
        Summary s = Summary.of(bottleneck, 192, 28, 28);
        assertEquals(2_408_448L, row(s, "0").macs());  // 28*28*16 * 1*1*192 = 2.4M
        assertEquals(10_035_200L, row(s, "1").macs()); // 28*28*32 * 5*5*16 = 10.0M
        assertEquals(12_443_648L, s.totalMacs());
        assertEquals("same", row(s, "1").padding());
        assertTrue(row(s, "1").explain().contains("  height = width: (28 + 2*2 - 5)/1 + 1 = 28"), row(s, "1").explain().toString());
        assertArrayEquals(new int[] {32, 28, 28}, s.outputShape());
    }

    @Test
    void stridedOutputSizeShowsTheFloor() {
        Summary s = Summary.of(new FakeConv2d(3, 8, 3, 2, 1), 3, 32, 32);
        Summary.Row r = s.rows().get(0);
        assertEquals("(model)", r.path());
        assertEquals("2", r.stride());
        assertTrue(r.explain().contains("  height = width: floor((32 + 2*1 - 3)/2) + 1 = 16"), r.explain().toString());
    }

    @Test
    void poolingHasNoMacsButCountsComparisons() {
        Summary s = Summary.of(new Sequential(new FakeMaxPool2d(2, 2)), 6, 28, 28);
        Summary.Row p = row(s, "0");
        assertEquals(0, p.macs());
        assertEquals(6L * 14 * 14 * 4, p.otherOps());
        assertEquals("comparisons", p.otherOpsKind());
        assertEquals("2x2", p.kernel());
        assertTrue(p.explain().contains("MACs: 0; comparisons: C*OH*OW*fh*fw = 6*14*14*2*2 = 4,704"), p.explain().toString());
    }

    @Test
    void activationsAreNamedAndReusedModulesCountedOnce() {
        Tanh act = new Tanh();
        Linear a = new Linear(4, 4, new Random(1));
        Module model = new Module() {
            final Linear fc = registerModule("fc", a);
            final Tanh t = registerModule("act", act);

            @Override
            protected Tensor compute(Tensor x) { return t.forward(fc.forward(t.forward(x))); }
        };
        Summary s = Summary.of(model, 4);
        assertEquals(List.of("act", "fc", "act"), s.rows().stream().map(Summary.Row::path).toList());
        assertEquals("tanh", s.rows().get(0).activation());
        assertFalse(s.rows().get(0).reused());
        assertTrue(s.rows().get(2).reused());
        assertEquals(20L, s.totalParams());
        assertTrue(s.format().contains("(reused)"), s.format());
    }

    @Test
    void containersAreListedBeforeTheirChildren() {
        Sequential inner = new Sequential(new Linear(3, 2, new Random(1)), new Tanh());
        Sequential model = new Sequential(new Flat(), inner, new Linear(2, 1, new Random(2)));
        Summary s = Summary.of(model, true, 3);
        assertEquals(List.of("(model)", "0", "1", "1.0", "1.1", "2"), s.rows().stream().map(Summary.Row::path).toList());
        assertEquals(11L, row(s, "(model)").params());
        assertEquals(8L, row(s, "1").params());
        assertTrue(row(s, "1").container());
        assertEquals(8L, s.totalMacs()); // 3*2 + 2*1; container rows are not added again
        assertEquals(List.of("0", "1.0", "1.1", "2"), Summary.of(model, 3).rows().stream().map(Summary.Row::path).toList());
    }

    @Test
    void restoresEachModulesTrainingFlag() {
        Linear frozen = new Linear(3, 3, new Random(1));
        Sequential model = new Sequential(frozen, new Tanh());
        model.train();
        frozen.eval();
        Summary.of(model, 3);
        assertTrue(model.isTraining());
        assertFalse(frozen.isTraining());
        assertTrue(model.get(1).isTraining());
    }

    @Test
    void reportsWhatTheModelRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Summary.of(new ShapeChecking(), 5));
        assertEquals("Summary of ShapeChecking on input (1, 5): ShapeChecking expects input of shape (N, 3); received (1, 5)",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Summary.of(new ShapeChecking()));
        assertThrows(IllegalArgumentException.class, () -> Summary.of(new ShapeChecking(), 0, 3));
    }

    @Test
    void registeredDescriberWinsOverReflection() {
        class Custom extends Module {
            @Override
            protected Tensor compute(Tensor x) { return x.mul(2f); }
        }
        LayerDescribers.register(Custom.class, (m, in, out) -> new LayerDescriber.Description("-", "-", "-", "x2",
                Shapes.numel(out), 0, "", List.of("MACs: one multiply per value")));
        Summary s = Summary.of(new Sequential(new Custom()), 2, 3);
        assertEquals(6L, s.totalMacs());
        assertEquals("x2", s.rows().get(0).activation());
    }

    @Test
    void tableAndExplanationAreReadable() {
        Sequential model = new Sequential(new FakeConv2d(1, 6, 5, 1, 0), new Tanh(), new FakeMaxPool2d(2, 2), new Flat(),
                new Linear(6 * 12 * 12, 10, new Random(3)));
        Summary s = Summary.of(model, 1, 28, 28);
        String table = s.format();
        String[] lines = table.split("\n");
        assertEquals("Sequential on input (1, 28, 28) (shapes and MACs per sample; batch dimension omitted)", lines[0]);
        assertTrue(lines[2].startsWith("Layer  Type           Output shape  Kernel  Stride  Padding  Activation"), table);
        assertTrue(lines[4].matches("0\\s+FakeConv2d\\s+\\(6, 24, 24\\)\\s+5x5\\s+1\\s+0\\s+-\\s+156\\s+86,400"), lines[4]);
        assertTrue(table.contains("Multiply-adds (MACs): 95,040 (0.10 M) per sample"), table); // 86,400 + 864*10
        assertTrue(table.contains("Output shape:         (10,)"), table);
        String explain = s.explain();
        assertTrue(explain.contains("1 (Tanh): (6, 24, 24) -> (6, 24, 24)\n  element-wise tanh on 6*24*24 = 3,456 values"),
                explain);
        assertTrue(explain.contains("Total MACs = sum over layers = 95,040"), explain);
    }
}
