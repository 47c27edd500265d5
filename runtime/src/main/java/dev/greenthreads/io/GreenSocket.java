package dev.greenthreads.io;

import dev.greenthreads.GreenCancelledException;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.scheduler.Interleavings;
import dev.greenthreads.internal.scheduler.Strand;
import dev.greenthreads.internal.scheduler.ThreadLocalMaps;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Objects;

/**
 * A connected TCP socket whose blocking calls park only the calling green thread: while it
 * waits for the network, its carrier runs other green threads. Called from a platform thread,
 * the same calls block that thread. The equivalent of a blocking POSIX socket ({@code connect},
 * {@code read}, {@code write}, {@code shutdown(SHUT_WR)}, {@code close}) or of
 * {@code java.net.Socket}.
 *
 * <h2>Blocking, cancellation, timeouts</h2>
 * {@link #connect}, {@link #read(byte[], int, int) read} and {@link #write(byte[], int, int)
 * write} may park, so they are {@link Suspendable}: so must be every method between them and
 * the green thread's body. Each is a cancellation point: a cancelled green thread (a platform
 * thread: an interrupted one) throws {@link GreenCancelledException} on entry, or at once if
 * the request comes while it waits. A {@code write} cancelled while it waits may have sent part
 * of its bytes. {@link #setReadTimeout} bounds each read's wait ({@code SO_RCVTIMEO}); a read
 * that waits longer throws {@link SocketTimeoutException} and the socket stays usable.
 *
 * <h2>Closing</h2>
 * {@link #close()} may be called from any thread, any number of times. A thread waiting in this
 * socket wakes at once and throws {@link SocketException} ("Socket closed"), as does every later
 * call. {@code close} itself never waits, not even for unsent data, and is not a cancellation
 * point, so it is safe in a {@code finally} block of a cancelled thread.
 *
 * <h2>Fairness</h2>
 * A socket that is always ready (a fast peer) never makes its reader wait, and a green thread
 * that never waits would keep its carrier. So after {@value Registration#OPERATION_BUDGET}
 * calls in a row that did not wait, the next call first {@linkplain
 * dev.greenthreads.GreenThread#yield() yields} (Tokio's cooperative budget).
 *
 * <p>Concurrent use: one thread may read while another writes. Concurrent reads (or concurrent
 * writes) are safe but interleave their bytes unpredictably, as with any stream socket.
 */
public final class GreenSocket implements Closeable {

    private final SocketChannel channel;
    private final Registration io;
    private final SocketAddress local;
    private final SocketAddress remote;
    /** 0: reads wait for ever. */
    private volatile long readTimeoutNanos;
    private volatile boolean outputShutdown;
    /**
     * Nothing is known to be waiting in the receive buffer: the socket is new, or the last read
     * returned less than it asked for and so emptied the buffer. The next read then waits for
     * readiness before it asks, instead of making a system call that would most likely find
     * nothing (an echo server's next read; Tokio's TcpStream does the same). Plain: a stale value
     * costs one extra wait or one extra system call, never a lost byte, because the wait is
     * level-triggered.
     */
    private boolean inputDrained = true;
    private final GreenInputStream input = new GreenInputStream(this);
    private final GreenOutputStream output = new GreenOutputStream(this);

    private GreenSocket(SocketChannel channel, Registration io) throws IOException {
        this.channel = channel;
        this.io = io;
        this.local = channel.getLocalAddress();
        this.remote = channel.getRemoteAddress();
    }

    /**
     * Connects to {@code remote} and returns the connected socket ({@code socket} +
     * {@code connect}). Parks the calling green thread until the connection is established.
     *
     * @throws java.net.ConnectException if the connection is refused
     * @throws UnknownHostException      if {@code remote} is an unresolved address
     * @throws GreenCancelledException   if the caller is cancelled meanwhile (nothing stays open)
     */
    @Suspendable
    public static GreenSocket connect(SocketAddress remote) throws IOException {
        return connect(remote, Duration.ZERO);
    }

    /**
     * Like {@link #connect(SocketAddress)}, giving up after {@code timeout} (zero: no limit).
     *
     * @throws SocketTimeoutException if the connection is not established in time
     */
    @Suspendable
    public static GreenSocket connect(SocketAddress remote, Duration timeout) throws IOException {
        Objects.requireNonNull(remote, "remote");
        long timeoutNanos = timeoutNanos(timeout);
        Strand.testCancel();
        SocketChannel channel = SocketChannel.open();
        Registration io = null;
        boolean connected = false;
        try {
            channel.configureBlocking(false);
            io = new Registration(Poller.shared(), channel);
            finishConnect(channel, io, remote, timeoutNanos);
            GreenSocket socket = new GreenSocket(channel, io);
            connected = true;
            return socket;
        } finally {
            if (!connected) {
                closeQuietly(io, channel);
            }
        }
    }

