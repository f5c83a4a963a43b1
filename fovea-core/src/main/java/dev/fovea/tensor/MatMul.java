package dev.fovea.tensor;

/** Matrix products through {@code Kernels.gemm}: plain, batched, and the fused {@code linear}. */
final class MatMul {

    private MatMul() {}

    static Tensor matmul(Tensor a, Tensor b) {
        int[] as = a.shape(), bs = b.shape();
        if (as.length == 2 && bs.length == 2) {
            if (as[1] != bs[0]) {
                throw new IllegalArgumentException("matmul expects (m, k) x (k, n); received " + Shapes.str(as)
                        + " x " + Shapes.str(bs));
            }
            return batched(a, b, 1, as[0], as[1], bs[1], new int[] {as[0], bs[1]});
        }
        if (as.length == 3 && bs.length == 3) {
            if (as[0] != bs[0] || as[2] != bs[1]) {
                throw new IllegalArgumentException("batched matmul expects (b, m, k) x (b, k, n); received "
                        + Shapes.str(as) + " x " + Shapes.str(bs));
            }
            return batched(a, b, as[0], as[1], as[2], bs[2], new int[] {as[0], as[1], bs[2]});
        }
        throw new IllegalArgumentException("matmul expects two 2-D or two 3-D tensors; received " + Shapes.str(as)
                + " x " + Shapes.str(bs));
    }

    private static Tensor batched(Tensor a, Tensor b, int batch, int m, int k, int n, int[] outShape) {
        float[] out = new float[batch * m * n];
        float[] ad = a.data(), bd = b.data();
        for (int i = 0; i < batch; i++) {
            Tensor.K.gemm(false, false, m, n, k, 1f, ad, i * m * k, k, bd, i * k * n, n, 0f, out, i * m * n, n);
        }
        return new Function(a, b) {
            @Override String name() { return "matmul"; }

            @Override void backward(float[] dOut) {
                float[] da = gradOf(0), db = gradOf(1);
                for (int i = 0; i < batch; i++) {
                    // dA = dOut · Bᵀ ; dB = Aᵀ · dOut
                    if (da != null) Tensor.K.gemm(false, true, m, k, n, 1f, dOut, i * m * n, n, bd, i * k * n, n, 1f, da, i * m * k, k);
                    if (db != null) Tensor.K.gemm(true, false, k, n, m, 1f, ad, i * m * k, k, dOut, i * m * n, n, 1f, db, i * k * n, n);
                }
            }
        }.attach(new Tensor(out, outShape));
    }

    static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        int[] xs = x.shape(), ws = weight.shape();
        if (ws.length != 2) {
            throw new IllegalArgumentException("linear expects a weight of shape (outFeatures, inFeatures); received "
                    + Shapes.str(ws));
        }
        int out = ws[0], in = ws[1];
        if (xs.length != 2 || xs[1] != in) {
            throw new IllegalArgumentException("Linear expects input of shape (N, " + in + "); received "
                    + Shapes.str(xs) + " (inFeatures=" + in + ", outFeatures=" + out + ")");
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != out)) {
            throw new IllegalArgumentException("linear expects a bias of shape (" + out + ",); received "
                    + Shapes.str(bias.shape()));
        }
        int n = xs[0];
        float[] xd = x.data(), wd = weight.data();
        float[] y = new float[n * out];
        if (bias != null) {
            float[] bd = bias.data();
            for (int r = 0; r < n; r++) System.arraycopy(bd, 0, y, r * out, out);
        }
        // y = x · Wᵀ (+ y, which holds the bias)
        Tensor.K.gemm(false, true, n, out, in, 1f, xd, 0, in, wd, 0, in, bias == null ? 0f : 1f, y, 0, out);
        return new Function(x, weight, bias) {
            @Override String name() { return "linear"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0), dw = gradOf(1), db = bias == null ? null : gradOf(2);
                if (dx != null) Tensor.K.gemm(false, false, n, in, out, 1f, dOut, 0, out, wd, 0, in, 1f, dx, 0, in);
                if (dw != null) Tensor.K.gemm(true, false, out, in, n, 1f, dOut, 0, out, xd, 0, in, 1f, dw, 0, in);
                if (db != null) for (int r = 0; r < n; r++) Tensor.K.axpy(1f, dOut, r * out, db, 0, out);
            }
        }.attach(new Tensor(y, new int[] {n, out}));
    }
}
