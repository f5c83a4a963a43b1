package dev.fovea.train;

import dev.fovea.nn.Module;

import java.nio.file.Path;

/**
 * Child-process entry point for {@link TrainerTest}: trains with a checkpoint after every batch and
 * sleeps a little per batch so the parent can kill it (SIGKILL) in the middle of an epoch.
 */
public final class ResumeProbe {

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int epochs = Integer.parseInt(args[1]);
        Module model = TrainingFixtures.model();
        var trainer = new Trainer(model, TrainingFixtures.optimizer(model), LossFunction.crossEntropy(),
                new Trainer.Options(epochs, 3, out, 1, 0, true));
        trainer.callback(new Callback() {
            @Override public void onBatchEnd(int epoch, int batch, double loss) {
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        trainer.fit(TrainingFixtures.loader(TrainingFixtures.digits()), null);
    }
}
