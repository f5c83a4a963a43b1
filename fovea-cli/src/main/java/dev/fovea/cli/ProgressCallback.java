package dev.fovea.cli;

import dev.fovea.train.Callback;
import dev.fovea.train.EpochResult;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.util.Locale;

/** A live progress bar per epoch (me.tongfei:progressbar) and one summary line per epoch. */
final class ProgressCallback implements Callback {

    private final PrintWriter out;
    private final int epochs;
    private final boolean bar;
    private ProgressBar progress;
    private double lossAverage;
    private int batchesSeen;

    ProgressCallback(PrintWriter out, int epochs, boolean bar) {
        this.out = out;
        this.epochs = epochs;
        this.bar = bar;
    }

    @Override
    public void onEpochStart(int epoch, int batches) {
        lossAverage = 0;
        batchesSeen = 0;
        if (bar) {
            progress = new ProgressBarBuilder().setTaskName(String.format("epoch %d/%d", epoch + 1, epochs))
                    .setInitialMax(batches).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                    .continuousUpdate().clearDisplayOnFinish()
                    // stderr, so stdout carries only results and can be piped
                    .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build();
        }
    }

    @Override
    public void onBatchEnd(int epoch, int batch, double loss) {
        batchesSeen++;
        lossAverage += (loss - lossAverage) / batchesSeen;
        if (progress != null) {
            progress.stepTo(batch + 1);
            progress.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", lossAverage));
        }
    }

    @Override
    public void onEpochEnd(EpochResult r) {
        if (progress != null) {
            progress.close();
            progress = null;
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  loss %.4f  acc %.2f%%",
                r.epoch() + 1, epochs, r.trainLoss(), 100 * r.trainAccuracy()));
        if (!Double.isNaN(r.valLoss())) {
            line.append(String.format(Locale.ROOT, "  val_loss %.4f  val_acc %.2f%%", r.valLoss(), 100 * r.valAccuracy()));
        }
        line.append(String.format(Locale.ROOT, "  lr %.3g  %.1f s", r.learningRate(), r.seconds()));
        out.println(line);
        for (String w : r.warnings()) out.println("  warning: " + w);
        out.flush();
    }
}
