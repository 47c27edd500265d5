package dev.greenthreads.samples.echo;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** What {@code echo-bench} prints: the header before it runs, the table and the glance after. */
final class BenchReport {

    private final BenchOptions options;
    private final Placement placement;
    private final PrintStream out;
    /** A JVM per connection on one core, for the header's estimate of how long the run takes. */
    private static final double INETD_SECONDS_PER_CONNECTION = 0.2;

    private final double loadAtStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

    BenchReport(BenchOptions options, Placement placement, PrintStream out) {
        this.options = options;
        this.placement = placement;
        this.out = out;
    }

    String title() {
        return String.format("echo servers on loopback: %d-byte messages, closed loop (JDK %d; server on %s)",
                options.size(), Runtime.version().feature(), placement.serverCpus() != null
                        ? "CPU " + placement.serverCpus() + ", load on CPU " + placement.clientCpus()
                        : "all " + placement.serverCores() + " CPUs, shared with the load");
    }

    /** "64 B", "4 KiB". */
    static String bytes(int size) {
        return size % 1024 == 0 ? size / 1024 + " KiB" : size + " B";
    }

    /** Microseconds with three significant digits, or "-". */
    static String micros(double value) {
        return Double.isNaN(value) ? "-" : value >= 100 ? String.format("%,.0f µs", value)
                : value >= 10 ? String.format("%.1f µs", value) : String.format("%.2f µs", value);
    }

