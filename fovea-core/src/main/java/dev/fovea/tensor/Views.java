package dev.fovea.tensor;

/** Shape-changing operations: reshape (shares data), permute, slice, concat and pad (copy). */
final class Views {

    private Views() {}

    static Tensor reshape(Tensor x, int[] newShape) {
        int[] shape = newShape.clone();
        int infer = -1, known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape accepts at most one -1; received " + Shapes.str(newShape));
                infer = i;
            } else {
                known *= shape[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || x.numel() % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + Shapes.str(x.shape()) + " (" + x.numel()
                        + " elements) into " + Shapes.str(newShape));
            }
            shape[infer] = x.numel() / known;
        }
        if (Shapes.numel(shape) != x.numel()) {
            throw new IllegalArgumentException("cannot reshape " + Shapes.str(x.shape()) + " (" + x.numel()
                    + " elements) into " + Shapes.str(newShape));
        }
        return new Function(x) {
            @Override String name() { return "reshape"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx != null) Tensor.K.axpy(1f, dOut, 0, dx, 0, dOut.length);
            }
        }.attach(new Tensor(x.data(), shape));
    }

    static Tensor flatten(Tensor x, int startDim) {
        int[] s = x.shape();
        int d = Shapes.dim(startDim, s.length);
        int[] out = new int[d + 1];
        System.arraycopy(s, 0, out, 0, d);
        int rest = 1;
        for (int i = d; i < s.length; i++) rest *= s[i];
        out[d] = rest;
        return reshape(x, out);
    }

    static Tensor unsqueeze(Tensor x, int dim) {
        int[] s = x.shape();
        int d = Shapes.dim(dim, s.length + 1);
        int[] out = new int[s.length + 1];
        for (int i = 0, j = 0; i < out.length; i++) out[i] = i == d ? 1 : s[j++];
        return reshape(x, out);
    }

    static Tensor squeeze(Tensor x, int dim) {
        int[] s = x.shape();
        int d = Shapes.dim(dim, s.length);
        if (s[d] != 1) {
            throw new IllegalArgumentException("squeeze expects dimension " + dim + " of size 1; received shape "
                    + Shapes.str(s));
        }
        int[] out = new int[s.length - 1];
        for (int i = 0, j = 0; i < s.length; i++) if (i != d) out[j++] = s[i];
        return reshape(x, out);
    }

    static Tensor transpose(Tensor x, int a, int b) {
        int rank = x.dim();
        int[] order = new int[rank];
        for (int i = 0; i < rank; i++) order[i] = i;
        int da = Shapes.dim(a, rank), db = Shapes.dim(b, rank);
        order[da] = db;
        order[db] = da;
        return permute(x, order);
    }

    static Tensor permute(Tensor x, int[] order) {
        int[] s = x.shape();
        if (order.length != s.length) {
            throw new IllegalArgumentException("permute expects " + s.length + " dimensions for shape " + Shapes.str(s)
                    + "; received " + java.util.Arrays.toString(order));
        }
        boolean[] seen = new boolean[s.length];
        int[] outShape = new int[s.length];
        for (int i = 0; i < order.length; i++) {
            int d = Shapes.dim(order[i], s.length);
            if (seen[d]) throw new IllegalArgumentException("permute order repeats dimension " + d + ": " + java.util.Arrays.toString(order));
            seen[d] = true;
            outShape[i] = s[d];
        }
        int[] inStrides = Shapes.strides(s);
        int[] gather = new int[s.length]; // input stride for each output dimension
        for (int i = 0; i < order.length; i++) gather[i] = inStrides[Shapes.dim(order[i], s.length)];
        float[] in = x.data();
        float[] out = new float[in.length];
        int[] src = offsets(outShape, gather);
        for (int i = 0; i < out.length; i++) out[i] = in[src[i]];
        return new Function(x) {
            @Override String name() { return "permute"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx == null) return;
                for (int i = 0; i < dOut.length; i++) dx[src[i]] += dOut[i];
            }
        }.attach(new Tensor(out, outShape));
    }

    /** For each element of a row-major tensor of {@code shape}, its offset under {@code strides}. */
    private static int[] offsets(int[] shape, int[] strides) {
        int[] out = new int[Shapes.numel(shape)];
        int[] idx = new int[shape.length];
        int off = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = off;
            for (int d = shape.length - 1; d >= 0; d--) {
                idx[d]++;
                off += strides[d];
                if (idx[d] < shape[d]) break;
                off -= strides[d] * shape[d];
                idx[d] = 0;
            }
        }
        return out;
    }

    static Tensor slice(Tensor x, int dim, int start, int end) {
        int[] s = x.shape();
        int d = Shapes.dim(dim, s.length);
        if (start < 0 || end > s[d] || start > end) {
            throw new IllegalArgumentException("slice expects 0 <= start <= end <= " + s[d] + " on dimension " + dim
                    + " of shape " + Shapes.str(s) + "; received [" + start + ", " + end + ")");
        }
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= s[i];
        for (int i = d + 1; i < s.length; i++) inner *= s[i];
        int len = end - start;
        int[] outShape = s.clone();
        outShape[d] = len;
        float[] in = x.data();
        float[] out = new float[outer * len * inner];
        for (int o = 0; o < outer; o++) {
            System.arraycopy(in, (o * s[d] + start) * inner, out, o * len * inner, len * inner);
        }
        int full = s[d], outerF = outer, innerF = inner;
        return new Function(x) {
            @Override String name() { return "slice"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx == null) return;
                for (int o = 0; o < outerF; o++) {
                    Tensor.K.axpy(1f, dOut, o * len * innerF, dx, (o * full + start) * innerF, len * innerF);
                }
            }
        }.attach(new Tensor(out, outShape));
    }

    static Tensor concat(int dim, Tensor[] ts) {
        if (ts.length == 0) throw new IllegalArgumentException("concat expects at least one tensor; received none");
        int[] s0 = ts[0].shape();
        int d = Shapes.dim(dim, s0.length);
        int total = 0;
        for (Tensor t : ts) {
            int[] s = t.shape();
            boolean ok = s.length == s0.length;
            for (int i = 0; ok && i < s.length; i++) ok = i == d || s[i] == s0[i];
            if (!ok) {
                throw new IllegalArgumentException("concat along dimension " + dim + " expects shapes matching "
                        + Shapes.str(s0) + " except in that dimension; received " + Shapes.str(s));
            }
            total += s[d];
        }
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= s0[i];
        for (int i = d + 1; i < s0.length; i++) inner *= s0[i];
        int[] outShape = s0.clone();
        outShape[d] = total;
        float[] out = new float[outer * total * inner];
        int[] starts = new int[ts.length];
        int at = 0;
        for (int k = 0; k < ts.length; k++) {
            starts[k] = at;
            int len = ts[k].size(d);
            float[] in = ts[k].data();
            for (int o = 0; o < outer; o++) {
                System.arraycopy(in, o * len * inner, out, (o * total + at) * inner, len * inner);
            }
            at += len;
        }
        int outerF = outer, innerF = inner, totalF = total;
        return new Function(ts) {
            @Override String name() { return "concat"; }

            @Override void backward(float[] dOut) {
                for (int k = 0; k < inputs.length; k++) {
                    float[] dx = gradOf(k);
                    if (dx == null) continue;
                    int len = inputs[k].size(d);
                    for (int o = 0; o < outerF; o++) {
                        Tensor.K.axpy(1f, dOut, (o * totalF + starts[k]) * innerF, dx, o * len * innerF, len * innerF);
                    }
                }
            }
        }.attach(new Tensor(out, outShape));
    }

    static Tensor pad2d(Tensor x, int left, int right, int top, int bottom) {
        int[] s = x.shape();
        if (s.length < 2 || left < 0 || right < 0 || top < 0 || bottom < 0) {
            throw new IllegalArgumentException("pad2d expects a tensor of rank >= 2 and non-negative padding; received "
                    + Shapes.str(s) + " with padding (" + left + ", " + right + ", " + top + ", " + bottom + ")");
        }
        int h = s[s.length - 2], w = s[s.length - 1];
        int oh = h + top + bottom, ow = w + left + right;
        int planes = x.numel() / (h * w);
        int[] outShape = s.clone();
        outShape[s.length - 2] = oh;
        outShape[s.length - 1] = ow;
        float[] in = x.data();
        float[] out = new float[planes * oh * ow];
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(in, (p * h + y) * w, out, (p * oh + y + top) * ow + left, w);
            }
        }
        return new Function(x) {
            @Override String name() { return "pad2d"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx == null) return;
                for (int p = 0; p < planes; p++) {
                    for (int y = 0; y < h; y++) {
                        Tensor.K.axpy(1f, dOut, (p * oh + y + top) * ow + left, dx, (p * h + y) * w, w);
                    }
                }
            }
        }.attach(new Tensor(out, outShape));
    }
}
