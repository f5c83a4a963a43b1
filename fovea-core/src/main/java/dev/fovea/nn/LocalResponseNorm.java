package dev.fovea.nn;

import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

/**
 * Local response normalisation across channels (Krizhevsky, Sutskever and Hinton, 2012, section 3.3),
 * PyTorch's {@code nn.LocalResponseNorm}:
 * {@code b_c = a_c / (k + alpha/size * sum_{c'} a_{c'}^2)^beta}, the sum running over the {@code size}
 * channels from {@code c - size/2} to {@code c + (size-1)/2} that exist. Note PyTorch divides alpha by
 * {@code size}; AlexNet's paper values (k=2, n=5, alpha=1e-4, beta=0.75) therefore become
 * {@code LocalResponseNorm(5, 5e-4f, 0.75f, 2f)} to reproduce the paper's formula exactly.
 *
 * <p>Shapes: input {@code (N, C, H, W)} or {@code (N, C, L)}, output the same. No parameters.
 * Defaults alpha = 1e-4, beta = 0.75, k = 1.
 */
public class LocalResponseNorm extends Module {

    public final int size;
    public final float alpha;
    public final float beta;
    public final float k;

    public LocalResponseNorm(int size) {
        this(size, 1e-4f, 0.75f, 1f);
    }

    public LocalResponseNorm(int size, float alpha, float beta, float k) {
        if (size < 1) throw new IllegalArgumentException("LocalResponseNorm expects size >= 1; received " + size);
        this.size = size;
        this.alpha = alpha;
        this.beta = beta;
        this.k = k;
    }

    @Override
    protected Tensor compute(Tensor x) {
        if (x.dim() != 3 && x.dim() != 4) {
            throw new IllegalArgumentException("LocalResponseNorm expects input of shape (N, C, H, W) or (N, C, L); received "
                    + Shapes.str(x.shape()) + " (" + extraRepr() + ")");
        }
        if (x.dim() == 4) return x.localResponseNorm(size, alpha, beta, k);
        int[] s = x.shape();
        return x.reshape(s[0], s[1], s[2], 1).localResponseNorm(size, alpha, beta, k).reshape(s);
    }

    @Override
    public String extraRepr() {
        return "size=" + size + ", alpha=" + alpha + ", beta=" + beta + ", k=" + k;
    }
}
