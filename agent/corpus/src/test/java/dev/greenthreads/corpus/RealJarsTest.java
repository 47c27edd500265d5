package dev.greenthreads.corpus;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Real jars from Maven Central, each rewritten by the offline instrumenter with every one of
 * its packages included (every method suspendable), then every class of the original and of
 * the output loaded and linked with verification on (see {@link LinkCheck}).
 *
 * <p>What it asserts, for every jar: the instrumenter exits 0; each class has the same outcome
 * from the output as from the original (it links in both, or fails in both with the same
 * error, typically a missing optional dependency), so a {@code VerifyError} or other
 * {@code LinkageError} that the original does not have fails the test, and so does a class
 * that links from the original but not from the output; and in a multi-release jar, a class
 * the JVM loads from a versioned entry is rewritten whenever its base entry was.
 *
 * <p>The corpus is laid out by this module's pom (maven-dependency-plugin) in
 * {@code target/corpus/LIBRARY/}: the jars at the top of a library's folder are checked, each
 * with the library's other jars, its {@code deps/} and the runtime jar as its class path.
 * The instrumenter runs one jar at a time, ahead of the linking (in this JVM) of the jars it is
 * done with, so each jar's instrument time is its own.
 */
class RealJarsTest {

    private static final Path AGENT_JAR = requiredFile("greenthreads.agent.jar");
    private static final Path RUNTIME_JAR = requiredFile("greenthreads.runtime.jar");
    private static final Path CORPUS = requiredFile("corpus.dir");
    private static final Path REPORT = Path.of(System.getProperty("report.dir", "target/corpus-report"));

    /** One jar of the corpus and what became of it. */
    private record Result(String library, Path jar, int classes, OfflineInstrumenter.Run run,
                          int linkedBefore, int linkedAfter, int versioned, List<String> differences,
                          List<String> versionedLeftAsTheyWere) {
    }

    private record Job(String library, Path jar, List<Path> classPath, Map<String, LinkCheck.JarClass> classes,
                       Future<OfflineInstrumenter.Run> run, Path out) {
    }

    @Test
    void everyClassLinksFromTheRewrittenJarExactlyAsFromTheOriginal() throws Exception {
        assertTrue(LinkCheck.verifierIsOn(), "this JVM runs without bytecode verification, so the corpus proves nothing");
        ExecutorService instrumenter = Executors.newSingleThreadExecutor();
        List<Job> jobs = new ArrayList<>();
        try {
            for (Path library : sorted(CORPUS, Files::isDirectory)) {
                List<Path> jars = sorted(library, RealJarsTest::isJar);
                List<Path> deps = Files.isDirectory(library.resolve("deps")) ? sorted(library.resolve("deps"), RealJarsTest::isJar) : List.of();
                for (Path jar : jars) {
                    List<Path> classPath = new ArrayList<>(jars);
                    classPath.remove(jar);
                    classPath.addAll(deps);
                    classPath.add(RUNTIME_JAR);
                    Map<String, LinkCheck.JarClass> classes = LinkCheck.classesOf(jar);
                    String name = library.getFileName().toString();
                    Path out = REPORT.resolve("rewritten").resolve(name).resolve(jar.getFileName());
                    Path log = REPORT.resolve("logs").resolve(jar.getFileName() + ".log");
                    String include = OfflineInstrumenter.includeEverything(classes.keySet());
                    jobs.add(new Job(name, jar, classPath, classes,
                            instrumenter.submit(() -> OfflineInstrumenter.instrument(AGENT_JAR, classPath, jar, out, include, log)), out));
                }
            }
            System.out.printf("corpus: %d jars on %s (%s); each: instrument with every package included, then load and link every class%n",
                    jobs.size(), System.getProperty("java.vm.name"), Runtime.version());
            List<Result> results = new ArrayList<>();
            for (Job job : jobs) {
                results.add(check(job));
            }
            report(results);
        } finally {
            instrumenter.shutdownNow();
        }
    }

