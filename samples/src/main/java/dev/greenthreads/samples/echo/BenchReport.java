package dev.greenthreads.samples.echo;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** What {@code echo-bench} prints: the header before it runs, the table and the glance after. */
final class BenchReport {

    private final BenchOptions options;
    private final PrintStream out;
    private final double loadAtStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

    BenchReport(BenchOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    String title() {
        return String.format("echo servers on loopback: %d-byte messages, closed loop (JDK %d, %d processors)",
                options.size(), Runtime.version().feature(), Runtime.getRuntime().availableProcessors());
    }

    void printHeader(int totalSteps) {
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

    void printTable(List<BenchRow> rows) {
        out.printf("%nsummary (JDK %d; threads: server threads at the peak; heap: growth with every connection open)%n",
                Runtime.version().feature());
        double loadAtEnd = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        int processors = Runtime.getRuntime().availableProcessors();
        if (Math.max(loadAtStart, loadAtEnd) > processors) {
            out.printf("note: the system load average was %.1f at the start and %.1f at the end, on %d processors:"
                    + " other processes competed for the CPU, so these figures are low and noisy%n",
                    loadAtStart, loadAtEnd, processors);
        }
        String format = "%-11s %6s %10s %10s %10s %10s %8s %10s  %s%n";
        out.printf(format, "mode", "conns", "msg/s", "p50", "p99", "p99.9", "threads", "heap", "note");
        for (BenchRow row : rows) {
            if (!row.measured()) {
                out.printf("%-11s %6s  %s%n", row.mode(), row.connections() == 0 ? "-" : String.format("%,d", row.connections()),
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
    void printGlance(List<BenchRow> rows) {
        out.printf("%nat a glance%n");
        for (int count : options.connections()) {
            List<BenchRow> atCount = rows.stream()
                    .filter(r -> r.measured() && r.connections() == count && r.errors() == 0
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
