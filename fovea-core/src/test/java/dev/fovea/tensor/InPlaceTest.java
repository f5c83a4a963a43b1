package dev.fovea.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-place operations for inference: the out-of-place results, written over the tensor, only under NoGrad. */
class InPlaceTest {

    private final SplittableRandom rng = new SplittableRandom(11);

    @Test
    void eachGivesTheOutOfPlaceResultBitForBitOverItsOwnData() {
        Tensor x = Tensor.randn(rng, 2, 3, 5, 7), other = Tensor.randn(rng, 2, 3, 5, 7);
        Tensor mean = Tensor.randn(rng, 3), var = Tensor.randn(rng, 3).abs().add(0.5f);
        Tensor gamma = Tensor.randn(rng, 3), beta = Tensor.randn(rng, 3);
        try (NoGrad _ = NoGrad.enter()) {
            float[] relu = x.relu().data(), sum = x.add(other).data();
            float[] norm = x.batchNorm(mean, var, gamma, beta, false, 0.1f, 1e-5f).data();

            Tensor a = x.copy();
            assertSame(a, a.reluInPlace());
            assertArrayEquals(relu, a.data(), 0f);
            Tensor b = x.copy();
            assertSame(b, b.addInPlace(other));
            assertArrayEquals(sum, b.data(), 0f);
            Tensor c = x.copy();
            assertSame(c, c.batchNormInPlace(mean, var, gamma, beta, 1e-5f));
            assertArrayEquals(norm, c.data(), 0f);
        }
    }

    @Test
    void withGradientsRecordedTheyThrowAndChangeNothing() {
        Tensor x = Tensor.randn(rng, 4, 3), before = x.copy();
        IllegalStateException e = assertThrows(IllegalStateException.class, x::reluInPlace);
        assertTrue(e.getMessage().contains("reluInPlace") && e.getMessage().contains("NoGrad"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> x.addInPlace(Tensor.ones(4, 3)));
        assertThrows(IllegalStateException.class,
                () -> x.batchNormInPlace(Tensor.zeros(3), Tensor.ones(3), null, null, 1e-5f));
        assertArrayEquals(before.data(), x.data(), 0f);
    }

    @Test
    void addInPlaceNamesBothShapesOnAMismatch() {
        try (NoGrad _ = NoGrad.enter()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Tensor.ones(2, 3).addInPlace(Tensor.ones(3)));
            assertTrue(e.getMessage().contains("(2, 3)") && e.getMessage().contains("(3,)"), e.getMessage());
        }
    }
}
