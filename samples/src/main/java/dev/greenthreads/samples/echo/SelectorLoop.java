package dev.greenthreads.samples.echo;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * One selector thread of the {@link LoadGenerator} and its share of the connections, in two
 * phases: it connects (and primes) all of them, waits for the others at {@link
 * LoadGenerator.Phases#go}, then converses until the window ends, and keeps its connections open
 * until {@link LoadGenerator.Phases#hold} opens.
 */
final class SelectorLoop implements Runnable {

    static final int CONNECTS_IN_FLIGHT = 128;
    private static final int MAX_IN_FLIGHT = 1024;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    final Selector selector;
    final List<Conn> conns = new ArrayList<>();
    final Histogram histogram = new Histogram(3);
    final Map<String, Long> errors = new HashMap<>();
    final ByteBuffer scratch = ByteBuffer.allocateDirect(64 * 1024);
    final PriorityQueue<Conn> schedule = new PriorityQueue<>(Comparator.comparingLong((Conn c) -> c.nextDue));
    int connected;
    int live;
    long measured;
    long bytesVerified;
    /** False while connecting (and priming), true once the load runs. */
    boolean conversing;
    long measureFrom;
    long measureTo;
    long endedAt;

    private final LoadGenerator.Config config;
    private final LoadGenerator.Phases phases;

    SelectorLoop(LoadGenerator.Config config, LoadGenerator.Phases phases, Selector selector) {
        this.config = config;
        this.phases = phases;
        this.selector = selector;
    }

    @Override
    public void run() {
        try {
            connectAll();
            phases.go.await();
            if (!phases.stop) {
                converse();
            }
            doneConversing();
            phases.hold.await();
        } catch (IOException | RuntimeException e) {
            error("client failure: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            doneConversing();
            for (Conn conn : conns) {
                resolve(conn); // so that run() never waits for a connection this thread gave up on
                if (conn.channel != null) {
                    ConnectionTable.closeQuietly(conn.channel);
                }
            }
            ConnectionTable.closeQuietly(selector);
        }
    }

    private void doneConversing() {
        if (endedAt == 0) {
            endedAt = System.nanoTime();
            phases.conversed.countDown();
        }
    }

    // ------------------------------------------------------------ connecting

    private void connectAll() throws IOException {
        int next = 0;
        List<Conn> pending = new ArrayList<>();
        long timeout = config.connectTimeout().toNanos();
        while ((next < conns.size() || !pending.isEmpty()) && !phases.stop) {
            while (pending.size() < CONNECTS_IN_FLIGHT && next < conns.size()) {
                Conn conn = conns.get(next++);
                startConnect(conn);
                if (!conn.resolved) {
                    pending.add(conn);
                }
            }
            selector.select(10);
            Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
            while (ready.hasNext()) {
                SelectionKey key = ready.next();
                ready.remove();
                Conn conn = (Conn) key.attachment();
                try {
                    if (key.isValid() && key.isConnectable()) {
                        if (conn.channel.finishConnect()) {
                            connected(conn);
                        }
                        continue;
                    }
                    if (key.isValid() && key.isWritable()) {
                        writeOut(conn);
                    }
                    if (key.isValid() && key.isReadable()) {
                        readIn(conn); // the priming echo
                    }
                } catch (IOException e) {
                    if (conn.live) {
                        failed(conn, e);
                    } else {
                        connectFailed(conn, e);
                    }
                }
            }
            long now = System.nanoTime();
            pending.removeIf(conn -> {
                if (!conn.resolved && now - conn.connectStarted > timeout) {
                    if (conn.live) {
                        error("no echo within the connect timeout");
                        close(conn);
                    } else {
                        connectFailed(conn, new IOException("timed out"));
                    }
                }
                return conn.resolved;
            });
        }
    }

    private void startConnect(Conn conn) {
        try {
            conn.channel = SocketChannel.open();
            conn.channel.configureBlocking(false);
            conn.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            conn.connectStarted = System.nanoTime();
            conn.key = conn.channel.register(selector, 0, conn);
            if (conn.channel.connect(config.target())) {
                connected(conn);
            } else {
                interest(conn, SelectionKey.OP_CONNECT);
            }
        } catch (IOException e) {
            connectFailed(conn, e);
        }
    }

    /** TCP connected: primed, it sends its first message and is resolved by the echo. */
    private void connected(Conn conn) {
        connected++;
        live++;
        conn.live = true;
        if (config.prime()) {
            issue(conn, System.nanoTime());
        } else {
            interest(conn, 0);
            resolve(conn);
        }
    }

    private void resolve(Conn conn) {
        if (!conn.resolved) {
            conn.resolved = true;
            phases.resolved.countDown();
        }
    }

    private void connectFailed(Conn conn, IOException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        error(message.contains("refused") ? "connect refused"
                : message.contains("timed out") ? "connect timeout"
                : "connect failed: " + e.getMessage());
        close(conn);
    }

    // ------------------------------------------------------------ conversing

    private void converse() throws IOException {
        conversing = true;
        long start = phases.begin;
        measureFrom = start + config.warmup().toNanos();
        measureTo = measureFrom + config.duration().toNanos();
        long interval = config.openLoop() ? (long) (config.connections() * 1e9 / config.rate()) : 0;
        for (Conn conn : conns) {
            if (conn.closed) {
                continue;
            }
            if (config.openLoop()) {
                conn.nextDue = start + (long) (conn.id * 1e9 / config.rate()) % Math.max(1, interval);
                schedule.add(conn);
            } else {
                issue(conn, start);
            }
        }
        while (!phases.stop && live > 0) {
            long now = System.nanoTime();
            if (now - measureTo >= 0) {
                break;
            }
            long wait = Math.min(TICK_NANOS, measureTo - now);
            if (!schedule.isEmpty()) {
                wait = Math.min(wait, schedule.peek().nextDue - now);
            }
            if (wait > TimeUnit.MILLISECONDS.toNanos(1)) {
                selector.select(TimeUnit.NANOSECONDS.toMillis(wait));
            } else {
                selector.selectNow();
            }
            Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
            while (ready.hasNext()) {
                SelectionKey key = ready.next();
                ready.remove();
                Conn conn = (Conn) key.attachment();
                try {
                    if (key.isValid() && key.isWritable()) {
                        writeOut(conn);
                    }
                    if (key.isValid() && key.isReadable()) {
                        readIn(conn);
                    }
                } catch (IOException e) {
                    failed(conn, e);
                }
            }
            if (config.openLoop()) {
                sendDue(interval);
            }
        }
    }

    private void sendDue(long interval) {
        long now = System.nanoTime();
        while (!schedule.isEmpty() && schedule.peek().nextDue - now <= 0) {
            Conn conn = schedule.poll();
            if (conn.closed) {
                continue;
            }
            if (conn.inFlight >= MAX_IN_FLIGHT) {
                error("not sent: " + MAX_IN_FLIGHT + " messages already in flight");
            } else {
                issue(conn, conn.nextDue);
            }
            conn.nextDue += interval;
            if (!conn.closed && !allIssued(conn)) {
                schedule.add(conn);
            }
        }
    }

    private boolean allIssued(Conn conn) {
        return config.messagesPerConnection() > 0 && conn.issued >= config.messagesPerConnection();
    }

    /** Releases one more message for sending; {@code time} is when it counts from. */
    private void issue(Conn conn, long time) {
        if (conn.closed || allIssued(conn)) {
            return;
        }
        conn.push(time);
        conn.issued++;
        conn.allowed += config.messageSize();
        try {
            writeOut(conn);
        } catch (IOException e) {
            failed(conn, e);
        }
    }

    private void writeOut(Conn conn) throws IOException {
        while (conn.sent < conn.allowed) {
            int length = (int) Math.min(scratch.capacity(), conn.allowed - conn.sent);
            EchoPattern.fill(scratch, conn.seed, conn.sent, length);
            int written = conn.channel.write(scratch);
            conn.sent += written;
            if (written < length) {
                interest(conn, SelectionKey.OP_READ | SelectionKey.OP_WRITE); // the socket is full
                return;
            }
        }
        interest(conn, SelectionKey.OP_READ);
    }

    private void readIn(Conn conn) throws IOException {
        scratch.clear();
        int n = conn.channel.read(scratch);
        if (n < 0) {
            error("closed by server");
            close(conn);
            return;
        }
        scratch.flip();
        if (conn.received + n > conn.sent) {
            error("more bytes echoed than sent");
            close(conn);
            return;
        }
        if (EchoPattern.mismatch(scratch, conn.seed, conn.received) >= 0) {
            error("byte mismatch");
            close(conn);
            return;
        }
        conn.received += n;
        bytesVerified += n;
        long size = config.messageSize();
        while (conn.inFlight > 0 && conn.received >= (conn.done + 1) * size) {
            long sentAt = conn.pop();
            conn.done++;
            phases.echoed.increment();
            if (!conversing) {
                resolve(conn); // primed
                continue;
            }
            long now = System.nanoTime();
            if (sentAt - measureFrom >= 0 && now - measureTo <= 0) {
                histogram.recordValue(Math.max(0, now - sentAt));
                measured++;
            }
            if (!config.openLoop() && now - measureTo < 0 && !phases.stop) {
                issue(conn, now);
            }
        }
        if (config.messagesPerConnection() > 0 && conn.done >= config.messagesPerConnection()) {
            close(conn); // all echoed: a clean end
        }
    }

    private void failed(Conn conn, IOException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        error(message.contains("reset") ? "reset by peer"
                : message.contains("broken pipe") ? "broken pipe"
                : "io error: " + e.getMessage());
        close(conn);
    }

    private void interest(Conn conn, int ops) {
        if (conn.interest != ops && conn.key.isValid()) {
            conn.key.interestOps(ops);
            conn.interest = ops;
        }
    }

    private void close(Conn conn) {
        if (conn.closed) {
            return;
        }
        if (conn.live) {
            conn.live = false;
            live--;
        }
        conn.closed = true;
        ConnectionTable.closeQuietly(conn.channel);
        resolve(conn);
    }

    private void error(String name) {
        errors.merge(name, 1L, Long::sum);
    }

    /** One connection, owned by one loop thread. */
    static final class Conn {
        final int id;
        final long seed;
        SocketChannel channel;
        SelectionKey key;
        int interest = -1;
        long connectStarted;
        /** Stream offsets: bytes the schedule released, bytes written, bytes echoed and verified. */
        long allowed;
        long sent;
        long received;
        long issued;
        long done;
        /** When each message in flight was sent (closed loop) or due (open loop): a ring. */
        long[] times = new long[4];
        int head;
        int inFlight;
        long nextDue;
        /** Connected or failed to: counted down on {@link #resolved} once. */
        boolean resolved;
        /** Connected, so counted in its loop's {@code live} until closed. */
        boolean live;
        boolean closed;

        Conn(int id) {
            this.id = id;
            this.seed = EchoPattern.seed(id);
        }

        void push(long time) {
            if (inFlight == times.length) {
                long[] bigger = new long[times.length * 2];
                for (int i = 0; i < inFlight; i++) {
                    bigger[i] = times[(head + i) % times.length];
                }
                times = bigger;
                head = 0;
            }
            times[(head + inFlight) % times.length] = time;
            inFlight++;
        }

        long pop() {
            long time = times[head];
            head = (head + 1) % times.length;
            inFlight--;
            return time;
        }
    }
}
