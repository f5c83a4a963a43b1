package dev.fovea.tensor;

/** Numerically stable log-softmax along one dimension, the basis of softmax and cross-entropy. */
final class SoftmaxFn {

    private SoftmaxFn() {}

    static Tensor logSoftmax(Tensor x, int dim) {
        int[] s = x.shape();
        int d = Shapes.dim(dim, s.length);
        int outer = 1, inner = 1, len = s[d];
        for (int i = 0; i < d; i++) outer *= s[i];
        for (int i = d + 1; i < s.length; i++) inner *= s[i];
        float[] in = x.data();
        float[] out = new float[in.length];
        if (inner == 1) {
            Tensor.K.logSoftmaxRows(out, in, outer, len);
        } else {
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) {
                    int base = o * len * inner + i;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int k = 0; k < len; k++) max = Math.max(max, in[base + k * inner]);
                    double sum = 0;
                    for (int k = 0; k < len; k++) sum += Math.exp(in[base + k * inner] - max);
                    float logSum = (float) Math.log(sum) + max;
                    for (int k = 0; k < len; k++) out[base + k * inner] = in[base + k * inner] - logSum;
                }
            }
        }
        int lenF = len, innerF = inner, outerF = outer;
        return new Function(x) {
            @Override String name() { return "logSoftmax"; }

            @Override void backward(float[] dOut) {
                // d in_k = dOut_k - softmax_k * sum_j dOut_j
                float[] dx = gradOf(0);
                if (dx == null) return;
                for (int o = 0; o < outerF; o++) {
                    for (int i = 0; i < innerF; i++) {
                        int base = o * lenF * innerF + i;
                        float sum = 0f;
                        for (int k = 0; k < lenF; k++) sum += dOut[base + k * innerF];
                        for (int k = 0; k < lenF; k++) {
                            int at = base + k * innerF;
                            dx[at] += dOut[at] - (float) Math.exp(out[at]) * sum;
                        }
                    }
                }
            }
        }.attach(new Tensor(out, s));
    }
}
