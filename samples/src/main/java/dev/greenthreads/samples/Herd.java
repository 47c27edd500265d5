package dev.greenthreads.samples;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Suspendable;
import dev.greenthreads.sync.Cond;
import dev.greenthreads.sync.Mutex;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * {@code herd}: the thundering herd, counted. N workers wait to accept connections from one
 * listening socket, in the three ways the lecture names, while a client opens connections in
 * bursts; each worker counts how often it was woken and whether that found work.
 *
 * <ul>
 *   <li><b>{@link Way#SHARED_SELECT}</b>: every worker waits for the shared, non-blocking socket
 *       to become acceptable, then tries to accept. A new connection wakes every waiting worker;
 *       one accepts it, the rest find nothing: wasted wake-ups.</li>
 *   <li><b>{@link Way#ACCEPT_LOCK}</b>: Apache prefork's accept mutex. Only the worker holding
 *       the lock waits on the socket; it accepts, releases the lock (which wakes one waiter to
 *       take it over) and serves. One worker woken by the socket per connection.</li>
 *   <li><b>{@link Way#ACCEPTOR}</b>: one acceptor waits on the socket, accepts every connection
 *       it finds and hands each to a worker through a queue, waking exactly one: the green
 *       scheduler's own way (one waker per ready thread).</li>
 * </ul>
 *
 * <p>Platform-thread workers wait in the kernel: each has a {@link Selector} of its own (an
 * epoll instance) holding the shared socket, as N processes of a pre-forking server do, and
 * Linux wakes every epoll instance watching a socket that becomes ready. A green thread must not
 * block its carrier in {@code select}, so green workers wait on a {@link Cond}, and one poller
 * thread stands for the kernel: it selects on the socket and, when it is acceptable, wakes every
 * green worker waiting on it ({@code broadcast}), then waits until each has tried to accept
 * before it selects again (the socket stays acceptable until someone accepts). The lock and the
 * hand-off queue are {@code dev.greenthreads.sync}'s {@link Mutex} and {@link Cond} for both
 * kinds, which block a platform thread and park a green one.
 *
 * <p>Serving a connection is one byte written and a close, so what is counted is the waking.
 * CPU per connection: this process's CPU time over the run, less the client thread's.
 */
public final class Herd {

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: herd [--workers N] [--connections C] [--burst B] [--kinds platform,green]",
            "  --workers N      workers waiting to accept (default 8)",
            "  --connections C  connections per run (default 2000)",
            "  --burst B        connections the client opens at once before it waits for them (default 20)",
            "  --kinds LIST     platform (threads), green (green threads); default both",
            "  N workers accept from one listening socket three ways: all in select on the shared socket,",
            "  an accept lock (Apache prefork: one waits at a time), one acceptor handing connections to",
            "  workers. Prints wake-ups per accepted connection, wasted wake-ups, CPU per connection.");

    /** How the workers wait to accept. */
    enum Way {
        SHARED_SELECT("select on the shared socket"),
        ACCEPT_LOCK("accept lock"),
        ACCEPTOR("one acceptor, a queue");

        final String label;

        Way(String label) {
            this.label = label;
        }
    }

    /** What the workers run on. */
    enum Kind {
        PLATFORM("threads"),
        GREEN("green threads");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    record Options(int workers, int connections, int burst, List<Kind> kinds) {}

    /**
     * One run's counts.
     *
     * @param socketWakeups returns from waiting on the socket (a worker's, or the acceptor's)
     * @param wasted        of those, the ones that found no connection to accept
     * @param handoffWakeups returns from waiting for the accept lock or the queue
     * @param kernelWakeups  platform workers: times the kernel woke one of their threads from a sleep
     *                       (voluntary context switches), the wake-ups {@code epoll_wait} absorbs
     *                       included; -1 for green workers or where {@code /proc} does not tell
     * @param carrierWakeups green workers: times the scheduler unparked an idle carrier (its MXBean's
     *                       {@code WakeUps}); -1 for platform workers
     * @param dispatches     green workers: green threads the scheduler ran or resumed (its MXBean's
     *                       {@code Dispatches}), one per start, unpark or yield; -1 for platform workers
     */
    record Counts(Kind kind, Way way, int workers, long accepted, long socketWakeups, long wasted,
                  long handoffWakeups, long kernelWakeups, long carrierWakeups, long dispatches, long cpuNanos,
                  long nanos) {

        double kernelWakeupsPerConnection() {
            return kernelWakeups < 0 ? Double.NaN : (double) kernelWakeups / accepted;
        }

        double carrierWakeupsPerConnection() {
            return carrierWakeups < 0 ? Double.NaN : (double) carrierWakeups / accepted;
        }

        double dispatchesPerConnection() {
            return dispatches < 0 ? Double.NaN : (double) dispatches / accepted;
        }

        double socketWakeupsPerConnection() {
            return (double) socketWakeups / accepted;
        }

        double wastedPerConnection() {
            return (double) wasted / accepted;
        }

        double handoffWakeupsPerConnection() {
            return (double) handoffWakeups / accepted;
        }

        double cpuMicrosPerConnection() {
            return cpuNanos < 0 ? Double.NaN : cpuNanos / 1e3 / accepted;
        }
    }

    private Herd() {}

    static int run(String[] args) throws Exception {
        return CommandLine.run("herd", USAGE, args, Herd::parse, Herd::run);
    }

    static Options parse(String[] args) throws CommandLine.UsageException {
        CommandLine cl = CommandLine.parse(args, Set.of("--workers", "--connections", "--burst", "--kinds"), Set.of());
        List<Kind> kinds = new ArrayList<>();
        for (String word : cl.words("--kinds", List.of("platform", "green"))) {
            switch (word) {
                case "platform", "threads" -> kinds.add(Kind.PLATFORM);
                case "green" -> kinds.add(Kind.GREEN);
                default -> throw new CommandLine.UsageException("--kinds: no kind " + word + "; the kinds are platform,green");
            }
        }
        return new Options(cl.integer("--workers", 8, 1), cl.integer("--connections", 2000, 1),
                cl.integer("--burst", 20, 1), kinds);
    }

    private static int run(Options options) throws Exception {
        System.out.printf("herd: %d workers, %,d connections in bursts of %d, on %d CPUs (JDK %d)%n",
                options.workers(), options.connections(), options.burst(),
                Runtime.getRuntime().availableProcessors(), Runtime.version().feature());
        if (options.kinds().contains(Kind.GREEN) && !Main.agentLoaded()) {
            System.out.println("green threads: skipped, the agent is not loaded (-javaagent:greenthreads-agent.jar)");
        }
        List<Counts> all = new ArrayList<>();
        int total = options.kinds().size() * Way.values().length;
        int step = 1;
        for (Kind kind : options.kinds()) {
            if (kind == Kind.GREEN && !Main.agentLoaded()) {
                step += Way.values().length;
                continue;
            }
            for (Way way : Way.values()) {
                System.out.printf("[%d/%d] %s, %s ...%n", step++, total, kind.label, way.label);
                Counts counts = measure(kind, way, options.workers(), options.connections(), options.burst());
                System.out.printf("      = per connection: %.2f woken by the socket, %.2f wasted, %.2f by a hand-off,"
                        + " %s kernel wake-ups, %s carrier wake-ups, %s green threads run, %s CPU%n",
                        counts.socketWakeupsPerConnection(), counts.wastedPerConnection(),
                        counts.handoffWakeupsPerConnection(), perConnection(counts.kernelWakeupsPerConnection()),
                        perConnection(counts.carrierWakeupsPerConnection()), perConnection(counts.dispatchesPerConnection()),
                        micros(counts.cpuMicrosPerConnection()));
                all.add(counts);
            }
        }
        print(all);
        return 0;
    }

    static void print(List<Counts> all) {
        System.out.printf("%nper accepted connection: woken: workers (or the acceptor) that returned from waiting on the"
                + " socket; wasted: of those, the ones that found nothing;%nhand-off: woken by the accept lock or the"
                + " queue; kernel: platform threads woken from a sleep by the kernel (voluntary context switches),%n"
                + "those epoll_wait sends back to sleep when another worker took the connection first included;"
                + " carriers: idle carrier threads the green%nscheduler unparked (its MXBean's WakeUps: a start or an"
                + " unpark wakes at most one, and none while a carrier is already looking for work);%n"
                + "runs: green threads it ran or resumed (its Dispatches, one per start, unpark or yield);"
                + " cpu: this process less the client%n");
        String format = "%-17s %-28s %7s %7s %9s %7s %9s %6s %10s%n";
        System.out.printf(format, "workers", "way", "woken", "wasted", "hand-off", "kernel", "carriers", "runs", "cpu");
        for (Counts c : all) {
            System.out.printf(format, c.kind().label + " x" + c.workers(), c.way().label,
                    String.format("%.2f", c.socketWakeupsPerConnection()), String.format("%.2f", c.wastedPerConnection()),
                    String.format("%.2f", c.handoffWakeupsPerConnection()), perConnection(c.kernelWakeupsPerConnection()),
                    perConnection(c.carrierWakeupsPerConnection()), perConnection(c.dispatchesPerConnection()),
                    micros(c.cpuMicrosPerConnection()));
        }
    }

    private static String perConnection(double value) {
        return Double.isNaN(value) ? "-" : String.format("%.2f", value);
    }

    private static String micros(double value) {
        return Double.isNaN(value) ? "-" : String.format("%,.1f µs", value);
    }

    // ------------------------------------------------------------------ one run

    /** Runs the workers one way until {@code connections} have been accepted and served. */
    static Counts measure(Kind kind, Way way, int workers, int connections, int burst) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
            server.configureBlocking(false);
            Run run = new Run(kind, way, server, workers);
            long cpuBefore = processCpuNanos();
            long start = System.nanoTime();
            run.start();
            long carriersBefore = kind == Kind.GREEN ? schedulerCounter("WakeUps") : -1;
            long dispatchesBefore = kind == Kind.GREEN ? schedulerCounter("Dispatches") : -1;
            long clientCpu;
            long kernelWakeups;
            long carrierWakeups;
            long dispatches;
            try {
                clientCpu = client(server.getLocalAddress(), connections, burst);
                kernelWakeups = kind == Kind.PLATFORM ? voluntarySwitches(THREAD_NAME) : -1;
                carrierWakeups = carriersBefore < 0 ? -1 : schedulerCounter("WakeUps") - carriersBefore;
                dispatches = dispatchesBefore < 0 ? -1 : schedulerCounter("Dispatches") - dispatchesBefore;
            } finally {
                run.stop();
            }
            long nanos = System.nanoTime() - start;
            long cpuAfter = processCpuNanos();
            long cpu = cpuBefore < 0 || cpuAfter < 0 ? -1 : cpuAfter - cpuBefore - clientCpu;
            return new Counts(kind, way, workers, run.accepted.sum(), run.socketWakeups.sum(), run.wasted.sum(),
                    run.handoffWakeups.sum(), kernelWakeups, carrierWakeups, dispatches, cpu, nanos);
        }
    }

    /**
     * Opens the connections, {@code burst} at a time, and waits for each one's byte; returns its
     * own CPU time in nanoseconds.
     */
    private static long client(java.net.SocketAddress target, int connections, int burst) throws IOException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuAtStart = threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : 0;
        List<SocketChannel> open = new ArrayList<>(burst);
        for (int done = 0; done < connections; ) {
            int n = Math.min(burst, connections - done);
            for (int i = 0; i < n; i++) {
                SocketChannel channel = SocketChannel.open(target);
                channel.socket().setSoTimeout(30_000);
                open.add(channel);
            }
            for (SocketChannel channel : open) {
                if (channel.socket().getInputStream().read() < 0) {
                    throw new IOException("herd: a connection was closed without its byte");
                }
                channel.close();
            }
            open.clear();
            done += n;
        }
        return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() - cpuAtStart : 0;
    }

    /** The platform workers' names start so; short enough for Linux's 15-character thread names. */
    private static final String THREAD_NAME = "herd-worker-";

    /**
     * Voluntary context switches (each a sleep the kernel later woke the thread from) summed over
     * this process's threads whose name starts with {@code prefix}, from
     * {@code /proc/self/task/TID/status}; -1 where that cannot be read.
     */
    static long voluntarySwitches(String prefix) {
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            long sum = 0;
            for (java.nio.file.Path task : tasks.toList()) {
                try {
                    if (!java.nio.file.Files.readString(task.resolve("comm")).startsWith(prefix)) {
                        continue;
                    }
                    for (String line : java.nio.file.Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * One counter of the green schedulers' MXBeans ({@code dev.greenthreads:type=Scheduler,name=*}),
     * summed over every scheduler of this JVM.
     */
    static long schedulerCounter(String attribute) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            long sum = 0;
            for (ObjectName name : server.queryNames(
                    new ObjectName("dev.greenthreads:type=Scheduler,*"), null)) {
                sum += (Long) server.getAttribute(name, attribute);
            }
            return sum;
        } catch (JMException e) {
            throw new IllegalStateException("herd: cannot read " + attribute + " from the green schedulers' MXBeans", e);
        }
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** The workers of one run, their lock and queue, and what they count. */
    private static final class Run {
        final Kind kind;
        final Way way;
        final ServerSocketChannel server;
        final int workers;
        final LongAdder accepted = new LongAdder();
        final LongAdder socketWakeups = new LongAdder();
        final LongAdder wasted = new LongAdder();
        final LongAdder handoffWakeups = new LongAdder();
        final AtomicBoolean stopping = new AtomicBoolean();

        /** The accept lock, and the queue's lock. */
        final Mutex lock = new Mutex();
        final Cond queued = new Cond();
        final ArrayDeque<SocketChannel> queue = new ArrayDeque<>();

        /** Platform workers' selectors; each holds the shared socket. */
        final List<Selector> selectors = new ArrayList<>();
        /** Green workers' stand-in for the kernel: see {@link ReadinessBroadcast}. */
        ReadinessBroadcast readiness;

        final List<Thread> threads = new ArrayList<>();
        final List<GreenThread<Void>> greens = new ArrayList<>();

        Run(Kind kind, Way way, ServerSocketChannel server, int workers) {
            this.kind = kind;
            this.way = way;
            this.server = server;
            this.workers = workers;
        }

        void start() throws IOException {
            if (kind == Kind.GREEN) {
                readiness = new ReadinessBroadcast(server, stopping);
                readiness.start();
            }
            for (int i = 0; i < workers + (way == Way.ACCEPTOR ? 1 : 0); i++) {
                boolean acceptor = way == Way.ACCEPTOR && i == workers;
                if (kind == Kind.PLATFORM) {
                    Selector selector = null;
                    if (way != Way.ACCEPTOR || acceptor) {
                        selector = Selector.open();
                        server.register(selector, SelectionKey.OP_ACCEPT);
                        selectors.add(selector);
                    }
                    Selector own = selector;
                    Thread thread = new Thread(() -> platformWorker(own, acceptor), THREAD_NAME + i);
                    threads.add(thread);
                    thread.start();
                } else {
                    greens.add(GreenThread.start(() -> greenWorker(acceptor)));
                }
            }
        }

        void stop() throws Exception {
            stopping.set(true);
            selectors.forEach(Selector::wakeup);
            if (readiness != null) {
                readiness.stop();
            }
            lock.lock();
            try {
                queued.broadcast();
            } finally {
                lock.unlock();
            }
            for (Thread thread : threads) {
                thread.join();
            }
            for (GreenThread<Void> green : greens) {
                green.join();
            }
            for (Selector selector : selectors) {
                selector.close();
            }
        }

        // ---------------------------------------------------------- platform threads

        private void platformWorker(Selector selector, boolean acceptor) {
            try {
                while (!stopping.get()) {
                    if (way == Way.ACCEPTOR && !acceptor) {
                        SocketChannel channel = takeFromQueue();
                        if (channel != null) {
                            serve(channel);
                        }
                        continue;
                    }
                    boolean holding = way == Way.ACCEPT_LOCK && takeLock();
                    try {
                        selector.select();
                        selector.selectedKeys().clear();
                        if (stopping.get()) {
                            return;
                        }
                        socketWakeups.increment();
                        acceptWhatIsThere(acceptor);
                    } finally {
                        if (holding) {
                            lock.unlock();
                        }
                    }
                }
            } catch (IOException e) {
                if (!stopping.get()) {
                    throw new IllegalStateException("herd: a worker failed", e);
                }
            }
        }

        // ---------------------------------------------------------- green threads

        @Suspendable
        private void greenWorker(boolean acceptor) throws IOException {
            while (!stopping.get()) {
                if (way == Way.ACCEPTOR && !acceptor) {
                    SocketChannel channel = takeFromQueue();
                    if (channel != null) {
                        serve(channel);
                    }
                    continue;
                }
                boolean holding = way == Way.ACCEPT_LOCK && takeLock();
                try {
                    if (!readiness.await()) {
                        return;
                    }
                    socketWakeups.increment();
                    try {
                        acceptWhatIsThere(acceptor);
                    } finally {
                        readiness.tried();
                    }
                } finally {
                    if (holding) {
                        lock.unlock();
                    }
                }
            }
        }

        // ---------------------------------------------------------- both

        /**
         * After a wake-up: accept one connection and serve it, or for the acceptor every
         * connection there, queued; a wake-up that finds none is wasted.
         */
        @Suspendable
        private void acceptWhatIsThere(boolean acceptor) throws IOException {
            SocketChannel channel = server.accept();
            if (channel == null) {
                wasted.increment();
                return;
            }
            if (!acceptor) {
                accepted.increment();
                serve(channel);
                return;
            }
            lock.lock();
            try {
                for (; channel != null; channel = server.accept()) {
                    accepted.increment();
                    queue.addLast(channel);
                    queued.signal();
                }
            } finally {
                lock.unlock();
            }
        }

        /** Takes the accept lock; a worker that had to wait for it counts a hand-off wake-up. Returns true. */
        @Suspendable
        private boolean takeLock() {
            if (!lock.tryLock()) {
                lock.lock();
                handoffWakeups.increment();
            }
            return true;
        }

        /** A worker of the acceptor's: the next connection, or null when stopping. */
        @Suspendable
        private SocketChannel takeFromQueue() {
            lock.lock();
            try {
                while (queue.isEmpty()) {
                    if (stopping.get()) {
                        return null;
                    }
                    queued.await(lock);
                    if (!stopping.get()) {
                        handoffWakeups.increment();
                    }
                }
                return queue.removeFirst();
            } finally {
                lock.unlock();
            }
        }

        private static void serve(SocketChannel channel) throws IOException {
            try (channel) {
                channel.write(ByteBuffer.wrap(new byte[] {'!'}));
            }
        }
    }

    /**
     * For green workers, what the kernel does for N epoll instances holding one socket: a poller
     * thread selects on the socket and, when it is acceptable, wakes every green worker waiting
     * on it, then waits until each of those has tried to accept (the socket stays acceptable
     * until then, and selecting again at once would only report it again).
     */
    private static final class ReadinessBroadcast {
        private final ServerSocketChannel server;
        private final AtomicBoolean stopping;
        private final Mutex lock = new Mutex();
        private final Cond ready = new Cond();
        private final Cond allTried = new Cond();
        private final Cond arrived = new Cond();
        private final Selector selector;
        private Thread poller;
        private long generation;
        private int waiting;
        private int untried;

        ReadinessBroadcast(ServerSocketChannel server, AtomicBoolean stopping) throws IOException {
            this.server = server;
            this.stopping = stopping;
            this.selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
        }

        void start() {
            poller = new Thread(this::poll, "herd-poller");
            poller.start();
        }

        private void poll() {
            try {
                while (!stopping.get()) {
                    lock.lock();
                    try {
                        // with nobody waiting a connection stays queued until a worker comes back
                        while (waiting == 0 && !stopping.get()) {
                            arrived.await(lock);
                        }
                    } finally {
                        lock.unlock();
                    }
                    int events = selector.select();
                    selector.selectedKeys().clear();
                    if (events == 0) {
                        continue; // woken without an event (stopping): wake no worker for it
                    }
                    lock.lock();
                    try {
                        generation++;
                        untried = waiting;
                        ready.broadcast();
                        while (untried > 0 && !stopping.get()) {
                            allTried.await(lock);
                        }
                    } finally {
                        lock.unlock();
                    }
                }
            } catch (IOException e) {
                if (!stopping.get()) {
                    throw new IllegalStateException("herd: the poller failed", e);
                }
            }
        }

        /** Waits until the socket is reported acceptable; false when stopping. */
        @Suspendable
        boolean await() {
            lock.lock();
            try {
                long seen = generation;
                if (waiting++ == 0) {
                    arrived.signal();
                }
                try {
                    while (generation == seen) {
                        if (stopping.get()) {
                            return false;
                        }
                        ready.await(lock);
                    }
                } finally {
                    waiting--;
                }
                return true;
            } finally {
                lock.unlock();
            }
        }

        /** A woken worker has tried to accept. */
        @Suspendable
        void tried() {
            lock.lock();
            try {
                if (--untried == 0) {
                    allTried.signal();
                }
            } finally {
                lock.unlock();
            }
        }

        void stop() throws InterruptedException, IOException {
            selector.wakeup();
            lock.lock();
            try {
                ready.broadcast();
                allTried.broadcast();
                arrived.broadcast();
            } finally {
                lock.unlock();
            }
            poller.join(TimeUnit.SECONDS.toMillis(10));
            selector.close();
        }
    }
}
