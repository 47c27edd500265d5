package dev.greenthreads.samples.echo;

import dev.greenthreads.samples.CommandLine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code prefork-pool}: an elastic prefork pool under a load that rises and falls. The parent
 * sizes its worker processes from the scoreboard ({@link PreforkEchoServer.Pool}: Apache's
 * {@code MinSpareServers}, {@code MaxSpareServers}, {@code MaxRequestWorkers}); the load opens
 * connections one at a time up to {@code --peak}, holds, and closes them one at a time, each
 * connection echoing a message every {@code --think}; at the top of the load one worker is killed
 * ({@code SIGKILL}) and replaced. The scoreboard is printed whenever it changes.
 *
 * <p>The load rises and falls in connections, not in messages per second ({@code echo-client
 * --rate}): a prefork worker is busy while it has a connection open, whatever the rate on it, so
 * only the number of open connections moves the pool. Nothing is lost: a client whose worker was
 * killed reconnects and sends the unanswered message again, and every message must come back
 * intact; the summary counts them.
 */
public final class PreforkPool {

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: prefork-pool [--workers N] [--min-spare N] [--max-spare N] [--max-workers N] [--peak C]",
            "                    [--step T] [--hold T] [--think T] [--interval T] [--no-kill]",
            "  --workers N       worker processes to start with (default 2)",
            "  --min-spare N     idle workers kept at least: MinSpareServers (default 1)",
            "  --max-spare N     idle workers kept at most: MaxSpareServers (default 2)",
            "  --max-workers N   workers at most: MaxRequestWorkers (default 6)",
            "  --peak C          connections at the top of the load (default 24)",
            "  --step T          a connection opens (rising) or closes (falling) every T (default 250ms)",
            "  --hold T          how long the load stays at the top (default 3s)",
            "  --think T         each connection echoes a message every T (default 100ms)",
            "  --interval T      how often the parent looks at the scoreboard (default 1s, as Apache)",
            "  --no-kill         kill no worker at the top of the load",
            "  prints the scoreboard as it changes (Apache's letters: _ idle, W busy, S starting, G retiring,",
            "  D dead, . empty slot) and, at the end, every message sent and echoed");

    record Options(int workers, PreforkEchoServer.Pool pool, int peak, Duration step, Duration hold, Duration think,
                   boolean kill) {}

    private PreforkPool() {}

    public static int run(String[] args) throws Exception {
        return CommandLine.run("prefork-pool", USAGE, args, PreforkPool::parse, PreforkPool::run);
    }

    static Options parse(String[] args) throws CommandLine.UsageException {
        CommandLine cl = CommandLine.parse(args, Set.of("--workers", "--min-spare", "--max-spare", "--max-workers",
                "--peak", "--step", "--hold", "--think", "--interval"), Set.of("--no-kill"));
        int minSpare = cl.integer("--min-spare", 1, 0);
        int maxSpare = cl.integer("--max-spare", 2, 1);
        int maxWorkers = cl.integer("--max-workers", 6, 1);
        int workers = cl.integer("--workers", 2, 1);
        if (maxSpare < minSpare) {
            throw new CommandLine.UsageException("--max-spare (" + maxSpare + ") must be at least --min-spare (" + minSpare + ")");
        }
        if (workers > maxWorkers) {
            throw new CommandLine.UsageException("--workers (" + workers + ") must be at most --max-workers (" + maxWorkers + ")");
        }
        Duration interval = cl.duration("--interval", Duration.ofSeconds(1));
        if (interval.isZero()) {
            throw new CommandLine.UsageException("--interval wants a duration above zero");
        }
        return new Options(workers, new PreforkEchoServer.Pool(minSpare, maxSpare, maxWorkers, interval),
                cl.integer("--peak", 24, 1), cl.duration("--step", Duration.ofMillis(250)),
                cl.duration("--hold", Duration.ofSeconds(3)), cl.duration("--think", Duration.ofMillis(100)),
                !cl.has("--no-kill"));
    }

    private static int run(Options options) throws Exception {
        PreforkEchoServer.Pool pool = options.pool();
        System.out.printf("prefork-pool: %d workers to start, MinSpareServers %d, MaxSpareServers %d,"
                        + " MaxRequestWorkers %d; the load rises to %d connections, one every %s, holds %s, falls%n",
                options.workers(), pool.minSpare(), pool.maxSpare(), pool.maxWorkers(), options.peak(),
                EchoServerCommand.seconds(options.step()), EchoServerCommand.seconds(options.hold()));
        ServerConfig config = ServerConfig.defaults().withWorkers(options.workers(), EchoMode.THREADS)
                .withLog(line -> System.out.println("  " + line));
        PreforkEchoServer server = new PreforkEchoServer(config, PreforkWorker.Launch.here(), pool);
        server.start(0);
        int peakWorkers = server.runningWorkers();
        Load load = new Load(server.port(), options.think());
        try {
            System.out.println("rising ...");
            for (int i = 0; i < options.peak(); i++) {
                load.open();
                peakWorkers = Math.max(peakWorkers, server.runningWorkers());
                TimeUnit.NANOSECONDS.sleep(options.step().toNanos()); // the load's own pace
            }
            System.out.println("at the top ...");
            if (options.kill()) {
                long victim = Arrays.stream(server.workerPids()).filter(pid -> pid != 0).findFirst().orElse(0);
                if (victim != 0) {
                    System.out.printf("killing worker pid %d (SIGKILL)%n", victim);
                    ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            long holdUntil = System.nanoTime() + options.hold().toNanos();
            while (System.nanoTime() < holdUntil) {
                peakWorkers = Math.max(peakWorkers, server.runningWorkers());
                TimeUnit.NANOSECONDS.sleep(Math.min(options.step().toNanos(), holdUntil - System.nanoTime() + 1));
            }
            System.out.println("falling ...");
            for (int i = 0; i < options.peak(); i++) {
                load.closeOne();
                TimeUnit.NANOSECONDS.sleep(options.step().toNanos());
            }
            System.out.println("idle: waiting for the pool to shrink to MaxSpareServers ...");
            long deadline = System.nanoTime() + pool.interval().toNanos() * (peakWorkers + 3L);
            while (server.idleWorkers() > pool.maxSpare() && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
        } finally {
            load.closeAll();
        }
        String finalLine = server.scoreboardLine();
        server.close();
        ServerStats stats = server.stats();
        System.out.printf("%nsummary: the pool grew from %d to %d workers (MaxRequestWorkers %d) and shrank to %s%n",
                options.workers(), peakWorkers, pool.maxWorkers(), finalLine);
        System.out.printf("messages: %,d sent, %,d echoed intact, %,d wrong; %d reconnect%s after a worker died;"
                        + " server: %s%n", load.sent.sum(), load.echoed.sum(), load.wrong.sum(), load.reconnects.sum(),
                load.reconnects.sum() == 1 ? "" : "s", stats.summary());
        boolean nothingLost = load.sent.sum() == load.echoed.sum() && load.wrong.sum() == 0;
        System.out.println(nothingLost ? "nothing lost: every message came back" : "LOST: some message did not come back");
        return nothingLost ? 0 : 1;
    }

    /**
     * The clients: one platform thread per connection, echoing a message every {@code think} and
     * checking it; on a broken connection (its worker died) it reconnects and sends the
     * unanswered message again.
     */
    static final class Load {
        final int port;
        final Duration think;
        final LongAdder sent = new LongAdder();
        final LongAdder echoed = new LongAdder();
        final LongAdder wrong = new LongAdder();
        final LongAdder reconnects = new LongAdder();
        private final List<Client> clients = new ArrayList<>();

        Load(int port, Duration think) {
            this.port = port;
            this.think = think;
        }

        /** Opens one more connection; returns once its first message is echoed. */
        void open() throws IOException, InterruptedException {
            Client client = new Client(clients.size());
            client.socket = connect();
            client.echoOnce();
            client.thread = new Thread(client::loop, "prefork-pool-client-" + client.id);
            client.thread.setDaemon(true);
            clients.add(client);
            client.thread.start();
        }

        /** Closes the newest connection; returns once its client has stopped. */
        void closeOne() throws InterruptedException {
            if (!clients.isEmpty()) {
                clients.remove(clients.size() - 1).stop();
            }
        }

        void closeAll() throws InterruptedException {
            while (!clients.isEmpty()) {
                closeOne();
            }
        }

        private Socket connect() throws IOException {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(30_000);
            return socket;
        }

        private final class Client {
            final int id;
            final AtomicBoolean stopping = new AtomicBoolean();
            Socket socket;
            Thread thread;
            long offset;

            Client(int id) {
                this.id = id;
            }

            void loop() {
                while (!stopping.get()) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(think.toNanos()); // the client's think time
                        echoOnce();
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException e) {
                        if (stopping.get()) {
                            return;
                        }
                    }
                }
            }

            /** Sends one message and checks its echo; reconnects and retries while the connection breaks. */
            void echoOnce() throws IOException, InterruptedException {
                ByteBuffer message = ByteBuffer.allocate(64);
                EchoPattern.fill(message, EchoPattern.seed(id), offset, 64);
                byte[] bytes = Arrays.copyOf(message.array(), 64);
                sent.increment();
                for (int attempt = 0; ; attempt++) {
                    try {
                        OutputStream out = socket.getOutputStream();
                        out.write(bytes);
                        InputStream in = socket.getInputStream();
                        byte[] echo = in.readNBytes(bytes.length);
                        if (echo.length < bytes.length) {
                            throw new IOException("closed by the server");
                        }
                        if (!Arrays.equals(bytes, echo)) {
                            wrong.increment();
                        } else {
                            echoed.increment();
                        }
                        offset += bytes.length;
                        return;
                    } catch (IOException e) {
                        if (stopping.get() || attempt >= 20) {
                            throw e;
                        }
                        ConnectionTable.closeQuietly(socket);
                        reconnects.increment();
                        socket = connect();
                    }
                }
            }

            void stop() throws InterruptedException {
                stopping.set(true);
                thread.interrupt();
                thread.join(TimeUnit.SECONDS.toMillis(30));
                ConnectionTable.closeQuietly(socket);
            }
        }
    }
}
