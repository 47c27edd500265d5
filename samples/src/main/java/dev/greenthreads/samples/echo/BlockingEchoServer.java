package dev.greenthreads.samples.echo;

import dev.greenthreads.samples.VirtualThreads;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The three blocking echo servers, {@code iterative}, {@code threads} and {@code virtual}: one
 * accept loop and one read-then-write loop per connection, differing only in what runs that
 * loop. The accepting thread itself ({@link #iterative}: while it serves one connection, nobody
 * accepts the next, so one slow client stalls all), a new platform thread
 * ({@link #threadPerConnection}: a kernel thread and its stack per connection), or a new virtual
 * thread ({@link #virtualThreadPerConnection}: the JDK parks it on blocking I/O and runs others
 * on a few carrier threads).
 *
 * <p>Each connection reads at most one buffer, then writes all of it back before reading again,
 * so a client that never reads blocks its own handler in {@code write}, and TCP flow control
 * stops it sending: the server's memory stays one buffer per connection.
 */
final class BlockingEchoServer implements EchoServer {

    private final EchoMode mode;
    /** Null: the accepting thread serves each connection itself. */
    private final ThreadFactory handlerThreads;
    private final ServerConfig config;
    private final ServerStats.Counters counters = new ServerStats.Counters();
    private final ConnectionTable table;
    private final FailureLog failures;
    private final Set<Thread> handlers = ConcurrentHashMap.newKeySet();

    private volatile boolean closed;
    private ServerSocket listener;
    private Thread acceptor;

    private BlockingEchoServer(EchoMode mode, ServerConfig config, ThreadFactory handlerThreads) {
        this.mode = mode;
        this.config = config;
        this.handlerThreads = handlerThreads;
        this.table = new ConnectionTable("echo-server " + mode.label(), config, counters);
        this.failures = new FailureLog(config.log(), "echo-server " + mode.label() + ": ");
    }

    static BlockingEchoServer iterative(ServerConfig config) {
        return new BlockingEchoServer(EchoMode.ITERATIVE, config, null);
    }

    static BlockingEchoServer threadPerConnection(ServerConfig config) {
        AtomicLong next = new AtomicLong();
        return new BlockingEchoServer(EchoMode.THREADS, config, body -> {
            Thread thread = new Thread(body, "echo-threads-conn-" + next.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    static BlockingEchoServer virtualThreadPerConnection(ServerConfig config) {
        return new BlockingEchoServer(EchoMode.VIRTUAL, config, VirtualThreads.factory("echo-virtual-conn-"));
    }

    @Override
    public void start(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            if (config.reusePort()) {
                socket.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            socket.bind(new InetSocketAddress(config.bindAddress(), port), ServerConfig.BACKLOG);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        listener = socket;
        table.startReaper("echo-" + mode.label() + "-idle-reaper");
        acceptor = new Thread(this::acceptLoop, "echo-" + mode.label() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    acceptFailed(e);
                }
                continue;
            }
            ConnectionTable.Connection connection = table.admit(socket, socket.getRemoteSocketAddress());
            if (connection == null) {
                continue;
            }
            if (handlerThreads == null) {
                serve(socket, connection);
                continue;
            }
            Thread handler = null;
            try {
                handler = handlerThreads.newThread(() -> {
                    try {
                        serve(socket, connection);
                    } finally {
                        handlers.remove(Thread.currentThread());
                    }
                });
                handlers.add(handler);
                handler.start();
            } catch (OutOfMemoryError | RuntimeException e) { // "unable to create native thread"
                if (handler != null) {
                    handlers.remove(handler);
                }
                counters.error("no thread");
                table.release(connection);
                failures.log("could not start a thread for a connection, closed it: " + e);
            }
        }
    }

    /** Echoes until the client closes its side, then closes ours; always ends by releasing. */
    private void serve(Socket socket, ConnectionTable.Connection connection) {
        try {
            echo(socket, connection);
            socket.shutdownOutput(); // everything it sent is echoed: the half-close is answered
            table.release(connection);
        } catch (IOException e) {
            table.failed(connection, e);
        } catch (RuntimeException | Error e) {
            counters.error("server bug");
            table.release(connection);
            failures.log("a connection's handler failed: " + e);
        }
    }

    /**
     * The echo loop, kept out of {@link #serve}'s try: on JDK 25 a virtual thread's read that
     * fails in on-stack-replaced code can skip a matching handler of the same method.
     */
    private void echo(Socket socket, ConnectionTable.Connection connection) throws IOException {
        socket.setTcpNoDelay(true);
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buffer = new byte[config.bufferSize()];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            connection.touch();
            counters.bytesRead.add(n);
            out.write(buffer, 0, n);
            connection.touch();
            counters.bytesWritten.add(n);
        }
    }

    /** accept() failed, e.g. out of file descriptors: say so (once a second) and back off a little. */
    private void acceptFailed(IOException e) {
        failures.log("accept failed (" + e.getMessage() + "); retrying in 50 ms");
        try {
            Thread.sleep(50);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public int port() {
        return listener.getLocalPort();
    }

    @Override
    public String mode() {
        return mode.label();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (listener == null) {
            return;
        }
        ConnectionTable.closeQuietly(listener); // wakes the acceptor
        table.closeAll();                        // wakes every handler
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            join(acceptor, deadline);
            for (Thread handler : handlers) {
                join(handler, deadline);
            }
            table.awaitReaper(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(Thread thread, long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.timedJoin(thread, left);
        }
    }

    @Override
    public ServerStats stats() {
        return counters.snapshot();
    }
}
