package dev.greenthreads.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * commons-lang3's own published test suite, run by the JUnit console launcher in a separate
 * JVM twice: as published, and under {@code -javaagent} with {@code include=} of all its
 * packages, so that every method of commons-lang3 and of its tests is rewritten at load time.
 *
 * <p>Asserts that the same tests are found (a test class that fails to load or verify is
 * dropped silently by JUnit's scan, so a missing test is how a broken rewrite shows) and that
 * every test that passes as published also passes under the agent. A test that fails without
 * the agent is left out of the comparison and named in the report.
 *
 * <p>The JVM options are those of commons-lang3's own build on Java 9+ (its pom's argLine);
 * the test classes are those its build runs ({@code *Test}). By default two data-driven classes
 * are left out, {@code FastDateParserTest} and {@code FastDateParser_TimeZoneStrategyTest}:
 * about 46,000 parameterised cases of date parsing per locale and time zone that take three
 * quarters of the suite's time and exercise no code path the rest does not. With
 * {@code -Dcommons-lang3.suite=full} they run too. The two runs go side by side (two JVMs),
 * since much of the suite's time is spent waiting in concurrency tests.
 */
class CommonsLang3SuiteTest {

    private static final Path AGENT_JAR = RealJarsTest.requiredFile("greenthreads.agent.jar");
    private static final Path RUNTIME_JAR = RealJarsTest.requiredFile("greenthreads.runtime.jar");
    private static final Path SUITE = RealJarsTest.requiredFile("suite.dir");
    private static final Path REPORT = Path.of(System.getProperty("report.dir", "target/corpus-report"));
    private static final String INCLUDE = "include=org.apache.commons.lang3.**";
    private static final List<String> LANG3_JVM_OPTIONS = List.of("-Xmx512m",
            "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED", "--add-opens", "java.base/java.time=ALL-UNNAMED",
            "--add-opens", "java.base/java.time.chrono=ALL-UNNAMED");
    private static final String EXCLUDED = "^.*\\.(FastDateParserTest|FastDateParser_TimeZoneStrategyTest)$";
    private static final boolean FULL = "full".equals(System.getProperty("commons-lang3.suite"));
    private static final long TIMEOUT_MINUTES = 15;

    private record Run(String label, TestSuiteReport report, long millis) {
    }

    @Test
    void theSameTestsPassWithTheAgentAsWithout() throws Exception {
        CompletableFuture<Run> withAgent = CompletableFuture.supplyAsync(
                () -> run("with the agent", List.of("-javaagent:" + AGENT_JAR + "=" + INCLUDE)));
        Run plain = run("without the agent", List.of());
        Run agent = withAgent.join();

        Map<String, TestSuiteReport.Outcome> before = plain.report().tests(), after = agent.report().tests();
        TreeSet<String> failingAnyway = new TreeSet<>();
        before.forEach((test, outcome) -> {
            if (outcome == TestSuiteReport.Outcome.FAILED) {
                failingAnyway.add(test);
            }
        });
        List<String> problems = new ArrayList<>();
        for (String test : before.keySet()) {
            if (!after.containsKey(test)) {
                problems.add(test + ": not found with the agent");
            } else if (before.get(test) == TestSuiteReport.Outcome.PASSED && after.get(test) != TestSuiteReport.Outcome.PASSED) {
                problems.add(test + ": passes without the agent, " + after.get(test) + " with it");
            }
        }
        for (String test : after.keySet()) {
            if (!before.containsKey(test)) {
                problems.add(test + ": found only with the agent");
            }
        }

        String summary = String.format("commons-lang3 suite on %s: %s, %s%n%s%nfailing without the agent too, left out of the comparison: %s%n",
                Runtime.version(), INCLUDE, FULL ? "all *Test classes" : "all *Test classes but " + EXCLUDED, line(plain) + "\n" + line(agent), failingAnyway.isEmpty() ? "none" : failingAnyway);
        System.out.print(summary);
        Files.createDirectories(REPORT);
        Files.writeString(REPORT.resolve("commons-lang3-" + Runtime.version().feature() + ".txt"),
                summary + (problems.isEmpty() ? "" : String.join("\n", problems) + "\n"));
        if (!problems.isEmpty()) {
            fail(problems.size() + " tests of commons-lang3 behave differently under the agent:\n" + String.join("\n", problems));
        }
        assertEquals(before.size(), after.size());
    }

    private static String line(Run r) {
        TestSuiteReport t = r.report();
        return String.format("  %-18s %5d tests found, %5d passed, %3d failed, %3d skipped, %5.1f s", r.label(), t.tests().size(),
                t.count(TestSuiteReport.Outcome.PASSED), t.count(TestSuiteReport.Outcome.FAILED), t.count(TestSuiteReport.Outcome.SKIPPED),
                r.millis() / 1000.0);
    }

    private static Run run(String label, List<String> agentOption) {
        try {
            return launch(label, agentOption);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Run launch(String label, List<String> agentOption) throws IOException, InterruptedException {
        Path reports = REPORT.resolve("commons-lang3-" + (agentOption.isEmpty() ? "plain" : "agent"));
        Files.createDirectories(reports);
        try (Stream<Path> old = Files.list(reports)) {
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        Path tests = single(SUITE.resolve("tests"));
        List<Path> classPath = new ArrayList<>(List.of(tests, single(SUITE.resolve("main"))));
        classPath.addAll(jars(SUITE.resolve("deps")));
        classPath.add(RUNTIME_JAR);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(agentOption);
        command.addAll(LANG3_JVM_OPTIONS);
        command.addAll(List.of("-jar", single(SUITE.resolve("launcher")).toString(), "execute", "--disable-banner",
                "--details=summary", "--disable-ansi-colors",
                "--class-path", classPath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
                "--scan-class-path", tests.toString(), "--include-classname", "^.*Test$",
                "--reports-dir", reports.toString()));
        if (!FULL) {
            command.addAll(List.of("--exclude-classname", EXCLUDED));
        }
        Path log = reports.resolve("console.log");
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            fail("commons-lang3's suite " + label + " did not finish in " + TIMEOUT_MINUTES + " minutes; see " + log);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (!Files.isRegularFile(reports.resolve("TEST-junit-jupiter.xml"))) {
            fail("commons-lang3's suite " + label + " wrote no report (exit " + process.exitValue() + "); see " + log);
        }
        Run r = new Run(label, TestSuiteReport.read(reports), millis);
        System.out.println("commons-lang3 suite " + line(r).trim());
        return r;
    }

    private static Path single(Path dir) throws IOException {
        List<Path> jars = jars(dir);
        if (jars.size() != 1) {
            throw new IllegalStateException("expected one jar in " + dir + ", found " + jars);
        }
        return jars.get(0);
    }

    private static List<Path> jars(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
    }
}
