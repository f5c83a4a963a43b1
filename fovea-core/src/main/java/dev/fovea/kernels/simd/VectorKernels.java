package dev.fovea.kernels.simd;

import dev.fovea.kernels.Activation;
import dev.fovea.kernels.ConvGeometry;
import dev.fovea.kernels.Kernels;
import dev.fovea.kernels.Parallel;
import dev.fovea.kernels.PoolGeometry;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.IntFunction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the JDK Vector API: the only code in Fovea that imports {@code jdk.incubator.vector}.
 *
 * <p>SGEMM is a packed, cache-blocked, register-tiled {@link Gemm}. Convolutions are that GEMM,
 * one per call over the whole batch where possible, on a column matrix that is never stored:
 * {@link ImplicitConv} reads its rows as windows of the zero-padded (and, for strides, phase-split)
 * batch, for the forward pass, the weight gradient and, at stride 1, the input gradient as a full
 * convolution; the other geometries pack im2col panels straight from each image ({@link Im2col})
 * and scatter the input gradient back with col2im. 1x1 stride-1 unpadded convolutions use the
 * image as the matrix it already is, a kernel covering the whole input is a linear layer, and the
 * weights are read in place by the micro-kernel ({@link Gemm#gemmRowMajorA}). Dot, axpy,
 * log-softmax, batch-norm forward and backward, channel statistics, LRN and the activations are SIMD
 * loops ({@link Simd}); pooling runs SIMD along output columns with scalar window borders
 * ({@link Pooling}) and gives the reference's results bit for bit. Every method is tested against
 * the scalar reference element-wise at 128, 256 and 512 bits.
 *
 * <p>Parallelism ({@link Parallel#forRange}) is over images for convolutions, over blocks of C for
 * GEMM, over (n, c) planes for pooling, over (image, block of positions) for LRN, over channels or
 * rows for the rest. Every output element is computed by one thread in an
 * order that does not depend on the thread count, so results are bit-identical for any
 * {@code -Dfovea.threads}.
 */
public final class VectorKernels implements Kernels {

    /**
     * Most partial weight gradients kept at once by {@link #conv2dBackwardWeight} (one per fixed
     * chunk of the batch), capped again so they hold at most {@link #PARTIAL_FLOATS} floats.
     */
    private static final int MAX_PARTIALS = 8;
    private static final int PARTIAL_FLOATS = 1 << 23;

    private final VectorSpecies<Float> species;
    private final Simd simd;
    private final Gemm gemm;
    /** Convolution weights declared constant, by identity, with their prepared layouts (guarded by itself). */
    private final Map<float[], HeldWeight> held = new IdentityHashMap<>();

    /**
     * A weight declared constant, with the layouts the kernels read it in, each made the first time
     * a convolution needs it (guarded by this object) and kept while the weight is held: its groups'
     * GEMM panels ({@link Gemm#prepackA}) one after another, its transpose for the channels-last
     * forward pass ({@link ImplicitConv#transposedWeight}, for one kernel size), and its Winograd
     * transform ({@link Winograd#transformKernel}: 4 times the weight by F(4x4, 3x3), output
     * channels rounded up to 64). A layer uses one of them, so a held weight costs one copy, not
     * several. {@code holds} counts the declarations (changed under the map's lock).
     */
    private static final class HeldWeight {
        final float[] weight;
        final int outChannels, groups;
        int holds = 1;
        private float[] panels, transposed, winograd;
        private int transposedTaps;

        HeldWeight(float[] weight, int outChannels, int groups) {
            this.weight = weight;
            this.outChannels = outChannels;
            this.groups = groups;
        }

        synchronized float[] panels(VectorKernels k) {
            if (panels == null) {
                int ocg = outChannels / groups, depth = weight.length / outChannels;
                panels = new float[groups * k.gemm.prepackedSize(ocg, depth)];
                k.packWeight(weight, groups, ocg, depth, panels);
            }
            return panels;
        }

        /** The channels-last transpose for geometry g; null (transpose per call) if made for another kernel size. */
        synchronized float[] transposed(Simd simd, ConvGeometry g) {
            int taps = g.kh() * g.kw();
            if (transposed == null) {
                transposed = ImplicitConv.transposedWeight(simd, weight, g);
                transposedTaps = taps;
            }
            return transposedTaps == taps ? transposed : null;
        }

        /** The Winograd transform of the kernels ({@link Winograd#transformKernel}), for a 3x3 layer {@link Winograd#applies} to. */
        synchronized float[] winograd(Simd simd, ConvGeometry g) {
            if (winograd == null) {
                winograd = Winograd.transformKernel(simd, g, weight, false, new float[Winograd.transformedSize(simd, g)]);
            }
            return winograd;
        }
    }

    public VectorKernels() { this(FloatVector.SPECIES_PREFERRED); }

    /** For tests: any species (128, 256, 512 bits) works on any machine, just slower when emulated. */
    public VectorKernels(VectorSpecies<Float> species) {
        this.species = species;
        this.simd = Simd.forSpecies(species);
        this.gemm = new Gemm(simd);
    }

    @Override
    public String name() { return "vector-" + species.vectorBitSize(); }

    @Override
    public float dot(float[] x, int xOff, float[] y, int yOff, int len) {
        return simd.dot(x, xOff, y, yOff, len);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        // in parallel chunks: the tensor layer adds whole gradients with it (the seed of backward,
        // reshapes, residual additions), a serial megabyte pass each at 2 threads otherwise
        Parallel.forRange(len, ELEMENTWISE_GRAIN, (from, to) -> simd.axpy(alpha, x, xOff + from, y, yOff + from, to - from));
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        gemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    // ------------------------------------------------------------------ convolution

    @Override
    public void holdConstantWeight(float[] weight, int outChannels, int groups) {
        if (outChannels < 1 || groups < 1 || outChannels % groups != 0 || weight.length % outChannels != 0) {
            throw new IllegalArgumentException("holdConstantWeight expects a weight of outChannels x depth values with groups"
                    + " dividing outChannels; received " + weight.length + " values, outChannels=" + outChannels
                    + ", groups=" + groups);
        }
        synchronized (held) {
            HeldWeight h = held.get(weight);
            if (h != null && h.outChannels == outChannels && h.groups == groups) {
                h.holds++;
                return;
            }
            HeldWeight regrouped = new HeldWeight(weight, outChannels, groups); // another grouping of the same array
            if (h != null) regrouped.holds = h.holds + 1;
            held.put(weight, regrouped);
        }
    }

    /**
     * Each group's weight (ocg, depth) packed for the GEMM ({@link Gemm#prepackA}), group after group,
     * {@code gemm.prepackedSize(ocg, depth)} floats each, at {@code dst[0]}.
     */
    private void packWeight(float[] weight, int groups, int ocg, int depth, float[] dst) {
        int size = gemm.prepackedSize(ocg, depth);
        for (int grp = 0; grp < groups; grp++) {
            gemm.prepackA(gemm.panelsOfA(false, weight, grp * ocg * depth, depth), ocg, depth, dst, grp * size);
        }
    }

    @Override
    public void releaseConstantWeight(float[] weight) {
        synchronized (held) {
            HeldWeight h = held.get(weight);
            if (h != null && --h.holds == 0) held.remove(weight);
        }
    }

    /** The declaration of a weight held constant, when it was held for this geometry's grouping; else null. */
    private HeldWeight heldFor(float[] weight, ConvGeometry g) {
        synchronized (held) {
            if (held.isEmpty()) return null;
            HeldWeight h = held.get(weight);
            return h != null && h.outChannels == g.oc() && h.groups == g.groups()
                    && weight.length == g.oc() * Im2col.rows(g) ? h : null;
        }
    }

    /**
     * Per image and group: {@code out_g (oc/groups, oh*ow) = weight_g (oc/groups, K) * col (K, oh*ow)}
     * with {@code K = c/groups*kh*kw}, then the bias is added to each output row. 3x3 stride-1 layers
     * with enough channels and positions go through Winograd's F(2x2, 3x3) ({@link Winograd}). Strided, wide and
     * few-position layers run as a direct convolution over a channels-last copy instead
     * ({@link ImplicitConv#channelsLastForward}); the others as an implicit GEMM over the padded
     * batch ({@link ImplicitConv#batch}) or, with an awkward kernel, per image, the column matrix
     * packed from the image. 1x1 stride-1 unpadded convolutions read the image as the matrix it
     * already is: in place ({@link Pointwise}), or packed into the GEMM's panels when their rows
     * would leave a large part of the last tile unused. The weight is laid out for its kernel once
     * per call, or once while it is held constant.
     */
    @Override
    public void conv2dForward(float[] out, float[] in, float[] weight, float[] bias, ConvGeometry g) {
        conv2dForward(DeferredOutput.of(out), in, weight, Epilogue.bias(bias), g);
    }

    /** Each output run finished as it is written ({@link Epilogue}). */
    @Override
    public void conv2dForwardFused(float[] out, float[] in, float[] weight, float[] bias, float[] residual,
                                   boolean rectify, ConvGeometry g) {
        checkResidual(residual, out, g);
        conv2dForward(DeferredOutput.of(out), in, weight, new Epilogue(bias, residual, rectify), g);
    }

    /** The output allocated alongside the products where a kernel computes them apart first. */
    @Override
    public float[] conv2dForwardAllocating(IntFunction<float[]> output, float[] in, float[] weight, float[] bias,
                                           float[] residual, boolean rectify, ConvGeometry g) {
        checkResidual(residual, null, g);
        DeferredOutput out = DeferredOutput.allocate(length -> {
            float[] a = output.apply(length);
            checkResidual(residual, a, g);
            return a;
        }, g.outputSize());
        conv2dForward(out, in, weight, new Epilogue(bias, residual, rectify), g);
        return out.array();
    }

    private static void checkResidual(float[] residual, float[] out, ConvGeometry g) {
        if (residual != null && (residual.length < g.outputSize() || residual == out)) {
            throw new IllegalArgumentException("conv2dForwardFused expects a residual of " + g.outputSize()
                    + " floats (the output's size) other than the output array; received "
                    + (residual == out ? "the output array" : residual.length + " floats"));
        }
    }

    private void conv2dForward(DeferredOutput output, float[] in, float[] weight, Epilogue epilogue, ConvGeometry g) {
        HeldWeight constant = heldFor(weight, g);
        if (fullyConnected(g)) {
            conv2dForwardInto(output.array(), in, weight, constant, epilogue, g);
            return;
        }
        // the paths that compute into buffers of their own take the output when they copy out
        if (Winograd.applies(simd, g)) {
            Winograd.convolve(simd, g, weight, constant == null ? null : constant.winograd(simd, g), false, epilogue, in,
                    output, false);
            return;
        }
        if (ImplicitConv.channelsLastForward(simd, g, constant != null)) {
            ImplicitConv.forwardChannelsLast(simd, g, weight, constant == null ? null : constant.transposed(simd, g), epilogue,
                    in, output);
            return;
        }
        if (NarrowConv.appliesToForward(simd, g)) {
            NarrowConv.forward(simd, g, weight, epilogue, in, output);
            return;
        }
        if (NarrowConv.appliesToRows(simd, g)) {
            NarrowConv.rows(simd, g, weight, false, epilogue, in, output, false);
            return;
        }
        if (Pointwise.applies(simd, g)) { // writes as it computes, into a buffer until the output exists
            Pointwise.forward(simd, g, weight, epilogue, in, output);
            return;
        }
        conv2dForwardInto(output.array(), in, weight, constant, epilogue, g);
    }

    /** The paths that write the output as they compute it; {@code constant} is the weight's held form, or null. */
    private void conv2dForwardInto(float[] out, float[] in, float[] weight, HeldWeight constant, Epilogue epilogue,
                                   ConvGeometry g) {
        float[] bias = epilogue.bias();
        int cpg = g.cPerGroup(), ocg = g.ocPerGroup(), kk = Im2col.rows(g), hw = g.h() * g.w(), ohw = g.oh() * g.ow();
        if (fullyConnected(g)) { // out (n, oc) = in (n, K) * weight^T (K, oc) + bias
            gemm.gemm(false, true, g.n(), g.oc(), kk, 1f, in, 0, kk, weight, 0, kk, 0f, out, 0, g.oc());
            if (bias != null) {
                for (int b = 0; b < g.n(); b++) simd.axpy(1f, bias, 0, out, b * g.oc(), g.oc());
            }
            if (epilogue.residual() != null || epilogue.rectify()) { // a whole row per image: one run per call
                new Epilogue(null, epilogue.residual(), epilogue.rectify()).apply(simd, 0, out, 0, g.outputSize());
            }
            return;
        }
        if (Pointwise.applies(simd, g)) {
            Pointwise.forward(simd, g, weight, epilogue, in, DeferredOutput.of(out));
            return;
        }
        ImplicitConv.Shape shape = ImplicitConv.pointwise(g) ? null : ImplicitConv.forward(g);
        if (shape != null) {
            float[] panels = constant == null ? null : constant.panels(this);
            int groupSize = panels == null ? 0 : panels.length / g.groups();
            for (int grp = 0; grp < g.groups(); grp++) {
                ImplicitConv.batch(gemm, simd, shape, g.n(), ocg, weight, grp * ocg * kk, panels, grp * groupSize,
                        in, grp * cpg * hw, g.c() * hw, epilogue, grp * ocg, out, grp * ocg * ohw, g.oc() * ohw, false);
            }
            return;
        }
        // the weight packed once for all images: these GEMMs are per image, so packing per call
        // would repeat it n times, and reading it in place measured slower here (1x1, 192 -> 64
        // at batch 8); but with few positions in all (ResNet-18's stride-2 layers at batch 1)
        // packing costs more than it saves, as in ImplicitConv.batch
        // (a weight held constant is packed once, at its first use)
        boolean inPlace = constant == null && (long) g.n() * ohw < ImplicitConv.DIRECT_WEIGHT_POSITIONS;
        int size = inPlace ? 0 : gemm.prepackedSize(ocg, kk);
        float[] packed = constant != null ? constant.panels(this) : inPlace ? null : Scratch.get().weights(g.groups() * size);
        if (constant == null && !inPlace) packWeight(weight, g.groups(), ocg, kk, packed);
        Parallel.forRange(g.n(), 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                for (int grp = 0; grp < g.groups(); grp++) {
                    int inOff = (b * g.c() + grp * cpg) * hw;
                    int outOff = (b * g.oc() + grp * ocg) * ohw;
                    Gemm.PanelSource col = ImplicitConv.pointwise(g)
                            ? gemm.panelsOfB(false, in, inOff, ohw)
                            : (p0, kCur, j0, w, dst, off) -> Im2col.packPanel(in, inOff, g, p0, kCur, j0, w, simd, dst, off);
                    if (inPlace) {
                        gemm.gemmRowMajorA(ocg, ohw, kk, 1f, weight, grp * ocg * kk, kk, col, 0f, out, outOff, ohw);
                    } else {
                        gemm.gemm(ocg, ohw, kk, 1f, null, packed, grp * size, col, 0f, out, outOff, ohw);
                    }
                    if (!epilogue.isNone()) {
                        for (int o = 0; o < ocg; o++) epilogue.apply(simd, grp * ocg + o, out, outOff + o * ohw, ohw);
                    }
                }
            }
        });
    }

    /**
     * Per image and group: {@code dCol (K, oh*ow) = weight_g^T * dOut_g}, then col2im adds dCol into
     * dIn (1x1 stride-1 unpadded: the product adds into dIn directly, reading dOut in place where
     * {@link Pointwise} applies). weight_g^T is packed once per call.
     * At stride 1 the input gradient is the full convolution of dOut with the flipped kernel instead,
     * channels-last or as an implicit GEMM by the same rules as the forward pass.
     */
    @Override
    public void conv2dBackwardInput(float[] dIn, float[] dOut, float[] weight, ConvGeometry g) {
        backwardInput(dIn, dOut, weight, g, true);
    }

    /**
     * As {@link #conv2dBackwardInput}, written rather than added: the products that go to dIn
     * through a copy or a GEMM store it straight away (no zeroing first, and no read of dIn: 1x1 192
     * -> 64 on 28x28 at batch 8, 2 threads: 0.446 ms zeroing and adding, 0.388 ms writing), the
     * paths that scatter into it (col2im) zero each image's part first.
     */
    @Override
    public void conv2dBackwardInputOverwriting(float[] dIn, float[] dOut, float[] weight, ConvGeometry g) {
        backwardInput(dIn, dOut, weight, g, false);
    }

    private void backwardInput(float[] dIn, float[] dOut, float[] weight, ConvGeometry g, boolean accumulate) {
        int cpg = g.cPerGroup(), ocg = g.ocPerGroup(), kk = Im2col.rows(g), hw = g.h() * g.w(), ohw = g.oh() * g.ow();
        if (fullyConnected(g)) { // dIn (n, K) += dOut (n, oc) * weight (oc, K)
            gemm.gemm(false, false, g.n(), kk, g.oc(), 1f, dOut, 0, g.oc(), weight, 0, kk, accumulate ? 1f : 0f, dIn, 0, kk);
            return;
        }
        // the full convolution's GEMM has c/groups rows: far fewer than a micro-tile's wastes most
        // of it (LeNet's one-channel C1 with 8-row tiles: 2.6 ms against 1.0 ms through col2im);
        // one row has a kernel of its own (Simd.kernelWindows1: C1's input gradient 0.83 -> 0.54 ms)
        boolean byFullConv = ImplicitConv.applies(g) && !ImplicitConv.pointwise(g) && (cpg >= simd.mr() / 2 || cpg == 1);
        ImplicitConv.Shape full = byFullConv ? ImplicitConv.inputGradient(g) : null;
        ConvGeometry fullConv = full == null ? null : ImplicitConv.inputGradientGeometry(g);
        if (fullConv != null && Winograd.applies(simd, fullConv)) {
            Winograd.convolve(simd, fullConv, weight, null, true, Epilogue.NONE, dOut, DeferredOutput.of(dIn), accumulate);
            return;
        }
        if (fullConv != null && ImplicitConv.channelsLastForward(simd, fullConv, false)) {
            ImplicitConv.inputGradientChannelsLast(simd, fullConv, weight, dOut, dIn, accumulate);
            return;
        }
        if (fullConv != null && NarrowConv.appliesToRows(simd, fullConv)) {
            NarrowConv.rows(simd, fullConv, weight, true, Epilogue.NONE, dOut, DeferredOutput.of(dIn), accumulate);
            return;
        }
        if (full != null) { // dIn += the "full" convolution of dOut with the flipped, transposed kernel
            float[] flipped = ImplicitConv.flippedWeight(weight, g);
            int depth = full.depth();
            for (int grp = 0; grp < g.groups(); grp++) {
                ImplicitConv.batch(gemm, simd, full, g.n(), cpg, flipped, grp * cpg * depth, null, 0, dOut, grp * ocg * ohw, g.oc() * ohw,
                        Epilogue.NONE, 0, dIn, grp * cpg * hw, g.c() * hw, accumulate);
            }
            return;
        }
        if (Pointwise.applies(simd, g)) {
            Pointwise.inputGradient(simd, g, weight, dOut, dIn, accumulate);
            return;
        }
        int size = gemm.prepackedSize(kk, ocg);
        float[] packed = Scratch.get().weights(g.groups() * size);
        for (int grp = 0; grp < g.groups(); grp++) {
            gemm.prepackA(gemm.panelsOfA(true, weight, grp * ocg * kk, kk), kk, ocg, packed, grp * size);
        }
        Parallel.forRange(g.n(), 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                for (int grp = 0; grp < g.groups(); grp++) {
                    int dInOff = (b * g.c() + grp * cpg) * hw;
                    Gemm.PanelSource dOutG = gemm.panelsOfB(false, dOut, (b * g.oc() + grp * ocg) * ohw, ohw);
                    if (ImplicitConv.pointwise(g)) { // dIn_g (+)= weight_g^T * dOut_g straight away
                        gemm.gemm(kk, ohw, ocg, 1f, null, packed, grp * size, dOutG, accumulate ? 1f : 0f, dIn, dInOff, hw);
                    } else {
                        if (!accumulate) Arrays.fill(dIn, dInOff, dInOff + cpg * hw, 0f); // col2im adds
                        float[] col = Scratch.get().col(kk * ohw);
                        gemm.gemm(kk, ohw, ocg, 1f, null, packed, grp * size, dOutG, 0f, col, 0, ohw);
                        Im2col.col2im(col, g, dIn, dInOff, simd);
                    }
                }
            }
        });
    }

    /**
     * {@code dWeight_g += dOut_g (oc/groups, P) * col^T (P, K)} where P runs over the output positions
     * of a chunk of images placed side by side. The batch is cut into a fixed number of chunks (a
     * function of the geometry only): each chunk is one GEMM into its own partial buffer, and the
     * partials are added to dWeight in chunk order, so the result does not depend on the thread
     * count. Chunks hold enough images to fill a GEMM k-slice: with 7x7 feature maps one image
     * gives k = 49, and the GEMM would then read and write all of dWeight for every image. Layers
     * with a kernel wider than 1x1, and 1x1 layers with many positions per image, take the
     * implicit weight gradients of {@link ImplicitConv} instead.
     */
    @Override
    public void conv2dBackwardWeight(float[] dWeight, float[] dBias, float[] dOut, float[] in, ConvGeometry g) {
        int n = g.n(), wsize = g.weightSize(), ohw = g.oh() * g.ow();
        if (fullyConnected(g)) { // dWeight (oc, K) += dOut^T (oc, n) * in (n, K)
            int kk = Im2col.rows(g);
            gemm.gemm(true, false, g.oc(), kk, n, 1f, dOut, 0, g.oc(), in, 0, kk, 1f, dWeight, 0, kk);
            addBiasGradient(dBias, dOut, g);
            return;
        }
        if (Winograd.appliesToWeightGradient(simd, g)) {
            Winograd.weightGradient(gemm, simd, g, dWeight, dOut, in);
            addBiasGradient(dBias, dOut, g);
            return;
        }
        if (NarrowConv.appliesToWeightGradient(simd, g)) {
            NarrowConv.weightGradient(simd, g, dWeight, dOut, in);
            addBiasGradient(dBias, dOut, g);
            return;
        }
        ImplicitConv.Shape shape = ImplicitConv.forward(g); // never null for a pointwise geometry
        boolean pointwise = ImplicitConv.pointwise(g);
        if (pointwise && ImplicitConv.pointwiseWeightGradient(simd, g, shape)) {
            ImplicitConv.weightGradientWindows(simd, g, shape, dWeight, dOut, in); // the input read in place
            addBiasGradient(dBias, dOut, g);
            return;
        }
        if (!pointwise && shape != null) {
            if (ImplicitConv.smallWeightGradient(g)) {
                ImplicitConv.weightGradient(simd, g, dWeight, dOut, in);
            } else if (ImplicitConv.windowsWeightGradient(simd, g, shape)) {
                ImplicitConv.weightGradientWindows(simd, g, shape, dWeight, dOut, in);
            } else if (ImplicitConv.channelsLastWeightGradient(g, simd.nr())) {
                ImplicitConv.weightGradientChannelsLast(gemm, simd, g, shape, dWeight, dOut, in);
            } else {
                ImplicitConv.weightGradientBatch(gemm, simd, g, shape, dWeight, dOut, in);
            }
            addBiasGradient(dBias, dOut, g);
            return;
        }
        int byDepth = (int) Math.min(n, ((long) n * ohw + Gemm.KC - 1) / Gemm.KC);
        int chunks = Math.min(byDepth, Math.min(MAX_PARTIALS, Math.max(1, PARTIAL_FLOATS / wsize)));
        if (chunks == 1) { // one GEMM straight into dWeight; it runs in parallel itself
            weightGradient(dWeight, 0, 1f, dOut, in, g, 0, n);
        } else {
            float[] partial = Scratch.get().partials(chunks * wsize); // each chunk overwrites its own part (beta 0)
            Parallel.forRange(chunks, 1, (c0, c1) -> {
                for (int ch = c0; ch < c1; ch++) {
                    int bLo = (int) ((long) n * ch / chunks), bHi = (int) ((long) n * (ch + 1) / chunks);
                    weightGradient(partial, ch * wsize, 0f, dOut, in, g, bLo, bHi);
                }
            });
            // every weight adds the partials in chunk order, whichever thread takes its range
            Parallel.forRange(wsize, ELEMENTWISE_GRAIN, (w0, w1) -> {
                for (int ch = 0; ch < chunks; ch++) simd.axpy(1f, partial, ch * wsize + w0, dWeight, w0, w1 - w0);
            });
        }
        addBiasGradient(dBias, dOut, g);
    }

    /** {@code dBias[o] += sum of dOut over images and positions}; nothing when dBias is null. */
    private void addBiasGradient(float[] dBias, float[] dOut, ConvGeometry g) {
        if (dBias == null) return;
        int ohw = g.oh() * g.ow();
        // one value per image and channel (LeNet-5's C5): a masked vector sum per value cost far more
        // than the add (C5's weight gradient 0.075 -> 0.061 ms; the LeNet-5 step, 6 interleaved
        // rounds on 1 thread, 5.47-6.08 -> 5.17-5.51 ms)
        if (ohw == 1) {
            for (int o = 0; o < g.oc(); o++) {
                float sum = 0f;
                for (int b = 0; b < g.n(); b++) sum += dOut[b * g.oc() + o];
                dBias[o] += sum;
            }
            return;
        }
        // one channel per index, summed over the images in order: the same bits for any thread count
        Parallel.forRange(g.oc(), Math.max(1, ImplicitConv.COPY_GRAIN / Math.max(1, g.n() * ohw)), (o0, o1) -> {
            for (int o = o0; o < o1; o++) {
                float sum = 0f;
                for (int b = 0; b < g.n(); b++) sum += simd.sum(dOut, (b * g.oc() + o) * ohw, ohw);
                dBias[o] += sum;
            }
        });
    }

    /** {@code dst[dstOff : dstOff + weightSize] = beta * dst + (weight gradient of images [b0, b1))}. */
    private void weightGradient(float[] dst, int dstOff, float beta, float[] dOut, float[] in, ConvGeometry g,
                                int b0, int b1) {
        int cpg = g.cPerGroup(), ocg = g.ocPerGroup(), kk = Im2col.rows(g), hw = g.h() * g.w(), ohw = g.oh() * g.ow();
        int images = b1 - b0, positions = images * ohw;
        for (int grp = 0; grp < g.groups(); grp++) {
            Gemm.PanelSource col;
            if (ImplicitConv.pointwise(g) && images == 1) { // the input of the group is its column matrix
                col = gemm.panelsOfB(true, in, (b0 * g.c() + grp * cpg) * hw, hw);
            } else {
                float[] cols = Scratch.get().col(kk * positions);
                for (int b = b0; b < b1; b++) {
                    Im2col.im2col(in, (b * g.c() + grp * cpg) * hw, g, cols, (b - b0) * ohw, positions);
                }
                col = gemm.panelsOfB(true, cols, 0, positions);
            }
            int dOutOff = (b0 * g.oc() + grp * ocg) * ohw;
            Gemm.PanelSource dOutG = images == 1
                    ? gemm.panelsOfA(false, dOut, dOutOff, ohw)
                    : gemm.panelsOfImages(dOut, dOutOff, ohw, g.oc() * ohw);
            gemm.gemm(ocg, kk, positions, 1f, dOutG, null, 0, col, beta, dst, dstOff + grp * ocg * kk, kk);
        }
    }

    /**
     * A kernel that covers the whole unpadded input once (one output position, one group): a
     * linear layer over the flattened images, like LeNet-5's C5 (16 x 5 x 5 -> 120) or the
     * convolutional form of a classifier head. The images are then the rows of the column matrix,
     * so the batch makes one GEMM; as a convolution it made one GEMM per image with a single
     * column.
     */
    private static boolean fullyConnected(ConvGeometry g) {
        return g.oh() == 1 && g.ow() == 1 && g.kh() == g.h() && g.kw() == g.w() && g.groups() == 1
                && g.padTop() == 0 && g.padLeft() == 0 && g.padBottom() == 0 && g.padRight() == 0;
    }

    // ------------------------------------------------------------------ pooling

    /**
     * Tap-outputs (outputs times window size) of pooling per parallel chunk: about 10-30 us of work,
     * well above the cost of handing a chunk to the pool, so small tensors run on one thread.
     */
    private static final int POOL_GRAIN = 1 << 15;

    /** Planes per chunk of a pooling call that visits {@code perOutput} taps for each output. */
    private static int poolGrain(PoolGeometry g, int perOutput) {
        return Math.max(1, POOL_GRAIN / Math.max(1, g.oh() * g.ow() * perOutput));
    }

    /** Parallel over (n, c) planes; SIMD along the output columns of each row ({@link Pooling}). */
    @Override
    public void maxPool2dForward(float[] out, int[] argmax, float[] in, PoolGeometry g) {
        Parallel.forRange(g.n() * g.c(), poolGrain(g, g.kh() * g.kw()), (p0, p1) -> {
            for (int p = p0; p < p1; p++) Pooling.maxForward(out, argmax, in, g, p, simd);
        });
    }

    @Override
    public void maxPool2dBackward(float[] dIn, float[] dOut, int[] argmax, PoolGeometry g) {
        Parallel.forRange(g.n() * g.c(), poolGrain(g, 1), (p0, p1) -> Pooling.maxBackward(dIn, dOut, argmax, g, p0, p1));
    }

    @Override
    public void avgPool2dForward(float[] out, float[] in, PoolGeometry g) {
        Parallel.forRange(g.n() * g.c(), poolGrain(g, g.kh() * g.kw()), (p0, p1) -> {
            Pooling.avgForward(out, in, g, p0, p1, simd);
        });
    }

    @Override
    public void avgPool2dBackward(float[] dIn, float[] dOut, PoolGeometry g) {
        Parallel.forRange(g.n() * g.c(), poolGrain(g, g.kh() * g.kw()), (p0, p1) -> {
            Pooling.avgBackward(dIn, dOut, g, p0, p1, simd);
        });
    }

    // ------------------------------------------------------------------ normalisation

    /**
     * Two passes per channel (mean, then the mean of squared deviations), which avoids the
     * cancellation of {@code E[x^2] - E[x]^2}; rows are summed in SIMD and combined in double.
     */
    @Override
    public void channelMeanVar(float[] mean, float[] var, float[] in, int n, int c, int spatial) {
        double count = (double) n * spatial;
        Parallel.forRange(c, Math.max(1, (1 << 15) / Math.max(1, n * spatial)), (c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                double sum = 0;
                for (int b = 0; b < n; b++) sum += simd.sum(in, (b * c + ch) * spatial, spatial);
                float m = (float) (sum / count);
                double squares = 0;
                for (int b = 0; b < n; b++) squares += simd.sumSquaredDeviation(in, (b * c + ch) * spatial, spatial, m);
                mean[ch] = m;
                var[ch] = (float) (squares / count);
            }
        });
    }

    @Override
    public void batchNormForward(float[] out, float[] in, float[] mean, float[] invStd, float[] gamma, float[] beta,
                                 int n, int c, int spatial) {
        batchNormForwardFused(out, in, mean, invStd, gamma, beta, null, false, n, c, spatial);
    }

    /** Each row normalised, then its residual added and rectified while it is in cache. */
    @Override
    public void batchNormForwardFused(float[] out, float[] in, float[] mean, float[] invStd, float[] gamma,
                                      float[] beta, float[] residual, boolean rectify, int n, int c, int spatial) {
        boolean finish = residual != null || rectify;
        Parallel.forRange(n * c, Math.max(1, (1 << 15) / Math.max(1, spatial)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int ch = r % c;
                float scale = gamma == null ? invStd[ch] : invStd[ch] * gamma[ch];
                simd.normalize(out, in, r * spatial, spatial, mean[ch], scale, beta == null ? 0f : beta[ch]);
                if (finish) simd.finishOutputs(out, r * spatial, spatial, false, 0f, residual, rectify);
            }
        });
    }

    /**
     * Per channel, in parallel over channels: the two reductions {@code sum(dOut)} and
     * {@code sum(dOut * (x - mean))} row by row in SIMD, combined in double (as
     * {@link #channelMeanVar}), then {@code dIn += a * dOut + b * (x - mean) + c} with the reference's
     * formula folded into three per-channel constants: with g = gamma, {@code a = invStd * g},
     * {@code b = -invStd^2 * g * sum(dOut * xhat) / m}, {@code c = -invStd * g * sum(dOut) / m}
     * (batch statistics), or {@code dIn += invStd * g * dOut} (constant statistics).
     */
    @Override
    public void batchNormBackward(float[] dIn, float[] dGamma, float[] dBeta, float[] dOut, float[] in,
                                  float[] mean, float[] invStd, float[] gamma, int n, int c, int spatial,
                                  boolean batchStats) {
        batchNormBackwardFused(dIn, dGamma, dBeta, null, dOut, null, in, mean, invStd, gamma, n, c, spatial, batchStats);
    }

    /**
     * {@link #batchNormBackward}'s passes with the rectified output's mask applied to {@code dOut}
     * as they read it (no masked copy), and the residual's gradient added in the last pass.
     */
    @Override
    public void batchNormBackwardFused(float[] dIn, float[] dGamma, float[] dBeta, float[] dResidual, float[] dOut,
                                       float[] out, float[] in, float[] mean, float[] invStd, float[] gamma, int n,
                                       int c, int spatial, boolean batchStats) {
        double m = (double) n * spatial;
        boolean sums = dBeta != null || dGamma != null || (dIn != null && batchStats);
        // each element of a channel is read about five times (two reductions, then dIn += ...):
        // 16k elements per chunk is several microseconds
        Parallel.forRange(c, Math.max(1, (1 << 14) / Math.max(1, n * spatial)), (c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                double sumDy = 0, sumDyCentered = 0;
                for (int b = 0; sums && b < n; b++) {
                    int off = (b * c + ch) * spatial;
                    sumDy += out == null ? simd.sum(dOut, off, spatial) : simd.sumWhere(dOut, out, off, spatial);
                    sumDyCentered += simd.sumProductCenteredWhere(dOut, out, in, off, spatial, mean[ch]);
                }
                double sumDyXhat = sumDyCentered * invStd[ch];
                if (dBeta != null) dBeta[ch] += (float) sumDy;
                if (dGamma != null) dGamma[ch] += (float) sumDyXhat;
                if (dIn == null && dResidual == null) continue;
                double gm = gamma == null ? 1.0 : gamma[ch];
                float a = (float) (invStd[ch] * gm), bCoef = 0f, cCoef = 0f;
                if (batchStats) {
                    bCoef = (float) (-invStd[ch] * invStd[ch] * gm * sumDyXhat / m);
                    cCoef = (float) (-invStd[ch] * gm * sumDy / m);
                }
                for (int b = 0; b < n; b++) { // constant statistics: dIn += a * dOut, no x
                    simd.batchNormBackwardRowWhere(dIn, dResidual, dOut, out, batchStats ? in : null, (b * c + ch) * spatial,
                            spatial, mean[ch], a, bCoef, cCoef);
                }
            }
        });
    }

    /**
     * Spatial positions per LRN work unit: the backward pass keeps {@code c + 1} rows of this many
     * floats in scratch (96 channels: 97 KiB, within L2), and a block is a whole number of vectors
     * for every species.
     */
    private static final int LRN_BLOCK = 256;

    /**
     * Parallel over (image, block of {@link #LRN_BLOCK} positions), SIMD along the positions, all
     * channels of a block in one unit ({@link Simd#lrnForward}: {@code scale^-beta} as
     * exp(-beta log scale) in plain IEEE operations; measured relative error at most
     * (1 + |beta ln scale|) * 1.2e-7, e.g. 9e-7 for beta 0.75 and scale up to 1e6).
     */
    @Override
    public void lrnForward(float[] out, float[] scale, float[] in, int n, int c, int spatial,
                           int size, float alpha, float beta, float k) {
        int blocks = (spatial + LRN_BLOCK - 1) / LRN_BLOCK;
        float alphaOverSize = (float) ((double) alpha / size);
        Parallel.forRange(n * blocks, Math.max(1, (1 << 14) / (c * Math.min(spatial, LRN_BLOCK))), (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int b = u / blocks, s0 = (u % blocks) * LRN_BLOCK;
                simd.lrnForward(out, scale, in, b * c * spatial, c, spatial, s0, Math.min(LRN_BLOCK, spatial - s0),
                        size, alphaOverSize, beta, k);
            }
        });
    }

    @Override
    public void lrnBackward(float[] dIn, float[] dOut, float[] in, float[] out, float[] scale, int n, int c, int spatial,
                            int size, float alpha, float beta, float k) {
        int blocks = (spatial + LRN_BLOCK - 1) / LRN_BLOCK;
        float factor = (float) (2.0 * alpha * beta / size);
        Parallel.forRange(n * blocks, Math.max(1, (1 << 14) / (c * Math.min(spatial, LRN_BLOCK))), (u0, u1) -> {
            float[] ratio = Scratch.get().lrn((c + 1) * LRN_BLOCK);
            for (int u = u0; u < u1; u++) {
                int b = u / blocks, s0 = (u % blocks) * LRN_BLOCK;
                simd.lrnBackward(dIn, dOut, in, out, scale, b * c * spatial, c, spatial, s0,
                        Math.min(LRN_BLOCK, spatial - s0), size, factor, beta, ratio);
            }
        });
    }

    // ------------------------------------------------------------------ activations

    /** Elements per parallel chunk of an element-wise kernel: activations, axpy. */
    private static final int ELEMENTWISE_GRAIN = 1 << 14;

    /**
     * SIMD maps ({@link Simd}'s activation section): exp, tanh, sigmoid and the ELUs through
     * polynomial approximations within 2 ulps of the reference, ReLUs exact. Chunks of
     * {@link #ELEMENTWISE_GRAIN} elements run in parallel; each element is computed alone, so the
     * result does not depend on the thread count, the vector width or the element's position.
     */
    @Override
    public void activationForward(Activation f, float[] out, float[] in, int len, float param) {
        Parallel.forRange(len, ELEMENTWISE_GRAIN, (from, to) -> {
            switch (f) {
                case EXP -> simd.expForward(out, in, from, to);
                case TANH -> simd.tanhForward(out, in, from, to);
                case SIGMOID -> simd.sigmoidForward(out, in, from, to);
                case RELU -> simd.reluForward(out, in, from, to);
                case LEAKY_RELU -> simd.leakyReluForward(param, out, in, from, to);
                case ELU -> simd.eluForward(param, 1f, out, in, from, to);
                case SELU -> simd.eluForward(Activation.SELU_ALPHA, Activation.SELU_SCALE, out, in, from, to);
            }
        });
    }

    /** The reference's formulas, operation for operation: bit-identical to {@link ScalarKernels}. */
    @Override
    public void activationBackward(Activation f, float[] dIn, float[] dOut, float[] in, float[] out, int len,
                                   float param) {
        Parallel.forRange(len, ELEMENTWISE_GRAIN, (from, to) -> {
            switch (f) {
                case EXP -> simd.expBackward(dIn, dOut, out, from, to);
                case TANH -> simd.tanhBackward(dIn, dOut, out, from, to);
                case SIGMOID -> simd.sigmoidBackward(dIn, dOut, out, from, to);
                case RELU -> simd.reluBackward(dIn, dOut, in, from, to);
                case LEAKY_RELU -> simd.leakyReluBackward(param, dIn, dOut, in, from, to);
                case ELU -> simd.eluBackward(1f, param, dIn, dOut, in, out, from, to);
                case SELU -> simd.eluBackward(Activation.SELU_SCALE, Activation.SELU_SCALE * Activation.SELU_ALPHA,
                        dIn, dOut, in, out, from, to);
            }
        });
    }

    // ------------------------------------------------------------------ optimizer updates

    /** Elements per parallel chunk of an optimizer update. */
    private static final int UPDATE_GRAIN = 1 << 14;

    /** SIMD, parallel over chunks; bit-identical to {@link ScalarKernels} (same operations, same order). */
    @Override
    public void adamUpdate(float[] w, float[] g, float[] m, float[] v, float[] vMax, int len,
                           float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                           float negStepSize, float bc2Sqrt, float eps) {
        Parallel.forRange(len, UPDATE_GRAIN, (from, to) -> simd.adamUpdate(w, g, m, v, vMax, from, to,
                beta1, oneMinusBeta1, beta2, oneMinusBeta2, negStepSize, bc2Sqrt, eps));
    }

    /** SIMD, parallel over chunks; bit-identical to {@link ScalarKernels} (same operations, same order). */
    @Override
    public void sgdMomentumUpdate(float[] w, float[] g, float[] b, int len, float negLr, float mu, float keep,
                                  boolean firstStep, boolean nesterov) {
        Parallel.forRange(len, UPDATE_GRAIN,
                (from, to) -> simd.sgdMomentumUpdate(w, g, b, from, to, negLr, mu, keep, firstStep, nesterov));
    }

    // ------------------------------------------------------------------ rows

    @Override
    public void logSoftmaxRows(float[] out, float[] in, int rows, int cols) {
        Parallel.forRange(rows, Math.max(1, (1 << 14) / Math.max(1, cols)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) simd.logSoftmaxRow(out, in, r * cols, cols);
        });
    }
}
