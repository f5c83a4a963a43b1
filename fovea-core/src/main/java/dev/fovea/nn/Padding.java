package dev.fovea.nn;

import java.util.Arrays;

/**
 * Zero padding of a convolution: explicit sizes, or PyTorch's {@code padding="same"} / {@code "valid"}.
 *
 * <p>{@link #resolve} turns a value into the four sizes {@code {top, left, bottom, right}} that
 * {@link dev.fovea.tensor.Tensor#conv2d} takes. For {@link #SAME} the total padding per axis is
 * {@code dilation * (kernel - 1)}, so that a stride-1 convolution keeps the input size; when that total
 * is odd the extra row/column goes to the bottom/right, exactly as PyTorch's {@code _ConvNd} splits it
 * ({@code left = total / 2}, {@code right = total - left}) and as TensorFlow's "SAME" does.
 * {@link #VALID} means no padding.
 */
public final class Padding {

    private enum Kind { EXPLICIT, SAME, VALID }

    /** Output size equals input size (stride 1 only); odd totals put the extra padding bottom/right. */
    public static final Padding SAME = new Padding(Kind.SAME, 0, 0, 0, 0);

    /** No padding: only windows that fit entirely inside the input. */
    public static final Padding VALID = new Padding(Kind.VALID, 0, 0, 0, 0);

    private final Kind kind;
    private final int top;
    private final int left;
    private final int bottom;
    private final int right;

    private Padding(Kind kind, int top, int left, int bottom, int right) {
        this.kind = kind;
        this.top = top;
        this.left = left;
        this.bottom = bottom;
        this.right = right;
    }

    /** The same padding {@code p} on all four sides. */
    public static Padding of(int p) {
        return of(p, p);
    }

    /** {@code h} rows above and below, {@code w} columns left and right (PyTorch's {@code padding=(h, w)}). */
    public static Padding of(int h, int w) {
        return of(h, w, h, w);
    }

    /** Asymmetric padding {@code {top, left, bottom, right}} (what "same" resolves to for even kernels). */
    public static Padding of(int top, int left, int bottom, int right) {
        if (top < 0 || left < 0 || bottom < 0 || right < 0) {
            throw new IllegalArgumentException("Padding expects sizes >= 0; received top=" + top + ", left=" + left
                    + ", bottom=" + bottom + ", right=" + right);
        }
        return new Padding(Kind.EXPLICIT, top, left, bottom, right);
    }

    public boolean isSame() { return kind == Kind.SAME; }

    public boolean isValid() { return kind == Kind.VALID; }

    /**
     * The padding {@code {top, left, bottom, right}} for a 2-D window.
     *
     * @param kernelSize {kh, kw}
     * @param dilation   {dh, dw}
     */
    public int[] resolve(int[] kernelSize, int[] dilation) {
        if (kernelSize.length != 2 || dilation.length != 2) {
            throw new IllegalArgumentException("Padding.resolve expects kernelSize and dilation pairs {h, w}; received "
                    + Arrays.toString(kernelSize) + " and " + Arrays.toString(dilation));
        }
        return switch (kind) {
            case EXPLICIT -> new int[] {top, left, bottom, right};
            case VALID -> new int[] {0, 0, 0, 0};
            case SAME -> {
                int th = dilation[0] * (kernelSize[0] - 1);
                int tw = dilation[1] * (kernelSize[1] - 1);
                yield new int[] {th / 2, tw / 2, th - th / 2, tw - tw / 2};
            }
        };
    }

    /**
     * The padding {@code {left, right}} for a 1-D window (Conv1d). Explicit padding must be one value
     * per side of the width axis and none on the height axis (build it with {@link #of(int)}).
     */
    public int[] resolve1d(int kernelSize, int dilation) {
        return switch (kind) {
            case VALID -> new int[] {0, 0};
            case SAME -> {
                int t = dilation * (kernelSize - 1);
                yield new int[] {t / 2, t - t / 2};
            }
            case EXPLICIT -> {
                boolean fromInt = top == left && bottom == right && top == bottom;
                boolean widthOnly = top == 0 && bottom == 0;
                if (!fromInt && !widthOnly) {
                    throw new IllegalArgumentException("1-D padding expects Padding.of(p) or Padding.of(0, left, 0, right); received "
                            + this);
                }
                yield new int[] {left, right};
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Padding p && p.kind == kind && p.top == top && p.left == left && p.bottom == bottom
                && p.right == right;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {kind.ordinal(), top, left, bottom, right});
    }

    /** "same", "valid", "(2, 2)" for symmetric explicit padding {h, w}, or "(top, left, bottom, right)". */
    @Override
    public String toString() {
        return switch (kind) {
            case SAME -> "same";
            case VALID -> "valid";
            case EXPLICIT -> top == bottom && left == right
                    ? "(" + top + ", " + left + ")"
                    : "(" + top + ", " + left + ", " + bottom + ", " + right + ")";
        };
    }

    /** True when this is explicit zero padding or VALID (nothing is added). */
    boolean isZero() {
        return kind == Kind.VALID || (kind == Kind.EXPLICIT && top == 0 && left == 0 && bottom == 0 && right == 0);
    }
}
