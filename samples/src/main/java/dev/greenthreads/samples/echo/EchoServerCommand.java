package dev.greenthreads.samples.echo;

import dev.greenthreads.samples.CommandLine;
import dev.greenthreads.samples.Main;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code echo-server}: runs one echo server until SIGINT or SIGTERM, then closes it gracefully
 * (listener, then every connection) and prints what it did. Enter prints its counters meanwhile.
 */
public final class EchoServerCommand {

    static final int DEFAULT_PORT = 7007;

    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: echo-server --mode MODE [--port P] [OPTIONS]",
            "  --mode M             " + EchoMode.labels(),
            "  --port P             port to listen on (default " + DEFAULT_PORT + "; 0: any free port)",
            "  --bind ADDR          address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)",
            "  --max-connections N  connections open at once; more are closed at once, with a log line"
                    + " (default " + String.format("%,d", ServerConfig.DEFAULT_MAX_CONNECTIONS) + ")",
            "  --idle-timeout T     close a connection without progress for T (default 60s; 0: never)",
            "  --buffer BYTES       bytes held per connection at most (default " + ServerConfig.DEFAULT_BUFFER_SIZE + ")",
            "  --workers N          prefork: worker processes (default: processors, at least 2)",
            "  --worker-mode M      prefork: what each worker runs (default threads)",
            "  --min-spare N        prefork: an elastic pool, sized from the scoreboard as Apache's prefork:",
            "  --max-spare N          idle workers kept at least (MinSpareServers, default 1) and at most",
            "  --max-workers N        (MaxSpareServers, default 2), workers at most (MaxRequestWorkers, default",
            "                         2 x --workers); any of the three makes the pool elastic (see prefork-pool)",
            "While it runs, Enter prints its counters (and prefork's scoreboard); Ctrl-C or SIGTERM",
            "stops it gracefully and prints a summary.",
            "modes:");

    private EchoServerCommand() {}

    public static int run(String[] args) throws Exception {
        if (CommandLine.wantsHelp(args)) {
            System.out.println(usage());
            return 0;
        }
        EchoMode mode;
        int port;
        ServerConfig config;
        PreforkEchoServer.Pool pool = null;
        try {
            CommandLine options = CommandLine.parse(args, Set.of("--mode", "--port", "--bind", "--max-connections",
                    "--idle-timeout", "--buffer", "--workers", "--worker-mode", "--min-spare", "--max-spare",
                    "--max-workers"), Set.of());
            String modeName = options.string("--mode", null);
            if (modeName == null) {
                throw new CommandLine.UsageException("--mode is required");
            }
            mode = EchoMode.byLabel(modeName);
            if (mode == null) {
                throw new CommandLine.UsageException("--mode wants one of " + EchoMode.labels() + ", got " + modeName);
            }
            EchoMode workerMode = EchoMode.byLabel(options.string("--worker-mode", EchoMode.THREADS.label()));
            if (workerMode == null || !workerMode.runsInAWorker()) {
                throw new CommandLine.UsageException("--worker-mode wants iterative|threads|virtual|select|green");
            }
            port = options.integer("--port", DEFAULT_PORT, 0);
            ServerConfig defaults = ServerConfig.defaults();
            config = defaults
                    .withBindAddress(InetAddress.getByName(options.string("--bind", "127.0.0.1")))
                    .withMaxConnections(options.integer("--max-connections", ServerConfig.DEFAULT_MAX_CONNECTIONS, 1))
                    .withIdleTimeout(options.duration("--idle-timeout", ServerConfig.DEFAULT_IDLE_TIMEOUT))
                    .withBufferSize(options.integer("--buffer", ServerConfig.DEFAULT_BUFFER_SIZE, 1))
                    .withWorkers(options.integer("--workers", defaults.workers(), 1), workerMode);
            if (options.has("--min-spare") || options.has("--max-spare") || options.has("--max-workers")) {
                if (mode != EchoMode.PREFORK) {
                    throw new CommandLine.UsageException("--min-spare, --max-spare and --max-workers size a prefork"
                            + " pool; add --mode prefork");
                }
                int minSpare = options.integer("--min-spare", 1, 0);
                int maxSpare = options.integer("--max-spare", Math.max(2, minSpare), 1);
                int maxWorkers = options.integer("--max-workers", 2 * config.workers(), config.workers());
                if (maxSpare < minSpare) {
                    throw new CommandLine.UsageException("--max-spare (" + maxSpare + ") must be at least --min-spare ("
                            + minSpare + ")");
                }
                pool = new PreforkEchoServer.Pool(minSpare, maxSpare, maxWorkers, Duration.ofSeconds(1));
            }
        } catch (CommandLine.UsageException e) {
            System.err.println("echo-server: " + e.getMessage());
            System.err.println(usage());
            return 2;
        }

        EchoMode runs = mode == EchoMode.PREFORK ? config.workerMode() : mode;
        String reason = runs.unavailableReason();
        if (reason == null && mode == EchoMode.PREFORK) {
            reason = mode.unavailableReason();
        }
        if (reason != null) {
            System.err.println("echo-server: " + reason);
            return 1;
        }
        if (runs == EchoMode.GREEN && !Main.agentLoaded()) {
            System.err.println(Main.AGENT_HINT);
        }

        EchoServer server = pool != null ? new PreforkEchoServer(config, PreforkWorker.Launch.here(), pool)
                : mode.create(config);
        try {
            server.start(port);
        } catch (IOException e) {
            System.err.printf("echo-server: cannot listen on %s:%d: %s%n",
                    config.bindAddress().getHostAddress(), port, e.getMessage());
            return 1;
        }
        long started = System.nanoTime();
        System.out.printf("echo-server %s listening on %s:%d (%s); at most %,d connections, idle timeout %s%n",
                mode.label(), config.bindAddress().getHostAddress(), server.port(), describe(mode, config),
                config.maxConnections(), config.idleTimeout().isZero() ? "none" : seconds(config.idleTimeout()));
        System.out.println("Enter: counters. Ctrl-C: stop.");

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.printf("%necho-server %s: stopping (closing the listener and every connection)%n", mode.label());
            server.close();
            System.out.printf("echo-server %s: stopped after %s. %s%n", mode.label(),
                    seconds(Duration.ofNanos(System.nanoTime() - started)), server.stats().summary());
            if (server instanceof PreforkEchoServer) {
                System.out.print(((PreforkEchoServer) server).scoreboard());
            }
            System.out.flush();
            stopped.countDown();
        }, "echo-server-shutdown"));

        try (BufferedReader console = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            while (console.readLine() != null) {
                System.out.println(server.stats().summary());
                if (server instanceof PreforkEchoServer) {
                    System.out.print(((PreforkEchoServer) server).scoreboard());
                }
            }
        } catch (IOException e) {
            // no console: just serve
        }
        stopped.await(); // standard input ended: serve until a signal stops the JVM
        return 0;
    }

    private static String describe(EchoMode mode, ServerConfig config) {
        if (mode == EchoMode.PREFORK) {
            return config.workers() + " worker processes running " + config.workerMode().label();
        }
        if (mode == EchoMode.INETD) {
            return "a JVM per connection: " + mode.summary();
        }
        return mode.summary();
    }

    static String seconds(Duration duration) {
        return String.format("%.1f s", duration.toNanos() / 1e9);
    }

    private static String usage() {
        StringBuilder text = new StringBuilder(USAGE);
        for (EchoMode mode : EchoMode.values()) {
            text.append(System.lineSeparator()).append(String.format("  %-12s %s", mode.label(), mode.summary()));
        }
        return text.toString();
    }
}
