package dev.fovea.tensor;

/** Reductions: sums over dimensions and maxima, with their backward passes. */
final class Reduce {

    private Reduce() {}

    static Tensor sumAll(Tensor x) {
        float[] in = x.data();
        double s = 0; // accumulate in double: a loss summed over a large batch stays accurate
        for (float v : in) s += v;
        return new Function(x) {
            @Override String name() { return "sum"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx == null) return;
                float g = dOut[0];
                for (int i = 0; i < dx.length; i++) dx[i] += g;
            }
        }.attach(new Tensor(new float[] {(float) s}, new int[0]));
    }

    /** Sum over the given dimensions; viewed as (outer, reduced, inner) one dimension at a time. */
    static Tensor sum(Tensor x, int[] dims, boolean keepDim) {
        int[] shape = x.shape();
        boolean[] reduce = new boolean[shape.length];
        for (int d : dims) reduce[Shapes.dim(d, shape.length)] = true;
        int[] keptShape = shape.clone();
        for (int i = 0; i < shape.length; i++) if (reduce[i]) keptShape[i] = 1;
        int[] outStrides = Shapes.broadcastStrides(keptShape, shape);
        float[] in = x.data();
        float[] out = new float[Shapes.numel(keptShape)];
        // map every input element to its output slot with an odometer
        int[] idx = new int[shape.length];
        int o = 0;
        for (int i = 0; i < in.length; i++) {
            out[o] += in[i];
            for (int d = shape.length - 1; d >= 0; d--) {
                idx[d]++;
                o += outStrides[d];
                if (idx[d] < shape[d]) break;
                o -= outStrides[d] * shape[d];
                idx[d] = 0;
            }
        }
        int[] outShape = keptShape;
        if (!keepDim) {
            int rank = 0;
            for (boolean r : reduce) if (!r) rank++;
            outShape = new int[rank];
            for (int i = 0, j = 0; i < shape.length; i++) if (!reduce[i]) outShape[j++] = shape[i];
        }
        return new Function(x) {
            @Override String name() { return "sum"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx == null) return;
                int[] j = new int[shape.length];
                int oo = 0;
                for (int i = 0; i < dx.length; i++) {
                    dx[i] += dOut[oo];
                    for (int d = shape.length - 1; d >= 0; d--) {
                        j[d]++;
                        oo += outStrides[d];
                        if (j[d] < shape[d]) break;
                        oo -= outStrides[d] * shape[d];
                        j[d] = 0;
                    }
                }
            }
        }.attach(new Tensor(out, outShape));
    }

    static Tensor max(Tensor x, int dim, boolean keepDim) {
        int[] shape = x.shape();
        int d = Shapes.dim(dim, shape.length);
        int outer = 1, inner = 1, len = shape[d];
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        float[] in = x.data();
        float[] out = new float[outer * inner];
        int[] arg = new int[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * len * inner + i;
                int best = base;
                for (int k = 1; k < len; k++) {
                    int at = base + k * inner;
                    if (in[at] > in[best]) best = at;
                }
                out[o * inner + i] = in[best];
                arg[o * inner + i] = best;
            }
        }
        int[] outShape;
        if (keepDim) {
            outShape = shape.clone();
            outShape[d] = 1;
        } else {
            outShape = new int[shape.length - 1];
            for (int i = 0, j = 0; i < shape.length; i++) if (i != d) outShape[j++] = shape[i];
        }
        return new Function(x) {
            @Override String name() { return "max"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx == null) return;
                for (int i = 0; i < arg.length; i++) dx[arg[i]] += dOut[i];
            }
        }.attach(new Tensor(out, outShape));
    }

    static int[] argmaxRows(Tensor x) {
        if (x.dim() != 2) {
            throw new IllegalArgumentException("argmaxRows expects a 2-D tensor (rows, classes); received "
                    + Shapes.str(x.shape()));
        }
        int rows = x.size(0), cols = x.size(1);
        float[] d = x.data();
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int c = 1; c < cols; c++) if (d[r * cols + c] > d[r * cols + best]) best = c;
            out[r] = best;
        }
        return out;
    }
}
