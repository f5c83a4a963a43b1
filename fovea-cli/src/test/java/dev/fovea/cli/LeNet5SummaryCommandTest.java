package dev.fovea.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's main command, {@code fovea summary lenet5}, end to end (needs the nn layers). */
class LeNet5SummaryCommandTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void summaryOfLeNet5MatchesTheCourseTable() {
        String[] r = run("summary", "lenet5");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].startsWith("LeNet5 on input (1, 32, 32)"), r[1]);
        assertTrue(r[1].contains("Total params:         61,706"), r[1]);
        assertTrue(r[1].contains("Multiply-adds (MACs): 416,520"), r[1]);
        assertTrue(r[1].matches("(?s).*\\nc1 +Conv2d +\\(6, 28, 28\\) +5x5 +1 +0 +- +156 +117,600\\n.*"), r[1]);
    }

    @Test
    void explainAndMnistSizedInput() {
        String[] r = run("summary", "lenet5", "--input", "1,28,28", "--explain");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("params: (fh*fw*fd + 1)*F = (5*5*1 + 1)*6 = 156"), r[1]);
        assertTrue(r[1].contains("height = width: (32 + 2*0 - 5)/1 + 1 = 28"), r[1]);

        String[] bad = run("summary", "lenet5", "--input", "3,32,32");
        assertEquals("2", bad[0]);
        assertTrue(bad[2].contains("LeNet5 expects input of shape (N, 1, 32, 32) or (N, 1, 28, 28); received (1, 3, 32, 32)"),
                bad[2]);
    }

    @Test
    void helpListsLeNet5() {
        String[] r = run("summary", "--help");
        // Other tests in the same JVM may register more models, so look for lenet5 among them.
        // the list may wrap over several lines of the help text
        assertTrue(r[1].replaceAll("\\s+", " ").matches(".*Model name: [^.]*\\blenet5\\b.*"), r[1]);
    }
}
