package dev.fovea.tensor;

/**
 * One recorded operation on the autograd tape: it remembers its inputs and whatever its backward
 * needs, and its {@link #backward} <b>adds</b> the input gradients into {@link Tensor#gradBuffer()}
 * (the micrograd {@code +=} rule, so a tensor used twice receives both contributions).
 *
 * <p>Package-private on purpose: {@code Tensor} and its functions live together (tinygrad keeps
 * them in one file) so that neither needs the other's internals exposed.
 */
abstract class Function {

    final Tensor[] inputs;

    Function(Tensor... inputs) {
        this.inputs = inputs;
    }

    /** Short op name for error messages and graph dumps. */
    abstract String name();

    /** Adds d(loss)/d(input) into each input that needs a gradient, given d(loss)/d(output). */
    abstract void backward(float[] dOut);

    /** The gradient buffer of input i, or null when that input needs no gradient. */
    final float[] gradOf(int i) {
        Tensor t = inputs[i];
        return t != null && t.requiresGrad() ? t.gradBuffer() : null;
    }

    /**
     * Input i's gradient array for a backward pass that writes every element of it, when the input
     * has no gradient yet ({@link Tensor#gradBufferToOverwrite}); null when it needs none or has one
     * to add into ({@link #gradOf}).
     */
    final float[] gradToOverwrite(int i) {
        Tensor t = inputs[i];
        return t != null && t.requiresGrad() ? t.gradBufferToOverwrite() : null;
    }

    /**
     * Attaches this function to {@code out} when gradients are being recorded and any input needs one;
     * otherwise {@code out} stays a constant and this function (and what it saved) is dropped.
     */
    final Tensor attach(Tensor out) {
        if (!NoGrad.isGradEnabled()) return out;
        for (Tensor in : inputs) {
            if (in != null && in.requiresGrad()) {
                out.creator = this;
                out.setRequiresGradInternal();
                return out;
            }
        }
        return out;
    }
}
