package dev.fovea.nn;

import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DropoutTest {

    @Test
    void dropoutIsIdentityInEval() {
        Dropout d = new Dropout(0.5f, new Random(0));
        d.eval();
        Tensor x = Tensor.randn(new Random(1), 3, 4);
        assertSame(x, d.forward(x));
        assertSame(x, new Dropout(0f, new Random(0)).forward(x)); // p = 0 in training too
    }

    @Test
    void evalOnAContainerReachesTheDropoutInside() {
        Dropout d = new Dropout(0.9f, new Random(0));
        Sequential s = new Sequential(new ReLU(), d);
        Tensor x = Tensor.ones(50);
        s.eval();
        assertArrayEquals(x.data(), s.forward(x).data());
        s.train();
        assertTrue(d.isTraining());
        assertTrue(s.forward(x).sum().item() != 50f);
    }

    @Test
    void dropoutZeroesAFractionPAndScalesSurvivorsInTraining() {
        float p = 0.3f;
        Dropout d = new Dropout(p, new SplittableRandom(2));
        assertTrue(d.isTraining());
        Tensor x = Tensor.full(2f, 200, 500);
        Tensor y = d.forward(x);
        int dropped = 0;
        for (float v : y.data()) {
            if (v == 0f) dropped++;
            else assertEquals(2f / (1 - p), v, 1e-6f);
        }
        int n = x.numel();
        double sd = Math.sqrt(n * p * (1 - p));
        assertEquals(n * p, dropped, 5 * sd);
        assertEquals(2.0, y.mean().item(), 0.02); // inverted dropout keeps the expectation
    }

    @Test
    void dropoutGradientIsTheMaskAndSeedsReproduce() {
        Tensor x = Tensor.randn(new Random(3), 4, 5).requiresGrad(true);
        Tensor y = new Dropout(0.5f, new Random(7)).forward(x);
        y.sum().backward();
        for (int i = 0; i < x.numel(); i++) {
            float g = x.grad().data()[i];
            assertTrue(g == 0f || g == 2f, "gradient " + g);
            assertEquals(g * x.data()[i], y.data()[i], 1e-6f);
        }
        Tensor again = new Dropout(0.5f, new Random(7)).forward(x.detach());
        assertArrayEquals(y.data(), again.data());
    }

    @Test
    void dropoutEdgeProbabilities() {
        Tensor x = Tensor.ones(10).requiresGrad(true);
        Tensor y = new Dropout(1f, new Random(0)).forward(x);
        assertArrayEquals(new float[10], y.data());
        y.sum().backward();
        assertArrayEquals(new float[10], x.grad().data());
        var e = assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5f, new Random(0)));
        assertEquals("Dropout expects a probability p in [0, 1]; received p=1.5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dropout(Float.NaN, new Random(0)));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(0.5f, null));
        assertEquals("Dropout(p=0.5)", new Dropout(new Random(0)).toString());
    }

    // ------------------------------------------------------------------ alpha dropout

    @Test
    void alphaDropoutKeepsZeroMeanAndUnitVariance() {
        Tensor x = Tensor.randn(new SplittableRandom(4), 400, 500);
        for (float p : new float[] {0.05f, 0.2f, 0.5f}) {
            Tensor y = new AlphaDropout(p, new SplittableRandom(5)).forward(x);
            double mean = y.mean().item();
            double var = y.sub(y.mean()).square().mean().item();
            assertEquals(0.0, mean, 0.01, "mean at p=" + p);
            assertEquals(1.0, var, 0.02, "variance at p=" + p);
        }
        // plain dropout would not: variance 1/(1-p) for the same input
        Tensor plain = new Dropout(0.5f, new SplittableRandom(5)).forward(x);
        assertEquals(2.0, plain.square().mean().item(), 0.05);
    }

    @Test
    void alphaDropoutTakesTheTwoAffineFormsOfPyTorch() {
        float p = 0.2f;
        double alphaPrime = -1.0507009873554805 * 1.6732632423543772;
        double a = Math.pow((1 - p) * (1 + p * alphaPrime * alphaPrime), -0.5);
        double b = -a * alphaPrime * p;
        Tensor x = Tensor.randn(new Random(6), 1000).requiresGrad(true);
        Tensor y = new AlphaDropout(p, new Random(7)).forward(x);
        y.sum().backward();
        int dropped = 0;
        for (int i = 0; i < 1000; i++) {
            float g = x.grad().data()[i];
            if (g == 0f) {
                dropped++;
                assertEquals(a * alphaPrime + b, y.data()[i], 1e-5);
            } else {
                assertEquals(a, g, 1e-6);
                assertEquals(a * x.data()[i] + b, y.data()[i], 1e-5);
            }
        }
        assertEquals(200, dropped, 5 * Math.sqrt(1000 * 0.2 * 0.8));
    }

    @Test
    void alphaDropoutModesAndEdges() {
        Tensor x = Tensor.randn(new Random(8), 5, 5);
        AlphaDropout d = new AlphaDropout(0.3f, new Random(9));
        d.eval();
        assertSame(x, d.forward(x));
        d.train();
        assertTrue(!java.util.Arrays.equals(x.data(), d.forward(x).data()));
        assertArrayEquals(new float[25], new AlphaDropout(1f, new Random(0)).forward(x).data());
        assertSame(x, new AlphaDropout(0f, new Random(0)).forward(x));
        assertThrows(IllegalArgumentException.class, () -> new AlphaDropout(-0.1f, new Random(0)));
    }
}
