package dev.fovea.train;

import dev.fovea.nn.Module;
import dev.fovea.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Watches per-layer gradient norms during training and names the layers whose gradients vanish or
 * explode, the first problem of training deep nets (Glorot and Bengio 2010; Hochreiter 1991).
 *
 * <p>After each backward pass it records the L2 norm of every weight tensor's gradient (rank >= 2:
 * conv kernels and dense matrices; biases and batch-norm scales are skipped because their norms say
 * little about depth). At the end of an epoch, with {@code m} the largest mean norm of any layer:
 * <ul>
 *   <li>a layer whose mean norm is below {@code vanishingRatio * m} (default 1e-4) or below
 *       {@code 1e-10} has <b>vanishing</b> gradients: it is barely learning compared with the others;</li>
 *   <li>a layer whose norm exceeds {@code explodingNorm} (default 1e3) at any batch, or is NaN or
 *       infinite, has <b>exploding</b> gradients.</li>
 * </ul>
 * Healthy nets (e.g. LeNet-5 with He initialisation) keep layer norms within a few orders of
 * magnitude of each other and raise nothing.
 */
public final class GradientMonitor {

    private final double vanishingRatio;
    private final double explodingNorm;
    private final Map<String, double[]> sums = new LinkedHashMap<>(); // name -> {sum of norms, count, max}
    private final List<String> immediate = new ArrayList<>();

    public GradientMonitor() {
        this(1e-4, 1e3);
    }

    public GradientMonitor(double vanishingRatio, double explodingNorm) {
        if (!(vanishingRatio > 0 && vanishingRatio < 1) || !(explodingNorm > 0)) {
            throw new IllegalArgumentException("GradientMonitor expects 0 < vanishingRatio < 1 and explodingNorm > 0; received "
                    + vanishingRatio + ", " + explodingNorm);
        }
        this.vanishingRatio = vanishingRatio;
        this.explodingNorm = explodingNorm;
    }

    /** Records the current gradients of the model's weight tensors (call after backward, before step). */
    public void record(Module model) {
        record(model.namedParameters());
    }

    /** Records the gradients of the given named parameters (the trainer looks the names up once per run). */
    public void record(Map<String, Tensor> namedParameters) {
        for (var e : namedParameters.entrySet()) {
            Tensor p = e.getValue();
            if (p.dim() < 2 || p.grad() == null) continue;
            float[] g = p.grad().data();
            double sq = 0;
            for (float v : g) sq += (double) v * v;
            double norm = Math.sqrt(sq);
            double[] s = sums.computeIfAbsent(e.getKey(), k -> new double[3]);
            if (!Double.isFinite(norm) && s[2] != Double.POSITIVE_INFINITY) {
                immediate.add("exploding gradients: " + e.getKey() + " has a non-finite gradient (NaN or Inf)");
            }
            s[0] += norm;
            s[1] += 1;
            s[2] = Double.isFinite(norm) ? Math.max(s[2], norm) : Double.POSITIVE_INFINITY;
        }
    }

    /** Mean gradient norm per weight tensor since the last {@link #endEpoch}. */
    public Map<String, Double> meanNorms() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (var e : sums.entrySet()) out.put(e.getKey(), e.getValue()[0] / Math.max(1, e.getValue()[1]));
        return out;
    }

    /** Warnings for the epoch just finished; resets the statistics. */
    public List<String> endEpoch() {
        List<String> warnings = new ArrayList<>(immediate);
        Map<String, Double> means = meanNorms();
        double max = 0;
        for (double m : means.values()) if (Double.isFinite(m)) max = Math.max(max, m);
        for (var e : means.entrySet()) {
            double mean = e.getValue(), peak = sums.get(e.getKey())[2];
            if (Double.isFinite(peak) && peak > explodingNorm) {
                warnings.add(String.format(java.util.Locale.ROOT,
                        "exploding gradients: %s reached gradient norm %.3g (limit %.3g); lower the learning rate, "
                                + "clip gradients or use batch norm", e.getKey(), peak, explodingNorm));
            } else if (Double.isFinite(mean) && (mean < 1e-10 || mean < vanishingRatio * max)) {
                warnings.add(String.format(java.util.Locale.ROOT,
                        "vanishing gradients: %s has mean gradient norm %.3g, %.1e of the largest layer's %.3g; "
                                + "use He/Xavier initialisation, ReLU-family activations or batch norm",
                        e.getKey(), mean, max == 0 ? 0 : mean / max, max));
            }
        }
        sums.clear();
        immediate.clear();
        return warnings;
    }
}