    void printHeader(int totalSteps) {
        out.printf("echo-bench: modes %s; connections %s%n",
                options.modes().stream().map(EchoMode::label).collect(Collectors.joining(", ")),
                options.connections().stream().map(c -> String.format("%,d", c)).collect(Collectors.joining(", ")));
        out.printf("JDK %s (%s); %d-byte messages, closed loop; each point %s warm-up + %s measured%n",
                Runtime.version(), System.getProperty("java.vm.vendor"),
                options.size(), EchoServerCommand.seconds(options.warmup()), EchoServerCommand.seconds(options.measure()));
        out.printf("%s; load generator: %d selector thread%s; %d point%s, about %.0f s%n%n",
                placement.summary(), options.clientThreads(), options.clientThreads() == 1 ? "" : "s", totalSteps,
                totalSteps == 1 ? "" : "s",
                (totalSteps - options.churnPoints().size()) * (options.warmup().plus(options.measure()).toMillis() / 1000.0 + 2.5)
                        + options.churnPoints().stream().mapToDouble(p -> options.churnMeasure().toMillis() / 1000.0 + 2.5
                                + (p.mode() == EchoMode.INETD ? p.connections() * INETD_SECONDS_PER_CONNECTION : 0)).sum());
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

    void printTable(List<BenchRow> rows) {
        out.printf("%nsummary (JDK %d; %s)%n", Runtime.version().feature(), placement.summary());
        out.printf("cpu/msg: the server's CPU time per message echoed; threads: server threads at the peak;"
                + " heap: its growth with every connection open%n");
        double loadAtEnd = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        int processors = placement.totalCpus();
        if (Math.max(loadAtStart, loadAtEnd) > processors) {
            out.printf("note: the system load average was %.1f at the start and %.1f at the end, on %d processors:"
                    + " other processes competed for the CPU, so these figures are low and noisy%n",
                    loadAtStart, loadAtEnd, processors);
        }
        String format = "%-11s %6s %6s %10s %10s %10s %10s %9s %8s %10s  %s%n";
        out.printf(format, "mode", "conns", "msg", "msg/s", "p50", "p99", "p99.9", "cpu/msg", "threads", "heap", "note");
        for (BenchRow row : rows) {
            if (!row.measured()) {
                out.printf("%-11s %6s  %s%n", row.mode(), row.connections() == 0 ? "-" : String.format("%,d", row.connections()),
                        row.note());
                continue;
            }
            out.printf(format, row.mode(), String.format("%,d", row.connections()), bytes(row.size()),
                    String.format("%,.0f", row.messagesPerSecond()), EchoClientCommand.millis(row.p50()),
                    EchoClientCommand.millis(row.p99()), EchoClientCommand.millis(row.p999()),
                    micros(row.cpuMicrosPerMessage()), String.format("%,d", row.serverThreads()),
                    String.format("%.1f MiB", row.heapMiB()), row.note());
        }
    }

    /**
     * The connection-churn table, then per client count how many times more connections per
     * second a thread and a green thread per connection take than a process per connection.
     */
    void printChurn(List<ChurnRow> rows) {
        if (rows.isEmpty()) {
            return;
        }
        out.printf("%nconnection churn: each client connects, sends %s, waits for the echo, closes, again"
                + " (%s per point)%n", bytes(options.size()), EchoServerCommand.seconds(options.churnMeasure()));
        out.printf("first echo: from the start of the connect to the whole echo; cpu/conn: the server's CPU time"
                + " per connection (inetd: its service processes')%n");
        String format = "%-11s %7s %12s %10s %10s %10s  %s%n";
        out.printf(format, "mode", "clients", "conn/s", "p50", "p99", "cpu/conn", "note");
        for (ChurnRow row : rows) {
            if (!row.measured()) {
                out.printf("%-11s %7s  %s%n", row.mode(), String.format("%,d", row.clients()), row.note());
                continue;
            }
            out.printf(format, row.mode(), String.format("%,d", row.clients()),
                    String.format("%,.1f", row.connectionsPerSecond()), EchoClientCommand.millis(row.p50()),
                    EchoClientCommand.millis(row.p99()), micros(row.cpuMicrosPerConnection()), row.note());
        }
        rows.stream().filter(r -> r.measured() && r.mode().equals(EchoMode.INETD.label())).forEach(process -> {
            String others = rows.stream()
                    .filter(r -> r.measured() && r.clients() == process.clients() && r != process)
                    .map(r -> String.format("%s %,.0fx", r.mode(), r.connectionsPerSecond() / process.connectionsPerSecond()))
                    .collect(Collectors.joining(", "));
            if (!others.isEmpty()) {
                out.printf("  a process per connection, %,d client%s: %,.1f connections/s; per second, %s as many%n",
                        process.clients(), process.clients() == 1 ? "" : "s", process.connectionsPerSecond(), others);
            }
        });
    }

    /**
     * Per connection count, the modes from fastest to slowest, and the best by p99 and by CPU per
     * message; then the stall, failures, and what did not run.
     */
    void printGlance(List<BenchRow> rows) {
        out.printf("%nat a glance%n");
        List<int[]> groups = new ArrayList<>(); // {connections, size}
        options.connections().forEach(count -> groups.add(new int[] {count, options.size()}));
        if (options.largeSize() > 0) {
            groups.add(new int[] {options.largeConnections(), options.largeSize()});
        }
        for (int[] group : groups) {
            int count = group[0];
            int size = group[1];
            List<BenchRow> atCount = rows.stream()
                    .filter(r -> r.measured() && r.connections() == count && r.size() == size && r.errors() == 0
                            && r.served() == r.connections())
                    .sorted(Comparator.comparingDouble(BenchRow::messagesPerSecond).reversed())
                    .collect(Collectors.toList());
            if (atCount.isEmpty()) {
                continue;
            }
            String ranking = atCount.stream()
                    .map(r -> String.format("%s %,.0f msg/s on %,d thread%s", r.mode(), r.messagesPerSecond(),
                            r.serverThreads(), r.serverThreads() == 1 ? "" : "s"))
                    .collect(Collectors.joining(", "));
            String label = String.format("%,d connection%s%s:", count, count == 1 ? "" : "s",
                    size == options.size() ? "" : ", " + bytes(size));
            out.printf("  %-26s %s%n", label, ranking);
            BenchRow tail = atCount.stream().min(Comparator.comparingDouble(BenchRow::p99)).orElseThrow();
            out.printf("  %-26s best p99: %s %s", "", tail.mode(), EchoClientCommand.millis(tail.p99()));
            atCount.stream().filter(r -> !Double.isNaN(r.cpuMicrosPerMessage()))
                    .min(Comparator.comparingDouble(BenchRow::cpuMicrosPerMessage))
                    .ifPresent(r -> out.printf("; least CPU per message: %s %s", r.mode(), micros(r.cpuMicrosPerMessage())));
            out.println();
        }
        rows.stream().filter(r -> r.measured() && r.note().contains("stalled:"))
                .forEach(r -> out.printf("  %-26s %s: one connection at a time, the rest wait%n",
                        r.mode() + ":", r.note()));
        rows.stream().filter(r -> r.measured() && (r.errors() > 0 || r.served() < r.connections())
                        && !r.note().contains("stalled:"))
                .forEach(r -> out.printf("  %-26s at %,d connections: %s%n", r.mode() + ":", r.connections(), r.note()));
        rows.stream().filter(r -> !r.measured())
                .forEach(r -> out.printf("  %-26s not measured: %s%n", r.mode() + ":", r.note()));
    }
}
