package dev.greenthreads.samples.echo;

import dev.greenthreads.samples.CommandLine;
import dev.greenthreads.samples.Heap;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * <p>On a JDK without virtual threads the {@code virtual} rows run in a {@link ChildJvm}, and say
 * so. {@link BenchOptions} parses the command line, {@link BenchReport} prints, {@link BenchRow}
 * is a line of the table and of the CSV, {@link BenchChart} draws the PNG.
 */
public final class EchoBench {

    private final BenchOptions options;
    private final PrintStream out = System.out;
    private final BenchReport report;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private int step;

    private EchoBench(BenchOptions options) {
        this.options = options;
        this.report = new BenchReport(options, out);
        this.step = options.firstStep();
    }

    public static int run(String[] args) throws Exception {
        return CommandLine.run("echo-bench", BenchOptions.USAGE, args, BenchOptions::parse, options -> {
            System.setProperty("java.awt.headless", "true");
            return new EchoBench(options).run();
        });
    }

    private int run() throws Exception {
        int totalSteps = options.totalSteps() > 0 ? options.totalSteps()
                : options.modes().stream().mapToInt(m -> options.countsFor(m).size()).sum();
        if (!options.child()) {
            report.printHeader(totalSteps);
        }
        List<BenchRow> rows = new ArrayList<>();
        boolean failed = false;
        for (EchoMode mode : options.modes()) {
            String reason = mode.unavailableReason();
            if (mode == EchoMode.VIRTUAL && reason != null) {
                rows.addAll(ChildJvm.virtualRows(options, step, totalSteps, reason, out));
                step += options.countsFor(mode).size();
                continue;
            }
            if (reason != null) {
                out.printf("[%s] skipped: %s%n", mode.label(), reason);
                rows.add(BenchRow.skipped(mode.label(), reason));
                step += options.countsFor(mode).size();
                continue;
            }
            for (int count : options.countsFor(mode)) {
                try {
                    rows.add(point(mode, count, totalSteps));
                } catch (IOException | RuntimeException e) {
                    failed = true;
                    out.printf("      failed: %s%n", e);
                    rows.add(new BenchRow(mode.label(), count, Runtime.version().feature(), Double.NaN, Double.NaN,
                            Double.NaN, Double.NaN, -1, Double.NaN, 0, 0, "failed: " + e.getMessage()));
                }
            }
        }

        Files.createDirectories(options.out());
        Path csv = options.out().resolve("echo-bench.csv");
        Files.write(csv, Stream.concat(Stream.of(BenchRow.CSV_HEADER), rows.stream().map(BenchRow::csv))
                .collect(Collectors.toList()), StandardCharsets.UTF_8);
        if (options.child()) {
            return failed ? 1 : 0;
        }
        String chartNote;
        if (options.chart()) {
            Path png = options.out().resolve("echo-bench.png");
            try {
                BenchChart.write(rows, png, report.title());
                chartNote = png.toString();
            } catch (IOException | RuntimeException | LinkageError e) {
                chartNote = "no chart (" + e + ")";
            }
        } else {
            chartNote = "no chart (--no-chart)";
        }
        report.printTable(rows);
        report.printGlance(rows);
        out.printf("%nwritten: %s, %s%n", csv, chartNote);
        return failed ? 1 : 0;
    }

    // ---------------------------------------------------------------- one point

    private BenchRow point(EchoMode mode, int connections, int totalSteps) throws IOException, InterruptedException {
        out.printf("[%d/%d] %s, %,d connection%s%n", step++, totalSteps, mode.label(), connections,
                connections == 1 ? "" : "s");
        long heapBefore = Heap.usedAfterGc();
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
                heapOpen[0] = Heap.usedAfterGc();
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
            BenchRow row = new BenchRow(mode.label(), connections, Runtime.version().feature(), result.messagesPerSecond(),
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
}