    private static Result check(Job job) throws Exception {
        Map<String, LinkCheck.Outcome> before = LinkCheck.link(job.jar(), job.classPath(), job.classes().keySet());
        OfflineInstrumenter.Run run = job.run().get();
        Map<String, LinkCheck.Outcome> after = Map.of();
        List<String> differences = new ArrayList<>();
        List<String> versionedLeft = new ArrayList<>();
        int versioned = 0;
        if (run.exitCode() != 0 || !Files.isRegularFile(job.out())) {
            differences.add("the instrumenter exited " + run.exitCode() + " (log " + run.log() + "):\n" + run.lastLines(5));
        } else {
            Map<String, LinkCheck.JarClass> output = LinkCheck.classesOf(job.out());
            after = LinkCheck.link(job.out(), job.classPath(), output.keySet());
            differences.addAll(LinkCheck.differences(before, after));
            for (LinkCheck.JarClass c : output.values()) {
                if (c.versioned()) {
                    versioned++;
                    if (c.baseRewritten() && !c.rewritten()) {
                        versionedLeft.add(c.name());
                    }
                }
            }
        }
        Result r = new Result(job.library(), job.jar(), job.classes().size(), run, count(before), count(after), versioned,
                differences, versionedLeft);
        System.out.printf("corpus: %-40s %5d classes, %5d rewritten, %4d left as they were, instrument %6.1f s = %5.2f ms/class;"
                        + " linked %d of %d before, %d after; %d differ%s%n",
                job.jar().getFileName(), r.classes(), run.rewritten(), run.leftAsTheyWere(), run.millis() / 1000.0, run.millisPerClass(),
                r.linkedBefore(), r.classes(), r.linkedAfter(), differences.size(),
                versionedLeft.isEmpty() ? "" : ", " + versionedLeft.size() + " versioned classes loaded unrewritten");
        return r;
    }

    private static void report(List<Result> results) throws IOException {
        StringBuilder table = new StringBuilder();
        table.append(String.format("%n| jar | classes | rewritten | left as they were | instrument s | ms/class | linked before | linked after | differ | versioned unrewritten |%n"));
        table.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        List<String> failures = new ArrayList<>();
        long classes = 0, millis = 0;
        for (Result r : results) {
            OfflineInstrumenter.Run run = r.run();
            table.append(String.format("| %s | %d | %d | %d | %.1f | %.2f | %d | %d | %d | %d |%n", r.jar().getFileName(), r.classes(),
                    run.rewritten(), run.leftAsTheyWere(), run.millis() / 1000.0, run.millisPerClass(), r.linkedBefore(),
                    r.linkedAfter(), r.differences().size(), r.versionedLeftAsTheyWere().size()));
            classes += r.classes();
            millis += run.millis();
            for (String d : r.differences()) {
                failures.add(r.jar().getFileName() + ": " + d);
            }
            for (String c : r.versionedLeftAsTheyWere()) {
                failures.add(r.jar().getFileName() + ": " + c + ": the JVM loads its versioned entry, which was not rewritten, though the base entry was");
            }
        }
        table.append(String.format("| all %d jars | %d | | | %.1f | %.2f | | | %d | |%n", results.size(), classes, millis / 1000.0,
                classes > 0 ? (double) millis / classes : Double.NaN, failures.size()));
        table.append("\ninstrument s: wall time of the instrumenter's JVM, its start included, one jar at a time;"
                + " ms/class: that over the classes read. linked: classes that load and link, from the original jar and from"
                + " the output. differ: classes whose outcome differs. versioned unrewritten: classes the JVM loads from a"
                + " META-INF/versions entry left unrewritten though their base entry was rewritten.\n");
        System.out.println(table);
        Files.createDirectories(REPORT);
        Files.writeString(REPORT.resolve("corpus-" + Runtime.version().feature() + ".md"),
                "Corpus on " + System.getProperty("java.vm.name") + " " + Runtime.version() + "\n" + table
                        + (failures.isEmpty() ? "" : "\n" + String.join("\n", failures) + "\n"));
        if (!failures.isEmpty()) {
            int shown = Math.min(failures.size(), 200);
            fail(failures.size() + " classes of real jars behave differently once rewritten (instrumenter logs and outputs in "
                    + REPORT + "):\n" + String.join("\n", failures.subList(0, shown))
                    + (shown < failures.size() ? "\n... and " + (failures.size() - shown) + " more" : ""));
        }
    }

    private static int count(Map<String, LinkCheck.Outcome> outcomes) {
        return (int) outcomes.values().stream().filter(LinkCheck.Outcome::linked).count();
    }

    private static boolean isJar(Path p) {
        return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar");
    }

    private static List<Path> sorted(Path dir, java.util.function.Predicate<Path> filter) {
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(filter).filter(p -> !p.getFileName().toString().equals("deps")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path requiredFile(String property) {
        String value = System.getProperty(property);
        if (value == null || !Files.exists(Path.of(value))) {
            throw new IllegalStateException("system property " + property + " = " + value + " names no file; run this test through"
                    + " Maven, which builds the agent and runtime jars first: mvn -B -ntp -pl agent/corpus -am verify");
        }
        return Path.of(value);
    }
}
