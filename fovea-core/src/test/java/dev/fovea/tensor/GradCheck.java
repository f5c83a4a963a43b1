package dev.fovea.tensor;

import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Finite-difference gradient check (test support).
 *
 * <p>The scalar checked is {@code L = sum(f(inputs) * W)} with a fixed random {@code W}, so every
 * output element contributes with a different weight. Analytic gradients come from
 * {@link Tensor#backward()}; numeric ones from central differences {@code (L(x+h) - L(x-h)) / 2h},
 * with L accumulated in double. With float32 data and h = 1e-3 the numeric estimate carries about
 * 1e-4 absolute noise, hence the default tolerances; keep inputs away from kinks (ReLU at 0, ties
 * under max-pool) where the derivative is not defined.
 */
public final class GradCheck {

    public static final double H = 1e-3;

    private GradCheck() {}

    /** Checks d f / d inputs[i] for every input with requiresGrad; at most {@code maxPerInput} elements each. */
    public static void check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        check(f, 2e-3, 2e-2, 400, inputs);
    }

    public static void check(Function<Tensor[], Tensor> f, double atol, double rtol, int maxPerInput, Tensor... inputs) {
        Tensor out0;
        try (var off = NoGrad.enter()) {
            out0 = f.apply(inputs);
        }
        Random r = new Random(1234);
        float[] w = new float[out0.numel()];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian());
        Tensor weights = Tensor.of(w, out0.shape());

        for (Tensor t : inputs) if (t.requiresGrad()) t.clearGrad();
        Tensor loss = f.apply(inputs).mul(weights).sum();
        loss.backward();

        StringBuilder failures = new StringBuilder();
        int failCount = 0;
        for (int k = 0; k < inputs.length; k++) {
            Tensor t = inputs[k];
            if (!t.requiresGrad()) continue;
            float[] analytic = t.grad() == null ? new float[t.numel()] : t.grad().data().clone();
            float[] x = t.data();
            int step = Math.max(1, x.length / maxPerInput);
            for (int i = 0; i < x.length; i += step) {
                float saved = x[i];
                x[i] = (float) (saved + H);
                double plus = weightedSum(f, inputs, w);
                x[i] = (float) (saved - H);
                double minus = weightedSum(f, inputs, w);
                x[i] = saved;
                double numeric = (plus - minus) / (2 * H);
                double diff = Math.abs(numeric - analytic[i]);
                if (diff > atol + rtol * Math.abs(numeric)) {
                    if (failCount++ < 8) {
                        failures.append(String.format("  input %d element %d: analytic %.6g numeric %.6g (diff %.3g)%n",
                                k, i, analytic[i], numeric, diff));
                    }
                }
            }
        }
        if (failCount > 0) fail("gradient check failed at " + failCount + " elements:\n" + failures);
    }

    private static double weightedSum(Function<Tensor[], Tensor> f, Tensor[] inputs, float[] w) {
        try (var off = NoGrad.enter()) {
            float[] o = f.apply(inputs).data();
            double s = 0;
            for (int i = 0; i < o.length; i++) s += (double) o[i] * w[i];
            return s;
        }
    }

    /** Random input with values in [-1, 1] that needs a gradient. */
    public static Tensor input(long seed, int... shape) {
        Random r = new Random(seed);
        float[] d = new float[Shapes.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = r.nextFloat() * 2f - 1f;
        return Tensor.of(d, shape).requiresGrad(true);
    }
}
