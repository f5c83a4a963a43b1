package dev.fovea.train;

import dev.fovea.io.SafeTensors;
import dev.fovea.nn.Module;
import dev.fovea.optim.LrSchedule;
import dev.fovea.optim.Optimizer;
import dev.fovea.optim.ReduceLROnPlateau;
import dev.fovea.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything needed to continue training exactly where it stopped, in one safetensors file:
 * model state ({@code model.*}), optimizer state ({@code optimizer.*}), schedule state
 * ({@code schedule.*}, {@code plateau.*}) and, as string metadata, the position (epoch, next batch),
 * the run seed and the running sums of the epoch in progress.
 *
 * <p>Random state needs no saving: data order is a function of (seed, epoch) and dropout layers are
 * reseeded per batch from (seed, epoch, batch), see {@link dev.fovea.nn.Stochastic}. Files are
 * written atomically (temporary file, fsync, rename), so a crash at any moment leaves either the old
 * or the new checkpoint, never a broken one.
 */
public final class Checkpoint {

    /** Position and progress of a run. {@code batch} is the next batch to train in {@code epoch}. */
    public record Position(int epoch, int batch, long seed, double lossSum, long correct, long seen) {
        public static Position start(long seed) { return new Position(0, 0, seed, 0, 0, 0); }

        /** The start of {@code epoch}, with empty running sums. */
        public Position withEpoch(int epoch) { return new Position(epoch, 0, seed, 0, 0, 0); }
    }

    public static final String FORMAT = "fovea-checkpoint-1";

    private Checkpoint() {}

    public static void save(Path file, Module model, Optimizer optimizer, LrSchedule schedule,
                            ReduceLROnPlateau plateau, Position position) throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> all.put("model." + k, v));
        optimizer.stateDict().forEach((k, v) -> all.put("optimizer." + k, v));
        if (schedule != null) schedule.stateDict().forEach((k, v) -> all.put("schedule." + k, v));
        if (plateau != null) plateau.stateDict().forEach((k, v) -> all.put("plateau." + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("epoch", Integer.toString(position.epoch()));
        meta.put("batch", Integer.toString(position.batch()));
        meta.put("seed", Long.toString(position.seed()));
        // exact round trip of the running loss: store the raw bits
        meta.put("loss_sum_bits", Long.toString(Double.doubleToRawLongBits(position.lossSum())));
        meta.put("correct", Long.toString(position.correct()));
        meta.put("seen", Long.toString(position.seen()));
        Files.createDirectories(file.toAbsolutePath().getParent());
        SafeTensors.write(file, all, meta);
    }

    /** Restores model, optimizer and schedules in place and returns the saved position. */
    public static Position load(Path file, Module model, Optimizer optimizer, LrSchedule schedule,
                                ReduceLROnPlateau plateau) throws IOException {
        SafeTensors.Contents c = SafeTensors.readContents(file);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new IOException(file + " is not a Fovea training checkpoint: expected metadata format=" + FORMAT
                    + "; received " + meta.get("format"));
        }
        model.loadStateDict(withPrefix(c.tensors(), "model."), true);
        optimizer.loadStateDict(withPrefix(c.tensors(), "optimizer."));
        if (schedule != null) schedule.loadStateDict(withPrefix(c.tensors(), "schedule."));
        if (plateau != null) plateau.loadStateDict(withPrefix(c.tensors(), "plateau."));
        try {
            return new Position(Integer.parseInt(meta.get("epoch")), Integer.parseInt(meta.get("batch")),
                    Long.parseLong(meta.get("seed")), Double.longBitsToDouble(Long.parseLong(meta.get("loss_sum_bits"))),
                    Long.parseLong(meta.get("correct")), Long.parseLong(meta.get("seen")));
        } catch (RuntimeException e) {
            throw new IOException(file + " has invalid checkpoint metadata " + meta + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Tensor> withPrefix(Map<String, Tensor> all, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : all.entrySet()) {
            if (e.getKey().startsWith(prefix)) out.put(e.getKey().substring(prefix.length()), e.getValue());
        }
        return out;
    }
}
