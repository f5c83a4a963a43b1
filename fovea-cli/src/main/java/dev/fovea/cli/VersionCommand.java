package dev.fovea.cli;

import dev.fovea.kernels.KernelsProvider;
import dev.fovea.kernels.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;

/** {@code fovea version} (and {@code fovea --version}): Fovea, Java and kernel information. */
@Command(name = "version",
        description = "Print the Fovea version, the Java runtime, and which compute kernels are in use.")
final class VersionCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (String line : lines()) out.println(line);
        out.flush();
        return Main.OK;
    }

    /** The lines printed by both {@code version} and {@code --version}. */
    static String[] lines() {
        Runtime.Version java = Runtime.version();
        String vendor = System.getProperty("java.vendor", "unknown vendor");
        String kernels = KernelsProvider.get().name();
        String hint = kernels.equals("scalar") && ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()
                ? " (run java with --add-modules jdk.incubator.vector for SIMD)" : "";
        return new String[] {
            "fovea " + foveaVersion(),
            "Java " + java + " (" + vendor + "), " + System.getProperty("os.name") + " " + System.getProperty("os.arch"),
            "kernels: " + kernels + hint + ", threads: " + Parallel.threads()};
    }

    /** From the Maven-filtered resource; "development build" when running from unfiltered sources. */
    static String foveaVersion() {
        try (InputStream in = VersionCommand.class.getResourceAsStream("version.properties")) {
            if (in == null) return "(development build)";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "");
            return v.isEmpty() || v.startsWith("${") ? "(development build)" : v;
        } catch (IOException e) {
            return "(version unreadable: " + e.getMessage() + ")";
        }
    }

    /** Serves {@code fovea --version}. */
    static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return lines();
        }
    }
}
