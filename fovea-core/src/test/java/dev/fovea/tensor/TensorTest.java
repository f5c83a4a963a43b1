package dev.fovea.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {

    @Test
    void broadcastingAddByHand() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {10, 20, 30}, 3);
        assertArrayEquals(new float[] {11, 22, 33, 14, 25, 36}, a.add(b).data());
        Tensor col = Tensor.of(new float[] {100, 200}, 2, 1);
        assertArrayEquals(new float[] {101, 102, 103, 204, 205, 206}, a.add(col).data());
    }

    @Test
    void backwardAccumulatesWhenATensorIsUsedTwice() {
        // y = x*x + x  =>  dy/dx = 2x + 1
        Tensor x = Tensor.of(new float[] {3f}, 1).requiresGrad(true);
        x.mul(x).add(x).sum().backward();
        assertEquals(7f, x.grad().item(), 0f);
        // a second backward adds to the leaf's gradient; only the optimizer zeroes it
        x.mul(x).add(x).sum().backward();
        assertEquals(14f, x.grad().item(), 0f);
    }

    @Test
    void matmulByHand() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        assertArrayEquals(new float[] {4, 5, 10, 11}, a.matmul(b).data());
    }

    @Test
    void noGradRecordsNothing() {
        Tensor x = Tensor.ones(2, 2).requiresGrad(true);
        Tensor y;
        try (var off = NoGrad.enter()) {
            y = x.mul(2f);
        }
        assertFalse(y.requiresGrad());
        assertTrue(y.isLeaf());
        assertTrue(NoGrad.isGradEnabled());
    }

    @Test
    void intermediateGradsAreFreedAfterBackward() {
        Tensor x = Tensor.ones(3).requiresGrad(true);
        Tensor h = x.mul(2f);
        h.sum().backward();
        assertNull(h.grad());
        assertTrue(h.isLeaf());
        assertArrayEquals(new float[] {2, 2, 2}, x.grad().data());
    }

    @Test
    void badShapesNameExpectedAndReceived() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("(2, 3)") && e.getMessage().contains("(4,)"), e.getMessage());
        var m = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(2, 3)));
        assertTrue(m.getMessage().contains("received (2, 3) x (2, 3)"), m.getMessage());
    }

    @Test
    void gradcheckElementwise() {
        Tensor a = GradCheck.input(1, 2, 3, 4);
        Tensor b = GradCheck.input(2, 3, 1).add(2.5f).detach().requiresGrad(true);
        GradCheck.check(t -> t[0].add(t[1]), a, b);
        GradCheck.check(t -> t[0].sub(t[1]), a, b);
        GradCheck.check(t -> t[0].mul(t[1]), a, b);
        GradCheck.check(t -> t[0].div(t[1]), a, b);
        GradCheck.check(t -> t[0].maximum(t[1].sub(3f)), a, b);
    }

    @Test
    void gradcheckUnary() {
        Tensor a = GradCheck.input(3, 3, 5);
        Tensor pos = a.abs().add(0.5f).detach().requiresGrad(true);
        GradCheck.check(t -> t[0].exp(), a);
        GradCheck.check(t -> t[0].log(), pos);
        GradCheck.check(t -> t[0].sqrt(), pos);
        GradCheck.check(t -> t[0].pow(3f), pos);
        GradCheck.check(t -> t[0].square(), a);
        GradCheck.check(t -> t[0].tanh(), a);
        GradCheck.check(t -> t[0].sigmoid(), a);
        GradCheck.check(t -> t[0].relu(), a);
        GradCheck.check(t -> t[0].leakyRelu(0.1f), a);
        GradCheck.check(t -> t[0].elu(1.0f), a);
        GradCheck.check(t -> t[0].selu(), a);
        GradCheck.check(t -> t[0].abs(), a);
        GradCheck.check(t -> t[0].clamp(-0.5f, 0.5f), a);
        GradCheck.check(t -> t[0].mul(3f).add(1f), a);
    }

    @Test
    void gradcheckReductionsAndViews() {
        Tensor a = GradCheck.input(4, 2, 3, 4);
        GradCheck.check(t -> t[0].sum(), a);
        GradCheck.check(t -> t[0].sum(false, 1), a);
        GradCheck.check(t -> t[0].sum(true, 0, 2), a);
        GradCheck.check(t -> t[0].mean(false, -1), a);
        GradCheck.check(t -> t[0].max(1, false), a);
        GradCheck.check(t -> t[0].reshape(6, -1), a);
        GradCheck.check(t -> t[0].permute(2, 0, 1), a);
        GradCheck.check(t -> t[0].transpose(0, 2), a);
        GradCheck.check(t -> t[0].slice(1, 1, 3), a);
        GradCheck.check(t -> Tensor.concat(1, t[0], t[0].slice(1, 0, 1)), a);
        GradCheck.check(t -> t[0].pad2d(1, 2, 0, 1), a);
        GradCheck.check(t -> t[0].logSoftmax(1), a);
        GradCheck.check(t -> t[0].softmax(-1), a);
    }

    @Test
    void gradcheckMatmulAndLinear() {
        Tensor a = GradCheck.input(5, 3, 4), b = GradCheck.input(6, 4, 5);
        GradCheck.check(t -> t[0].matmul(t[1]), a, b);
        Tensor ba = GradCheck.input(7, 2, 3, 4), bb = GradCheck.input(8, 2, 4, 2);
        GradCheck.check(t -> t[0].matmul(t[1]), ba, bb);
        Tensor x = GradCheck.input(9, 5, 4), w = GradCheck.input(10, 3, 4), bias = GradCheck.input(11, 3);
        GradCheck.check(t -> t[0].linear(t[1], t[2]), x, w, bias);
    }

    @Test
    void softmaxRowsSumToOne() {
        Tensor p = GradCheck.input(12, 4, 7).mul(10f).softmax(1);
        for (int r = 0; r < 4; r++) {
            double s = 0;
            for (int c = 0; c < 7; c++) s += p.get(r, c);
            assertEquals(1.0, s, 1e-6);
        }
    }
}
