package dev.fovea.kernels;

/**
 * The element-wise activations of {@link Kernels#activationForward} and
 * {@link Kernels#activationBackward}: the forward map {@code y = f(x)} and the derivative each
 * backward pass multiplies {@code dOut} by, written (as the reference computes it) in terms of the
 * saved input x and/or the saved output y. Some take one parameter p; the others ignore it.
 *
 * <p>NaN maps to NaN, in both directions.
 */
public enum Activation {

    /** {@code y = e^x}; {@code y' = y}. */
    EXP,

    /** {@code y = tanh x}; {@code y' = 1 - y^2}. */
    TANH,

    /** Logistic sigmoid {@code y = 1 / (1 + e^-x)}; {@code y' = y (1 - y)}. */
    SIGMOID,

    /**
     * {@code y = max(x, 0)} (NaN stays NaN, as in PyTorch); {@code y' = 1} for x > 0, else 0 (also
     * at exactly 0, as PyTorch).
     */
    RELU,

    /** {@code y = x} for x > 0, else {@code p x} (p the negative slope); {@code y' = 1} or p. */
    LEAKY_RELU,

    /**
     * Exponential linear unit (Clevert, Unterthiner and Hochreiter 2016, ICLR): {@code y = x} for
     * x > 0, else {@code p (e^x - 1)} (p = alpha); {@code y' = 1}, or {@code p e^x = y + p}.
     */
    ELU,

    /**
     * Scaled ELU with the self-normalising constants of Klambauer et al. 2017 ("Self-Normalizing
     * Neural Networks", NeurIPS): {@code y = SELU_SCALE * (x > 0 ? x : SELU_ALPHA (e^x - 1))};
     * {@code y' = SELU_SCALE}, or {@code y + SELU_SCALE * SELU_ALPHA}. p is ignored.
     */
    SELU;

    /** SELU's alpha, as in PyTorch. */
    public static final float SELU_ALPHA = 1.6732632423543772848170429916717f;

    /** SELU's scale lambda, as in PyTorch. */
    public static final float SELU_SCALE = 1.0507009873554804934193349852946f;
}
