package dev.fovea.nn;

/**
 * A layer whose training-mode output is random (dropout). The trainer reseeds every such layer at the
 * start of each batch from (run seed, epoch, batch, layer), so a run that is stopped and resumed from
 * a checkpoint draws exactly the masks an uninterrupted run would, without saving generator state.
 */
public interface Stochastic {

    /** Restarts this layer's random stream from {@code seed}. */
    void reseed(long seed);
}
