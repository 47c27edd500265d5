package dev.greenthreads.samples.echo;

import dev.greenthreads.samples.CommandLine;
import dev.greenthreads.samples.Main;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code echo-bench}: every echo server mode in turn, on loopback, against the
 * {@link LoadGenerator} at increasing connection counts; one table, {@code echo-bench.csv} and
 * {@code echo-bench.png}.
 *
 * <p>How one point is measured. The server starts in this JVM (prefork's workers in their own
 * JVMs); the load generator opens every connection, runs a closed loop (each connection sends a
 * message when its last one is echoed) through a warm-up and then the measurement window, and
 * verifies every echoed byte. While the connections are still open after the window, the Java
 * heap is weighed after a GC and the peak number of live threads is read. Server threads are
 * that peak minus the threads alive before the server started minus the load generator's own;
 * heap is the growth over the heap before the server started (the client's share, about 200 B
 * per connection, included). Prefork adds what its workers report of the same two figures.
 * {@code iterative} runs with one client and then with {@code --iterative-clients}, to show
 * that while it serves one connection the others get nothing; its table row says how many
 * clients were served within the window.
 *
 * <p>On a JDK without virtual threads the {@code virtual} rows run in a child JVM of the newest
 * JDK 21+ under {@code /usr/lib/jvm} (or {@code --java21}), and say so.
 */
public final class EchoBench {

