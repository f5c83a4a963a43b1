package dev.fovea.nn;

import dev.fovea.tensor.GradCheck;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossesTest {

    /** log-softmax of one row in double. */
    private static double[] logSoftmax(float[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) max = Math.max(max, v);
        double s = 0;
        for (float v : row) s += Math.exp(v - max);
        double lse = max + Math.log(s);
        double[] out = new double[row.length];
        for (int i = 0; i < row.length; i++) out[i] = row[i] - lse;
        return out;
    }

    private static float[] row(Tensor t, int i) {
        int c = t.size(1);
        float[] r = new float[c];
        System.arraycopy(t.data(), i * c, r, 0, c);
        return r;
    }

    /** PyTorch 1.13 cross_entropy(weight, label_smoothing) written out in double. */
    private static double crossEntropyRef(Tensor logits, int[] y, float[] w, double eps) {
        int n = logits.size(0), c = logits.size(1);
        double nll = 0, smooth = 0, wsum = 0;
        for (int i = 0; i < n; i++) {
            double[] lp = logSoftmax(row(logits, i));
            double wy = w == null ? 1 : w[y[i]];
            nll -= wy * lp[y[i]];
            wsum += wy;
            for (int k = 0; k < c; k++) smooth -= (w == null ? 1 : w[k]) * lp[k];
        }
        return (1 - eps) * nll / wsum + eps / c * smooth / wsum;
    }

    // ------------------------------------------------------------------ cross-entropy

    @Test
    void uniformLogitsGiveLnC() {
        for (int c : new int[] {2, 10, 1000}) {
            Tensor logits = Tensor.full(3.7f, 4, c);
            assertEquals(Math.log(c), Losses.crossEntropy(logits, new int[] {0, 1, c - 1, 1}).item(), 1e-5);
        }
    }

    @Test
    void crossEntropyByHand() {
        // one row [1, 2, 3], target 2: -log(e^3 / (e + e^2 + e^3)) = log(1 + e^-1 + e^-2)
        Tensor logits = Tensor.of(new float[] {1, 2, 3}, 1, 3);
        double expected = Math.log(1 + Math.exp(-1) + Math.exp(-2));
        assertEquals(expected, Losses.crossEntropy(logits, new int[] {2}).item(), 1e-6);
        // large logits stay finite (log-sum-exp subtracts the max)
        Tensor big = Tensor.of(new float[] {1000, 0, -1000}, 1, 3);
        assertEquals(1000.0, Losses.crossEntropy(big, new int[] {1}).item(), 1e-3);
    }

    @Test
    void crossEntropyGradientIsSoftmaxMinusOneHotOverN() {
        Tensor logits = GradCheck.input(1, 3, 4);
        int[] y = {3, 0, 2};
        Losses.crossEntropy(logits, y).backward();
        for (int i = 0; i < 3; i++) {
            double[] lp = logSoftmax(row(logits, i));
            for (int k = 0; k < 4; k++) {
                double expected = (Math.exp(lp[k]) - (k == y[i] ? 1 : 0)) / 3;
                assertEquals(expected, logits.grad().get(i, k), 1e-6);
            }
        }
    }

    @Test
    void weightedAndSmoothedCrossEntropyMatchPyTorchSemantics() {
        Tensor logits = GradCheck.input(2, 5, 3).mul(3f);
        int[] y = {0, 2, 2, 1, 0};
        float[] w = {0.2f, 1.0f, 3.0f};
        Tensor wt = Tensor.of(w.clone(), 3);
        assertEquals(crossEntropyRef(logits, y, w, 0), Losses.crossEntropy(logits, y, wt, 0f).item(), 1e-5);
        assertEquals(crossEntropyRef(logits, y, null, 0.1), Losses.crossEntropy(logits, y, null, 0.1f).item(), 1e-5);
        assertEquals(crossEntropyRef(logits, y, w, 0.25), Losses.crossEntropy(logits, y, wt, 0.25f).item(), 1e-5);
        // scaling all weights changes nothing (weighted mean)
        assertEquals(Losses.crossEntropy(logits, y, wt, 0.25f).item(),
                Losses.crossEntropy(logits, y, wt.mul(7f), 0.25f).item(), 1e-5);
        // equal weights are the unweighted loss
        assertEquals(Losses.crossEntropy(logits, y, null, 0.3f).item(),
                Losses.crossEntropy(logits, y, Tensor.full(2f, 3), 0.3f).item(), 1e-5);
        // full smoothing of uniform logits is still ln C
        assertEquals(Math.log(3), Losses.crossEntropy(Tensor.zeros(2, 3), new int[] {0, 1}, null, 1f).item(), 1e-6);
    }

    @Test
    void nllOfLogSoftmaxIsCrossEntropy() {
        Tensor logits = GradCheck.input(3, 4, 6);
        int[] y = {5, 0, 3, 3};
        Tensor w = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 6);
        assertEquals(Losses.crossEntropy(logits, y).item(), Losses.nll(logits.logSoftmax(1), y).item(), 1e-6);
        assertEquals(Losses.crossEntropy(logits, y, w, 0f).item(), Losses.nll(logits.logSoftmax(1), y, w).item(), 1e-6);
    }

    @Test
    void classificationGradients() {
        int[] y = {1, 0, 3};
        Tensor w = Tensor.of(new float[] {0.5f, 2f, 1f, 1.5f}, 4);
        GradCheck.check(in -> Losses.crossEntropy(in[0], y), GradCheck.input(4, 3, 4));
        GradCheck.check(in -> Losses.crossEntropy(in[0], y, w, 0.2f), GradCheck.input(5, 3, 4));
        GradCheck.check(in -> Losses.nll(in[0].logSoftmax(1), y, w), GradCheck.input(6, 3, 4));
        GradCheck.check(in -> Losses.nll(in[0], y), GradCheck.input(7, 3, 4));
    }

    @Test
    void classificationValidation() {
        int[] y = {0, 1, 2, 12};
        var e = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(Tensor.zeros(4, 10), y));
        assertEquals("crossEntropy expects targets in [0, 10); received 12 at index 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(Tensor.zeros(4, 10), new int[] {0, 1}));
        assertEquals("crossEntropy expects 4 targets, one per row of logits (4, 10); received 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(Tensor.zeros(4), new int[] {0}));
        assertEquals("crossEntropy expects logits of shape (N, C); received (4,)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(Tensor.zeros(2, 3), new int[] {0, 1}, Tensor.ones(4), 0f));
        assertEquals("crossEntropy expects class weights of shape (3,); received (4,)", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Losses.crossEntropy(Tensor.zeros(2, 3), new int[] {0, 1}, null, 1.5f));
        e = assertThrows(IllegalArgumentException.class, () -> Losses.nll(Tensor.zeros(2, 3), new int[] {0, -1}));
        assertEquals("nll expects targets in [0, 3); received -1 at index 1", e.getMessage());
    }

    @Test
    void oneHotByHand() {
        Tensor t = Losses.oneHot(new int[] {2, 0}, 3);
        assertEquals(1f, t.get(0, 2));
        assertEquals(1f, t.get(1, 0));
        assertEquals(2f, t.sum().item());
    }

    // ------------------------------------------------------------------ BCE

    private static double bceRef(double x, double y, double pw) {
        double softplusNeg = Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x))); // -log sigma(x)
        return (1 - y) * x + (1 + (pw - 1) * y) * softplusNeg;
    }

    @Test
    void bceWithLogitsMatchesTheStableFormulaEverywhere() {
        float[] x = {-100f, -20f, -3f, -0.5f, 0f, 0.5f, 3f, 20f, 100f, 1f};
        float[] y = {0f, 1f, 0f, 1f, 1f, 0f, 1f, 0f, 1f, 0.3f};
        double expected = 0;
        for (int i = 0; i < x.length; i++) expected += Math.max(x[i], 0) - x[i] * y[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
        expected /= x.length;
        float got = Losses.bceWithLogits(Tensor.of(x, 10), Tensor.of(y, 10)).item();
        assertTrue(Float.isFinite(got));
        assertEquals(expected, got, 1e-4 * expected);
        // zero logits: ln 2 whatever the target
        assertEquals(Math.log(2), Losses.bceWithLogits(Tensor.zeros(2, 2), Tensor.of(new float[] {0, 1, 0.5f, 1}, 2, 2)).item(), 1e-6);
    }

    @Test
    void bceWithPositiveWeightByColumn() {
        Tensor logits = GradCheck.input(8, 4, 3).mul(4f);
        Tensor targets = Tensor.of(new float[] {1, 0, 1, 0, 0, 1, 1, 1, 0, 0.5f, 1, 0}, 4, 3);
        float[] pw = {2f, 0.5f, 3f};
        double expected = 0;
        for (int i = 0; i < 12; i++) expected += bceRef(logits.data()[i], targets.data()[i], pw[i % 3]);
        expected /= 12;
        assertEquals(expected, Losses.bceWithLogits(logits, targets, Tensor.of(pw, 3)).item(), 1e-5);
    }

    @Test
    void bceGradientIsSigmoidMinusTargetEvenAtZero() {
        Tensor logits = Tensor.of(new float[] {0f, 0f, 2f}, 3).requiresGrad(true);
        Tensor targets = Tensor.of(new float[] {0f, 1f, 1f}, 3);
        Losses.bceWithLogits(logits, targets).backward();
        assertEquals((0.5 - 0) / 3, logits.grad().get(0), 1e-7);
        assertEquals((0.5 - 1) / 3, logits.grad().get(1), 1e-7);
        assertEquals((1 / (1 + Math.exp(-2)) - 1) / 3, logits.grad().get(2), 1e-7);
    }

    @Test
    void bceGradients() {
        Tensor targets = Tensor.of(new float[] {1, 0, 1, 0, 0.25f, 1}, 2, 3);
        Tensor pw = Tensor.of(new float[] {2f, 1f, 0.5f}, 3);
        GradCheck.check(in -> Losses.bceWithLogits(in[0], targets), GradCheck.input(9, 2, 3).mul(3f).detach().requiresGrad(true));
        GradCheck.check(in -> Losses.bceWithLogits(in[0], targets, pw), GradCheck.input(10, 2, 3));
    }

    @Test
    void bceValidation() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Losses.bceWithLogits(Tensor.zeros(2, 3), Tensor.zeros(3, 2)));
        assertEquals("bceWithLogits expects targets of the same shape as logits (2, 3); received (3, 2)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Losses.bceWithLogits(Tensor.zeros(2), Tensor.of(new float[] {0, 2}, 2)));
        assertEquals("bceWithLogits expects targets in [0, 1]; received 2.0 at flat index 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Losses.bceWithLogits(Tensor.zeros(2, 3), Tensor.zeros(2, 3), Tensor.ones(2)));
        assertEquals("bceWithLogits expects posWeight broadcastable to the logits' shape (2, 3); received (2,)", e.getMessage());
    }

    // ------------------------------------------------------------------ regression

    @Test
    void regressionLossesByHand() {
        Tensor pred = Tensor.of(new float[] {0f, 0.5f, 3f, -2f}, 4);
        Tensor target = Tensor.of(new float[] {0f, 0f, 0f, 0f}, 4);
        assertEquals((0 + 0.25 + 9 + 4) / 4, Losses.mse(pred, target).item(), 1e-6);
        // smoothL1 beta=1: 0, 0.5*0.25, 3-0.5, 2-0.5
        assertEquals((0 + 0.125 + 2.5 + 1.5) / 4, Losses.smoothL1(pred, target).item(), 1e-6);
        // beta = 2: 0, 0.25*0.5/2, 3-1, 0.5*4/2
        assertEquals((0 + 0.0625 + 2 + 1) / 4, Losses.smoothL1(pred, target, 2f).item(), 1e-6);
        // beta = 0: L1
        assertEquals((0 + 0.5 + 3 + 2) / 4, Losses.smoothL1(pred, target, 0f).item(), 1e-6);
        // huber delta = 2: 0, 0.125, 2*(3-1), 0.5*4
        assertEquals((0 + 0.125 + 4 + 2) / 4, Losses.huber(pred, target, 2f).item(), 1e-6);
        assertEquals(Losses.smoothL1(pred, target).item(), Losses.huber(pred, target).item(), 1e-7);
        // huber(delta) = delta * smoothL1(beta = delta)
        assertEquals(0.7 * Losses.smoothL1(pred, target, 0.7f).item(), Losses.huber(pred, target, 0.7f).item(), 1e-6);
    }

    @Test
    void regressionGradients() {
        Tensor target = GradCheck.input(11, 3, 4).detach();
        // inputs in [-3, 3] keep |d| away from the joints at beta/delta only with high probability; the seed is fixed
        GradCheck.check(in -> Losses.mse(in[0], target), GradCheck.input(12, 3, 4));
        GradCheck.check(in -> Losses.smoothL1(in[0], target, 0.6f), scaled(13, 3f, 3, 4));
        GradCheck.check(in -> Losses.huber(in[0], target, 0.8f), scaled(14, 3f, 3, 4));
        // gradient of the quadratic part by hand: huber d/dpred = d/N inside, ±delta/N outside
        Tensor p = Tensor.of(new float[] {0.25f, 5f}, 2).requiresGrad(true);
        Losses.huber(p, Tensor.zeros(2), 1f).backward();
        assertEquals(0.125f, p.grad().get(0), 1e-7f);
        assertEquals(0.5f, p.grad().get(1), 1e-7f);
    }

    private static Tensor scaled(long seed, float s, int... shape) {
        return GradCheck.input(seed, shape).mul(s).detach().requiresGrad(true);
    }

    @Test
    void regressionValidation() {
        var e = assertThrows(IllegalArgumentException.class, () -> Losses.mse(Tensor.zeros(2, 3), Tensor.zeros(3)));
        assertEquals("mse expects target of the same shape as pred (2, 3); received (3,)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Losses.smoothL1(Tensor.zeros(2), Tensor.zeros(2), -1f));
        assertThrows(IllegalArgumentException.class, () -> Losses.huber(Tensor.zeros(2), Tensor.zeros(2), 0f));
    }

    // ------------------------------------------------------------------ metric learning

    @Test
    void tripletByHand() {
        // a = (0,0); p = (3,4) at distance 5; n1 = (6,8) at 10; n2 = (1,0) at 1 (eps shifts distances by ~1e-6)
        Tensor a = Tensor.zeros(2, 2);
        Tensor p = Tensor.of(new float[] {3, 4, 3, 4}, 2, 2);
        Tensor n = Tensor.of(new float[] {6, 8, 1, 0}, 2, 2);
        // row 0: max(5 - 10 + 1, 0) = 0; row 1: max(5 - 1 + 1, 0) = 5
        assertEquals(2.5, Losses.tripletMargin(a, p, n).item(), 1e-5);
        assertEquals((0 + 5 + 1.5) / 2, Losses.tripletMargin(a, p, n, 2.5f).item(), 1e-5);
    }

    @Test
    void contrastiveByHand() {
        Tensor x1 = Tensor.zeros(3, 2);
        Tensor x2 = Tensor.of(new float[] {3, 4, 0.6f, 0.8f, 3, 4}, 3, 2); // distances 5, 1, 5
        // similar (d=5): 0.5*25; different (d=1, margin 2): 0.5*(2-1)^2; different (d=5): 0
        float[] sim = {1, 0, 0};
        assertEquals((12.5 + 0.5 + 0) / 3, Losses.contrastive(x1, x2, sim, 2f).item(), 1e-5);
        // identical similar pair: ~0 loss and a finite gradient
        Tensor same = Tensor.ones(1, 3).requiresGrad(true);
        Tensor loss = Losses.contrastive(same, Tensor.ones(1, 3), new float[] {1}, 1f);
        assertEquals(0.0, loss.item(), 1e-10);
        loss.backward();
        for (float g : same.grad().data()) assertTrue(Float.isFinite(g));
    }

    @Test
    void metricLearningGradients() {
        GradCheck.check(in -> Losses.tripletMargin(in[0], in[1], in[2], 0.5f),
                GradCheck.input(15, 4, 5), GradCheck.input(16, 4, 5), GradCheck.input(17, 4, 5));
        float[] sim = {1, 0, 0, 1};
        GradCheck.check(in -> Losses.contrastive(in[0], in[1], sim, 1.5f), GradCheck.input(18, 4, 3), GradCheck.input(19, 4, 3));
    }

    @Test
    void metricLearningValidation() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Losses.tripletMargin(Tensor.zeros(2, 3), Tensor.zeros(2, 3), Tensor.zeros(2, 4)));
        assertEquals("tripletMargin expects negative of the same shape as anchor (2, 3); received (2, 4)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Losses.contrastive(Tensor.zeros(2, 3), Tensor.zeros(2, 3), new float[] {1, 0.5f}, 1f));
        assertEquals("contrastive expects labels 0 (different) or 1 (similar); received 0.5 at index 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Losses.contrastive(Tensor.zeros(2, 3), Tensor.zeros(2, 3), new float[] {1}, 1f));
        assertEquals("contrastive expects 2 similarity labels, one per pair; received 1", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Losses.contrastive(Tensor.zeros(2, 3), Tensor.zeros(2, 3), new float[] {1, 0}, 0f));
    }

    @Test
    void lossesTrainSomething() {
        // a tiny end-to-end sanity check: gradient descent on crossEntropy separates two points
        Random r = new Random(20);
        Tensor w = Tensor.randn(r, 2, 2).requiresGrad(true);
        Tensor x = Tensor.of(new float[] {1, 0, 0, 1}, 2, 2);
        int[] y = {1, 0};
        float first = Losses.crossEntropy(x.matmul(w), y).item();
        for (int step = 0; step < 100; step++) {
            w.zeroGrad();
            Losses.crossEntropy(x.matmul(w), y).backward();
            float[] g = w.grad().data();
            for (int i = 0; i < 4; i++) w.data()[i] -= 0.5f * g[i];
        }
        float last = Losses.crossEntropy(x.matmul(w), y).item();
        assertTrue(last < 0.1f * first && last < 0.1f, "loss " + first + " -> " + last);
    }
}
