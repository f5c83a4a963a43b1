package dev.fovea.optim;

import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static dev.fovea.optim.OptimizerRulesTest.param;
import static dev.fovea.optim.OptimizerRulesTest.setGrad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Clipping numbers worked out by hand (3-4-5 triangles). */
class GradClipTest {

    @Test
    void clipByValueClampsEachElement() {
        Tensor a = param(0f, 0f, 0f);
        Tensor noGrad = param(0f);
        setGrad(a, -3f, 0.5f, 2f);
        GradClip.clipByValue(List.of(a, noGrad), 1.0);
        assertArrayEquals(new float[] {-1f, 0.5f, 1f}, a.grad().data());
        assertNull(noGrad.grad());
    }

    @Test
    void clipByNormRescalesEachTensorSeparately() {
        Tensor a = param(0f, 0f);
        Tensor b = param(0f, 0f);
        Tensor noGrad = param(0f);
        setGrad(a, 3f, 4f);       // norm 5 -> scaled to norm 1
        setGrad(b, 0.3f, 0.4f);   // norm 0.5 -> unchanged
        float[] norms = GradClip.clipByNorm(List.of(a, noGrad, b), 1.0);
        assertArrayEquals(new float[] {0.6f, 0.8f}, a.grad().data(), 1e-7f);
        assertArrayEquals(new float[] {0.3f, 0.4f}, b.grad().data());
        assertEquals(5f, norms[0], 0f);
        assertTrue(Float.isNaN(norms[1]));
        assertEquals(0.5f, norms[2], 1e-7f);
    }

    @Test
    void clipGlobalNormScalesAllGradientsTogether() {
        Tensor a = param(0f, 0f);
        Tensor b = param(0f);
        setGrad(a, 3f, 4f);
        setGrad(b, 12f);
        // total = sqrt(5² + 12²) = 13; coef = 6.5 / (13 + 1e-6) ≈ 0.5
        float total = GradClip.clipGlobalNorm(List.of(a, b), 6.5);
        assertEquals(13f, total, 0f);
        assertArrayEquals(new float[] {1.5f, 2f}, a.grad().data(), 1e-6f);
        assertArrayEquals(new float[] {6f}, b.grad().data(), 1e-6f);
    }

    @Test
    void clipGlobalNormLeavesSmallGradientsAloneAndReturnsTheirNorm() {
        Tensor a = param(0f, 0f);
        setGrad(a, 3f, 4f);
        assertEquals(5f, GradClip.clipGlobalNorm(List.of(a), 20.0), 0f);
        assertArrayEquals(new float[] {3f, 4f}, a.grad().data());
        // infinity only measures
        assertEquals(5f, GradClip.clipGlobalNorm(List.of(a), Double.POSITIVE_INFINITY), 0f);
        assertArrayEquals(new float[] {3f, 4f}, a.grad().data());
    }

    @Test
    void clipGlobalNormAtExactlyTheNormShrinksByTheEpsilonOnly() {
        Tensor a = param(0f, 0f);
        setGrad(a, 3f, 4f);
        GradClip.clipGlobalNorm(List.of(a), 5.0);
        // coef = 5 / (5 + 1e-6) < 1, as in PyTorch
        float coef = 5f / (5f + 1e-6f);
        assertArrayEquals(new float[] {3f * coef, 4f * coef}, a.grad().data());
    }

    @Test
    void clippingValidatesItsArguments() {
        List<Tensor> ps = List.of(param(1f));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GradClip.clipGlobalNorm(ps, 0));
        assertTrue(e.getMessage().contains("received 0.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipByNorm(ps, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipByValue(ps, -1));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipByValue(Arrays.asList(param(1f), null), 1));
        assertThrows(IllegalArgumentException.class, () -> GradClip.clipGlobalNorm(null, 1));
    }
}