    static final List<Integer> DEFAULT_CONNECTIONS = List.of(1, 100, 1_000, 5_000);

    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: echo-bench [--modes LIST] [--connections LIST] [--warmup T] [--measure T] [OPTIONS]",
            "  --modes LIST           which modes, in order (default "
                    + Arrays.stream(EchoMode.values()).map(EchoMode::label).collect(Collectors.joining(",")) + ")",
            "  --connections LIST     connection counts (default 1,100,1000,5000)",
            "  --warmup T             per point, not measured (default 1s)",
            "  --measure T            per point, measured (default 2s)",
            "  --size BYTES           message size (default 64)",
            "  --iterative-clients N  iterative runs with 1 client, then N (default 4), to show the stall",
            "  --workers N            prefork worker processes (default: processors, at least 2)",
            "  --client-threads N     load generator threads (default " + EchoClientCommand.DEFAULT_CLIENT_THREADS + ")",
            "  --out DIR              where echo-bench.csv and echo-bench.png go (default target/echo-bench)",
            "  --java21 PATH          a java of JDK 21+ for the virtual rows when this JDK has no virtual",
            "                         threads (default: the newest under /usr/lib/jvm)",
            "  --no-chart             write no PNG");

    private record Options(List<EchoMode> modes, List<Integer> connections, Duration warmup, Duration measure,
                           int size, int iterativeClients, int workers, int clientThreads, Path out, String java21,
                           boolean chart, boolean child, int firstStep, int totalSteps) {}

    /**
     * One line of the table. A mode that did not run has a row with {@code connections} 0,
     * NaN figures and the reason in {@code note}.
     */
    record Row(String mode, int connections, int jdk, double messagesPerSecond, double p50, double p99,
               double p999, long serverThreads, double heapMiB, int served, long errors, String note) {

        static Row skipped(String mode, String reason) {
            return new Row(mode, 0, Runtime.version().feature(), Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    -1, Double.NaN, 0, 0, reason);
        }

        boolean measured() {
            return !Double.isNaN(messagesPerSecond);
        }

        static final String CSV_HEADER = "mode,connections,jdk,messages_per_second,p50_ms,p99_ms,p999_ms,"
                + "server_threads,heap_mib,clients_served,errors,note";

        String csv() {
            return String.join(",", mode, Integer.toString(connections), Integer.toString(jdk), number(messagesPerSecond),
                    number(p50), number(p99), number(p999), Long.toString(serverThreads), number(heapMiB),
                    Integer.toString(served), Long.toString(errors), quote(note));
        }

        static Row parse(String line) {
            List<String> f = splitCsv(line);
            return new Row(f.get(0), Integer.parseInt(f.get(1)), Integer.parseInt(f.get(2)), parseNumber(f.get(3)),
                    parseNumber(f.get(4)), parseNumber(f.get(5)), parseNumber(f.get(6)), Long.parseLong(f.get(7)),
                    parseNumber(f.get(8)), Integer.parseInt(f.get(9)), Long.parseLong(f.get(10)), f.get(11));
        }

        private static String number(double value) {
            return Double.isNaN(value) ? "" : String.format(java.util.Locale.ROOT, "%.4f", value);
        }

        private static double parseNumber(String text) {
            return text.isEmpty() ? Double.NaN : Double.parseDouble(text);
        }

        private static String quote(String text) {
            return "\"" + text.replace("\"", "\"\"") + "\"";
        }

        private static List<String> splitCsv(String line) {
            List<String> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quoted) {
                    if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else if (c == '"') {
                        quoted = false;
                    } else {
                        field.append(c);
                    }
                } else if (c == '"') {
                    quoted = true;
                } else if (c == ',') {
                    fields.add(field.toString());
                    field.setLength(0);
                } else {
                    field.append(c);
                }
            }
            fields.add(field.toString());
            return fields;
        }
    }

    private final Options options;
    private final PrintStream out = System.out;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final double loadAtStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    private int step;

    private EchoBench(Options options) {
        this.options = options;
        this.step = options.firstStep();
    }

    public static int run(String[] args) throws Exception {
        return CommandLine.run("echo-bench", USAGE, args, EchoBench::parse, options -> {
            System.setProperty("java.awt.headless", "true");
            return new EchoBench(options).run();
        });
    }

    private static Options parse(String[] args) throws CommandLine.UsageException {
        CommandLine cl = CommandLine.parse(args, Set.of("--modes", "--connections", "--warmup", "--measure", "--size",
                        "--iterative-clients", "--workers", "--client-threads", "--out", "--java21", "--first-step",
                        "--total-steps"),
                Set.of("--no-chart", "--child"));
        List<EchoMode> modes = new ArrayList<>();
        for (String name : cl.words("--modes", Arrays.stream(EchoMode.values()).map(EchoMode::label)
                .collect(Collectors.toList()))) {
            EchoMode mode = EchoMode.byLabel(name);
            if (mode == null) {
                throw new CommandLine.UsageException("--modes: no mode " + name + "; the modes are " + EchoMode.labels());
            }
            if (!modes.contains(mode)) {
                modes.add(mode);
            }
        }
        List<Integer> connections = cl.integers("--connections", DEFAULT_CONNECTIONS, 1).stream()
                .distinct().sorted().collect(Collectors.toList());
        return new Options(modes, connections,
                cl.duration("--warmup", Duration.ofSeconds(1)),
                cl.duration("--measure", Duration.ofSeconds(2)),
                cl.integer("--size", 64, 1),
                cl.integer("--iterative-clients", 4, 2),
                cl.integer("--workers", ServerConfig.defaults().workers(), 1),
                cl.integer("--client-threads", EchoClientCommand.DEFAULT_CLIENT_THREADS, 1),
                Path.of(cl.string("--out", "target/echo-bench")),
                cl.string("--java21", null),
                !cl.has("--no-chart"),
                cl.has("--child"),
                cl.integer("--first-step", 1, 1),
                cl.integer("--total-steps", 0, 0));
    }

    private List<Integer> countsFor(EchoMode mode) {
        if (mode != EchoMode.ITERATIVE) {
            return options.connections();
        }
        List<Integer> counts = new ArrayList<>();
        if (options.connections().contains(1)) {
            counts.add(1);
        }
        counts.add(options.iterativeClients());
        return counts;
    }

    private int run() throws Exception {
        int totalSteps = options.totalSteps() > 0 ? options.totalSteps()
                : options.modes().stream().mapToInt(m -> countsFor(m).size()).sum();
        if (!options.child()) {
            printHeader(totalSteps);
        }
        List<Row> rows = new ArrayList<>();
        boolean failed = false;
        for (EchoMode mode : options.modes()) {
            String reason = mode.unavailableReason();
            if (mode == EchoMode.VIRTUAL && reason != null) {
                rows.addAll(virtualInChildJvm(reason, totalSteps));
                continue;
            }
            if (reason != null) {
                out.printf("[%s] skipped: %s%n", mode.label(), reason);
                rows.add(Row.skipped(mode.label(), reason));
                step += countsFor(mode).size();
                continue;
            }
            for (int count : countsFor(mode)) {
                try {
                    rows.add(point(mode, count, totalSteps));
                } catch (IOException | RuntimeException e) {
                    failed = true;
                    out.printf("      failed: %s%n", e);
                    rows.add(new Row(mode.label(), count, Runtime.version().feature(), Double.NaN, Double.NaN,
                            Double.NaN, Double.NaN, -1, Double.NaN, 0, 0, "failed: " + e.getMessage()));
                }
            }
        }

        Files.createDirectories(options.out());
        Path csv = options.out().resolve("echo-bench.csv");
        Files.write(csv, Stream.concat(Stream.of(Row.CSV_HEADER), rows.stream().map(Row::csv))
                .collect(Collectors.toList()), StandardCharsets.UTF_8);
        if (options.child()) {
            return failed ? 1 : 0;
        }
        String chartNote;
        if (options.chart()) {
            Path png = options.out().resolve("echo-bench.png");
            try {
                BenchChart.write(rows, png, title());
                chartNote = png.toString();
            } catch (IOException | RuntimeException | LinkageError e) {
                chartNote = "no chart (" + e + ")";
            }
        } else {
            chartNote = "no chart (--no-chart)";
        }
        printTable(rows);
        printGlance(rows);
        out.printf("%nwritten: %s, %s%n", csv, chartNote);
        return failed ? 1 : 0;
    }

    // ---------------------------------------------------------------- one point

    private Row point(EchoMode mode, int connections, int totalSteps) throws IOException, InterruptedException {
        out.printf("[%d/%d] %s, %,d connection%s%n", step++, totalSteps, mode.label(), connections,
                connections == 1 ? "" : "s");
        long heapBefore = heapAfterGc();
        int threadsBefore = threads.getThreadCount();
        ServerConfig config = ServerConfig.defaults()
                .withMaxConnections(Math.max(ServerConfig.DEFAULT_MAX_CONNECTIONS, connections + 100))
                .withWorkers(options.workers(), EchoMode.THREADS)
                .withLog(line -> out.println("      server: " + line));
        EchoServer server = mode.create(config);
        try {
            server.start(0);
            threads.resetPeakThreadCount();
            PreforkEchoServer prefork = server instanceof PreforkEchoServer ? (PreforkEchoServer) server : null;
            if (prefork != null) {
                prefork.resetWorkerPeaks();
            }
            LoadGenerator.Config load = LoadGenerator.Config.closedLoop(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), connections, options.size(),
                    options.warmup(), options.measure(), options.clientThreads());
            if (mode == EchoMode.ITERATIVE) {
                load = load.withoutPriming(); // it would never echo to a second client while the first stays
            }
            long[] heapOpen = new long[1];
            int[] peakThreads = new int[1];
            PreforkEchoServer.WorkerUse[] workers = new PreforkEchoServer.WorkerUse[1];
            LoadGenerator.Result result = LoadGenerator.run(load, line -> out.println("      " + line), () -> {
                peakThreads[0] = threads.getPeakThreadCount();
                heapOpen[0] = heapAfterGc();
                if (prefork != null) {
                    workers[0] = prefork.measureWorkers(5000);
                }
            });
            int clientThreads = Math.min(load.threads(), connections);
            long serverThreads = Math.max(0, peakThreads[0] - threadsBefore - clientThreads);
            double heapMiB = Math.max(0, heapOpen[0] - heapBefore) / (1024.0 * 1024.0);

            List<String> notes = new ArrayList<>();
            if (mode == EchoMode.ITERATIVE && connections > 1) {
                notes.add(String.format("%s: %d of %d clients served within %s",
                        result.served() < connections ? "stalled" : "not stalled", result.served(), connections,
                        EchoServerCommand.seconds(options.warmup().plus(options.measure()))));
            }
            if (prefork != null) {
                serverThreads += workers[0].threads();
                heapMiB += workers[0].heapBytes() / (1024.0 * 1024.0);
                notes.add(String.format("%d worker JVMs%s", workers[0].workers(),
                        workers[0].answered() < workers[0].workers()
                                ? String.format(" (%d answered)", workers[0].answered()) : ""));
            }
            if (result.connected() < connections) {
                notes.add(String.format("connected %,d of %,d", result.connected(), connections));
            } else if (mode != EchoMode.ITERATIVE && result.served() < connections) {
                notes.add(String.format("%,d of %,d connections had no echo", connections - result.served(), connections));
            }
            if (result.errorCount() > 0) {
                notes.add("errors: " + result.errorSummary());
            }
            if (options.child()) {
                notes.add(0, "JDK " + Runtime.version().feature() + ", child JVM");
            }
            Row row = new Row(mode.label(), connections, Runtime.version().feature(), result.messagesPerSecond(),
                    result.latencyMillis(50), result.latencyMillis(99), result.latencyMillis(99.9), serverThreads,
                    heapMiB, result.served(), result.errorCount(), String.join("; ", notes));
            out.printf("      = %,.0f msg/s, p50 %s, p99 %s, %,d server thread%s, heap +%.1f MiB%s%n",
                    row.messagesPerSecond(), EchoClientCommand.millis(row.p50()), EchoClientCommand.millis(row.p99()),
                    serverThreads, serverThreads == 1 ? "" : "s", heapMiB,
                    row.note().isEmpty() ? "" : "; " + row.note());
            return row;
        } finally {
            server.close();
        }
    }

    private static long heapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    // ---------------------------------------------------------------- virtual rows on another JDK

    private List<Row> virtualInChildJvm(String reason, int totalSteps) throws IOException, InterruptedException {
        List<Integer> counts = countsFor(EchoMode.VIRTUAL);
        String java = options.java21() != null ? options.java21() : newestJava21();
        if (java == null) {
            String why = reason + ", and no JDK 21+ was found under /usr/lib/jvm (give one with --java21 PATH)";
            out.printf("[virtual] skipped: %s%n", why);
            step += counts.size();
            return List.of(Row.skipped("virtual", why));
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
        step += counts.size();
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                out.println(line);
            }
        }
        int exit = child.waitFor();
        Path csv = dir.resolve("echo-bench.csv");
        List<Row> rows = new ArrayList<>();
        if (Files.exists(csv)) {
            for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
                if (!line.equals(Row.CSV_HEADER) && !line.isBlank()) {
                    rows.add(Row.parse(line));
                }
            }
            Files.delete(csv);
        }
        Files.deleteIfExists(dir);
        if (rows.isEmpty()) {
            String why = "the child JVM (" + java + ") exited with code " + exit + " and no rows";
            out.printf("[virtual] skipped: %s%n", why);
            return List.of(Row.skipped("virtual", why));
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

    // ---------------------------------------------------------------- output

    private String title() {
        return String.format("echo servers on loopback: %d-byte messages, closed loop (JDK %d, %d processors)",
                options.size(), Runtime.version().feature(), Runtime.getRuntime().availableProcessors());
    }

    private void printHeader(int totalSteps) {
        out.printf("echo-bench: modes %s; connections %s%n",
                options.modes().stream().map(EchoMode::label).collect(Collectors.joining(", ")),
                options.connections().stream().map(c -> String.format("%,d", c)).collect(Collectors.joining(", ")));
        out.printf("JDK %s (%s), %d processors; %d-byte messages, closed loop; each point %s warm-up + %s measured%n",
                Runtime.version(), System.getProperty("java.vm.vendor"), Runtime.getRuntime().availableProcessors(),
                options.size(), EchoServerCommand.seconds(options.warmup()), EchoServerCommand.seconds(options.measure()));
        out.printf("load generator: %d selector thread%s in this JVM; servers in this JVM too, except prefork's %d"
                        + " worker JVMs; %d point%s, about %.0f s%n%n",
                options.clientThreads(), options.clientThreads() == 1 ? "" : "s", options.workers(), totalSteps,
                totalSteps == 1 ? "" : "s",
                totalSteps * (options.warmup().plus(options.measure()).toMillis() / 1000.0 + 1.5));
        long needed = 2L * options.connections().get(options.connections().size() - 1) + 200;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean) {
            long limit = ((com.sun.management.UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getMaxFileDescriptorCount();
            if (limit < needed) {
                out.printf("warning: this process may open %,d files (client and server sockets both count) but its"
                        + " limit is %,d; expect \"Too many open files\" (raise it with ulimit -n)%n%n", needed, limit);
            }
        }
    }

    private void printTable(List<Row> rows) {
        out.printf("%nsummary (JDK %d; threads: server threads at the peak; heap: growth with every connection open)%n",
                Runtime.version().feature());
        double loadAtEnd = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        int processors = Runtime.getRuntime().availableProcessors();
        if (Math.max(loadAtStart, loadAtEnd) > processors) {
            out.printf("note: the system load average was %.1f at the start and %.1f at the end, on %d processors:"
                    + " other processes competed for the CPU, so these figures are low and noisy%n",
                    loadAtStart, loadAtEnd, processors);
        }
        String format = "%-9s %6s %10s %10s %10s %10s %8s %10s  %s%n";
        out.printf(format, "mode", "conns", "msg/s", "p50", "p99", "p99.9", "threads", "heap", "note");
        for (Row row : rows) {
            if (!row.measured()) {
                out.printf("%-9s %6s  %s%n", row.mode(), row.connections() == 0 ? "-" : String.format("%,d", row.connections()),
                        row.note());
                continue;
            }
            String note = row.note();
            if (row.jdk() != Runtime.version().feature() && !note.startsWith("JDK")) {
                note = "JDK " + row.jdk() + (note.isEmpty() ? "" : "; " + note);
            }
            out.printf(format, row.mode(), String.format("%,d", row.connections()),
                    String.format("%,.0f", row.messagesPerSecond()), EchoClientCommand.millis(row.p50()),
                    EchoClientCommand.millis(row.p99()), EchoClientCommand.millis(row.p999()),
                    String.format("%,d", row.serverThreads()), String.format("%.1f MiB", row.heapMiB()), note);
        }
    }

    /** Per connection count, the modes from fastest to slowest; then the stall, failures, and what did not run. */
    private void printGlance(List<Row> rows) {
        out.printf("%nat a glance%n");
        for (int count : options.connections()) {
            List<Row> atCount = rows.stream()
                    .filter(r -> r.measured() && r.connections() == count && r.errors() == 0
                            && r.served() == r.connections())
                    .sorted(Comparator.comparingDouble(Row::messagesPerSecond).reversed())
                    .collect(Collectors.toList());
            if (atCount.isEmpty()) {
                continue;
            }
            String ranking = atCount.stream()
                    .map(r -> String.format("%s %,.0f msg/s on %,d thread%s", r.mode(), r.messagesPerSecond(),
                            r.serverThreads(), r.serverThreads() == 1 ? "" : "s"))
                    .collect(Collectors.joining(", "));
            out.printf("  %-18s %s%n", String.format("%,d connection%s:", count, count == 1 ? "" : "s"), ranking);
        }
        rows.stream().filter(r -> r.measured() && r.note().contains("stalled:"))
                .forEach(r -> out.printf("  %-18s %s: one connection at a time, the rest wait%n",
                        r.mode() + ":", r.note()));
        rows.stream().filter(r -> r.measured() && (r.errors() > 0 || r.served() < r.connections())
                        && !r.note().contains("stalled:"))
                .forEach(r -> out.printf("  %-18s at %,d connections: %s%n", r.mode() + ":", r.connections(), r.note()));
        rows.stream().filter(r -> !r.measured())
                .forEach(r -> out.printf("  %-18s not measured: %s%n", r.mode() + ":", r.note()));
    }
}
