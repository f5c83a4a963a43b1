package dev.fovea.train;

/**
 * Stops training when the validation loss has not improved by at least {@code minDelta} for
 * {@code patience} epochs (Keras' {@code EarlyStopping(monitor="val_loss")}). Uses the training loss
 * when no validation set is given.
 */
public final class EarlyStopping implements Callback {

    private final int patience;
    private final double minDelta;
    private double best = Double.POSITIVE_INFINITY;
    private int bestEpoch = -1;
    private int bad;

    public EarlyStopping(int patience, double minDelta) {
        if (patience < 1 || minDelta < 0) {
            throw new IllegalArgumentException("EarlyStopping expects patience >= 1 and minDelta >= 0; received patience="
                    + patience + ", minDelta=" + minDelta);
        }
        this.patience = patience;
        this.minDelta = minDelta;
    }

    @Override
    public void onEpochEnd(EpochResult r) {
        double loss = Double.isNaN(r.valLoss()) ? r.trainLoss() : r.valLoss();
        if (loss < best - minDelta) {
            best = loss;
            bestEpoch = r.epoch();
            bad = 0;
        } else {
            bad++;
        }
    }

    @Override
    public boolean shouldStop() { return bad >= patience; }

    public int bestEpoch() { return bestEpoch; }

    public double bestLoss() { return best; }
}
