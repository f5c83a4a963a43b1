package dev.fovea.cli;

import dev.fovea.models.ModelZoo;
import dev.fovea.nn.Linear;
import dev.fovea.nn.Module;
import dev.fovea.nn.Sequential;
import dev.fovea.tensor.Tensor;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {

    /** A two-layer perceptron with a flatten in front, registered under a test-only name. */
    static final class Flat extends Module {
        @Override
        protected Tensor compute(Tensor x) { return x.flatten(1); }
    }

    /** Fails during the forward pass, to exercise exit code 1. */
    static final class Broken extends Module {
        @Override
        protected Tensor compute(Tensor x) { throw new IllegalStateException("kernel exploded"); }
    }

    static {
        ModelZoo.register(new ModelZoo.Entry("cli-test-mlp", "flatten + 2 linear layers", new int[] {1, 4, 4}, 3,
                (classes, rng) -> new Sequential(new Flat(), new Linear(16, 8, rng), new Linear(8, classes, rng))));
        ModelZoo.register(new ModelZoo.Entry("cli-test-broken", "always fails", new int[] {2}, 1, (c, r) -> new Broken()));
    }

    /** Exit code, stdout and stderr of one invocation. */
    record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static long lines(String s) {
        return s.lines().count();
    }

    @Test
    void helpListsCommandsExamplesAndExitCodes() {
        Run r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("summary"), r.out());
        assertTrue(r.out().contains("version"), r.out());
        assertTrue(r.out().contains("Examples:\n  fovea demo "), r.out());
        assertTrue(r.out().contains("  fovea summary lenet5 "), r.out());
        assertTrue(r.out().contains("Exit codes:"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void versionPrintsFoveaJavaAndKernels() {
        Run r = run("version");
        assertEquals(0, r.code());
        String[] lines = r.out().split("\n");
        assertEquals(3, lines.length, r.out());
        assertTrue(lines[0].startsWith("fovea "), lines[0]);
        assertFalse(lines[0].contains("${"), "version must be filtered: " + lines[0]);
        assertTrue(lines[1].startsWith("Java " + Runtime.version()), lines[1]);
        assertTrue(lines[2].startsWith("kernels: "), lines[2]);
        assertEquals(r.out(), run("--version").out());
    }

    @Test
    void summaryPrintsTheTable() {
        Run r = run("summary", "cli-test-mlp");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Sequential on input (1, 4, 4)"), r.out());
        assertTrue(r.out().contains("Total params:         163"), r.out()); // (16+1)*8 + (8+1)*3
        assertTrue(r.out().contains("Multiply-adds (MACs): 152"), r.out()); // 16*8 + 8*3
        assertFalse(r.out().contains("params: ("), "formulas only with --explain");
    }

    @Test
    void summaryOptionsChangeInputClassesAndDetail() {
        Run r = run("summary", "cli-test-mlp", "--input", "16", "--classes", "5", "--explain");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("on input (16,)"), r.out());
        assertTrue(r.out().contains("params: (in + 1)*out = (8 + 1)*5 = 45"), r.out());
        Run c = run("summary", "CLI-TEST-MLP", "--containers", "--input", "1x4x4");
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("(model)"), c.out());
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        Run none = run();
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("fovea: missing COMMAND"), none.err());

        Run unknownModel = run("summary", "nope");
        assertEquals(2, unknownModel.code());
        assertEquals(1, lines(unknownModel.err()), unknownModel.err());
        assertTrue(unknownModel.err().startsWith("fovea summary: unknown model 'nope'; known models: "), unknownModel.err());
        assertTrue(unknownModel.err().contains("cli-test-mlp"), unknownModel.err());
        assertTrue(unknownModel.err().contains("(see 'fovea summary --help')"), unknownModel.err());

        Run badShape = run("summary", "cli-test-mlp", "--input", "1,a,3");
        assertEquals(2, badShape.code());
        assertEquals(1, lines(badShape.err()), badShape.err());
        assertTrue(badShape.err().contains("like 1,32,32; received '1,a,3'"), badShape.err());

        Run bad = run("summary", "cli-test-mlp", "--input", "3,3");
        assertEquals(2, bad.code(), "a shape the model rejects is a usage error");
        assertEquals(1, lines(bad.err()), bad.err());
        assertTrue(bad.err().startsWith("fovea summary: --input 3,3 does not fit: Summary of Sequential on input (1, 3, 3): "),
                bad.err());

        Run badClasses = run("summary", "cli-test-mlp", "--classes", "0");
        assertEquals(2, badClasses.code());
        assertTrue(badClasses.err().contains("--classes expects a number >= 1; received 0"), badClasses.err());

        Run typo = run("sumary", "lenet5");
        assertEquals(2, typo.code());
        assertEquals(1, lines(typo.err()), typo.err());
        assertTrue(typo.err().contains("did you mean summary?"), typo.err());

        Run missing = run("summary");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("Missing required parameter: '<model>'"), missing.err());
    }

    @Test
    void failuresExitOneWithOneLineAndStackTraceOnlyWhenVerbose() {
        Run r = run("summary", "cli-test-broken");
        assertEquals(1, r.code());
        assertEquals(1, lines(r.err()), r.err());
        assertTrue(r.err().startsWith("fovea: error: Summary of Broken on input (1, 2) failed: "), r.err());
        assertTrue(r.err().contains("kernel exploded"), r.err());

        Run v = run("summary", "cli-test-broken", "--verbose");
        assertEquals(1, v.code());
        assertTrue(lines(v.err()) > 3, v.err());
        assertTrue(v.err().contains("\tat "), v.err());
    }
}
