package dev.greenthreads.samples.echo;

import dev.greenthreads.samples.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code echo-bench}'s virtual rows on a JDK without virtual threads: the same bench, run with
 * {@code --child} by the newest JDK 21+ under {@code /usr/lib/jvm} (or {@code --java21}), its
 * output passed through and its rows read back from its CSV.
 */
final class ChildJvm {

    private ChildJvm() {
    }

    /** The virtual rows, numbered from {@code step} of {@code totalSteps}; a skipped row saying why if none could run. */
    static List<BenchRow> virtualRows(BenchOptions options, int step, int totalSteps, String reason, PrintStream out)
            throws IOException, InterruptedException {
        List<Integer> counts = options.countsFor(EchoMode.VIRTUAL);
        String java = options.java21() != null ? options.java21() : newestJava21();
        if (java == null) {
            String why = reason + ", and no JDK 21+ was found under /usr/lib/jvm (give one with --java21 PATH)";
            out.printf("[virtual] skipped: %s%n", why);
            return List.of(BenchRow.skipped("virtual", why));
        }
        out.printf("[virtual] %s: running the virtual rows in a child JVM, %s%n", reason, java);
        Path dir = Files.createTempDirectory("echo-bench-virtual");
        List<String> command = new ArrayList<>();
        command.add(java);
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("-javaagent:")) {
                command.add(argument);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "echo-bench",
                "--child", "--no-chart", "--modes", "virtual",
                "--connections", counts.stream().map(String::valueOf).collect(Collectors.joining(",")),
                "--warmup", options.warmup().toMillis() + "ms", "--measure", options.measure().toMillis() + "ms",
                "--size", Integer.toString(options.size()), "--workers", Integer.toString(options.workers()),
                "--client-threads", Integer.toString(options.clientThreads()), "--out", dir.toString(),
                "--first-step", Integer.toString(step), "--total-steps", Integer.toString(totalSteps)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                out.println(line);
            }
        }
        int exit = child.waitFor();
        Path csv = dir.resolve("echo-bench.csv");
        List<BenchRow> rows = new ArrayList<>();
        if (Files.exists(csv)) {
            for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
                if (!line.equals(BenchRow.CSV_HEADER) && !line.isBlank()) {
                    rows.add(BenchRow.parse(line));
                }
            }
            Files.delete(csv);
        }
        Files.deleteIfExists(dir);
        if (rows.isEmpty()) {
            String why = "the child JVM (" + java + ") exited with code " + exit + " and no rows";
            out.printf("[virtual] skipped: %s%n", why);
            return List.of(BenchRow.skipped("virtual", why));
        }
        return rows;
    }

    /** The java of the newest JDK 21+ under /usr/lib/jvm, by its {@code release} file; null if none. */
    static String newestJava21() {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return null;
        }
        Pattern version = Pattern.compile("^JAVA_VERSION=\"(\\d+)");
        Map<Integer, Path> found = new LinkedHashMap<>();
        try (Stream<Path> homes = Files.list(jvms)) {
            for (Path home : homes.sorted().collect(Collectors.toList())) {
                Path release = home.resolve("release");
                Path java = home.resolve("bin/java");
                if (!Files.isReadable(release) || !Files.isExecutable(java)) {
                    continue;
                }
                for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
                    Matcher m = version.matcher(line);
                    if (m.find() && Integer.parseInt(m.group(1)) >= 21) {
                        found.putIfAbsent(Integer.parseInt(m.group(1)), java);
                    }
                }
            }
        } catch (IOException e) {
            return null;
        }
        return found.entrySet().stream().max(Map.Entry.comparingByKey())
                .map(e -> e.getValue().toString()).orElse(null);
    }
}
