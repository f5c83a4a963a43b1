package dev.fovea.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * The {@code fovea} command. Exit codes: 0 success, 1 failure while running, 2 bad usage.
 *
 * <p>Errors are one line on stderr ({@code fovea: error: ...}); {@code --verbose} adds the stack
 * trace. Only this package may call {@link System#exit}.
 */
@Command(
        name = "fovea",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "Convolutional neural networks in pure Java.",
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, PredictCommand.class, SummaryCommand.class,
            TransferCommand.class, DatasetsCommand.class, VersionCommand.class, CommandLine.HelpCommand.class},
        synopsisSubcommandLabel = "COMMAND",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:failure while running (the message says why)", "2:bad usage (unknown command or option, bad value)"},
        footerHeading = "%nExamples:%n",
        footer = {
            "  fovea demo                             train LeNet-5 on the bundled digits, print test accuracy",
            "  fovea train --data fashion-mnist --epochs 15 --schedule cosine",
            "  fovea eval runs/lenet5-mnist/model.safetensors",
            "  fovea predict --weights runs/lenet5-mnist/model.safetensors digit.png",
            "  fovea datasets                         what data is available here",
            "  fovea summary lenet5                   per-layer table of LeNet-5",
            "  fovea summary lenet5 --explain         ... with every formula worked out",
            "  fovea summary lenet5 --input 1,28,28   MNIST-sized input (padded to 32x32)",
            "  fovea summary lenet5 --diagram net.svg ... and an architecture diagram (.svg or .png)",
            "  fovea transfer                         reuse pretrained layers to learn new digits from few examples",
            "  fovea help summary                     options of one command",
            "  fovea version                          version, Java and kernel information"})
public final class Main implements Callable<Integer> {

    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Print stack traces for errors.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    /** Without a command: print the usage to stderr, exit 2. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("fovea: missing COMMAND (see 'fovea --help')");
        spec.commandLine().usage(err);
        return USAGE;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** A configured command line; tests set their own out/err writers and call {@code execute}. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(Main::onUsageError);
        cl.setExecutionExceptionHandler(Main::onFailure);
        return cl;
    }

    /** One line naming the problem and where to get help; exit 2. */
    private static int onUsageError(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        String name = cl.getCommandSpec().qualifiedName();
        String line = name + ": " + ex.getMessage();
        if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            line += "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
        }
        err.println(line + " (see '" + name + " --help')");
        if (isVerbose(args)) ex.printStackTrace(err);
        err.flush();
        return USAGE;
    }

    /** One line with the cause; the stack trace only with --verbose; exit 1. */
    private static int onFailure(Exception ex, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        String message = ex.getMessage() == null || ex.getMessage().isBlank() ? ex.toString() : ex.getMessage();
        err.println("fovea: error: " + message.replace('\n', ' '));
        if (verbose(parsed)) ex.printStackTrace(err);
        err.flush();
        return FAILURE;
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    /** For usage errors there is no parse result to ask, so look at the raw arguments. */
    private static boolean isVerbose(String[] args) {
        for (String a : args) {
            if (a.equals("--")) return false;
            if (a.equals("-v") || a.equals("--verbose")) return true;
        }
        return false;
    }
}
