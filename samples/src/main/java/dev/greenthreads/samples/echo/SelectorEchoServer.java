package dev.greenthreads.samples.echo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * {@code select}: one thread serves every connection, multiplexing them with a NIO
 * {@link Selector} (epoll on Linux), as Netty's event loops and nginx's workers do.
 *
 * <p>Implementation overview. Each connection is registered for exactly one interest at a
 * time. {@code OP_READ}: it has nothing pending; a readable connection is read once into the
 * loop's one shared buffer, and the bytes are written straight back. Whatever the socket does
 * not take is copied into that connection's own pending buffer (at most one read's worth, so at
 * most {@code --buffer} bytes) and the interest becomes {@code OP_WRITE}: the loop stops reading
 * from a client whose echoes it cannot deliver, which is the backpressure that keeps memory
 * bounded and lets TCP flow control slow that client down. When the pending bytes are out, the
 * buffer is dropped and the interest is {@code OP_READ} again. One read per readiness keeps a
 * busy connection from starving the others (the selector is level-triggered and comes back).
 * An idle connection costs a key and a small object, no buffer.
 *
 * <p>Every channel is opened, closed and touched on the loop thread only; {@link #close()}
 * asks the loop to stop and waits for it.
 */
final class SelectorEchoServer implements EchoServer {

    /** One connection's state on the loop. */
    private static final class Conn {
        final SocketChannel channel;
        final ConnectionTable.Connection entry;
        /** Bytes read but not yet echoed; null when there are none. */
        ByteBuffer pending;
        /** The client half-closed: finish echoing, then close. */
        boolean inputEnded;

        Conn(SocketChannel channel, ConnectionTable.Connection entry) {
            this.channel = channel;
            this.entry = entry;
        }
    }

    private static final int ACCEPTS_PER_WAKEUP = 256;
    private static final long ACCEPT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ServerConfig config;
    private final ServerStats.Counters counters = new ServerStats.Counters();
    private final ConnectionTable table;
    private final FailureLog failures;

    private volatile boolean closed;
    private ServerSocketChannel server;
    private Selector selector;
    private SelectionKey acceptKey;
    private Thread loop;
    private int port;
    private long acceptPausedUntil;

    SelectorEchoServer(ServerConfig config) {
        this.config = config;
        this.table = new ConnectionTable("echo-server select", config, counters);
        this.failures = new FailureLog(config.log(), "echo-server select: ");
    }

    @Override
    public void start(int port) throws IOException {
        server = ServerSocketChannel.open();
        try {
            if (config.reusePort()) {
                server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            server.bind(new InetSocketAddress(config.bindAddress(), port), ServerConfig.BACKLOG);
            server.configureBlocking(false);
            selector = Selector.open();
            acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            ConnectionTable.closeQuietly(server);
            if (selector != null) {
                ConnectionTable.closeQuietly(selector);
            }
            throw e;
        }
        this.port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        loop = new Thread(this::loop, "echo-select-loop");
        loop.setDaemon(true);
        loop.start();
    }

    private void loop() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(config.bufferSize());
        long idleTimeout = config.idleTimeout().toNanos();
        long idleCheckEvery = idleTimeout == 0 ? Long.MAX_VALUE : Math.max(TimeUnit.MILLISECONDS.toNanos(10), idleTimeout / 4);
        long nextIdleCheck = System.nanoTime() + Math.min(idleCheckEvery, Long.MAX_VALUE / 2);
        try {
            while (!closed) {
                long timeoutMillis = idleTimeout == 0 ? 1000 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(idleCheckEvery));
                if (acceptPausedUntil != 0) {
                    timeoutMillis = Math.min(timeoutMillis, TimeUnit.NANOSECONDS.toMillis(ACCEPT_BACKOFF_NANOS));
                }
                selector.select(timeoutMillis);
                Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
                while (ready.hasNext()) {
                    SelectionKey key = ready.next();
                    ready.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key == acceptKey) {
                        acceptAll();
                        continue;
                    }
                    Conn conn = (Conn) key.attachment();
                    try {
                        if (key.isWritable()) {
                            flush(conn, key);
                        } else if (key.isReadable()) {
                            read(conn, key, buffer);
                        }
                    } catch (IOException e) {
                        table.failed(conn.entry, e);
                    }
                }
                long now = System.nanoTime();
                if (acceptPausedUntil != 0 && now - acceptPausedUntil >= 0) {
                    acceptPausedUntil = 0;
                    acceptKey.interestOps(SelectionKey.OP_ACCEPT);
                }
                if (now - nextIdleCheck >= 0) {
                    table.closeIdle();
                    nextIdleCheck = now + idleCheckEvery;
                }
            }
        } catch (IOException | RuntimeException e) {
            config.log().accept("echo-server select: the selector loop failed, closing every connection: " + e);
        } finally {
            table.closeAll();
            ConnectionTable.closeQuietly(selector);
            ConnectionTable.closeQuietly(server);
        }
    }

    private void acceptAll() {
        for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                // Typically out of file descriptors. The listener stays readable, so stop asking for a while.
                acceptKey.interestOps(0);
                acceptPausedUntil = System.nanoTime() + ACCEPT_BACKOFF_NANOS;
                failures.log("accept failed (" + e.getMessage() + "); pausing accepts for 100 ms");
                return;
            }
            if (channel == null) {
                return;
            }
            ConnectionTable.Connection entry = table.admit(channel, remoteAddress(channel));
            if (entry == null) {
                continue;
            }
            try {
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.register(selector, SelectionKey.OP_READ, new Conn(channel, entry));
            } catch (IOException e) {
                table.failed(entry, e);
            }
        }
    }

    private void read(Conn conn, SelectionKey key, ByteBuffer buffer) throws IOException {
        buffer.clear();
        int n = conn.channel.read(buffer);
        if (n < 0) {
            conn.inputEnded = true;
            finish(conn);
            return;
        }
        if (n == 0) {
            return;
        }
        conn.entry.touch();
        counters.bytesRead.add(n);
        buffer.flip();
        counters.bytesWritten.add(conn.channel.write(buffer));
        if (buffer.hasRemaining()) {
            conn.pending = ByteBuffer.allocate(buffer.remaining()).put(buffer).flip();
            key.interestOps(SelectionKey.OP_WRITE);
        }
    }

    private void flush(Conn conn, SelectionKey key) throws IOException {
        int written = conn.channel.write(conn.pending);
        if (written > 0) {
            conn.entry.touch();
            counters.bytesWritten.add(written);
        }
        if (conn.pending.hasRemaining()) {
            return;
        }
        conn.pending = null;
        if (conn.inputEnded) {
            finish(conn);
        } else {
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    /** The client half-closed and everything is echoed: answer with our own FIN, then close. */
    private void finish(Conn conn) throws IOException {
        conn.channel.shutdownOutput();
        table.release(conn.entry);
    }

    private static SocketAddress remoteAddress(SocketChannel channel) {
        try {
            return channel.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String mode() {
        return EchoMode.SELECT.label();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (loop == null) {
            return;
        }
        selector.wakeup();
        try {
            loop.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public ServerStats stats() {
        return counters.snapshot();
    }
}
