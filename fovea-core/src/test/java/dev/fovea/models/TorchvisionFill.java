package dev.fovea.models;

import dev.fovea.nn.Module;
import dev.fovea.tensor.Shapes;
import dev.fovea.tensor.Tensor;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The deterministic weight pattern "fovea-fill-v1" that {@code tools/export_torchvision.py} writes into
 * torchvision models, reproduced bit for bit, so a Fovea model and a torchvision model can be given the
 * same weights without shipping any weight file.
 *
 * <p>The pattern (integers are unsigned 64-bit words, arithmetic modulo 2^64):
 * <ol>
 *   <li>key hash {@code h}: FNV-1a 64 over the UTF-8 bytes of the state-dict key ("input" for the
 *       input): {@code h = 0xcbf29ce484222325}; per byte {@code h = (h ^ byte) * 0x100000001b3};</li>
 *   <li>element {@code i} (0-based, row-major): {@code z = mix(h + (i + 1) * 0x9e3779b97f4a7c15)} with
 *       the SplitMix64 finaliser {@code mix} (Steele, Lea and Flood 2014), i.e. the i-th
 *       {@code new SplittableRandom(h).nextLong()};</li>
 *   <li>{@code u = (z >>> 40) * 2^-24} in [0, 1), {@code v = 2u - 1} in [-1, 1);</li>
 *   <li>value, in double and rounded once to float: input {@code v}; {@code *running_var}
 *       {@code 0.5 + u}; {@code *running_mean} {@code 0.1 v}; any tensor of 2 or more dimensions
 *       {@code v * sqrt(3 / fanIn)} with {@code fanIn = numel / shape[0]}; other {@code *weight}
 *       (batch-norm scale) {@code 0.5 + u}; other {@code *bias} {@code 0.1 v};
 *       {@code *num_batches_tracked} is left alone.</li>
 * </ol>
 */
final class TorchvisionFill {

    static final String VERSION = "fovea-fill-v1";

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private TorchvisionFill() {}

    /** FNV-1a 64 of the key's UTF-8 bytes. */
    static long keyHash(String key) {
        long h = FNV_OFFSET;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xFF)) * FNV_PRIME;
        return h;
    }

    /** The i-th (0-based) 64-bit word of the stream seeded with {@code h}. */
    static long word(long h, long i) {
        long z = h + (i + 1) * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The pattern's values for tensor {@code key} of {@code shape}. */
    static float[] values(String key, int... shape) {
        int n = Shapes.numel(shape);
        float[] out = new float[n];
        long h = keyHash(key);
        Rule rule = rule(key, shape);
        double scale = rule == Rule.WEIGHT ? Math.sqrt(3.0 / (n / shape[0])) : 0;
        for (int i = 0; i < n; i++) {
            double u = (word(h, i) >>> 40) * 0x1.0p-24;
            double v = 2.0 * u - 1.0;
            double value = switch (rule) {
                case INPUT -> v;
                case VARIANCE, SCALE -> 0.5 + u;
                case MEAN, BIAS -> 0.1 * v;
                case WEIGHT -> v * scale;
            };
            out[i] = (float) value;
        }
        return out;
    }

    private enum Rule { INPUT, VARIANCE, MEAN, WEIGHT, SCALE, BIAS }

    private static Rule rule(String key, int[] shape) {
        if (key.equals("input")) return Rule.INPUT;
        if (key.endsWith("running_var")) return Rule.VARIANCE;
        if (key.endsWith("running_mean")) return Rule.MEAN;
        if (shape.length >= 2) return Rule.WEIGHT;
        if (key.endsWith("weight")) return Rule.SCALE;
        if (key.endsWith("bias")) return Rule.BIAS;
        throw new IllegalArgumentException("no fill rule for '" + key + "' of shape " + Shapes.str(shape));
    }

    /** A tensor of {@code shape} holding the pattern of {@code key}. */
    static Tensor tensor(String key, int... shape) {
        return Tensor.of(values(key, shape), shape);
    }

    /** Overwrites every parameter and buffer of {@code model} except {@code num_batches_tracked}. */
    static void fill(Module model) {
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            if (e.getKey().endsWith("num_batches_tracked")) continue;
            Tensor t = e.getValue();
            float[] v = values(e.getKey(), t.shape());
            System.arraycopy(v, 0, t.data(), 0, v.length);
        }
    }
}
