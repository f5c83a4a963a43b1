package dev.fovea.tensor;

import dev.fovea.kernels.Activation;
import dev.fovea.kernels.Parallel;

import java.util.Arrays;

/** Element-wise operations: broadcasting binary ops, unary maps, and their backward passes. */
final class Elementwise {

    private Elementwise() {}

    enum Op { ADD, SUB, MUL, DIV, MAX }

    enum Unary {
        EXP(Activation.EXP), LOG, SQRT, ABS, SQUARE, POW, RELU(Activation.RELU), LEAKY_RELU(Activation.LEAKY_RELU),
        ELU(Activation.ELU), SELU(Activation.SELU), TANH(Activation.TANH), SIGMOID(Activation.SIGMOID);

        /** The kernel that computes this map and its gradient, or null for the cheap maps done here. */
        final Activation activation;

        Unary() { this(null); }

        Unary(Activation activation) { this.activation = activation; }
    }

    // ------------------------------------------------------------------ binary with broadcasting

    static Tensor binary(Op op, Tensor a, Tensor b) {
        int[] as = a.shape(), bs = b.shape();
        float[] ad = a.data(), bd = b.data();
        if (Arrays.equals(as, bs)) { // element by element, in parallel chunks (a residual connection's sum)
            float[] out = Workspace.uninitialized(ad.length); // every element written
            Parallel.forRange(out.length, PARALLEL_GRAIN, (from, to) -> applySameShape(op, ad, bd, out, from, to));
            return new BinaryFn(op, a, b, as, null, null).attach(new Tensor(out, as));
        }
        int[] os = Shapes.broadcast(as, bs);
        int[] sa = Shapes.broadcastStrides(as, os), sb = Shapes.broadcastStrides(bs, os);
        float[] out = new float[Shapes.numel(os)];
        int[] idx = new int[os.length];
        int ia = 0, ib = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = apply(op, ad[ia], bd[ib]);
            // odometer increment over the output index, tracking both input offsets
            for (int d = os.length - 1; d >= 0; d--) {
                idx[d]++;
                ia += sa[d];
                ib += sb[d];
                if (idx[d] < os[d]) break;
                ia -= sa[d] * os[d];
                ib -= sb[d] * os[d];
                idx[d] = 0;
            }
        }
        return new BinaryFn(op, a, b, os, sa, sb).attach(new Tensor(out, os));
    }

    /**
     * out[i] = x[i] op y[i] for i in [from, to): one plain loop per operation, which C2 vectorises
     * (the per-element switch of {@link #apply} kept it scalar); the same IEEE operations, so the
     * same bits.
     */
    private static void applySameShape(Op op, float[] x, float[] y, float[] out, int from, int to) {
        switch (op) {
            case ADD -> { for (int i = from; i < to; i++) out[i] = x[i] + y[i]; }
            case SUB -> { for (int i = from; i < to; i++) out[i] = x[i] - y[i]; }
            case MUL -> { for (int i = from; i < to; i++) out[i] = x[i] * y[i]; }
            case DIV -> { for (int i = from; i < to; i++) out[i] = x[i] / y[i]; }
            case MAX -> { for (int i = from; i < to; i++) out[i] = x[i] >= y[i] ? x[i] : y[i]; }
        }
    }

    private static float apply(Op op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case MAX -> x >= y ? x : y;
        };
    }

    private static final class BinaryFn extends Function {
        final Op op;
        final int[] outShape, sa, sb;

        BinaryFn(Op op, Tensor a, Tensor b, int[] outShape, int[] sa, int[] sb) {
            super(a, b);
            this.op = op; this.outShape = outShape; this.sa = sa; this.sb = sb;
        }

        @Override
        String name() { return op.name().toLowerCase(); }

        @Override
        void backward(float[] dOut) {
            float[] da = gradOf(0), db = gradOf(1);
            if (sa == null && (op == Op.ADD || op == Op.SUB)) { // same shapes: da += dOut, db +-= dOut
                if (da != null) Tensor.K.axpy(1f, dOut, 0, da, 0, dOut.length);
                if (db != null) Tensor.K.axpy(op == Op.ADD ? 1f : -1f, dOut, 0, db, 0, dOut.length);
                return;
            }
            float[] ad = inputs[0].data(), bd = inputs[1].data();
            int[] idx = new int[outShape.length];
            int ia = 0, ib = 0;
            boolean same = sa == null;
            for (int i = 0; i < dOut.length; i++) {
                if (same) { ia = i; ib = i; }
                float g = dOut[i], x = ad[ia], y = bd[ib];
                switch (op) {
                    case ADD -> { if (da != null) da[ia] += g; if (db != null) db[ib] += g; }
                    case SUB -> { if (da != null) da[ia] += g; if (db != null) db[ib] -= g; }
                    case MUL -> { if (da != null) da[ia] += g * y; if (db != null) db[ib] += g * x; }
                    case DIV -> {
                        if (da != null) da[ia] += g / y;
                        if (db != null) db[ib] -= g * x / (y * y);
                    }
                    case MAX -> {
                        if (x >= y) { if (da != null) da[ia] += g; } else if (db != null) db[ib] += g;
                    }
                }
                if (!same) {
                    for (int d = outShape.length - 1; d >= 0; d--) {
                        idx[d]++;
                        ia += sa[d];
                        ib += sb[d];
                        if (idx[d] < outShape[d]) break;
                        ia -= sa[d] * outShape[d];
                        ib -= sb[d] * outShape[d];
                        idx[d] = 0;
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ affine: a * x + b with scalars

    static Tensor affine(Tensor x, float scale, float shift) {
        float[] in = x.data();
        float[] out = new float[in.length];
        for (int i = 0; i < in.length; i++) out[i] = in[i] * scale + shift;
        return new Function(x) {
            @Override String name() { return "affine"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx != null) Tensor.K.axpy(scale, dOut, 0, dx, 0, dOut.length);
            }
        }.attach(new Tensor(out, x.shape()));
    }

    static Tensor clamp(Tensor x, float lo, float hi) {
        if (!(lo <= hi)) throw new IllegalArgumentException("clamp expects lo <= hi; received lo=" + lo + ", hi=" + hi);
        float[] in = x.data();
        float[] out = new float[in.length];
        for (int i = 0; i < in.length; i++) out[i] = Math.min(hi, Math.max(lo, in[i]));
        return new Function(x) {
            @Override String name() { return "clamp"; }

            @Override void backward(float[] dOut) {
                float[] dx = gradOf(0);
                if (dx == null) return;
                for (int i = 0; i < in.length; i++) if (in[i] > lo && in[i] < hi) dx[i] += dOut[i];
            }
        }.attach(new Tensor(out, x.shape()));
    }

    // ------------------------------------------------------------------ unary maps

    /** Element-wise maps run in parallel above this many elements (each element is independent). */
    static final int PARALLEL_GRAIN = 1 << 14;

    /** The activations run in the kernels (SIMD, parallel); the other maps here, in parallel chunks. */
    static Tensor unary(Unary u, Tensor x, float p) {
        float[] in = x.data();
        float[] out = Workspace.uninitialized(in.length); // every element written
        if (u.activation != null) {
            Tensor.K.activationForward(u.activation, out, in, in.length, p);
        } else {
            Parallel.forRange(in.length, PARALLEL_GRAIN, (from, to) -> map(u, p, in, out, from, to));
        }
        return new UnaryFn(u, p, x, out).attach(new Tensor(out, x.shape()));
    }

    /** out[i] = u(in[i]) for i in [from, to), for the maps that are not kernel activations. */
    private static void map(Unary u, float p, float[] in, float[] out, int from, int to) {
        switch (u) {
            case LOG -> { for (int i = from; i < to; i++) out[i] = (float) Math.log(in[i]); }
            case SQRT -> { for (int i = from; i < to; i++) out[i] = (float) Math.sqrt(in[i]); }
            case ABS -> { for (int i = from; i < to; i++) out[i] = Math.abs(in[i]); }
            case SQUARE -> { for (int i = from; i < to; i++) out[i] = in[i] * in[i]; }
            case POW -> { for (int i = from; i < to; i++) out[i] = (float) Math.pow(in[i], p); }
            default -> throw new AssertionError(u + " is computed by Kernels.activationForward");
        }
    }

    private static final class UnaryFn extends Function {
        final Unary u;
        final float p;
        final float[] out;

        UnaryFn(Unary u, float p, Tensor x, float[] out) {
            super(x);
            this.u = u; this.p = p; this.out = out;
        }

        @Override
        String name() { return u.name().toLowerCase(); }

        @Override
        void backward(float[] dOut) {
            float[] dx = gradOf(0);
            if (dx == null) return;
            float[] in = inputs[0].data();
            if (u.activation != null) {
                Tensor.K.activationBackward(u.activation, dx, dOut, in, out, dx.length, p);
            } else {
                Parallel.forRange(dx.length, PARALLEL_GRAIN, (from, to) -> mapBackward(in, dOut, dx, from, to));
            }
        }

        /** dx[i] += dOut[i] * u'(in[i]) for i in [from, to), for the maps that are not kernel activations. */
        private void mapBackward(float[] in, float[] dOut, float[] dx, int from, int to) {
            switch (u) {
                case LOG -> { for (int i = from; i < to; i++) dx[i] += dOut[i] / in[i]; }
                case SQRT -> { for (int i = from; i < to; i++) dx[i] += dOut[i] * 0.5f / out[i]; }
                case ABS -> { for (int i = from; i < to; i++) dx[i] += dOut[i] * Math.signum(in[i]); }
                case SQUARE -> { for (int i = from; i < to; i++) dx[i] += dOut[i] * 2f * in[i]; }
                case POW -> {
                    for (int i = from; i < to; i++) dx[i] += dOut[i] * p * (float) Math.pow(in[i], p - 1f);
                }
                default -> throw new AssertionError(u + " is differentiated by Kernels.activationBackward");
            }
        }
    }
}
