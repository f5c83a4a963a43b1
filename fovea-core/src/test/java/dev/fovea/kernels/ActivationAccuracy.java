package dev.fovea.kernels;

import dev.fovea.kernels.simd.VectorKernels;

/**
 * Measures how far {@link Kernels#activationForward} is from the correctly rounded result, over
 * floats taken by bit pattern: every {@code stride}-th one from -Infinity to +Infinity, NaNs
 * skipped (they are checked separately). The distance of a result is the number of floats between
 * it and the exact value (java.lang.Math in double) rounded to float: 0 is correctly rounded.
 *
 * <p>{@link KernelsConformanceTest} runs a strided sweep and bounds the distance. The exhaustive
 * sweep whose figures are quoted in {@code SimdImpl} (all 2^32 floats, a few minutes):
 * <pre>
 * mvn -B -o -q test-compile -pl fovea-core
 * java --add-modules jdk.incubator.vector -cp fovea-core/target/classes:fovea-core/target/test-classes \
 *      dev.fovea.kernels.ActivationAccuracy [stride [scalar]]
 * </pre>
 * ("scalar" measures the reference too.)
 */
public final class ActivationAccuracy {

    private ActivationAccuracy() {}

    /** The largest distance found, where, and how many results were not correctly rounded. */
    record Result(Activation f, long checked, long notCorrectlyRounded, long maxDistance, float worstInput,
                  float worstActual, double worstExact) {
        @Override
        public String toString() {
            return String.format("%-10s %,d values, %,d not correctly rounded, max distance %d floats at x=%s "
                            + "(got %s, exact %s)", f, checked, notCorrectlyRounded, maxDistance,
                    worstInput, worstActual, worstExact);
        }
    }

    /** The exact value of {@code f(x)} in double (the reference's formulas, without float rounding). */
    static double exact(Activation f, float x, float param) {
        return switch (f) {
            case EXP -> Math.exp(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
            case RELU -> x <= 0 ? 0 : x;
            case LEAKY_RELU -> x > 0 ? x : (double) param * x;
            case ELU -> x > 0 ? x : param * Math.expm1(x);
            case SELU -> Activation.SELU_SCALE * (x > 0 ? x : Activation.SELU_ALPHA * Math.expm1(x));
        };
    }

    /** Floats between a and b (both finite or infinite, not NaN), counting across zero; +0 and -0 are one apart. */
    static long distance(float a, float b) {
        return Math.abs(ordered(a) - ordered(b));
    }

    private static long ordered(float v) {
        int bits = Float.floatToRawIntBits(v);
        return bits >= 0 ? bits : -(long) (bits & 0x7fffffff) - 1;
    }

    /** Sweeps every {@code stride}-th float (by ordered bit pattern) through {@code k}. */
    static Result measure(Kernels k, Activation f, float param, int stride) {
        int block = 1 << 16;
        float[] in = new float[block], out = new float[block];
        long checked = 0, wrong = 0, max = -1;
        float worstIn = Float.NaN, worstOut = Float.NaN;
        double worstExact = Double.NaN;
        long first = ordered(Float.NEGATIVE_INFINITY), last = ordered(Float.POSITIVE_INFINITY);
        for (long start = first; start <= last; start += (long) block * stride) {
            int n = 0;
            for (long o = start; o <= last && n < block; o += stride) {
                int bits = o >= 0 ? (int) o : (int) ((-o - 1) | 0x80000000L);
                in[n++] = Float.intBitsToFloat(bits);
            }
            k.activationForward(f, out, in, n, param);
            for (int i = 0; i < n; i++) {
                double e = exact(f, in[i], param);
                long d = Float.isNaN(out[i]) ? Long.MAX_VALUE : distance(out[i], (float) e);
                checked++;
                if (d != 0) wrong++;
                if (d > max) {
                    max = d;
                    worstIn = in[i];
                    worstOut = out[i];
                    worstExact = e;
                }
            }
        }
        return new Result(f, checked, wrong, max, worstIn, worstOut, worstExact);
    }

    /** Prints the sweep for each activation, with the Vector API kernels (and the scalar reference if asked). */
    public static void main(String[] args) {
        int stride = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        boolean scalarToo = args.length > 1 && args[1].equals("scalar");
        for (Kernels k : scalarToo ? new Kernels[] {new VectorKernels(), new ScalarKernels()}
                : new Kernels[] {new VectorKernels()}) {
            System.out.println(k.name() + ", every " + stride + (stride == 1 ? "st" : "th") + " float:");
            System.out.println("  " + measure(k, Activation.EXP, 0f, stride));
            System.out.println("  " + measure(k, Activation.TANH, 0f, stride));
            System.out.println("  " + measure(k, Activation.SIGMOID, 0f, stride));
            System.out.println("  " + measure(k, Activation.ELU, 1f, stride) + "  (alpha 1: e^x - 1 itself)");
            System.out.println("  " + measure(k, Activation.SELU, 0f, stride));
        }
    }
}
