package dev.greenthreads.io;

import dev.greenthreads.GreenCancelledException;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.scheduler.Interleavings;
import dev.greenthreads.internal.scheduler.Strand;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * A listening TCP socket whose {@link #accept()} parks only the calling green thread (a platform
 * thread: blocks it). The equivalent of {@code socket} + {@code bind} + {@code listen} +
 * {@code accept}, or of {@code java.net.ServerSocket}.
 *
 * <p>{@link #accept()} is a cancellation point, {@link #setAcceptTimeout bounded} if asked
 * ({@link SocketTimeoutException}), and budgeted like {@link GreenSocket}'s calls (a flood of
 * connections does not keep the acceptor on its carrier for ever). {@link #close()}, from any
 * thread, wakes a waiting acceptor, which throws {@link SocketException} ("Socket closed").
 * {@code SO_REUSEADDR} is on, as for {@code java.net.ServerSocket} on Linux.
 */
public final class GreenServerSocket implements Closeable {

    private final ServerSocketChannel channel;
    private final Registration io;
    private final SocketAddress local;
    private volatile long acceptTimeoutNanos;

    private GreenServerSocket(ServerSocketChannel channel, Registration io) throws IOException {
        this.channel = channel;
        this.io = io;
        this.local = channel.getLocalAddress();
    }

    /** Listens on {@code port} of every local address; 0 picks a free port (see {@link #localAddress()}). */
    public static GreenServerSocket bind(int port) throws IOException {
        return bind(new InetSocketAddress(port), 0);
    }

    /** Listens on {@code local}; null means a free port of every local address. */
    public static GreenServerSocket bind(SocketAddress local) throws IOException {
        return bind(local, 0);
    }

    /**
     * Listens on {@code local} with a queue of at most {@code backlog} connections not yet
     * accepted ({@code listen(2)}; 0 or less: the system's default).
     */
    public static GreenServerSocket bind(SocketAddress local, int backlog) throws IOException {
        return bind(local, backlog, false);
    }

    /**
     * As {@link #bind(SocketAddress, int)}, with {@code SO_REUSEPORT}: other sockets that set it
     * too, in this process or others, may listen on the same port, and the kernel spreads new
     * connections over them (a prefork server's workers).
     *
     * @throws UnsupportedOperationException if the platform has no {@code SO_REUSEPORT}
     */
    public static GreenServerSocket bindSharedPort(SocketAddress local, int backlog) throws IOException {
        return bind(local, backlog, true);
    }

    private static GreenServerSocket bind(SocketAddress local, int backlog, boolean sharedPort) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        return Registration.closingOnFailure(channel, () -> {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (sharedPort) {
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            channel.bind(local, Math.max(backlog, 0));
            channel.configureBlocking(false);
            return new GreenServerSocket(channel, new Registration(Poller.shared(), channel));
        });
    }

    /**
     * Waits for a connection and returns it, connected ({@code accept(2)}). Parks only the
     * calling green thread meanwhile.
     *
     * @throws SocketTimeoutException  if an accept timeout is set and nobody connected in time
     * @throws SocketException         if this socket is or gets closed
     * @throws GreenCancelledException if the caller is cancelled
     * @throws IOException             e.g. the process ran out of file descriptors
     */
    @Suspendable
    public GreenSocket accept() throws IOException {
        Interleavings.switchPoint("accept", this);
        io.beforeOperation();
        long timeout = acceptTimeoutNanos;
        long deadline = 0L;
        boolean waited = false;
        for (;;) {
            SocketChannel accepted;
            try {
                accepted = channel.accept();
            } catch (ClosedChannelException e) {
                throw io.closedException(e);
            }
            if (accepted != null) {
                io.afterOperation(waited);
                return GreenSocket.accepted(accepted, io.poller);
            }
            if (timeout > 0 && !waited) {
                deadline = Strand.deadlineAfter(Strand.nanoTime(), timeout);
            }
            io.await(SelectionKey.OP_ACCEPT, timeout > 0, deadline, "Accept timed out");
            waited = true;
        }
    }

    /** Bounds how long each {@link #accept()} waits; null or zero: no limit (the default). */
    public void setAcceptTimeout(Duration timeout) {
        acceptTimeoutNanos = GreenSocket.timeoutNanos(timeout);
    }

    public Duration acceptTimeout() {
        return Duration.ofNanos(acceptTimeoutNanos);
    }

    /** The address it listens on, with the actual port if it was bound to port 0. */
    public SocketAddress localAddress() {
        return local;
    }

    /** The port it listens on. */
    public int localPort() {
        return ((InetSocketAddress) local).getPort();
    }

    public <T> GreenServerSocket setOption(SocketOption<T> option, T value) throws IOException {
        try {
            channel.setOption(option, value);
            return this;
        } catch (ClosedChannelException e) {
            throw io.closedException(e);
        }
    }

    public <T> T getOption(SocketOption<T> option) throws IOException {
        try {
            return channel.getOption(option);
        } catch (ClosedChannelException e) {
            throw io.closedException(e);
        }
    }

    /**
     * Stops listening and wakes a waiting acceptor. Connections already accepted are not
     * affected. Idempotent; callable from any thread; never parks.
     */
    @Override
    public void close() throws IOException {
        io.close();
    }

    public boolean isClosed() {
        return io.isClosed();
    }

    @Override
    public String toString() {
        return "GreenServerSocket[" + local + (isClosed() ? ", closed" : "") + "]";
    }
}
