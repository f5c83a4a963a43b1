package dev.fovea.nn;

import dev.fovea.tensor.GradCheck;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Activation layers, Softmax/LogSoftmax and Flatten (all composed from existing Tensor ops). */
class ActivationsTest {

    private static final Tensor X = Tensor.of(new float[] {-2f, -0.5f, 0.5f, 3f}, 4);

    /** Random values with |x| >= 0.1, so no input sits on a kink of ReLU-like functions. */
    private static Tensor awayFromZero(long seed, int... shape) {
        Tensor t = GradCheck.input(seed, shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) d[i] = d[i] >= 0 ? d[i] * 2 + 0.1f : d[i] * 2 - 0.1f;
        return t;
    }

    @Test
    void elementwiseActivationsByHand() {
        assertArrayEquals(new float[] {0f, 0f, 0.5f, 3f}, new ReLU().forward(X).data());
        assertArrayEquals(new float[] {-0.02f, -0.005f, 0.5f, 3f}, new LeakyReLU().forward(X).data(), 1e-7f);
        assertArrayEquals(new float[] {-0.4f, -0.1f, 0.5f, 3f}, new LeakyReLU(0.2f).forward(X).data(), 1e-7f);
        float[] elu = new ELU().forward(X).data();
        assertEquals(Math.exp(-2) - 1, elu[0], 1e-6);
        assertEquals(3f, elu[3]);
        assertEquals(0.5 * (Math.exp(-0.5) - 1), new ELU(0.5f).forward(X).data()[1], 1e-6);
        float[] selu = new SELU().forward(X).data();
        assertEquals(1.0507009873554805 * 1.6732632423543772 * (Math.exp(-2) - 1), selu[0], 1e-6);
        assertEquals(1.0507009873554805 * 3, selu[3], 1e-6);
        assertEquals(Math.tanh(0.5), new Tanh().forward(X).data()[2], 1e-7);
        assertEquals(1 / (1 + Math.exp(2)), new Sigmoid().forward(X).data()[0], 1e-7);
    }

    @Test
    void activationGradients() {
        for (Module m : new Module[] {new ReLU(), new LeakyReLU(0.1f), new ELU(0.7f), new SELU(), new Tanh(), new Sigmoid(),
                new Softmax(1), new LogSoftmax(0), new Softmax(-1)}) {
            GradCheck.check(in -> m.forward(in[0]), awayFromZero(1, 3, 4));
            assertEquals(0, m.parameterCount());
        }
    }

    @Test
    void softmaxAndLogSoftmax() {
        Tensor x = GradCheck.input(2, 3, 5).detach();
        Tensor rows = new Softmax(1).forward(x);
        for (int i = 0; i < 3; i++) assertEquals(1f, rows.slice(0, i, i + 1).sum().item(), 1e-6f);
        Tensor cols = new Softmax(0).forward(x);
        for (int j = 0; j < 5; j++) assertEquals(1f, cols.slice(1, j, j + 1).sum().item(), 1e-6f);
        Reference.assertClose(rows.log().data(), new LogSoftmax(1).forward(x).data(), 1e-5, "log(softmax)");
        // by hand: softmax of (0, ln 3) is (1/4, 3/4)
        Tensor two = Tensor.of(new float[] {0f, (float) Math.log(3)}, 1, 2);
        assertArrayEquals(new float[] {0.25f, 0.75f}, new Softmax(1).forward(two).data(), 1e-6f);
        var e = assertThrows(IllegalArgumentException.class, () -> new Softmax(2).forward(x));
        assertEquals("Softmax expects an input with dimension 2; received (3, 5) (dim=2)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LogSoftmax(-3).forward(x));
        assertEquals("Softmax(dim=1)", new Softmax(1).toString());
    }

    @Test
    void flattenShapes() {
        Tensor x = Tensor.arange(120).reshape(2, 3, 4, 5);
        assertArrayEquals(new int[] {2, 60}, new Flatten().forward(x).shape());
        assertArrayEquals(new int[] {120}, new Flatten(0).forward(x).shape());
        assertArrayEquals(new int[] {2, 12, 5}, new Flatten(1, 2).forward(x).shape());
        assertArrayEquals(new int[] {2, 3, 20}, new Flatten(-2).forward(x).shape());
        assertArrayEquals(x.data(), new Flatten().forward(x).data());
        GradCheck.check(in -> new Flatten().forward(in[0]), GradCheck.input(3, 2, 3, 2));
        var e = assertThrows(IllegalArgumentException.class, () -> new Flatten(2, 1).forward(x));
        assertEquals("Flatten expects startDim <= endDim; received (2, 3, 4, 5) (startDim=2, endDim=1)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Flatten(4).forward(x));
    }

    @Test
    void reprsAndSequentialPrinting() {
        assertEquals("LeakyReLU(negativeSlope=0.01)", new LeakyReLU().toString());
        assertEquals("ELU(alpha=1.0)", new ELU().toString());
        assertEquals("ReLU()", new ReLU().toString());
        Sequential s = new Sequential(new Conv2d(1, 6, 5, new Random(0)), new ReLU(), new MaxPool2d(2), new Flatten());
        assertEquals("""
                Sequential(
                  (0): Conv2d(inChannels=1, outChannels=6, kernelSize=(5, 5))
                  (1): ReLU()
                  (2): MaxPool2d(kernelSize=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceilMode=false)
                  (3): Flatten(startDim=1, endDim=-1)
                )""", s.toString());
        assertEquals(6 * 25 + 6, s.parameterCount());
    }
}
