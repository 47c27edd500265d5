package dev.greenthreads.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The {@code dump} and {@code top} commands' arguments and errors; what they print from a JVM
 * with schedulers is the runtime's {@code CommandLineTest}, against a child JVM.
 */
class RemoteSchedulersTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String firstErrorLine() {
        return err.toString(StandardCharsets.UTF_8).lines().findFirst().orElse("");
    }

    @Test
    void dumpWithoutAPidSaysSoAndShowsTheUsage() {
        assertEquals(2, run("dump"));
        assertEquals("greenthreads dump: no PID given; give the PID of a running JVM (jps lists them)", firstErrorLine());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("java -jar greenthreads-agent.jar top PID"));
    }

    @Test
    void aPidThatIsNotANumberIsRefused() {
        assertEquals(2, run("top", "java"));
        assertTrue(firstErrorLine().startsWith("greenthreads top: 'java' is not a process id"), firstErrorLine());
    }

    @Test
    void flagsOfTheOtherCommandAreRefused() {
        assertEquals(2, run("dump", "1", "--iterations", "3"));
        assertTrue(firstErrorLine().startsWith("greenthreads dump: unknown flag '--iterations'"), firstErrorLine());
        assertEquals(2, run("top", "1", "--iterations", "0"));
        assertTrue(firstErrorLine().contains("--iterations must be a positive number, not '0'"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aProcessThatIsNoJvmIsReportedWithWhatToCheck() {
        assertEquals(1, run("dump", String.valueOf(Integer.MAX_VALUE)));
        assertTrue(firstErrorLine().startsWith("greenthreads dump: cannot attach to JVM " + Integer.MAX_VALUE + ": "), firstErrorLine());
        assertTrue(firstErrorLine().contains("jps lists them"), firstErrorLine());
    }

    @Test
    void theUsageNamesEveryCommand() {
        assertEquals(2, run("dumb"));
        assertTrue(firstErrorLine().contains("the commands are instrument, dump and top"), firstErrorLine());
    }
}
