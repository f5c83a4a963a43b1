package dev.fovea.data;

/**
 * A finite, indexable set of labelled examples with one fixed input shape (e.g. (1, 28, 28)).
 *
 * <p>Examples are copied into caller-owned batch buffers rather than returned as objects, so a
 * {@link DataLoader} can assemble a batch without allocating per example.
 */
public interface Dataset {

    /** Number of examples. */
    int size();

    /** Shape of one input, without the batch dimension, e.g. {1, 28, 28}. */
    int[] inputShape();

    /** Number of classes; labels are in [0, numClasses). */
    int numClasses();

    /** Copies example {@code index}'s input into {@code dst} starting at {@code offset}. */
    void copyInput(int index, float[] dst, int offset);

    /** Class label of example {@code index}. */
    int label(int index);

    /** Human-readable class names (default "0", "1", ...). */
    default String[] classNames() {
        String[] names = new String[numClasses()];
        for (int i = 0; i < names.length; i++) names[i] = Integer.toString(i);
        return names;
    }

    /** Number of floats in one input. */
    default int inputSize() {
        int n = 1;
        for (int d : inputShape()) n *= d;
        return n;
    }
}
