package dev.fovea.data;

import dev.fovea.tensor.Shapes;

import java.util.Arrays;

/** A dataset held in memory: inputs as one float array (example-major), labels as an int array. */
public final class ArrayDataset implements Dataset {

    private final float[] inputs;
    private final int[] labels;
    private final int[] inputShape;
    private final int exampleSize;
    private final String[] classNames;

    public ArrayDataset(float[] inputs, int[] labels, int[] inputShape, String[] classNames) {
        this.exampleSize = Shapes.numel(inputShape);
        if (exampleSize == 0 || inputs.length != (long) labels.length * exampleSize) {
            throw new IllegalArgumentException("ArrayDataset expects " + labels.length + " inputs of shape "
                    + Shapes.str(inputShape) + " (" + (long) labels.length * exampleSize + " floats); received "
                    + inputs.length + " floats");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.length) {
                throw new IllegalArgumentException("ArrayDataset expects labels in [0, " + classNames.length
                        + "); received " + labels[i] + " at index " + i);
            }
        }
        this.inputs = inputs;
        this.labels = labels;
        this.inputShape = inputShape.clone();
        this.classNames = classNames.clone();
    }

    /** Names "0".."numClasses-1". */
    public static String[] numberedClasses(int numClasses) {
        String[] names = new String[numClasses];
        for (int i = 0; i < numClasses; i++) names[i] = Integer.toString(i);
        return names;
    }

    @Override public int size() { return labels.length; }

    @Override public int[] inputShape() { return inputShape.clone(); }

    @Override public int numClasses() { return classNames.length; }

    @Override public String[] classNames() { return classNames.clone(); }

    @Override
    public void copyInput(int index, float[] dst, int offset) {
        System.arraycopy(inputs, index * exampleSize, dst, offset, exampleSize);
    }

    @Override public int label(int index) { return labels[index]; }

    /** The examples at the given indices, as a new in-memory dataset (for splits and few-shot subsets). */
    public static ArrayDataset subset(Dataset source, int[] indices) {
        int size = source.inputSize();
        float[] in = new float[indices.length * size];
        int[] lab = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            source.copyInput(indices[i], in, i * size);
            lab[i] = source.label(indices[i]);
        }
        return new ArrayDataset(in, lab, source.inputShape(), source.classNames());
    }

    /** Per-class counts, handy for checking a split. */
    public int[] classCounts() {
        int[] counts = new int[classNames.length];
        for (int l : labels) counts[l]++;
        return counts;
    }

    @Override
    public String toString() {
        return "ArrayDataset(" + labels.length + " x " + Shapes.str(inputShape) + ", classes " + Arrays.toString(classNames) + ")";
    }
}
