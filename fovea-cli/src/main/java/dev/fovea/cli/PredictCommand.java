package dev.fovea.cli;

import dev.fovea.data.ImageFolder;
import dev.fovea.tensor.NoGrad;
import dev.fovea.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code fovea predict}: top-k classes with probabilities for image files. */
@Command(
        name = "predict",
        description = "Classify images with a trained model: the top-k classes and their probabilities per image.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  fovea predict --weights runs/lenet5-mnist/model.safetensors digit.png",
            "  fovea predict --weights model.safetensors --top 5 --invert scans/*.png   (dark ink on white paper)"})
final class PredictCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "<image>", description = "PNG, JPEG, BMP or GIF files.")
    List<Path> images;

    @Option(names = "--weights", required = true, description = "model.safetensors written by 'fovea train'.")
    Path weights;

    @Option(names = "--model", description = "Zoo model name, when the file does not record it.")
    String model;

    @Option(names = "--top", defaultValue = "3", description = "How many classes to show (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--invert", description = "Invert pixel values (MNIST-style models expect light ink on black).")
    boolean invert;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (top < 1) throw new ParameterException(spec.commandLine(), "--top expects a positive integer; received " + top);
        ModelFile.Loaded loaded = ModelFile.load(weights, model);
        int[] s = loaded.inputShape();
        int size = s[0] * s[1] * s[2];
        float[] batch = new float[images.size() * size];
        for (int i = 0; i < images.size(); i++) {
            float[] x = ImageFolder.read(images.get(i), s[0], s[1], s[2]);
            if (invert) for (int j = 0; j < x.length; j++) x[j] = 1f - x[j];
            System.arraycopy(x, 0, batch, i * size, size);
        }
        Tensor probs;
        try (var off = NoGrad.enter()) {
            probs = loaded.model().forward(Tensor.of(batch, images.size(), s[0], s[1], s[2])).softmax(1);
        }
        PrintWriter out = spec.commandLine().getOut();
        String[] names = loaded.classNames();
        int k = Math.min(top, names.length);
        for (int i = 0; i < images.size(); i++) {
            List<Integer> order = new ArrayList<>();
            for (int c = 0; c < names.length; c++) order.add(c);
            final int row = i;
            // highest probability first; ties by class index so the output is deterministic
            order.sort((a, b) -> {
                int cmp = Float.compare(probs.get(row, b), probs.get(row, a));
                return cmp != 0 ? cmp : Integer.compare(a, b);
            });
            StringBuilder line = new StringBuilder(images.get(i).toString()).append(':');
            for (int j = 0; j < k; j++) {
                int c = order.get(j);
                line.append(String.format(Locale.ROOT, "%s %s (%.1f%%)", j == 0 ? "" : ",", names[c], 100 * probs.get(i, c)));
            }
            out.println(line);
        }
        out.flush();
        return Main.OK;
    }
}
