package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

/**
 * Flattens a range of dimensions into one, PyTorch's {@code nn.Flatten} (defaults {@code startDim=1,
 * endDim=-1}: keep the batch dimension, flatten the rest).
 *
 * <p>Shapes: {@code (N, C, H, W)} to {@code (N, C*H*W)} by default; in general dimensions
 * {@code startDim..endDim} (negative counts from the end) are multiplied together. Shares the input's
 * data (a reshape). No parameters.
 */
public class Flatten extends Module {

    public final int startDim;
    public final int endDim;

    public Flatten() {
        this(1, -1);
    }

    public Flatten(int startDim) {
        this(startDim, -1);
    }

    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    protected Tensor compute(Tensor x) {
        int[] s = x.shape();
        int a, b;
        try {
            a = Shapes.dim(startDim, s.length);
            b = Shapes.dim(endDim, s.length);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Flatten expects an input with dimensions " + startDim + " and " + endDim
                    + "; received " + Shapes.str(s) + " (" + extraRepr() + ")");
        }
        if (a > b) {
            throw new IllegalArgumentException("Flatten expects startDim <= endDim; received " + Shapes.str(s)
                    + " (" + extraRepr() + ")");
        }
        int[] out = new int[s.length - (b - a)];
        int merged = 1;
        for (int i = a; i <= b; i++) merged *= s[i];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i < a || i > b) out[j++] = s[i];
            else if (i == a) out[j++] = merged;
        }
        return x.reshape(out);
    }

    @Override
    public String extraRepr() {
        return "startDim=" + startDim + ", endDim=" + endDim;
    }
}
