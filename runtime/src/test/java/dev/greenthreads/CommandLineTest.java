package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code java -jar greenthreads-agent.jar dump PID} and {@code top PID} against a child JVM
 * ({@link DumpTarget}) started with the agent; every process is bounded by a timeout.
 */
@Timeout(180)
class CommandLineTest {

    private static final long PROCESS_TIMEOUT_SECONDS = 60;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopChildren() {
        for (Process p : started) {
            p.destroyForcibly();
        }
    }

    @Test
    void dumpPrintsTheParkedThreadsOfTheTargetsSchedulers() throws Exception {
        Process target = target("green");
        Result dump = cli("dump", String.valueOf(target.pid()));
        assertEquals(0, dump.status, dump::toString);
        assertTrue(dump.out.contains("Scheduler \"target\": 2 carriers"), dump::toString);
        assertTrue(dump.out.contains("3 green threads BLOCKED with this stack"), dump::toString);
        assertTrue(dump.out.contains("  \"worker-0\" #"), dump::toString);
        assertTrue(dump.out.contains("    at dev.greenthreads.sync.Cond.await(Cond.java:"), dump::toString);
        assertTrue(dump.out.contains("    at dev.greenthreads.DumpTarget.waitForWork(DumpTarget.java:"), dump::toString);
        assertTrue(dump.out.contains("\"sleeper\" #"), dump::toString);

        Result json = cli("dump", String.valueOf(target.pid()), "--json");
        assertEquals(0, json.status, json::toString);
        assertTrue(json.out.startsWith("[{\"scheduler\":\"target\""), json::toString);
    }

    @Test
    void topPrintsTheScoreboardAsManyTimesAsAskedOrUntilTheTargetExits() throws Exception {
        Process target = target("green");
        Result top = cli("top", String.valueOf(target.pid()), "--iterations", "2", "--interval", "100");
        assertEquals(0, top.status, top::toString);
        assertEquals(2, top.out.lines().filter(l -> l.startsWith("greenthreads top: JVM " + target.pid())).count(), top::toString);
        // Two carrier threads, or more if a carrier stalled long enough under load for a spare to start.
        assertTrue(Pattern.compile("scheduler \"target\": 2 carriers, [2-9]\\d* carrier threads").matcher(top.out).find(),
                top::toString);
        assertTrue(top.out.contains("green threads: 4 live, 0 ready, 0 running, 4 blocked"), top::toString);
        assertTrue(top.out.contains("DISPATCHES"), top::toString);

        Process endless = cliProcess("top", String.valueOf(target.pid()), "--interval", "100");
        try (BufferedReader screens = new BufferedReader(new InputStreamReader(endless.getInputStream(), StandardCharsets.UTF_8))) {
            String first = screens.readLine();
            assertTrue(first != null && first.startsWith("greenthreads top: JVM"), first);
            target.getOutputStream().close(); // the target exits
            assertTrue(target.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS));
            while (screens.readLine() != null) {
                // the screens until it noticed
            }
        }
        assertTrue(endless.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS), "top did not stop when its target exited");
        assertEquals(0, endless.exitValue());
    }

    @Test
    void aJvmWithoutASchedulerIsToldApartWithWhatToDo() throws Exception {
        Process target = target("plain");
        Result dump = cli("dump", String.valueOf(target.pid()));
        assertEquals(1, dump.status, dump::toString);
        assertTrue(dump.err.startsWith("greenthreads dump: JVM " + target.pid() + " has no greenthreads scheduler"), dump::toString);
        assertTrue(dump.err.contains("-javaagent:greenthreads-agent.jar"), dump::toString);
    }

    // ------------------------------------------------------------------------------------

    private static final class Result {
        final int status;
        final String out;
        final String err;

        Result(int status, String out, String err) {
            this.status = status;
            this.out = out;
            this.err = err;
        }

        @Override
        public String toString() {
            return "exit " + status + "\n--- out:\n" + out + "\n--- err:\n" + err;
        }
    }

    private Process target(String mode) throws IOException {
        ProcessBuilder b = new ProcessBuilder(java(), "-javaagent:" + agentJar(), "-cp", System.getProperty("java.class.path"),
                DumpTarget.class.getName(), mode);
        b.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = b.start();
        started.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertEquals("ready", line, "the target's first line");
        return p;
    }

    private Process cliProcess(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-jar", agentJar()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        started.add(p);
        return p;
    }

    private Result cli(String... args) throws Exception {
        Process p = cliProcess(args);
        p.getOutputStream().close();
        // Small outputs: read after the exit would risk nothing, but read concurrently all the same.
        StringBuilder out = new StringBuilder(), err = new StringBuilder();
        Thread o = drain(p.getInputStream(), out), e = drain(p.getErrorStream(), err);
        assertTrue(p.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS), "the command did not end: " + List.of(args));
        o.join();
        e.join();
        return new Result(p.exitValue(), out.toString(), err.toString());
    }

    private static Thread drain(java.io.InputStream in, StringBuilder into) {
        Thread t = new Thread(() -> {
            try {
                into.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process died
            }
        });
        t.start();
        return t;
    }

    private static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The agent jar this test JVM runs with. */
    private static String agentJar() {
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-javaagent:")) {
                String jar = a.substring("-javaagent:".length()).split("=", 2)[0];
                assertTrue(Files.exists(Path.of(jar)), jar);
                return jar;
            }
        }
        throw new AssertionError("this test runs under the agent (-javaagent:greenthreads-agent.jar)");
    }
}