    /** Closes what a failed connect opened, without hiding why it failed. */
    private static void closeQuietly(Registration io, SocketChannel channel) {
        try {
            if (io != null) {
                io.close();
            } else {
                channel.close();
            }
        } catch (IOException | RuntimeException e) {
            // the connect's own exception is the one to report
        }
    }

    @Suspendable
    private static void finishConnect(SocketChannel channel, Registration io, SocketAddress remote, long timeoutNanos)
            throws IOException {
        try {
            if (channel.connect(remote)) {
                return;
            }
        } catch (UnresolvedAddressException e) {
            UnknownHostException u = new UnknownHostException(remote instanceof InetSocketAddress
                    ? ((InetSocketAddress) remote).getHostString() : String.valueOf(remote));
            u.initCause(e);
            throw u;
        }
        boolean timed = timeoutNanos > 0;
        long deadline = timed ? Strand.deadlineAfter(Strand.nanoTime(), timeoutNanos) : 0L;
        while (!channel.finishConnect()) {
            io.await(SelectionKey.OP_CONNECT, timed, deadline, "Connect timed out");
        }
    }

    /** Wraps an accepted channel (non-blocking already); closes it if that fails. */
    static GreenSocket accepted(SocketChannel channel, Poller poller) throws IOException {
        return Registration.closingOnFailure(channel, () -> {
            channel.configureBlocking(false);
            return new GreenSocket(channel, new Registration(poller, channel));
        });
    }

    // ------------------------------------------------------------------------------------
    // Reading

