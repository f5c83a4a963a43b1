package dev.fovea.train;

/**
 * Hooks into {@link Trainer#fit}: progress display, early stopping, logging. All methods are optional.
 */
public interface Callback {

    default void onEpochStart(int epoch, int batches) {}

    /** After each optimizer step; {@code batch} counts from 0 within the epoch. */
    default void onBatchEnd(int epoch, int batch, double loss) {}

    default void onEpochEnd(EpochResult result) {}

    /** Asked after every epoch; returning true ends training. */
    default boolean shouldStop() { return false; }
}
