package dev.greenthreads.samples.echo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where {@code echo-bench} runs a server and its load, so that a multi-threaded server does not
 * compete with the load generator for the same cores. Each server runs in a JVM of its own (a
 * one-worker {@link PreforkEchoServer}; prefork itself with one worker per server core), and on
 * a machine with more than one CPU the server JVM gets the first half of this process's CPUs
 * and the load generator, which stays in this JVM, the rest ({@code taskset}). A JVM confined
 * to k CPUs sizes itself by k, so every design gets the same cores: green carriers,
 * virtual-thread parallelism, Netty event loops, and prefork workers (set to k here).
 *
 * @param serverCpus  the server JVMs' CPUs in {@code taskset -c} syntax; null when not pinned
 * @param clientCpus  this JVM's CPUs once pinned; null when not pinned
 * @param serverCores CPUs a server may use
 * @param totalCpus   this process's CPUs before it was pinned
 * @param summary     one line for the report: how it is placed, or why it is not pinned
 */
record Placement(String serverCpus, String clientCpus, int serverCores, int totalCpus, String summary) {

    /**
     * Pins this JVM (every thread of it, and the threads it starts later) to the second half of
     * its CPUs and returns the placement; when {@code pin} is false, there is one CPU, or
     * {@code taskset} fails, nothing is pinned and {@link #summary} says why.
     */
    static Placement decide(boolean pin) {
        List<Integer> cpus = allowedCpus();
        if (!pin) {
            return unpinned(cpus.size(), "--no-pin");
        }
        if (cpus.size() < 2) {
            return unpinned(cpus.size(), "one CPU");
        }
        List<Integer> server = cpus.subList(0, cpus.size() / 2);
        List<Integer> client = cpus.subList(cpus.size() / 2, cpus.size());
        String serverList = list(server);
        String clientList = list(client);
        String failure = run("taskset", "-a", "-p", "-c", clientList, Long.toString(ProcessHandle.current().pid()));
        if (failure != null) {
            return unpinned(cpus.size(), failure);
        }
        return new Placement(serverList, clientList, server.size(), cpus.size(), String.format(
                "pinned with taskset: each server in its own JVM on CPU %s (%d core%s for every design),"
                        + " the load generator in this JVM on CPU %s",
                serverList, server.size(), server.size() == 1 ? "" : "s", clientList));
    }

    private static Placement unpinned(int cpus, String why) {
        return new Placement(null, null, cpus, cpus, String.format(
                "not pinned (%s): each server in its own JVM, sharing all %d CPU%s with the load generator",
                why, cpus, cpus == 1 ? "" : "s"));
    }

    /** How a server JVM starts: {@code java} on the server CPUs. */
    PreforkWorker.Launch launch(String java) {
        PreforkWorker.Launch here = PreforkWorker.Launch.here();
        return new PreforkWorker.Launch(java != null ? java : here.java(), serverCpus);
    }

    /** A JDK found on this machine: its {@code bin/java} and feature version. */
    record Jdk(String java, int feature) {}

    /** The newest JDK 21+ under /usr/lib/jvm, by its {@code release} file; null if none. */
    static Jdk newestJdk21() {
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
                .map(e -> new Jdk(e.getValue().toString(), e.getKey())).orElse(null);
    }

    /** This process's CPUs ({@code Cpus_allowed_list} of /proc/self/status), or 0..n-1 where it cannot tell. */
    static List<Integer> allowedCpus() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return parseList(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: fall through
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            all.add(i);
        }
        return all;
    }

    /** "0-2,5" as [0, 1, 2, 5]. */
    static List<Integer> parseList(String list) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : list.split(",")) {
            String[] range = part.trim().split("-");
            int from = Integer.parseInt(range[0]);
            int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
            for (int cpu = from; cpu <= to; cpu++) {
                cpus.add(cpu);
            }
        }
        return cpus;
    }

    /** [0, 1, 2, 5] as "0,1,2,5", which taskset takes. */
    static String list(List<Integer> cpus) {
        return cpus.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /** Runs a short command; null if it succeeded, else what went wrong. */
    private static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return String.join(" ", command) + " did not finish";
            }
            return process.exitValue() == 0 ? null
                    : String.join(" ", command) + " failed: " + output.replace('\n', ' ');
        } catch (IOException e) {
            return command[0] + " could not run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
