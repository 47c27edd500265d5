package dev.greenthreads.samples.echo;

import dev.greenthreads.samples.CommandLine;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;

/** {@code echo-client}: drives an echo server with {@link LoadGenerator} and reports what came back. */
public final class EchoClientCommand {

    static final int DEFAULT_CLIENT_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);

    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: echo-client [--host H] [--port P] [--connections C] [--size S]",
            "                   [--messages M | --duration T] [--warmup T] [--rate R] [--threads N]",
            "  --host H             server address (default 127.0.0.1)",
            "  --port P             server port (default " + EchoServerCommand.DEFAULT_PORT + ")",
            "  --connections C      concurrent connections (default 100)",
            "  --size S             bytes per message (default 64)",
            "  --messages M         send M messages per connection, then close; the run ends when all are echoed",
            "  --duration T         how long to measure (default 10s); with --messages, a deadline (default 60s)",
            "  --warmup T           not measured, before the duration (default 1s; 0 with --messages)",
            "  --rate R             open loop: R messages per second over all connections, on a fixed schedule;",
            "                       latency counts from when a message was due (default: closed loop,",
            "                       each connection sends its next message when the last is echoed)",
            "  --threads N          client selector threads (default " + DEFAULT_CLIENT_THREADS + ")",
            "  --connect-timeout T  per connection, to connect and have its first echo (default 10s)",
            "  --no-prime           start the load on a connection as soon as it connects; by default each",
            "                       first sends one message and waits for its echo, so that the load starts",
            "                       once the server has accepted everything (use it against iterative,",
            "                       which never answers a second connection while the first stays)",
            "Every echoed byte is checked. Exit code 0 when every connection connected and nothing failed.");

    private EchoClientCommand() {}

    public static int run(String[] args) throws Exception {
        if (CommandLine.wantsHelp(args)) {
            System.out.println(USAGE);
            return 0;
        }
        LoadGenerator.Config config;
        try {
            CommandLine options = CommandLine.parse(args, Set.of("--host", "--port", "--connections", "--size",
                    "--messages", "--duration", "--warmup", "--rate", "--threads", "--connect-timeout"),
                    Set.of("--no-prime"));
            long messages = options.longValue("--messages", 0, 1);
            config = new LoadGenerator.Config(
                    new InetSocketAddress(options.string("--host", "127.0.0.1"),
                            options.integer("--port", EchoServerCommand.DEFAULT_PORT, 1)),
                    options.integer("--connections", 100, 1),
                    options.integer("--size", 64, 1),
                    messages,
                    options.duration("--warmup", messages > 0 ? Duration.ZERO : Duration.ofSeconds(1)),
                    options.duration("--duration", messages > 0 ? Duration.ofSeconds(60) : Duration.ofSeconds(10)),
                    options.decimal("--rate", 0, 0),
                    options.integer("--threads", DEFAULT_CLIENT_THREADS, 1),
                    options.duration("--connect-timeout", Duration.ofSeconds(10)),
                    !options.has("--no-prime"));
        } catch (CommandLine.UsageException | IllegalArgumentException e) {
            System.err.println("echo-client: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
        System.out.println("echo-client: " + describe(config));
        LoadGenerator.Result result = LoadGenerator.run(config, line -> System.out.println("  " + line));
        print(result, System.out);
        boolean clean = result.connected() == config.connections() && result.errorCount() == 0
                && (config.messagesPerConnection() == 0 || result.completed() == config.connections());
        return clean ? 0 : 1;
    }

    static String describe(LoadGenerator.Config config) {
        String loop = config.openLoop()
                ? String.format("open loop at %,.0f msg/s", config.rate())
                : "closed loop";
        String length = config.messagesPerConnection() > 0
                ? String.format("%,d messages per connection (deadline %s)", config.messagesPerConnection(),
                EchoServerCommand.seconds(config.duration()))
                : String.format("%s warm-up + %s measured", EchoServerCommand.seconds(config.warmup()),
                EchoServerCommand.seconds(config.duration()));
        return String.format("%,d connections to %s:%d, %d-byte messages, %s, %s, %d thread%s",
                config.connections(), config.target().getHostString(), config.target().getPort(),
                config.messageSize(), loop, length, config.threads(), config.threads() == 1 ? "" : "s");
    }

    static void print(LoadGenerator.Result r, PrintStream out) {
        LoadGenerator.Config config = r.config();
        out.printf("messages:    %,d in %s = %,.0f msg/s (%s each way)%n", r.messages(),
                EchoServerCommand.seconds(Duration.ofNanos(r.measuredNanos())), r.messagesPerSecond(),
                mebibytesPerSecond(r.messagesPerSecond() * config.messageSize()));
        out.printf("latency:     p50 %s, p99 %s, p99.9 %s, max %s%n", millis(r.latencyMillis(50)),
                millis(r.latencyMillis(99)), millis(r.latencyMillis(99.9)),
                millis(r.latency().getTotalCount() == 0 ? Double.NaN : r.latency().getMaxValue() / 1e6));
        out.printf("connections: %,d of %,d connected, %,d had echoes%s%n", r.connected(), config.connections(),
                r.served(), config.messagesPerConnection() > 0
                        ? String.format(", %,d had all %,d", r.completed(), config.messagesPerConnection())
                        : "");
        out.printf("verified:    every echoed byte (%,d bytes)%n", r.bytesVerified());
        out.printf("errors:      %s%n", r.errorSummary());
    }

    /** "0.412 ms", "12.3 ms", "1.52 s"; "-" for NaN. */
    static String millis(double ms) {
        if (Double.isNaN(ms)) {
            return "-";
        }
        if (ms >= 1000) {
            return String.format("%.2f s", ms / 1000);
        }
        if (ms >= 10) {
            return String.format("%.1f ms", ms);
        }
        return String.format("%.3f ms", ms);
    }

    static String mebibytesPerSecond(double bytesPerSecond) {
        return String.format("%,.1f MiB/s", bytesPerSecond / (1024 * 1024));
    }
}
