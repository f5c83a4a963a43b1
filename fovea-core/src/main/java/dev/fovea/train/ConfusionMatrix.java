package dev.fovea.train;

import dev.fovea.tensor.Tensor;

/**
 * Counts of (true class, predicted class) pairs, with the metrics derived from them: accuracy,
 * top-k accuracy, and per-class precision and recall.
 *
 * <p>Rows are true classes, columns predicted classes. Precision of class c = TP / (TP + FP) =
 * counts[c][c] / column sum; recall = TP / (TP + FN) = counts[c][c] / row sum (NaN when undefined).
 */
public final class ConfusionMatrix {

    private final String[] classNames;
    private final long[][] counts;
    private final int k;
    private long topKHits;
    private long total;

    /** @param topK also track top-k accuracy for this k (1 = plain accuracy) */
    public ConfusionMatrix(String[] classNames, int topK) {
        if (topK < 1) throw new IllegalArgumentException("topK must be >= 1; received " + topK);
        this.classNames = classNames.clone();
        this.counts = new long[classNames.length][classNames.length];
        this.k = topK;
    }

    /** Adds one batch: logits or probabilities (N, classes) and the true labels. */
    public void add(Tensor scores, int[] labels) {
        int classes = classNames.length;
        if (scores.dim() != 2 || scores.size(1) != classes || scores.size(0) != labels.length) {
            throw new IllegalArgumentException("ConfusionMatrix expects scores of shape (" + labels.length + ", " + classes
                    + "); received " + dev.fovea.tensor.Shapes.str(scores.shape()));
        }
        float[] s = scores.data();
        int[] predicted = scores.argmaxRows();
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if (y < 0 || y >= classes) {
                throw new IllegalArgumentException("expected labels in [0, " + classes + "); received " + y + " at index " + i);
            }
            int base = i * classes;
            int higher = 0;
            // rank of the true class: how many classes score strictly higher (ties favour the true class)
            for (int c = 0; c < classes; c++) if (s[base + c] > s[base + y]) higher++;
            counts[y][predicted[i]]++;
            if (higher < k) topKHits++;
            total++;
        }
    }

    public long total() { return total; }

    public long count(int trueClass, int predicted) { return counts[trueClass][predicted]; }

    public double accuracy() {
        long hits = 0;
        for (int c = 0; c < counts.length; c++) hits += counts[c][c];
        return total == 0 ? Double.NaN : (double) hits / total;
    }

    public double topKAccuracy() { return total == 0 ? Double.NaN : (double) topKHits / total; }

    public int topK() { return k; }

    public double precision(int c) {
        long col = 0;
        for (long[] row : counts) col += row[c];
        return col == 0 ? Double.NaN : (double) counts[c][c] / col;
    }

    public double recall(int c) {
        long row = 0;
        for (long v : counts[c]) row += v;
        return row == 0 ? Double.NaN : (double) counts[c][c] / row;
    }

    /** A fixed-width text table with per-class precision and recall. */
    public String format() {
        int w = 6;
        for (String n : classNames) w = Math.max(w, Math.min(n.length(), 12) + 1);
        StringBuilder sb = new StringBuilder(String.format("%-" + w + "s", "true\\pred"));
        for (String n : classNames) sb.append(String.format("%" + w + "s", abbreviate(n)));
        sb.append(String.format("%10s%10s%n", "precision", "recall"));
        for (int r = 0; r < counts.length; r++) {
            sb.append(String.format("%-" + w + "s", abbreviate(classNames[r])));
            for (long v : counts[r]) sb.append(String.format("%" + w + "d", v));
            sb.append(String.format("%10.3f%10.3f%n", precision(r), recall(r)));
        }
        sb.append(String.format("accuracy %.4f (%d examples)", accuracy(), total));
        if (k > 1) sb.append(String.format(", top-%d %.4f", k, topKAccuracy()));
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 12 ? s : s.substring(0, 11) + "~";
    }
}