    /**
     * Reads at least one byte and at most {@code len} into {@code b[off ..]}, parking until some
     * arrive ({@code read(2)}). Returns how many, 0 only if {@code len} is 0, or -1 at the end of
     * the stream (the peer shut down its output or closed).
     *
     * @throws SocketTimeoutException  if a read timeout is set and no byte arrived in time
     * @throws SocketException         if the socket is or gets closed
     * @throws GreenCancelledException if the caller is cancelled
     */
    @Suspendable
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        return read(ByteBuffer.wrap(b, off, len));
    }

    /** {@link #read(byte[], int, int) read(b, 0, b.length)}. */
    @Suspendable
    public int read(byte[] b) throws IOException {
        return read(ByteBuffer.wrap(b));
    }

    /**
     * Reads into {@code dst}'s remaining space, parking until at least one byte arrives; as
     * {@link #read(byte[], int, int)}. Returns 0 at once if {@code dst} has no space left.
     */
    @Suspendable
    public int read(ByteBuffer dst) throws IOException {
        Interleavings.switchPoint("read", this);
        io.beforeOperation();
        long timeout = readTimeoutNanos;
        long deadline = timeout > 0 ? Strand.deadlineAfter(Strand.nanoTime(), timeout) : 0L;
        boolean waited = false;
        if (inputDrained && dst.hasRemaining()) {
            io.await(SelectionKey.OP_READ, timeout > 0, deadline, "Read timed out");
            waited = true;
        }
        for (;;) {
            int requested = dst.remaining();
            int n;
            Object greens = ThreadLocalMaps.beforeCarrierCall(); // NIO's buffer cache: the carrier's
            try {
                n = channel.read(dst);
            } catch (ClosedChannelException e) {
                throw io.closedException(e);
            } finally {
                ThreadLocalMaps.afterCarrierCall(greens);
            }
            if (n != 0 || requested == 0) {
                inputDrained = n > 0 && n < requested;
                io.afterOperation(waited);
                return n;
            }
            io.await(SelectionKey.OP_READ, timeout > 0, deadline, "Read timed out");
            waited = true;
        }
    }

    /**
     * Parks until a read would find something: bytes, the end of the stream, or an error
     * ({@code poll(POLLIN)}; Tokio's {@code readable()}). It consumes nothing. A server can thus
     * wait on thousands of idle connections without a read buffer for each, and take one only
     * when there is something to read. It may return when a read would still wait (readiness is
     * a hint); that read then simply waits. A cancellation point; bounded by the read timeout.
     *
     * @throws SocketTimeoutException if a read timeout is set and nothing arrived in time
     */
    @Suspendable
    public void awaitReadable() throws IOException {
        io.beforeOperation();
        boolean waited = inputDrained;
        if (waited) {
            long timeout = readTimeoutNanos;
            long deadline = timeout > 0 ? Strand.deadlineAfter(Strand.nanoTime(), timeout) : 0L;
            io.await(SelectionKey.OP_READ, timeout > 0, deadline, "Read timed out");
            inputDrained = false;
        }
        io.afterOperation(waited);
    }

    // ------------------------------------------------------------------------------------
    // Writing

    /**
     * Writes all {@code len} bytes of {@code b[off ..]}, parking whenever the socket's send
     * buffer is full ({@code write(2)} looped until everything is sent).
     *
     * @throws SocketException         if the socket is or gets closed, or its output was shut down
     * @throws GreenCancelledException if the caller is cancelled; part of the bytes may have been sent
     */
    @Suspendable
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        write(ByteBuffer.wrap(b, off, len));
    }

    /** {@link #write(byte[], int, int) write(b, 0, b.length)}. */
    @Suspendable
    public void write(byte[] b) throws IOException {
        write(ByteBuffer.wrap(b));
    }

    /** Writes all of {@code src}'s remaining bytes, parking while the send buffer is full. */
    @Suspendable
    public void write(ByteBuffer src) throws IOException {
        Interleavings.switchPoint("write", this);
        io.beforeOperation();
        boolean waited = false;
        while (src.hasRemaining()) {
            int n;
            Object greens = ThreadLocalMaps.beforeCarrierCall();
            try {
                n = channel.write(src);
            } catch (ClosedChannelException e) {
                if (io.isClosed() || !outputShutdown) {
                    throw io.closedException(e);
                }
                SocketException shut = new SocketException("Socket output is shutdown");
                shut.initCause(e);
                throw shut;
            } finally {
                ThreadLocalMaps.afterCarrierCall(greens);
            }
            if (src.hasRemaining()) { // the send buffer is full: wait rather than ask again
                io.await(SelectionKey.OP_WRITE, false, 0L, null);
                waited = true;
            }
        }
        io.afterOperation(waited);
    }

    // ------------------------------------------------------------------------------------
    // Streams

    /**
     * This socket's input as a stream whose reads park like {@link #read(byte[], int, int)}; the
     * same object each time. Its reads park only when called through {@link GreenInputStream}
     * itself: from the JDK's readers they pin the carrier (see {@link GreenInputStream}).
     * Closing it closes the socket.
     */
    public GreenInputStream inputStream() {
        return input;
    }

    /**
     * This socket's output as a stream whose writes park like {@link #write(byte[], int, int)};
     * the same object each time. Closing it closes the socket.
     */
    public GreenOutputStream outputStream() {
        return output;
    }

    // ------------------------------------------------------------------------------------
    // Shutting down and closing

    /**
     * Half-closes the connection ({@code shutdown(SHUT_WR)}): the peer reads the end of the
     * stream once it has everything written so far, and can still send to us. Later writes
     * throw {@link SocketException}. Does not park.
     */
    public void shutdownOutput() throws IOException {
        try {
            channel.shutdownOutput();
            outputShutdown = true;
        } catch (ClosedChannelException e) {
            throw io.closedException(e);
        }
    }

    /** Discards input from now on ({@code shutdown(SHUT_RD)}): reads return -1. Does not park. */
    public void shutdownInput() throws IOException {
        try {
            channel.shutdownInput();
        } catch (ClosedChannelException e) {
            throw io.closedException(e);
        }
    }

    /**
     * Closes the socket; see the class comment. Idempotent; callable from any thread; never
     * parks.
     */
    @Override
    public void close() throws IOException {
        io.close();
    }

    public boolean isClosed() {
        return io.isClosed();
    }

    // ------------------------------------------------------------------------------------
    // Options and addresses

    /**
     * Bounds how long each {@code read} waits for data ({@code SO_RCVTIMEO}). Null or zero: no
     * limit (the default).
     *
     * @throws IllegalArgumentException if negative
     */
    public void setReadTimeout(Duration timeout) {
        readTimeoutNanos = timeoutNanos(timeout);
    }

    /** The read timeout; {@link Duration#ZERO} when reads wait for ever. */
    public Duration readTimeout() {
        return Duration.ofNanos(readTimeoutNanos);
    }

    /** Sets a socket option ({@code setsockopt}), e.g. {@code StandardSocketOptions.TCP_NODELAY}. */
    public <T> GreenSocket setOption(SocketOption<T> option, T value) throws IOException {
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

    /** The address this end is bound to; still known after {@link #close()}. */
    public SocketAddress localAddress() {
        return local;
    }

    /** The peer's address; still known after {@link #close()}. */
    public SocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public String toString() {
        return "GreenSocket[" + local + " -> " + remote + (isClosed() ? ", closed" : "") + "]";
    }

    /** A timeout as nanoseconds, 0 meaning none; refuses negative ones. */
    static long timeoutNanos(Duration timeout) {
        if (timeout == null) {
            return 0L;
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a timeout cannot be negative: " + timeout);
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
