package dev.greenthreads.samples.echo;

import dev.greenthreads.samples.CommandLine;
import dev.greenthreads.samples.VirtualThreads;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code echo-bench}: every echo server mode in turn, on loopback, against the
 * {@link LoadGenerator} at increasing connection counts; one table, {@code echo-bench.csv} and
 * {@code echo-bench.png}.
 *
 * <p>How one point is measured. The server starts in a JVM of its own, on CPUs of its own where
 * the machine has more than one ({@link Placement}); the load generator, in this JVM, opens every
 * connection, runs a closed loop (each connection sends a message when its last one is echoed)
 * through a warm-up and then the measurement window, and verifies every echoed byte. The server
 * JVM reports (over the {@link PreforkWorker} protocol) its CPU time as the warm-up starts and,
 * while the connections are still open after the window, again, with its peak number of threads
 * above its baseline and its Java heap growth after a GC. CPU per message is the difference over
 * the messages echoed in between. {@code iterative} runs with one client and then with
 * {@code --iterative-clients}, to show that while it serves one connection the others get
 * nothing; its table row says how many clients were served within the window.
 *
 * <p>On a JDK without virtual threads the {@code virtual} server runs on the newest JDK 21+ found
 * (or {@code --java21}), and its rows say which. {@link BenchOptions} parses the command line,
 * {@link BenchReport} prints, {@link BenchRow} is a line of the table and of the CSV,
 * {@link BenchChart} draws the PNG.
 */
public final class EchoBench {

    private final BenchOptions options;
    private final PrintStream out = System.out;
    private final Placement placement;
    private final BenchReport report;
    private int step = 1;

    private EchoBench(BenchOptions options) {
        this.options = options;
        this.placement = Placement.decide(options.pin());
        this.report = new BenchReport(options, placement, out);
    }

    public static int run(String[] args) throws Exception {
        return CommandLine.run("echo-bench", BenchOptions.USAGE, args, BenchOptions::parse, options -> {
            System.setProperty("java.awt.headless", "true");
            return new EchoBench(options).run();
        });
    }

    private int run() throws Exception {
        int totalSteps = options.modes().stream().mapToInt(m -> options.pointsFor(m).size()).sum()
                + options.churnPoints().size();
        report.printHeader(totalSteps);
        List<BenchRow> rows = new ArrayList<>();
        boolean failed = false;
        for (EchoMode mode : options.modes()) {
            Placement.Jdk jdk = new Placement.Jdk(null, Runtime.version().feature());
            String reason = EchoMode.PREFORK.unavailableReason(); // every server runs as a one-worker prefork
            if (reason == null && mode == EchoMode.VIRTUAL && !VirtualThreads.available()) {
                jdk = options.java21() != null ? new Placement.Jdk(options.java21(), 21) : Placement.newestJdk21();
                if (jdk == null) {
                    reason = VirtualThreads.unavailableReason()
                            + ", and no JDK 21+ was found under /usr/lib/jvm (give one with --java21 PATH)";
                }
            } else if (reason == null) {
                reason = mode.unavailableReason();
            }
            if (reason != null) {
                out.printf("[%s] skipped: %s%n", mode.label(), reason);
                rows.add(BenchRow.skipped(mode.label(), reason));
                step += options.pointsFor(mode).size();
                continue;
            }
            for (BenchOptions.Point point : options.pointsFor(mode)) {
                try {
                    rows.add(point(point, totalSteps, jdk));
                } catch (IOException | RuntimeException e) {
                    failed = true;
                    out.printf("      failed: %s%n", e);
                    rows.add(new BenchRow(mode.label(), point.connections(), point.size(), jdk.feature(), Double.NaN,
                            Double.NaN, Double.NaN, Double.NaN, -1, Double.NaN, Double.NaN, 0, 0,
                            "failed: " + e.getMessage()));
                }
            }
        }

        List<ChurnRow> churnRows = new ArrayList<>();
        for (BenchOptions.Point point : options.churnPoints()) {
            try {
                churnRows.add(churnPoint(point, totalSteps));
            } catch (IOException | RuntimeException e) {
                failed = true;
                out.printf("      failed: %s%n", e);
                churnRows.add(ChurnRow.skipped(point.mode().label(), point.connections(), "failed: " + e.getMessage()));
            }
        }

        Files.createDirectories(options.out());
        Path csv = options.out().resolve("echo-bench.csv");
        Files.write(csv, Stream.concat(Stream.of(BenchRow.CSV_HEADER), rows.stream().map(BenchRow::csv))
                .collect(Collectors.toList()), StandardCharsets.UTF_8);
        String chartNote;
        if (options.chart()) {
            Path png = options.out().resolve("echo-bench.png");
            try {
                BenchChart.write(rows.stream().filter(r -> r.size() == options.size() || !r.measured())
                        .collect(Collectors.toList()), png, report.title());
                chartNote = png.toString();
            } catch (IOException | RuntimeException | LinkageError e) {
                chartNote = "no chart (" + e + ")";
            }
        } else {
            chartNote = "no chart (--no-chart)";
        }
        Path churnCsv = null;
        if (!churnRows.isEmpty()) {
            churnCsv = options.out().resolve("echo-bench-churn.csv");
            Files.write(churnCsv, Stream.concat(Stream.of(ChurnRow.CSV_HEADER), churnRows.stream().map(ChurnRow::csv))
                    .collect(Collectors.toList()), StandardCharsets.UTF_8);
        }
        report.printTable(rows);
        report.printGlance(rows);
        report.printChurn(churnRows);
        out.printf("%nwritten: %s, %s%s%n", csv, chartNote, churnCsv == null ? "" : ", " + churnCsv);
        return failed ? 1 : 0;
    }

