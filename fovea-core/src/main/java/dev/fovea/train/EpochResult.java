package dev.fovea.train;

import dev.fovea.io.Json;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one epoch produced. Validation fields are NaN when no validation set was given.
 *
 * @param learningRate the rate used during this epoch (before the schedule stepped)
 * @param warnings     gradient-health warnings raised during the epoch
 */
public record EpochResult(int epoch, double trainLoss, double trainAccuracy, double valLoss, double valAccuracy,
                          double learningRate, double seconds, List<String> warnings) {

    /** One JSON object for the metrics log (JSON lines); NaN (no validation set) is written as null. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("train_loss", finiteOrNull(trainLoss));
        m.put("train_accuracy", finiteOrNull(trainAccuracy));
        m.put("val_loss", finiteOrNull(valLoss));
        m.put("val_accuracy", finiteOrNull(valAccuracy));
        m.put("lr", finiteOrNull(learningRate));
        m.put("seconds", finiteOrNull(seconds));
        m.put("warnings", warnings);
        return Json.write(m);
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
