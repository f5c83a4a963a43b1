package dev.fovea.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code fovea transfer}: the few-shot table end to end (a tiny budget), and its usage errors. */
class TransferCommandTest {

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
    void printsOneRowPerShotCount() {
        String[] r = run("transfer", "--shots", "2,4", "--trials", "1", "--pretrain-epochs", "1", "--steps", "5");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].startsWith("Transfer learning with LeNet-5: pretrained on the digits 0-4, reusing c1, c3 to learn "
                + "5-9 from few examples\n"), r[1]);
        assertTrue(r[1].contains("shots  examples  from scratch  transferred, frozen  transferred, fine-tuned\n"), r[1]);
        assertTrue(r[1].matches("(?s).*\\n    2        10 +\\d+\\.\\d% +\\d+\\.\\d% +\\d+\\.\\d%\\n"
                + "    4        20 +\\d+\\.\\d% +\\d+\\.\\d% +\\d+\\.\\d%\\n.*"), r[1]);
        assertTrue(r[1].contains("mean of 1 trial, 5 steps each"), r[1]);
        // Progress goes to stderr: the pretraining line and one line per run.
        assertTrue(r[2].startsWith("pretrained LeNet-5 on 4,079 images of the digits 0-4 for 1 epoch: "), r[2]);
        assertTrue(r[2].contains("4 shots, trial 1: from scratch "), r[2]);

        String[] quiet = run("transfer", "--shots", "1", "--trials", "1", "--pretrain-epochs", "1", "--steps", "2", "-q");
        assertEquals("0", quiet[0], quiet[2]);
        assertEquals("", quiet[2]);
    }

    @Test
    void badOptionsAreUsageErrors() {
        String[] shots = run("transfer", "--shots", "0");
        assertEquals("2", shots[0]);
        assertTrue(shots[2].startsWith("fovea transfer: --shots expects numbers of examples per digit from 1 to 500; "
                + "received [0]"), shots[2]);
        String[] reuse = run("transfer", "--reuse", "c1,c2");
        assertEquals("2", reuse[0]);
        assertTrue(reuse[2].startsWith("fovea transfer: --reuse expects LeNet-5 layers with weights (c1, c3, c5, f6); "
                + "received 'c2'"), reuse[2]);
        String[] head = run("transfer", "--reuse", "c1,output");
        assertEquals("2", head[0]);
        assertTrue(head[2].contains("cannot include the output layer"), head[2]);
        String[] steps = run("transfer", "--steps", "-1");
        assertEquals("2", steps[0]);
        assertTrue(steps[2].contains("--steps expects a positive integer; received -1"), steps[2]);
    }
}