    // ---------------------------------------------------------------- one point

    private BenchRow point(BenchOptions.Point point, int totalSteps, Placement.Jdk jdk)
            throws IOException, InterruptedException {
        EchoMode mode = point.mode();
        int connections = point.connections();
        out.printf("[%d/%d] %s, %,d connection%s, %s messages%n", step++, totalSteps, mode.label(), connections,
                connections == 1 ? "" : "s", BenchReport.bytes(point.size()));
        boolean prefork = mode == EchoMode.PREFORK;
        int workers = !prefork ? 1 : options.workers() > 0 ? options.workers() : placement.serverCores();
        ServerConfig config = ServerConfig.defaults()
                .withMaxConnections(Math.max(ServerConfig.DEFAULT_MAX_CONNECTIONS, connections + 100))
                .withWorkers(workers, prefork ? EchoMode.THREADS : mode)
                .withLog(line -> out.println("      server: " + line));
        PreforkEchoServer server = new PreforkEchoServer(config, placement.launch(jdk.java()));
        try {
            server.start(0);
            server.resetWorkerPeaks();
            LoadGenerator.Config load = LoadGenerator.Config.closedLoop(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), connections, point.size(),
                    options.warmup(), options.measure(), options.clientThreads());
            if (mode == EchoMode.ITERATIVE) {
                load = load.withoutPriming(); // it would never echo to a second client while the first stays
            }
            ServerUse use = new ServerUse(server);
            LoadGenerator.Result result = LoadGenerator.run(load, line -> out.println("      " + line), use);

            List<String> notes = new ArrayList<>();
            if (jdk.feature() != Runtime.version().feature()) {
                notes.add("JDK " + jdk.feature() + " server");
            }
            if (mode == EchoMode.ITERATIVE && connections > 1) {
                notes.add(String.format("%s: %d of %d clients served within %s",
                        result.served() < connections ? "stalled" : "not stalled", result.served(), connections,
                        EchoServerCommand.seconds(options.warmup().plus(options.measure()))));
            }
            if (prefork) {
                notes.add(String.format("%d worker JVM%s", workers, workers == 1 ? "" : "s"));
            }
            if (use.atEnd.answered() < workers) {
                notes.add(String.format("%d of %d server JVMs answered", use.atEnd.answered(), workers));
            }
            if (result.connected() < connections) {
                notes.add(String.format("connected %,d of %,d", result.connected(), connections));
            } else if (mode != EchoMode.ITERATIVE && result.served() < connections) {
                notes.add(String.format("%,d of %,d connections had no echo", connections - result.served(), connections));
            }
            if (result.errorCount() > 0) {
                notes.add("errors: " + result.errorSummary());
            }
            BenchRow row = new BenchRow(mode.label(), connections, point.size(), jdk.feature(),
                    result.messagesPerSecond(),
                    result.latencyMillis(50), result.latencyMillis(99), result.latencyMillis(99.9),
                    use.atEnd.threads(), use.atEnd.heapBytes() / (1024.0 * 1024.0), use.cpuMicrosPerMessage(),
                    result.served(), result.errorCount(), String.join("; ", notes));
            out.printf("      = %,.0f msg/s, p50 %s, p99 %s, %s CPU/msg, %,d server thread%s, heap +%.1f MiB%s%n",
                    row.messagesPerSecond(), EchoClientCommand.millis(row.p50()), EchoClientCommand.millis(row.p99()),
                    BenchReport.micros(row.cpuMicrosPerMessage()), row.serverThreads(),
                    row.serverThreads() == 1 ? "" : "s", row.heapMiB(), row.note().isEmpty() ? "" : "; " + row.note());
            return row;
        } finally {
            server.close();
        }
    }

    // ---------------------------------------------------------------- one churn point

    private ChurnRow churnPoint(BenchOptions.Point point, int totalSteps) throws IOException, InterruptedException {
        EchoMode mode = point.mode();
        int clients = point.connections();
        out.printf("[%d/%d] churn: %s, %,d client%s each connecting, echoing %s once, closing, again%n", step++,
                totalSteps, mode.label(), clients, clients == 1 ? "" : "s", BenchReport.bytes(point.size()));
        String reason = mode.unavailableReason();
        if (reason != null) {
            out.printf("      skipped: %s%n", reason);
            return ChurnRow.skipped(mode.label(), clients, reason);
        }
        ServerConfig config = ServerConfig.defaults()
                .withMaxConnections(Math.max(ServerConfig.DEFAULT_MAX_CONNECTIONS, clients + 100))
                .withLog(line -> out.println("      server: " + line));
        if (mode == EchoMode.INETD) {
            InetdEchoServer server = new InetdEchoServer(config, placement.launch(null), Inetd.defaultCache());
            try {
                server.start(0);
                return churn(mode, clients, point.size(), server.port(),
                        () -> awaitReaped(server) ? server.servicesCpuNanos() : -1,
                        server.realInetd() ? "real inetd" : "our launcher, no inetd: pipes, no socket hand-off");
            } finally {
                server.close();
            }
        }
        boolean prefork = mode == EchoMode.PREFORK;
        int workers = !prefork ? 1 : options.workers() > 0 ? options.workers() : placement.serverCores();
        PreforkEchoServer server = new PreforkEchoServer(config.withWorkers(workers, prefork ? EchoMode.THREADS : mode),
                placement.launch(null));
        try {
            server.start(0);
            return churn(mode, clients, point.size(), server.port(),
                    () -> server.measureWorkers(ServerUse.ANSWER_MILLIS).cpuNanos(),
                    prefork ? workers + " worker JVM" + (workers == 1 ? "" : "s") : "");
        } finally {
            server.close();
        }
    }

    /** The server's CPU time so far, in nanoseconds; -1 when it cannot tell. */
    private interface CpuClock {
        long nanos() throws InterruptedException;
    }

    private ChurnRow churn(EchoMode mode, int clients, int size, int port, CpuClock serverCpu, String note)
            throws IOException, InterruptedException {
        InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        ConnectionChurn.warmUp(target, size);
        long cpuBefore = serverCpu.nanos();
        ConnectionChurn.Result result = ConnectionChurn.run(target, clients, size, options.churnMeasure());
        long cpuAfter = serverCpu.nanos();
        double cpuPerConnection = cpuBefore < 0 || cpuAfter < 0 || result.completed() == 0 ? Double.NaN
                : (cpuAfter - cpuBefore) / 1e3 / result.completed();
        List<String> notes = new ArrayList<>();
        if (!note.isEmpty()) {
            notes.add(note);
        }
        if (result.errorCount() > 0) {
            notes.add("errors: " + ServerStats.describe(result.errors()));
        }
        ChurnRow row = new ChurnRow(mode.label(), clients, result.connectionsPerSecond(), result.latencyMillis(50),
                result.latencyMillis(99), cpuPerConnection, result.completed(), result.errorCount(),
                String.join("; ", notes));
        out.printf("      = %,.1f connections/s (%,d in %.1f s), first echo p50 %s, p99 %s, %s server CPU per connection%s%n",
                row.connectionsPerSecond(), row.completed(), result.nanos() / 1e9, EchoClientCommand.millis(row.p50()),
                EchoClientCommand.millis(row.p99()), BenchReport.micros(row.cpuMicrosPerConnection()),
                row.note().isEmpty() ? "" : "; " + row.note());
        return row;
    }

    /**
     * Waits (at most 10 s) until every service process of the inetd server has ended and been
     * reaped, so that its CPU time is counted; false if some are still running then.
     */
    private static boolean awaitReaped(InetdEchoServer server) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.stats().open() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10); // another process's exit: nothing here to wait on
        }
        return true;
    }

    /** What the server JVMs report at the load's edges: CPU time at the start, everything at the end. */
    private static final class ServerUse implements LoadGenerator.Observer {
        private static final long ANSWER_MILLIS = 5000;
        private final PreforkEchoServer server;
        private long cpuAtGo = -1;
        private PreforkEchoServer.WorkerUse atEnd = new PreforkEchoServer.WorkerUse(0, 0, 0, 0, -1);
        private long echoed;

        ServerUse(PreforkEchoServer server) {
            this.server = server;
        }

        @Override
        public void atGo() {
            cpuAtGo = server.measureWorkers(ANSWER_MILLIS).cpuNanos();
        }

        @Override
        public void whileOpen(long echoedSinceGo) {
            atEnd = server.measureWorkers(ANSWER_MILLIS);
            echoed = echoedSinceGo;
        }

        double cpuMicrosPerMessage() {
            return cpuAtGo < 0 || atEnd.cpuNanos() < 0 || echoed == 0 ? Double.NaN
                    : (atEnd.cpuNanos() - cpuAtGo) / 1e3 / echoed;
        }
    }
}
