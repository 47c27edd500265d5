package dev.greenthreads.samples.echo;

import dev.greenthreads.samples.CommandLine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code echo-bench}'s options, parsed from its command line.
 *
 * @param workers          prefork's worker processes; 0: one per server core (see {@link Placement})
 * @param largeSize        the message size of the extra point after the sweep; 0: none
 * @param largeConnections the connection count of that point
 * @param churnModes       the modes of the connection-churn section (see {@link ConnectionChurn})
 * @param churnClients     its client counts
 */
record BenchOptions(List<EchoMode> modes, List<Integer> connections, Duration warmup, Duration measure,
                    int size, int largeSize, int largeConnections, int iterativeClients, int workers,
                    int clientThreads, Path out, String java21, boolean chart, boolean pin,
                    List<EchoMode> churnModes, List<Integer> churnClients, Duration churnMeasure) {

    /** One measurement: a mode at a connection count with a message size. */
    record Point(EchoMode mode, int connections, int size) {}

    static final List<Integer> DEFAULT_CONNECTIONS = List.of(1, 100, 1_000, 5_000);
    static final List<EchoMode> DEFAULT_MODES = Arrays.stream(EchoMode.values()).filter(m -> m != EchoMode.INETD)
            .collect(Collectors.toList());
    static final List<EchoMode> DEFAULT_CHURN_MODES = List.of(EchoMode.INETD, EchoMode.THREADS, EchoMode.GREEN);
    static final List<Integer> DEFAULT_CHURN_CLIENTS = List.of(1, 100);

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: echo-bench [--modes LIST] [--connections LIST] [--warmup T] [--measure T] [OPTIONS]",
            "  --modes LIST           which modes, in order (default "
                    + labels(DEFAULT_MODES) + ")",
            "  --connections LIST     connection counts (default 1,100,1000,5000)",
            "  --warmup T             per point, not measured (default 1s)",
            "  --measure T            per point, measured (default 2s)",
            "  --size BYTES           message size (default 64)",
            "  --large-size BYTES     then one point per mode with messages this large (default 4096; 0: none)",
            "  --large-connections N  at this many connections (default 1000)",
            "  --iterative-clients N  iterative runs with 1 client, then N (default 4), to show the stall",
            "  --workers N            prefork worker processes (default: one per server core)",
            "  --client-threads N     load generator threads (default " + EchoClientCommand.DEFAULT_CLIENT_THREADS + ")",
            "  --out DIR              where echo-bench.csv and echo-bench.png go (default target/echo-bench)",
            "  --java21 PATH          a java of JDK 21+ for the virtual server when this JDK has no virtual",
            "                         threads (default: the newest under /usr/lib/jvm)",
            "  --no-pin               leave servers and load generator unpinned (default: on a machine with",
            "                         more than one CPU, servers get the first half, the load the rest)",
            "  --no-chart             write no PNG",
            "then connection churn: clients that each connect, send one message, wait for its echo, close, again;",
            "connections per second and the latency of a connection's first echo:",
            "  --churn-modes LIST     which modes (default " + labels(DEFAULT_CHURN_MODES) + "; none: skip it); inetd",
            "                         starts a JVM per connection, under a real inetd (fetched if need be) or our launcher",
            "  --churn-clients LIST   clients at once (default 1,100)",
            "  --churn-measure T      per point (default 1s; a point lasts at least one connection per client)");

    static BenchOptions parse(String[] args) throws CommandLine.UsageException {
        CommandLine cl = CommandLine.parse(args, Set.of("--modes", "--connections", "--warmup", "--measure", "--size",
                        "--large-size", "--large-connections",
                        "--iterative-clients", "--workers", "--client-threads", "--out", "--java21",
                        "--churn-modes", "--churn-clients", "--churn-measure"),
                Set.of("--no-chart", "--no-pin"));
        List<EchoMode> modes = modes(cl, "--modes", DEFAULT_MODES);
        if (modes.contains(EchoMode.INETD)) {
            throw new CommandLine.UsageException("--modes: inetd starts a process per connection and is measured in"
                    + " the connection-churn section; name it in --churn-modes");
        }
        List<EchoMode> churnModes = cl.string("--churn-modes", "").equalsIgnoreCase("none") ? List.of()
                : modes(cl, "--churn-modes", DEFAULT_CHURN_MODES);
        List<Integer> connections = cl.integers("--connections", DEFAULT_CONNECTIONS, 1).stream()
                .distinct().sorted().collect(Collectors.toList());
        return new BenchOptions(modes, connections,
                cl.duration("--warmup", Duration.ofSeconds(1)),
                cl.duration("--measure", Duration.ofSeconds(2)),
                cl.integer("--size", 64, 1),
                cl.integer("--large-size", 4096, 0),
                cl.integer("--large-connections", 1000, 1),
                cl.integer("--iterative-clients", 4, 2),
                cl.integer("--workers", 0, 1),
                cl.integer("--client-threads", EchoClientCommand.DEFAULT_CLIENT_THREADS, 1),
                Path.of(cl.string("--out", "target/echo-bench")),
                cl.string("--java21", null),
                !cl.has("--no-chart"),
                !cl.has("--no-pin"),
                churnModes,
                cl.integers("--churn-clients", DEFAULT_CHURN_CLIENTS, 1).stream().distinct().sorted()
                        .collect(Collectors.toList()),
                cl.duration("--churn-measure", Duration.ofSeconds(1)));
    }

    private static List<EchoMode> modes(CommandLine cl, String option, List<EchoMode> fallback)
            throws CommandLine.UsageException {
        List<EchoMode> modes = new ArrayList<>();
        for (String name : cl.words(option, fallback.stream().map(EchoMode::label).collect(Collectors.toList()))) {
            EchoMode mode = EchoMode.byLabel(name);
            if (mode == null) {
                throw new CommandLine.UsageException(option + ": no mode " + name + "; the modes are " + EchoMode.labels());
            }
            if (!modes.contains(mode)) {
                modes.add(mode);
            }
        }
        return modes;
    }

    private static String labels(List<EchoMode> modes) {
        return modes.stream().map(EchoMode::label).collect(Collectors.joining(","));
    }

    /** The connection-churn points: each churn mode at each client count. */
    List<Point> churnPoints() {
        List<Point> points = new ArrayList<>();
        for (EchoMode mode : churnModes) {
            for (int clients : churnClients) {
                points.add(new Point(mode, clients, size));
            }
        }
        return points;
    }

    /**
     * The points a mode runs, in order: the sweep over {@link #countsFor}, then the large-message
     * point (not for iterative, which would serve one of its connections).
     */
    List<Point> pointsFor(EchoMode mode) {
        List<Point> points = new ArrayList<>();
        for (int count : countsFor(mode)) {
            points.add(new Point(mode, count, size));
        }
        if (largeSize > 0 && mode != EchoMode.ITERATIVE) {
            points.add(new Point(mode, largeConnections, largeSize));
        }
        return points;
    }

    /** The connection counts a mode runs at: iterative runs with one client, then with several. */
    List<Integer> countsFor(EchoMode mode) {
        if (mode != EchoMode.ITERATIVE) {
            return connections;
        }
        List<Integer> counts = new ArrayList<>();
        if (connections.contains(1)) {
            counts.add(1);
        }
        counts.add(iterativeClients);
        return counts;
    }
}
