package dev.fovea.kernels;

/**
 * Reference implementation: plain nested loops in the obvious order, single-threaded, no tricks.
 * It is the correctness oracle for every other {@link Kernels}; never optimise it, write a faster
 * sibling instead (llm.c keeps its naive kernels for the same reason).
 */
public final class ScalarKernels implements Kernels {

    @Override
    public String name() { return "scalar"; }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci];
            }
        }
    }

    @Override
    public float dot(float[] x, int xOff, float[] y, int yOff, int len) {
        float sum = 0f;
        for (int i = 0; i < len; i++) sum += x[xOff + i] * y[yOff + i];
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        for (int i = 0; i < len; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    // TODO(kernels helper): conv, pool, batch norm, LRN reference loops.
    @Override
    public void conv2dForward(float[] out, float[] in, float[] weight, float[] bias, ConvGeometry g) {
        throw new UnsupportedOperationException("not yet written");
    }

    @Override
    public void conv2dBackwardInput(float[] dIn, float[] dOut, float[] weight, ConvGeometry g) {
        throw new UnsupportedOperationException("not yet written");
    }

    @Override
    public void conv2dBackwardWeight(float[] dWeight, float[] dBias, float[] dOut, float[] in, ConvGeometry g) {
        throw new UnsupportedOperationException("not yet written");
    }

    @Override
    public void maxPool2dForward(float[] out, int[] argmax, float[] in, PoolGeometry g) {
        throw new UnsupportedOperationException("not yet written");
    }

    @Override
    public void maxPool2dBackward(float[] dIn, float[] dOut, int[] argmax, PoolGeometry g) {
        throw new UnsupportedOperationException("not yet written");
    }

    @Override
    public void avgPool2dForward(float[] out, float[] in, PoolGeometry g) {
        throw new UnsupportedOperationException("not yet written");
    }

    @Override
    public void avgPool2dBackward(float[] dIn, float[] dOut, PoolGeometry g) {
        throw new UnsupportedOperationException("not yet written");
    }

    @Override
    public void channelMeanVar(float[] mean, float[] var, float[] in, int n, int c, int spatial) {
        throw new UnsupportedOperationException("not yet written");
    }

    @Override
    public void batchNormForward(float[] out, float[] in, float[] mean, float[] invStd, float[] gamma, float[] beta,
                                 int n, int c, int spatial) {
        throw new UnsupportedOperationException("not yet written");
    }

    @Override
    public void batchNormBackward(float[] dIn, float[] dGamma, float[] dBeta, float[] dOut, float[] in,
                                  float[] mean, float[] invStd, float[] gamma, int n, int c, int spatial,
                                  boolean batchStats) {
        throw new UnsupportedOperationException("not yet written");
    }

    @Override
    public void lrnForward(float[] out, float[] scale, float[] in, int n, int c, int spatial,
                           int size, float alpha, float beta, float k) {
        throw new UnsupportedOperationException("not yet written");
    }

    @Override
    public void lrnBackward(float[] dIn, float[] dOut, float[] in, float[] out, float[] scale, int n, int c, int spatial,
                            int size, float alpha, float beta, float k) {
        throw new UnsupportedOperationException("not yet written");
    }

    @Override
    public void logSoftmaxRows(float[] out, float[] in, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, in[base + j]);
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += Math.exp(in[base + j] - max);
            float logSum = (float) Math.log(sum) + max;
            for (int j = 0; j < cols; j++) out[base + j] = in[base + j] - logSum;
        }
    }
}
