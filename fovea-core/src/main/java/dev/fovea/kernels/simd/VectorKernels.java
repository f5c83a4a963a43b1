package dev.fovea.kernels.simd;

import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.PoolGeometry;
import dev.fovea.kernels.ScalarKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the JDK Vector API: the only code in Fovea that imports {@code jdk.incubator.vector}.
 *
 * <p>Each method follows one shape: SIMD body up to {@code species.loopBound(len)} with FMA into
 * accumulators, then a scalar tail. Anything not (yet) faster here delegates to the scalar
 * reference, which every method is tested against element-wise.
 */
public final class VectorKernels implements Kernels {

    private final VectorSpecies<Float> species;
    private final ScalarKernels reference = new ScalarKernels();

    public VectorKernels() { this(FloatVector.SPECIES_PREFERRED); }

    /** For tests: any species (128, 256, 512 bits) works on any machine, just slower when emulated. */
    public VectorKernels(VectorSpecies<Float> species) { this.species = species; }

    @Override
    public String name() { return "vector-" + species.vectorBitSize(); }

    @Override
    public float dot(float[] x, int xOff, float[] y, int yOff, int len) {
        int i = 0;
        int bound = species.loopBound(len);
        float sum = 0f;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(species);
            for (; i < bound; i += species.length()) {
                acc = FloatVector.fromArray(species, x, xOff + i).fma(FloatVector.fromArray(species, y, yOff + i), acc);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < len; i++) sum += x[xOff + i] * y[yOff + i];
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        int i = 0;
        int bound = species.loopBound(len);
        FloatVector va = FloatVector.broadcast(species, alpha);
        for (; i < bound; i += species.length()) {
            FloatVector.fromArray(species, x, xOff + i).fma(va, FloatVector.fromArray(species, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < len; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        reference.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Override
    public void conv2dForward(float[] out, float[] in, float[] weight, float[] bias, ConvGeometry g) {
        reference.conv2dForward(out, in, weight, bias, g);
    }

    @Override
    public void conv2dBackwardInput(float[] dIn, float[] dOut, float[] weight, ConvGeometry g) {
        reference.conv2dBackwardInput(dIn, dOut, weight, g);
    }

    @Override
    public void conv2dBackwardWeight(float[] dWeight, float[] dBias, float[] dOut, float[] in, ConvGeometry g) {
        reference.conv2dBackwardWeight(dWeight, dBias, dOut, in, g);
    }

    @Override
    public void maxPool2dForward(float[] out, int[] argmax, float[] in, PoolGeometry g) {
        reference.maxPool2dForward(out, argmax, in, g);
    }

    @Override
    public void maxPool2dBackward(float[] dIn, float[] dOut, int[] argmax, PoolGeometry g) {
        reference.maxPool2dBackward(dIn, dOut, argmax, g);
    }

    @Override
    public void avgPool2dForward(float[] out, float[] in, PoolGeometry g) {
        reference.avgPool2dForward(out, in, g);
    }

    @Override
    public void avgPool2dBackward(float[] dIn, float[] dOut, PoolGeometry g) {
        reference.avgPool2dBackward(dIn, dOut, g);
    }

    @Override
    public void channelMeanVar(float[] mean, float[] var, float[] in, int n, int c, int spatial) {
        reference.channelMeanVar(mean, var, in, n, c, spatial);
    }

    @Override
    public void batchNormForward(float[] out, float[] in, float[] mean, float[] invStd, float[] gamma, float[] beta,
                                 int n, int c, int spatial) {
        reference.batchNormForward(out, in, mean, invStd, gamma, beta, n, c, spatial);
    }

    @Override
    public void batchNormBackward(float[] dIn, float[] dGamma, float[] dBeta, float[] dOut, float[] in,
                                  float[] mean, float[] invStd, float[] gamma, int n, int c, int spatial,
                                  boolean batchStats) {
        reference.batchNormBackward(dIn, dGamma, dBeta, dOut, in, mean, invStd, gamma, n, c, spatial, batchStats);
    }

    @Override
    public void lrnForward(float[] out, float[] scale, float[] in, int n, int c, int spatial,
                           int size, float alpha, float beta, float k) {
        reference.lrnForward(out, scale, in, n, c, spatial, size, alpha, beta, k);
    }

    @Override
    public void lrnBackward(float[] dIn, float[] dOut, float[] in, float[] out, float[] scale, int n, int c, int spatial,
                            int size, float alpha, float beta, float k) {
        reference.lrnBackward(dIn, dOut, in, out, scale, n, c, spatial, size, alpha, beta, k);
    }

    @Override
    public void logSoftmaxRows(float[] out, float[] in, int rows, int cols) {
        reference.logSoftmaxRows(out, in, rows, cols);
    }
}
