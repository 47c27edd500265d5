package dev.greenthreads.samples.echo;

import java.net.InetAddress;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * How an echo server runs; {@link #defaults()} then the {@code with} methods.
 *
 * @param bindAddress    the address to listen on (default loopback)
 * @param maxConnections connections open at once; more are accepted and closed at once
 * @param idleTimeout    a connection without progress this long is closed; zero: never
 * @param bufferSize     bytes a server holds per connection at most (see the package docs)
 * @param reusePort      listen with {@code SO_REUSEPORT}, so that several sockets (processes)
 *                       share the port; prefork workers set it
 * @param workers        prefork: worker processes
 * @param workerMode     prefork: the mode each worker runs
 * @param log            where servers write their log lines (refusals, failures)
 */
public record ServerConfig(InetAddress bindAddress, int maxConnections, Duration idleTimeout, int bufferSize,
                           boolean reusePort, int workers, EchoMode workerMode, Consumer<String> log) {

    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_BUFFER_SIZE = 8 * 1024;

    /** Backlog asked of {@code listen}; Linux caps it at {@code net.core.somaxconn}. */
    static final int BACKLOG = 4096;

    public ServerConfig {
        if (maxConnections < 1 || bufferSize < 1 || workers < 1 || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("maxConnections, bufferSize and workers must be >= 1,"
                    + " idleTimeout >= 0");
        }
        if (!workerMode.runsInAWorker()) {
            throw new IllegalArgumentException("a prefork worker runs neither prefork nor inetd");
        }
    }

    public static ServerConfig defaults() {
        return new ServerConfig(InetAddress.getLoopbackAddress(), DEFAULT_MAX_CONNECTIONS, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_BUFFER_SIZE, false, Math.max(2, Runtime.getRuntime().availableProcessors()),
                EchoMode.THREADS, line -> System.err.println(line));
    }

    public ServerConfig withBindAddress(InetAddress address) {
        return new ServerConfig(address, maxConnections, idleTimeout, bufferSize, reusePort, workers, workerMode, log);
    }

    public ServerConfig withMaxConnections(int max) {
        return new ServerConfig(bindAddress, max, idleTimeout, bufferSize, reusePort, workers, workerMode, log);
    }

    public ServerConfig withIdleTimeout(Duration timeout) {
        return new ServerConfig(bindAddress, maxConnections, timeout, bufferSize, reusePort, workers, workerMode, log);
    }

    public ServerConfig withBufferSize(int size) {
        return new ServerConfig(bindAddress, maxConnections, idleTimeout, size, reusePort, workers, workerMode, log);
    }

    public ServerConfig withReusePort(boolean reuse) {
        return new ServerConfig(bindAddress, maxConnections, idleTimeout, bufferSize, reuse, workers, workerMode, log);
    }

    public ServerConfig withWorkers(int count, EchoMode mode) {
        return new ServerConfig(bindAddress, maxConnections, idleTimeout, bufferSize, reusePort, count, mode, log);
    }

    public ServerConfig withLog(Consumer<String> sink) {
        return new ServerConfig(bindAddress, maxConnections, idleTimeout, bufferSize, reusePort, workers, workerMode, sink);
    }
}
