package dev.greenthreads.samples.echo;

import dev.greenthreads.GreenCancelledException;
import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import dev.greenthreads.io.GreenServerSocket;
import dev.greenthreads.io.GreenSocket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code green}: a green thread per connection on {@code dev.greenthreads.io}. It reads like
 * the {@code threads} mode ({@link BlockingEchoServer}): an accept loop, and per connection a
 * loop that reads at most one buffer and writes all of it back. But {@code accept}, {@code read}
 * and {@code write} park only the calling green thread, so the scheduler's few carrier threads
 * serve every connection, and a client that never reads parks its own green thread in
 * {@code write} (the same bounded buffering as the other modes).
 *
 * <p>One difference: a connection waits for something to read ({@link GreenSocket#awaitReadable()})
 * before it borrows a buffer from a small shared pool, and gives it back once the bytes are
 * echoed. An idle connection thus holds no buffer, only its parked green thread and socket,
 * as an idle connection of the {@code select} server holds none: about 2.1 KB of heap per
 * connection, both ends' channels included, instead of 10 KB ({@code GreenEchoServerTest}).
 *
 * <p>Idle reaping, max-connections and shutdown are the {@link ConnectionTable}'s, as for the
 * other modes: closing a {@link GreenSocket} from the reaper's platform thread wakes the green
 * thread parked on it.
 *
 * <p>Its classes must be rewritten by the agent ({@code -javaagent:greenthreads-agent.jar}), as
 * every sample's: {@link #serve} parks inside {@code read} and {@code write}.
 */
final class GreenEchoServer implements EchoServer {

    private final ServerConfig config;
    private final ServerStats.Counters counters = new ServerStats.Counters();
    private final ConnectionTable table;
    private final FailureLog failures;
    private final Scheduler scheduler = Scheduler.defaultScheduler();
    private final Set<GreenThread<?>> handlers = ConcurrentHashMap.newKeySet();
    private final BufferPool buffers;
    private final AtomicLong connectionNumber = new AtomicLong();

    private volatile boolean closed;
    private GreenServerSocket listener;
    private GreenThread<Void> acceptor;
    private int port;

    GreenEchoServer(ServerConfig config) {
        this.config = config;
        this.table = new ConnectionTable("echo-server green", config, counters);
        this.failures = new FailureLog(config.log(), "echo-server green: ");
        this.buffers = new BufferPool(config.bufferSize());
    }

    /**
     * Read buffers lent to the connections that have something to read. Its lock is held for a
     * few instructions, never across a park; at most {@link #KEPT} idle buffers are kept.
     */
    private static final class BufferPool {
        private static final int KEPT = 256;
        private final int size;
        private final ArrayDeque<byte[]> free = new ArrayDeque<>();
        private final ReentrantLock lock = new ReentrantLock();

        BufferPool(int size) {
            this.size = size;
        }

        byte[] take() {
            lock.lock();
            try {
                byte[] buffer = free.pollFirst();
                return buffer != null ? buffer : new byte[size];
            } finally {
                lock.unlock();
            }
        }

        void give(byte[] buffer) {
            lock.lock();
            try {
                if (free.size() < KEPT) {
                    free.addFirst(buffer);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public void start(int port) throws IOException {
        InetSocketAddress local = new InetSocketAddress(config.bindAddress(), port);
        listener = config.reusePort() ? GreenServerSocket.bindSharedPort(local, ServerConfig.BACKLOG)
                : GreenServerSocket.bind(local, ServerConfig.BACKLOG);
        this.port = ((InetSocketAddress) listener.localAddress()).getPort();
        table.startReaper("echo-green-idle-reaper");
        acceptor = GreenThread.builder().name("echo-green-accept").scheduler(scheduler).start(this::acceptLoop);
    }

    @Suspendable
    private void acceptLoop() {
        while (!closed) {
            GreenSocket socket;
            try {
                socket = listener.accept();
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                failures.log("accept failed (" + e.getMessage() + "); retrying in 50 ms");
                GreenThread.sleep(50);
                continue;
            }
            ConnectionTable.Connection connection = table.admit(socket, socket.remoteAddress());
            if (connection == null) {
                continue;
            }
            GreenThread<Void> handler = GreenThread.builder()
                    .name("echo-green-conn-" + connectionNumber.incrementAndGet())
                    .scheduler(scheduler)
                    .start(() -> {
                        try {
                            serve(socket, connection);
                        } finally {
                            handlers.remove(GreenThread.current());
                        }
                    });
            handlers.add(handler);
            if (handler.state() == GreenThread.State.TERMINATED) {
                handlers.remove(handler); // it ended before it was added
            }
        }
    }

    /** Echoes until the client closes its side, then closes ours; always ends by releasing. */
    @Suspendable
    private void serve(GreenSocket socket, ConnectionTable.Connection connection) {
        try {
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true); // as every other mode
            for (;;) {
                socket.awaitReadable(); // idle: no buffer held
                byte[] buffer = buffers.take();
                try {
                    int n = socket.read(buffer, 0, buffer.length);
                    if (n < 0) {
                        break;
                    }
                    connection.touch();
                    counters.bytesRead.add(n);
                    socket.write(buffer, 0, n);
                    connection.touch();
                    counters.bytesWritten.add(n);
                } finally {
                    buffers.give(buffer);
                }
            }
            socket.shutdownOutput(); // everything it sent is echoed: the half-close is answered
            table.release(connection);
        } catch (GreenCancelledException e) {
            table.release(connection);
            throw e;
        } catch (Exception e) {
            if (e instanceof IOException) {
                table.failed(connection, (IOException) e);
            } else {
                counters.error("server bug");
                table.release(connection);
                failures.log("a connection's handler failed: " + e);
            }
        }
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String mode() {
        return EchoMode.GREEN.label();
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
        try {
            listener.close(); // wakes the acceptor
        } catch (Exception e) {
            // closing anyway
        }
        table.closeAll(); // wakes every handler
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        join(acceptor, deadline);
        for (GreenThread<?> handler : handlers) {
            join(handler, deadline);
        }
        try {
            table.awaitReaper(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(GreenThread<?> thread, long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            return;
        }
        try {
            thread.join(Duration.ofNanos(left));
        } catch (Exception e) {
            // ended badly or not in time: either way, no longer waited for
        }
    }

    @Override
    public ServerStats stats() {
        return counters.snapshot();
    }
}
