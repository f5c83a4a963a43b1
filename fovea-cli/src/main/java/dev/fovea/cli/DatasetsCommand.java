package dev.fovea.cli;

import dev.fovea.data.Mnist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.concurrent.Callable;

/** {@code fovea datasets}: which data sets are available on this machine and how to get the others. */
@Command(name = "datasets", description = "List the data sets available here and the formats 'fovea train --data DIR' reads.",
        footerHeading = "%nExamples:%n",
        footer = {"  fovea datasets", "  fovea train --data fashion-mnist     once 'fashion-mnist' shows as available"})
final class DatasetsCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("name           status     details");
        out.println("mnist          available  10,000 real MNIST digits bundled in the jar (8,000 train / 2,000 test)");
        boolean fashion = Files.isRegularFile(Mnist.FASHION_DEBIAN.resolve("train-images-idx3-ubyte.gz"));
        out.printf("fashion-mnist  %-9s  %s%n", fashion ? "available" : "missing",
                fashion ? "70,000 Zalando images in " + Mnist.FASHION_DEBIAN
                        : "install with 'apt-get install dataset-fashion-mnist', or pass --data-dir DIR");
        out.println();
        out.println("Your own data, with --data DIR:");
        out.println("  IDX files          DIR/train-images-idx3-ubyte[.gz], train-labels-..., t10k-images-..., t10k-labels-...");
        out.println("  CIFAR-10 binary    DIR/data_batch_1.bin ... data_batch_5.bin, DIR/test_batch.bin");
        out.println("  image folders      DIR/train/<class>/*.png|jpg and DIR/test/<class>/..., sized by --input-shape C,H,W");
        out.flush();
        return Main.OK;
    }
}
