package dev.greenthreads.corpus;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The agent jar's offline instrumenter run as a user runs it: a separate JVM, the JDK running
 * this test, {@code java -jar greenthreads-agent.jar instrument --classpath CP IN OUT OPTIONS}.
 */
final class OfflineInstrumenter {

    /** Its closing line, the one place its counts are printed. */
    private static final Pattern SUMMARY = Pattern.compile(
            "(\\d+) classes read, (\\d+) rewritten \\((\\d+) methods\\), (\\d+) left as they were");
    private static final long TIMEOUT_MINUTES = 10;

    private OfflineInstrumenter() {
    }

    /**
     * One run. {@code classes}, {@code rewritten}, {@code methods} and {@code leftAsTheyWere}
     * are the instrumenter's own counts (-1 when it printed none); {@code millis} is wall time
     * including the JVM's start; {@code log} holds everything it printed.
     */
    record Run(int exitCode, int classes, int rewritten, int methods, int leftAsTheyWere, long millis, Path log) {
        double millisPerClass() {
            return classes > 0 ? (double) millis / classes : Double.NaN;
        }

        String lastLines(int n) throws IOException {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        }
    }

    static Run instrument(Path agentJar, List<Path> classPath, Path in, Path out, String options, Path log)
            throws IOException, InterruptedException {
        Files.createDirectories(out.getParent());
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(out);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", agentJar.toString(), "instrument",
                "--classpath", classPath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
                in.toString(), out.toString(), options));
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            Files.writeString(log, "\n(killed after " + TIMEOUT_MINUTES + " minutes)\n", StandardOpenOption.APPEND);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        int exit = process.exitValue();
        Matcher m = SUMMARY.matcher(Files.readString(log));
        int[] counts = {-1, -1, -1, -1};
        while (m.find()) {
            for (int i = 0; i < 4; i++) {
                counts[i] = Integer.parseInt(m.group(i + 1));
            }
        }
        return new Run(exit, counts[0], counts[1], counts[2], counts[3], millis, log);
    }

    /**
     * {@code include=} options naming every class of the jar: for each package, its shortest
     * prefix that names no JDK package, with {@code .**} ({@code com.google.**}, not
     * {@code com.**}, which the agent refuses because it covers {@code com.sun}), and each class
     * of the unnamed package by name. Every method of the jar is then suspendable, the case that
     * rewrites the most. The JDK is the packages of the boot layer, as the agent sees it.
     */
    static String includeEverything(Collection<String> classNames) {
        Set<String> jdk = new HashSet<>();
        for (Module m : ModuleLayer.boot().modules()) {
            jdk.addAll(m.getPackages());
        }
        TreeSet<String> patterns = new TreeSet<>();
        for (String name : classNames) {
            int last = name.lastIndexOf('.');
            if (last < 0) {
                patterns.add(name);
                continue;
            }
            String pkg = name.substring(0, last);
            for (int dot = pkg.indexOf('.'); ; dot = pkg.indexOf('.', dot + 1)) {
                String prefix = dot < 0 ? pkg : pkg.substring(0, dot);
                if (jdk.stream().noneMatch(p -> p.equals(prefix) || p.startsWith(prefix + "."))) {
                    patterns.add(prefix + ".**");
                    break;
                }
                if (dot < 0) {
                    break;
                }
            }
        }
        return patterns.stream().map(p -> "include=" + p).collect(Collectors.joining(","));
    }
}
