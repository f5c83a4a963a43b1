package dev.fovea.optim;

import dev.fovea.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping, applied between {@code backward()} and {@code optimizer.step()} to keep one bad
 * batch or an exploding recurrent gradient from throwing the weights far away (Pascanu, Mikolov and
 * Bengio 2013, "On the difficulty of training recurrent neural networks", ICML, algorithm 2).
 * Parameters whose gradient is null are skipped. All three methods modify the gradients in place.
 */
public final class GradClip {

    private GradClip() {}

    /**
     * Clamps every gradient element to [−clipValue, clipValue], as PyTorch's
     * {@code clip_grad_value_}. Simple, but it changes the gradient's direction; prefer
     * {@link #clipGlobalNorm}.
     */
    public static void clipByValue(Iterable<Tensor> params, double clipValue) {
        if (!(clipValue >= 0)) {
            throw new IllegalArgumentException("clipByValue expects clipValue >= 0; received " + clipValue);
        }
        float c = (float) clipValue;
        for (Tensor p : list(params, "clipByValue")) {
            Tensor grad = p.grad();
            if (grad == null) continue;
            float[] g = grad.data();
            // Math.min/max keep NaN as NaN, like torch.clamp.
            for (int j = 0; j < g.length; j++) g[j] = Math.max(-c, Math.min(c, g[j]));
        }
    }

    /**
     * Rescales each tensor's gradient separately so its L2 norm is at most {@code maxNorm}:
     * {@code g ← g · maxNorm / max(‖g‖, maxNorm)}, TensorFlow's {@code tf.clip_by_norm} applied per
     * tensor. Unlike {@link #clipGlobalNorm} it changes the relative size of different layers'
     * updates.
     *
     * @return each gradient's norm before clipping, in iteration order (NaN for a null gradient)
     */
    public static float[] clipByNorm(Iterable<Tensor> params, double maxNorm) {
        checkMaxNorm(maxNorm, "clipByNorm");
        List<Tensor> list = list(params, "clipByNorm");
        float[] norms = new float[list.size()];
        for (int i = 0; i < norms.length; i++) {
            Tensor grad = list.get(i).grad();
            if (grad == null) {
                norms[i] = Float.NaN;
                continue;
            }
            float[] g = grad.data();
            double norm = l2(g);
            norms[i] = (float) norm;
            if (norm > maxNorm) {
                float scale = (float) (maxNorm / norm);
                for (int j = 0; j < g.length; j++) g[j] *= scale;
            }
        }
        return norms;
    }

    /**
     * Rescales all gradients together so that their joint L2 norm is at most {@code maxNorm}, as
     * PyTorch 1.13's {@code clip_grad_norm_} (norm_type 2): with
     * {@code total = ‖(‖g₁‖, ‖g₂‖, ...)‖}, every gradient is multiplied by
     * {@code min(maxNorm / (total + 1e-6), 1)}. The direction of the full gradient is kept. Like
     * PyTorch (error_if_nonfinite=False), a non-finite total propagates into the gradients; check the
     * returned norm to skip such a step. {@code maxNorm = +infinity} only measures.
     *
     * @return the total norm before clipping (useful to log: it reveals exploding gradients)
     */
    public static float clipGlobalNorm(Iterable<Tensor> params, double maxNorm) {
        checkMaxNorm(maxNorm, "clipGlobalNorm");
        List<Tensor> list = list(params, "clipGlobalNorm");
        // Per-tensor norms rounded to float32, then the norm of those: torch.norm(torch.stack([norm(g) ...]))
        double sumSq = 0;
        for (Tensor p : list) {
            Tensor grad = p.grad();
            if (grad == null) continue;
            float n = (float) l2(grad.data());
            sumSq += (double) n * n;
        }
        float total = (float) Math.sqrt(sumSq);
        float coef = (float) maxNorm / (total + 1e-6f);      // clip_coef = max_norm / (total_norm + 1e-6)
        if (!(coef >= 1f)) {                                  // clamp(max=1); multiplying by 1 changes nothing
            for (Tensor p : list) {
                Tensor grad = p.grad();
                if (grad == null) continue;
                float[] g = grad.data();
                for (int j = 0; j < g.length; j++) g[j] *= coef;
            }
        }
        return total;
    }

    private static double l2(float[] g) {
        double s = 0;
        for (float v : g) s += (double) v * v;
        return Math.sqrt(s);
    }

    private static void checkMaxNorm(double maxNorm, String method) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException(method + " expects maxNorm > 0; received " + maxNorm);
        }
    }

    private static List<Tensor> list(Iterable<Tensor> params, String method) {
        if (params == null) throw new IllegalArgumentException(method + " expects parameters; received null");
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params) {
            if (p == null) {
                throw new IllegalArgumentException(method + " expects non-null parameters; received null at index "
                        + out.size());
            }
            out.add(p);
        }
        return out;
    }
}
