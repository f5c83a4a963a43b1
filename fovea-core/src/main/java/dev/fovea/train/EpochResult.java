package dev.fovea.train;

import java.util.List;

/**
 * What one epoch produced. Validation fields are NaN when no validation set was given.
 *
 * @param learningRate the rate used during this epoch (before the schedule stepped)
 * @param warnings     gradient-health warnings raised during the epoch
 */
public record EpochResult(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                          double learningRate, double seconds, List<String> warnings) {

    /** One JSON object for the metrics log (JSON lines). */
    public String toJson() {
        StringBuilder w = new StringBuilder("[");
        for (int i = 0; i < warnings.size(); i++) {
            if (i > 0) w.append(',');
            w.append('"').append(warnings.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        w.append(']');
        return String.format(java.util.Locale.ROOT,
                "{\"epoch\":%d,\"train_loss\":%s,\"train_accuracy\":%s,\"val_loss\":%s,\"val_accuracy\":%s,"
                        + "\"lr\":%s,\"seconds\":%.3f,\"warnings\":%s}",
                epoch, num(trainLoss), num(trainAccuracy), num(valLoss), num(valAccuracy), num(learningRate), seconds, w);
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }
}
