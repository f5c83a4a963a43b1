package dev.fovea.data;

import dev.fovea.tensor.Shapes;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Numeric CSV (optionally gzipped): one example per line, the label in one column (default: the
 * last, as in the UCI digits file), every other column a feature. Features are reshaped to the
 * given input shape (e.g. 1,8,8) and optionally divided by {@code scale}.
 */
public final class Csv {

    private Csv() {}

    /**
     * @param labelColumn index of the label column, negative counts from the end (-1 = last)
     * @param skipHeader  whether the first line is a header
     */
    public static ArrayDataset load(Path file, int[] inputShape, int labelColumn, boolean skipHeader, float scale,
                                    int numClasses) throws IOException {
        int features = Shapes.numel(inputShape);
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (var in = Files.newInputStream(file);
             var decoded = file.toString().endsWith(".gz") ? new GZIPInputStream(in) : in;
             var reader = new BufferedReader(new InputStreamReader(decoded, StandardCharsets.UTF_8))) {
            String line;
            int lineNo = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && skipHeader || line.isBlank()) continue;
                String[] cells = line.split(",", -1);
                if (cells.length != features + 1) {
                    throw new IOException(file + " line " + lineNo + ": expected " + (features + 1) + " columns ("
                            + features + " features for shape " + Shapes.str(inputShape) + " + 1 label); received " + cells.length);
                }
                int lc = labelColumn < 0 ? cells.length + labelColumn : labelColumn;
                if (lc < 0 || lc >= cells.length) {
                    throw new IllegalArgumentException("label column " + labelColumn + " is outside the " + cells.length + " columns");
                }
                float[] x = new float[features];
                int label;
                try {
                    label = (int) Double.parseDouble(cells[lc].trim());
                    for (int i = 0, j = 0; i < cells.length; i++) {
                        if (i != lc) x[j++] = Float.parseFloat(cells[i].trim()) / scale;
                    }
                } catch (NumberFormatException e) {
                    throw new IOException(file + " line " + lineNo + ": expected numbers; received '" + line
                            + "' (" + e.getMessage() + ")");
                }
                if (label < 0 || label >= numClasses) {
                    throw new IOException(file + " line " + lineNo + ": expected a label in [0, " + numClasses + "); received " + label);
                }
                rows.add(x);
                labels.add(label);
            }
        }
        if (rows.isEmpty()) throw new IOException(file + " holds no examples");
        float[] all = new float[rows.size() * features];
        int[] y = new int[rows.size()];
        for (int i = 0; i < y.length; i++) {
            System.arraycopy(rows.get(i), 0, all, i * features, features);
            y[i] = labels.get(i);
        }
        return new ArrayDataset(all, y, inputShape, ArrayDataset.numberedClasses(numClasses));
    }
}
