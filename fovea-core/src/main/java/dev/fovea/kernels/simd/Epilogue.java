package dev.fovea.kernels.simd;

/**
 * What a forward convolution does to each run of one output channel's outputs as it writes
 * them, while the run is still in cache: add the channel's bias, add the same elements of a
 * residual tensor of the output's shape (a residual unit's shortcut), then ReLU; each part
 * optional ({@link dev.fovea.kernels.Kernels#conv2dForwardFused}). Done after the
 * convolution's sums, in this order, it gives the values of the separate operations bit for bit.
 */
record Epilogue(float[] bias, float[] residual, boolean rectify) {

    /** Nothing to do: a convolution without bias, or a backward pass adding into its gradient. */
    static final Epilogue NONE = new Epilogue(null, null, false);

    /** A bias (or null) alone. */
    static Epilogue bias(float[] bias) {
        return bias == null ? NONE : new Epilogue(bias, null, false);
    }

    boolean isNone() {
        return bias == null && residual == null && !rectify;
    }

    /** Outputs {@code out[off, off + len)}, all of output channel {@code channel} (its bias index). */
    void apply(Simd simd, int channel, float[] out, int off, int len) {
        if (residual == null && !rectify) {
            if (bias != null) simd.addScalar(bias[channel], out, off, len);
        } else {
            simd.finishOutputs(out, off, len, bias != null, bias == null ? 0f : bias[channel], residual, rectify);
        }
    }
}
