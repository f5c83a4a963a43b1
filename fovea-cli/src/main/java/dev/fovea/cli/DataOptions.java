package dev.fovea.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --data} and {@code --data-dir} options, shared by train and eval (a picocli mixin). */
final class DataOptions {

    @Option(names = "--data", defaultValue = "mnist",
            description = "mnist (bundled digits), fashion-mnist, or a directory (IDX files, CIFAR-10 batches, or train/ and "
                    + "test/ image folders). Default ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--data-dir", description = "Where fashion-mnist lives (default /usr/share/datasets/fashion-mnist).")
    Path dataDir;
}
