package dev.greenthreads.samples.echo;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * An echo load generator: {@code connections} TCP connections driven by a few selector threads
 * (so 5,000 connections need 5,000 sockets, not 5,000 threads), every echoed byte checked
 * against what was sent ({@link EchoPattern}), latency recorded in an HdrHistogram.
 *
 * <p>How a run goes. All connections are opened first, at most {@value #CONNECTS_IN_FLIGHT} at a
 * time per thread, and, unless {@code prime} is off, each sends one message and waits for its
 * echo before it counts as open. TCP connects as soon as the server's kernel queues the
 * connection, long before a slow server accepts it; without priming, thousands of connections
 * would start their load while the accept queue overflows and SYNs are retried for seconds.
 * (A server that serves one connection at a time never echoes to the second one: run it
 * without priming.) Then all connections start together. <b>Closed loop</b> ({@code rate} 0): each
 * connection sends a message, waits for its echo, sends the next; latency is send to last echoed
 * byte. <b>Open loop</b> ({@code rate} messages per second, spread evenly over the connections):
 * each connection sends on a fixed schedule whether or not the echoes keep up, and latency counts
 * from when a message was due, not when it went out, so a stalled server is not flattered
 * (coordinated omission). Messages that start during the warm-up are not measured. A run ends
 * after warm-up + duration, or, with {@code messagesPerConnection}, once every connection has
 * had that many echoed (duration is then a deadline).
 *
 * <p>Errors are counted by name ("connect refused", "reset by peer", "byte mismatch", ...); a
 * connection with an error is closed and the others go on.
 */
public final class LoadGenerator {

    /**
     * @param messagesPerConnection 0: keep going until the duration ends
     * @param rate                  0: closed loop; else messages per second over all connections
     * @param threads               selector threads (at most one per connection)
     * @param connectTimeout        per connection: to connect, and when primed, to have the first echo
     * @param prime                 a connection counts as open once its first message is echoed, not
     *                              once TCP connects (see the class comment)
     */
    public record Config(InetSocketAddress target, int connections, int messageSize, long messagesPerConnection,
                         Duration warmup, Duration duration, double rate, int threads, Duration connectTimeout,
                         boolean prime) {
        public Config {
            if (connections < 1 || messageSize < 1 || threads < 1 || messagesPerConnection < 0 || rate < 0) {
                throw new IllegalArgumentException("connections, messageSize, threads >= 1;"
                        + " messagesPerConnection, rate >= 0");
            }
        }

        public static Config closedLoop(InetSocketAddress target, int connections, int messageSize, Duration warmup,
                                        Duration duration, int threads) {
            return new Config(target, connections, messageSize, 0, warmup, duration, 0, threads, Duration.ofSeconds(10),
                    true);
        }

        public static Config messages(InetSocketAddress target, int connections, int messageSize, long messages,
                                      Duration deadline, int threads) {
            return new Config(target, connections, messageSize, messages, Duration.ZERO, deadline, 0, threads,
                    Duration.ofSeconds(10), true);
        }

        /** The same, but starting the load on a connection as soon as TCP connects it. */
        public Config withoutPriming() {
            return new Config(target, connections, messageSize, messagesPerConnection, warmup, duration, rate, threads,
                    connectTimeout, false);
        }

        boolean openLoop() {
            return rate > 0;
        }
    }

    /**
     * @param connected     connections that opened
     * @param served        connections that had at least one message echoed
     * @param completed     connections that had all their {@code messagesPerConnection} echoed
     * @param messages      messages echoed within the measurement window
     * @param bytesVerified echoed bytes checked, the whole run
     * @param measuredNanos length of the measurement window
     * @param latency       nanoseconds, messages of the measurement window
     */
    public record Result(Config config, int connected, int served, int completed, long messages, long bytesVerified,
                         long measuredNanos, Histogram latency, Map<String, Long> errors) {

        public double messagesPerSecond() {
            return measuredNanos <= 0 ? 0 : messages * 1e9 / measuredNanos;
        }

        public long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Latency at {@code percentile} (e.g. 99.9) in milliseconds; NaN when nothing was measured. */
        public double latencyMillis(double percentile) {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1e6;
        }

        public String errorSummary() {
            return errors.isEmpty() ? "none" : String.format("%,d (%s)", errorCount(), ServerStats.describe(errors));
        }
    }

    static final int CONNECTS_IN_FLIGHT = 128;
    private static final int MAX_IN_FLIGHT = 1024;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Config config;
    private final CountDownLatch resolved;
    private final CountDownLatch go = new CountDownLatch(1);
    /** Counted down by each loop when its conversation is over; its connections are still open. */
    private CountDownLatch conversed;
    /** The loops close their connections once this opens. */
    private final CountDownLatch hold = new CountDownLatch(1);
    private final LongAdder echoed = new LongAdder();
    private volatile long begin;
    private volatile boolean stop;

    private LoadGenerator(Config config) {
        this.config = config;
        this.resolved = new CountDownLatch(config.connections());
    }

    /**
     * Runs the load and returns what it measured; {@code progress} gets a line about once a
     * second (connecting, warm-up, measuring).
     */
    public static Result run(Config config, Consumer<String> progress) throws IOException, InterruptedException {
        return new LoadGenerator(config).run(progress, null);
    }

    /**
     * As {@link #run(Config, Consumer)}, and calls {@code whileOpen} once the measurement
     * window has ended but before the connections close (to weigh the server with all of them
     * open).
     */
    public static Result run(Config config, Consumer<String> progress, Runnable whileOpen)
            throws IOException, InterruptedException {
        return new LoadGenerator(config).run(progress, whileOpen);
    }

    private Result run(Consumer<String> progress, Runnable whileOpen) throws IOException, InterruptedException {
        int threadCount = Math.min(config.threads(), config.connections());
        List<Loop> loops = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int t = 0; t < threadCount; t++) {
                Loop loop = new Loop(Selector.open());
                for (int id = t; id < config.connections(); id += threadCount) {
                    loop.conns.add(new Conn(id));
                }
                loops.add(loop);
            }
        } catch (IOException e) {
            for (Loop loop : loops) {
                loop.selector.close();
            }
            throw e;
        }
        conversed = new CountDownLatch(threadCount);
        for (int t = 0; t < threadCount; t++) {
            Thread thread = new Thread(loops.get(t), "echo-client-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        try {
            long connectStart = System.nanoTime();
            while (!resolved.await(1, TimeUnit.SECONDS)) {
                progress.accept(String.format("connecting: %,d of %,d (%.0f s)",
                        config.connections() - resolved.getCount(), config.connections(),
                        (System.nanoTime() - connectStart) / 1e9));
            }
            long start = System.nanoTime();
            begin = start;
            go.countDown();

            long measureFrom = start + config.warmup().toNanos();
            long end = measureFrom + config.duration().toNanos();
            long lastCount = 0;
            long lastTime = start;
            while (!conversed.await(Math.min(1000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - lastTime) + 1)),
                    TimeUnit.MILLISECONDS)) {
                long now = System.nanoTime();
                if (now - end > TimeUnit.SECONDS.toNanos(5)) {
                    stop = true; // the loops end by themselves at the end; this is a safety net
                }
                if (now - lastTime >= TimeUnit.MILLISECONDS.toNanos(900) && now < end) {
                    long count = echoed.sum();
                    progress.accept(String.format("%s: %.1f s of %.1f s, %,.0f msg/s",
                            now < measureFrom ? "warm-up" : "measuring", (now - start) / 1e9,
                            (end - start) / 1e9, (count - lastCount) * 1e9 / (now - lastTime)));
                    lastCount = count;
                    lastTime = now;
                }
            }
            if (whileOpen != null) {
                whileOpen.run();
            }
        } finally {
            stop = true;
            go.countDown();
            hold.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
        }

        Histogram latency = new Histogram(3);
        Map<String, Long> errors = new TreeMap<>();
        int connected = 0;
        int served = 0;
        int completed = 0;
        long messages = 0;
        long bytes = 0;
        for (Loop loop : loops) {
            latency.add(loop.histogram);
            loop.errors.forEach((name, count) -> errors.merge(name, count, Long::sum));
            connected += loop.connected;
            messages += loop.measured;
            bytes += loop.bytesVerified;
            for (Conn conn : loop.conns) {
                served += conn.done > 0 ? 1 : 0;
                completed += config.messagesPerConnection() > 0 && conn.done >= config.messagesPerConnection() ? 1 : 0;
            }
        }
        long window = Math.min(config.duration().toNanos(), Math.max(0, loops.stream()
                .mapToLong(l -> l.endedAt).max().orElse(0) - (begin + config.warmup().toNanos())));
        return new Result(config, connected, served, completed, messages, bytes, window, latency, errors);
    }

    /** One connection, owned by one loop thread. */
    private static final class Conn {
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

    /** One selector thread and its share of the connections. */
    private final class Loop implements Runnable {
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

        Loop(Selector selector) {
            this.selector = selector;
        }

        @Override
        public void run() {
            try {
                connectAll();
                go.await();
                if (!stop) {
                    converse();
                }
                doneConversing();
                hold.await();
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
                conversed.countDown();
            }
        }

        // ------------------------------------------------------------ connecting

        private void connectAll() throws IOException {
            int next = 0;
            List<Conn> pending = new ArrayList<>();
            long timeout = config.connectTimeout().toNanos();
            while ((next < conns.size() || !pending.isEmpty()) && !stop) {
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
                resolved.countDown();
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
            long start = begin;
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
            while (!stop && live > 0) {
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
                echoed.increment();
                if (!conversing) {
                    resolve(conn); // primed
                    continue;
                }
                long now = System.nanoTime();
                if (sentAt - measureFrom >= 0 && now - measureTo <= 0) {
                    histogram.recordValue(Math.max(0, now - sentAt));
                    measured++;
                }
                if (!config.openLoop() && now - measureTo < 0 && !stop) {
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
    }
}
