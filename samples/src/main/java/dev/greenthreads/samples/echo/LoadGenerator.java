package dev.greenthreads.samples.echo;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * <p>How a run goes. All connections are opened first, at most {@value SelectorLoop#CONNECTS_IN_FLIGHT} at a
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

    /** What the coordinator and its {@link SelectorLoop}s share: the phases of a run, and a count. */
    static final class Phases {
        /** Counted down once per connection, connected (and primed) or failed. */
        final CountDownLatch resolved;
        /** Opens when every connection is resolved: the load starts. */
        final CountDownLatch go = new CountDownLatch(1);
        /** Counted down by each loop when its conversation is over; its connections are still open. */
        final CountDownLatch conversed;
        /** The loops close their connections once this opens. */
        final CountDownLatch hold = new CountDownLatch(1);
        final LongAdder echoed = new LongAdder();
        volatile long begin;
        volatile boolean stop;

        Phases(int connections, int loops) {
            this.resolved = new CountDownLatch(connections);
            this.conversed = new CountDownLatch(loops);
        }
    }

    /** Told of a run's edges, to measure the server over the same span as the load. */
    public interface Observer {
        /** Every connection is open and the load starts: the warm-up begins. */
        default void atGo() {
        }

        /**
         * The measurement window has ended and the connections are still open (to weigh the
         * server with all of them open); {@code echoed} messages were echoed since {@link #atGo}.
         */
        default void whileOpen(long echoed) {
        }
    }

    private final Config config;

    private LoadGenerator(Config config) {
        this.config = config;
    }

    /**
     * Runs the load and returns what it measured; {@code progress} gets a line about once a
     * second (connecting, warm-up, measuring).
     */
    public static Result run(Config config, Consumer<String> progress) throws IOException, InterruptedException {
        return new LoadGenerator(config).run(progress, null);
    }

    /** As {@link #run(Config, Consumer)}, telling {@code observer} of the run's edges. */
    public static Result run(Config config, Consumer<String> progress, Observer observer)
            throws IOException, InterruptedException {
        return new LoadGenerator(config).run(progress, observer);
    }

    private Result run(Consumer<String> progress, Observer observer) throws IOException, InterruptedException {
        int threadCount = Math.min(config.threads(), config.connections());
        Phases phases = new Phases(config.connections(), threadCount);
        List<SelectorLoop> loops = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try {
            for (int t = 0; t < threadCount; t++) {
                SelectorLoop loop = new SelectorLoop(config, phases, Selector.open());
                for (int id = t; id < config.connections(); id += threadCount) {
                    loop.conns.add(new SelectorLoop.Conn(id));
                }
                loops.add(loop);
            }
        } catch (IOException e) {
            for (SelectorLoop loop : loops) {
                loop.selector.close();
            }
            throw e;
        }
        for (int t = 0; t < threadCount; t++) {
            Thread thread = new Thread(loops.get(t), "echo-client-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        try {
            long connectStart = System.nanoTime();
            while (!phases.resolved.await(1, TimeUnit.SECONDS)) {
                progress.accept(String.format("connecting: %,d of %,d (%.0f s)",
                        config.connections() - phases.resolved.getCount(), config.connections(),
                        (System.nanoTime() - connectStart) / 1e9));
            }
            if (observer != null) {
                observer.atGo();
            }
            long echoedBeforeGo = phases.echoed.sum(); // the priming messages
            long start = System.nanoTime();
            phases.begin = start;
            phases.go.countDown();

            long measureFrom = start + config.warmup().toNanos();
            long end = measureFrom + config.duration().toNanos();
            long lastCount = 0;
            long lastTime = start;
            while (!phases.conversed.await(Math.min(1000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - lastTime) + 1)),
                    TimeUnit.MILLISECONDS)) {
                long now = System.nanoTime();
                if (now - end > TimeUnit.SECONDS.toNanos(5)) {
                    phases.stop = true; // the loops end by themselves at the end; this is a safety net
                }
                if (now - lastTime >= TimeUnit.MILLISECONDS.toNanos(900) && now < end) {
                    long count = phases.echoed.sum();
                    progress.accept(String.format("%s: %.1f s of %.1f s, %,.0f msg/s",
                            now < measureFrom ? "warm-up" : "measuring", (now - start) / 1e9,
                            (end - start) / 1e9, (count - lastCount) * 1e9 / (now - lastTime)));
                    lastCount = count;
                    lastTime = now;
                }
            }
            if (observer != null) {
                observer.whileOpen(phases.echoed.sum() - echoedBeforeGo);
            }
        } finally {
            phases.stop = true;
            phases.go.countDown();
            phases.hold.countDown();
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
        for (SelectorLoop loop : loops) {
            latency.add(loop.histogram);
            loop.errors.forEach((name, count) -> errors.merge(name, count, Long::sum));
            connected += loop.connected;
            messages += loop.measured;
            bytes += loop.bytesVerified;
            for (SelectorLoop.Conn conn : loop.conns) {
                served += conn.done > 0 ? 1 : 0;
                completed += config.messagesPerConnection() > 0 && conn.done >= config.messagesPerConnection() ? 1 : 0;
            }
        }
        long window = Math.min(config.duration().toNanos(), Math.max(0, loops.stream()
                .mapToLong(l -> l.endedAt).max().orElse(0) - (phases.begin + config.warmup().toNanos())));
        return new Result(config, connected, served, completed, messages, bytes, window, latency, errors);
    }
}
