package dev.greenthreads.samples.echo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code prefork}: a parent process that starts {@code --workers} worker JVMs
 * ({@link PreforkWorker}), each listening on the same port with {@code SO_REUSEPORT} and running
 * an in-process echo server of {@code --worker-mode}, and restarts any that dies. The parent
 * serves no connection itself: the kernel spreads incoming connections over the workers'
 * listening sockets (by a hash of the addresses, not by how busy a worker is).
 *
 * <p>Like Apache's prefork MPM, the parent keeps a scoreboard, one slot per worker: pid, state
 * ({@link State}), open connections, connections served, restarts. Workers fill it in by
 * reporting over their standard output (one reader thread per worker; their standard error is
 * merged in, and lines that are not reports go to the log with the worker's name); the parent
 * commands them over their standard input. A dead worker's slot is restarted after a back-off that grows while
 * workers keep dying young (100 ms doubling to 5 s), so a worker that cannot start does not
 * spin the machine.
 *
 * <p><b>An elastic pool</b> ({@link Pool}), as Apache's prefork sizes its own: once per
 * {@code interval} the parent counts the idle workers on the scoreboard (listening, no
 * connection open; a worker starting or about to be restarted counts as idle, as it soon will
 * be). Fewer than {@code minSpare}, and fewer than {@code maxWorkers} running: it starts more,
 * one on the first tick, then twice as many on each tick in a row that still finds too few, up
 * to {@value #MAX_SPAWN_RATE} (Apache's {@code MinSpareServers}, {@code MaxRequestWorkers} and
 * spawn rate). More than {@code maxSpare}: it retires one idle worker per tick
 * ({@code MaxSpareServers}). A retiring worker stops only if it still has no connection open
 * when told; otherwise it refuses and goes on serving. Connections are spread by the kernel's
 * {@code SO_REUSEPORT} hash, not by who is idle, so a connection the kernel hands to a worker's
 * socket in the instant that worker closes it is reset: Linux has no hand-over between
 * {@code SO_REUSEPORT} sockets. Each change of the scoreboard is logged as one line in Apache's
 * {@code server-status} letters ({@link #scoreboardLine()}).
 *
 * <p>The port: with {@code --port 0} the parent picks one by binding a socket that never
 * listens (so it receives no connections) with {@code SO_REUSEPORT}, and keeps it bound until
 * it closes, so the port stays this server's while workers come and go.
 */
final class PreforkEchoServer implements EchoServer {

    /** A worker slot's state, as on Apache's scoreboard. */
    enum State {
        /** Process started, not yet listening. */
        STARTING,
        /** Listening, no connection open. */
        READY,
        /** Serving at least one connection. */
        BUSY,
        /** Exited; a restart is due. */
        DEAD,
        /** Told to stop because the pool has more idle workers than it keeps. */
        RETIRING,
        /** Stopped by the parent: closed, or retired. Its slot may take a new worker. */
        STOPPED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The letter of Apache's {@code server-status} scoreboard. */
        char letter() {
            return switch (this) {
                case STARTING -> 'S';
                case READY -> '_';
                case BUSY -> 'W';
                case DEAD -> 'D';
                case RETIRING -> 'G';
                case STOPPED -> '.';
            };
        }
    }

    /**
     * How an elastic pool is sized (see the class documentation); Apache's names in brackets.
     *
     * @param minSpare   idle workers kept at least ({@code MinSpareServers})
     * @param maxSpare   idle workers kept at most ({@code MaxSpareServers})
     * @param maxWorkers workers running at most ({@code MaxRequestWorkers})
     * @param interval   how often the parent looks at the scoreboard (Apache: once a second)
     */
    record Pool(int minSpare, int maxSpare, int maxWorkers, java.time.Duration interval) {
        Pool {
            if (minSpare < 0 || maxSpare < minSpare || maxSpare < 1 || maxWorkers < 1 || interval.isNegative()
                    || interval.isZero()) {
                throw new IllegalArgumentException("a pool wants 0 <= minSpare <= maxSpare, maxSpare >= 1,"
                        + " maxWorkers >= 1 and a positive interval; got minSpare " + minSpare + ", maxSpare " + maxSpare
                        + ", maxWorkers " + maxWorkers + ", interval " + interval);
            }
        }
    }

    /** Workers an elastic pool starts in one tick at most (Apache's MAX_SPAWN_RATE). */
    static final int MAX_SPAWN_RATE = 32;

    /**
     * Threads, heap and CPU time the workers use, summed over those that answered
     * {@code measure}; {@code cpuNanos} is -1 when one of them could not tell.
     */
    record WorkerUse(int workers, int answered, long threads, long heapBytes, long cpuNanos) {}

    /** One line of the scoreboard. Guarded by the server's monitor. */
    private static final class Slot {
        final int index;
        /** The current process; null between a death and the restart. */
        Process process;
        /** The pid of the last process started, shown on the scoreboard after it is gone. */
        long pid;
        State state = State.STARTING;
        long startedNanos;
        int restarts;
        int quickDeaths;
        /** The current process's last reported counters. */
        ServerStats current = ServerStats.NONE;
        /** Counters of this slot's earlier processes, with their open connections counted closed. */
        ServerStats retired = ServerStats.NONE;
        CompletableFuture<long[]> measured;

        Slot(int index) {
            this.index = index;
        }
    }

    private static final long QUICK_DEATH_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final ServerConfig config;
    private final PreforkWorker.Launch launch;
    private final List<Slot> slots = new ArrayList<>();
    private final List<Thread> readers = new ArrayList<>();
    private final ScheduledExecutorService supervisor;

    private final Pool pool;
    private int spawnRate = 1;
    private String lastScoreboardLine = "";

    private SocketChannel portReservation;
    private int port;
    private boolean closing;

    PreforkEchoServer(ServerConfig config) {
        this(config, PreforkWorker.Launch.here());
    }

    /** With workers started as {@code launch} says (another JDK, confined to some CPUs). */
    PreforkEchoServer(ServerConfig config, PreforkWorker.Launch launch) {
        this(config, launch, null);
    }

    /**
     * An elastic pool: {@code config.workers()} to start with, then sized as {@code pool} says;
     * null: a fixed number of workers.
     */
    PreforkEchoServer(ServerConfig config, PreforkWorker.Launch launch, Pool pool) {
        if (pool != null && config.workers() > pool.maxWorkers()) {
            throw new IllegalArgumentException("prefork: " + config.workers() + " workers to start with, but at most "
                    + pool.maxWorkers() + " may run; lower --workers or raise --max-workers");
        }
        this.config = config;
        this.launch = launch;
        this.pool = pool;
        this.supervisor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "echo-prefork-supervisor");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void start(int requestedPort) throws IOException {
        SocketChannel reservation = SocketChannel.open();
        try {
            reservation.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            reservation.bind(new InetSocketAddress(config.bindAddress(), requestedPort));
        } catch (IOException | RuntimeException e) {
            reservation.close();
            throw new IOException("prefork: cannot bind port " + requestedPort + " for the workers: " + e.getMessage(), e);
        }
        portReservation = reservation;
        port = ((InetSocketAddress) reservation.getLocalAddress()).getPort();
        synchronized (this) {
            for (int i = 0; i < config.workers(); i++) {
                Slot slot = new Slot(i);
                slots.add(slot);
                launch(slot);
            }
        }
        String failure = awaitAllListening();
        if (failure != null) {
            close();
            throw new IOException(failure);
        }
        if (pool != null) {
            long every = pool.interval().toNanos();
            supervisor.scheduleWithFixedDelay(this::maintainPool, every, every, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * One look at the scoreboard by an elastic pool's parent: start workers while too few are
     * idle, retire one while too many are; log the scoreboard when it changed.
     */
    private synchronized void maintainPool() {
        if (closing) {
            return;
        }
        int running = 0;
        int idle = 0;
        for (Slot slot : slots) {
            switch (slot.state) {
                case READY, STARTING, DEAD -> {
                    running++;
                    idle++;
                }
                case BUSY, RETIRING -> running++;
                default -> { }
            }
        }
        if (idle < pool.minSpare() && running < pool.maxWorkers()) {
            int start = Math.min(spawnRate, Math.min(pool.minSpare() - idle, pool.maxWorkers() - running));
            for (int i = 0; i < start; i++) {
                Slot slot = slots.stream().filter(s -> s.state == State.STOPPED).findFirst().orElse(null);
                if (slot == null) {
                    slot = new Slot(slots.size());
                    slots.add(slot);
                }
                launch(slot);
            }
            config.log().accept(String.format("prefork: %d idle of %d, fewer than %d spare: starting %d worker%s",
                    idle, running, pool.minSpare(), start, start == 1 ? "" : "s"));
            spawnRate = Math.min(MAX_SPAWN_RATE, spawnRate * 2);
        } else {
            spawnRate = 1;
            if (idle > pool.maxSpare()) {
                slots.stream().filter(s -> s.state == State.READY).reduce((first, last) -> last).ifPresent(slot -> {
                    if (command(slot, "retire")) {
                        slot.state = State.RETIRING;
                    }
                });
            }
        }
        logScoreboardIfChanged();
    }

    /** Holding the monitor. */
    private void logScoreboardIfChanged() {
        String line = scoreboardLine();
        if (!line.equals(lastScoreboardLine)) {
            lastScoreboardLine = line;
            config.log().accept("prefork scoreboard: " + line);
        }
    }

    /**
     * The scoreboard in one line, a letter per slot as Apache's {@code server-status} shows it
     * ({@code _} ready, {@code W} busy, {@code S} starting, {@code G} retiring, {@code D} dead,
     * {@code .} empty), then the counts.
     */
    synchronized String scoreboardLine() {
        StringBuilder letters = new StringBuilder();
        int running = 0;
        int idle = 0;
        long open = 0;
        for (Slot slot : slots) {
            letters.append(slot.state.letter());
            if (slot.state != State.STOPPED) {
                running++;
            }
            if (slot.state == State.READY) {
                idle++;
            }
            open += slot.current.open();
        }
        return String.format("%s  %d worker%s, %d idle, %d connection%s open", letters, running,
                running == 1 ? "" : "s", idle, open, open == 1 ? "" : "s");
    }

    /** Workers running now: every slot but the stopped ones. */
    synchronized int runningWorkers() {
        return (int) slots.stream().filter(s -> s.state != State.STOPPED).count();
    }

    /** Workers listening with no connection open. */
    synchronized int idleWorkers() {
        return (int) slots.stream().filter(s -> s.state == State.READY).count();
    }

    /** Waits until every worker listens; returns why not if one exits first or they take too long. */
    private synchronized String awaitAllListening() {
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        while (true) {
            int listening = 0;
            for (Slot slot : slots) {
                if (slot.state == State.DEAD) {
                    return "prefork: worker " + slot.index + " exited before it listened;"
                            + " its last words are in the log above";
                }
                if (slot.state == State.READY || slot.state == State.BUSY) {
                    listening++;
                }
            }
            if (listening == slots.size()) {
                return null;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return "prefork: only " + listening + " of " + slots.size() + " workers listened within "
                        + TimeUnit.NANOSECONDS.toSeconds(START_TIMEOUT_NANOS) + " s";
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "prefork: interrupted while starting workers";
            }
        }
    }

    /** Starts a worker process for the slot. Called holding the monitor. */
    private void launch(Slot slot) {
        if (closing) {
            return;
        }
        ProcessBuilder builder = new ProcessBuilder(PreforkWorker.command(port, config.bindAddress().getHostAddress(), config, launch))
                .redirectErrorStream(true); // its errors come to the log too, with its name
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            config.log().accept("prefork: could not start worker " + slot.index + ": " + e.getMessage());
            slot.state = State.DEAD;
            slot.process = null;
            scheduleRestart(slot);
            notifyAll();
            return;
        }
        slot.process = process;
        slot.pid = process.pid();
        slot.state = State.STARTING;
        slot.startedNanos = System.nanoTime();
        slot.current = ServerStats.NONE;
        Thread reader = new Thread(() -> readReports(slot, process),
                "echo-prefork-worker-" + slot.index + "-" + process.pid());
        reader.setDaemon(true);
        readers.removeIf(r -> !r.isAlive());
        readers.add(reader);
        reader.start();
    }

    /** The reader thread of one worker process: its report lines, then its exit. */
    private void readReports(Slot slot, Process process) {
        String name = "worker " + slot.index + " (pid " + process.pid() + ")";
        try (BufferedReader reports = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reports.readLine()) != null) {
                if (line.startsWith(PreforkWorker.REPORT)) {
                    report(slot, process, line.substring(PreforkWorker.REPORT.length()));
                } else {
                    config.log().accept(name + ": " + line);
                }
            }
        } catch (IOException e) {
            // the pipe broke: the process is ending
        }
        int exitCode;
        try {
            exitCode = process.waitFor();
        } catch (InterruptedException e) {
            return;
        }
        exited(slot, process, name, exitCode);
    }

    private synchronized void report(Slot slot, Process process, String report) {
        if (slot.process != process) {
            return;
        }
        if (report.startsWith("ready")) {
            slot.state = State.READY;
        } else if (report.startsWith("retire-refused")) {
            slot.state = State.BUSY;
        } else if (report.startsWith("stats ")) {
            slot.current = ServerStats.decode(report.substring("stats ".length()));
            if (slot.state == State.READY || slot.state == State.BUSY) {
                slot.state = slot.current.open() > 0 ? State.BUSY : State.READY;
            }
        } else if (report.startsWith("measured ") && slot.measured != null) {
            slot.measured.complete(new long[] {number(report, "threads"), number(report, "heap"), number(report, "cpu")});
        }
        notifyAll();
    }

    /** The value of {@code key=N} in a report line; 0 when absent. */
    private static long number(String report, String key) {
        for (String pair : report.split("\\s+")) {
            if (pair.startsWith(key + "=")) {
                try {
                    return Long.parseLong(pair.substring(key.length() + 1));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    private synchronized void exited(Slot slot, Process process, String name, int exitCode) {
        if (slot.process != process) {
            return;
        }
        ServerStats last = slot.current;
        slot.retired = slot.retired.plus(new ServerStats(last.accepted(), last.refused(), 0,
                last.closed() + last.open(), last.idleClosed(), last.bytesRead(), last.bytesWritten(), last.errors()));
        slot.current = ServerStats.NONE;
        slot.process = null;
        if (slot.measured != null) {
            slot.measured.complete(null);
        }
        if (closing || slot.state == State.RETIRING) {
            slot.state = State.STOPPED;
            if (!closing) {
                config.log().accept(String.format("prefork: %s retired", name));
                logScoreboardIfChanged();
            }
        } else {
            slot.state = State.DEAD;
            boolean young = System.nanoTime() - slot.startedNanos < QUICK_DEATH_NANOS;
            slot.quickDeaths = young ? slot.quickDeaths + 1 : 0;
            long delay = scheduleRestart(slot);
            config.log().accept(String.format("prefork: %s exited with code %d; restarting it in %d ms",
                    name, exitCode, delay));
        }
        notifyAll();
    }

    /** Schedules the slot's next process; returns the delay in milliseconds. Holding the monitor. */
    private long scheduleRestart(Slot slot) {
        long delay = Math.min(5000, 100L << Math.min(slot.quickDeaths, 6));
        supervisor.schedule(() -> {
            synchronized (this) {
                if (!closing && slot.state == State.DEAD) {
                    slot.restarts++;
                    launch(slot);
                }
            }
        }, delay, TimeUnit.MILLISECONDS);
        return delay;
    }

    /** Sends one command line to the worker; false if it is not there to take it. Holding the monitor. */
    private boolean command(Slot slot, String command) {
        if (slot.process == null || slot.state == State.STARTING) {
            return false;
        }
        try {
            OutputStream in = slot.process.getOutputStream();
            in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            return true;
        } catch (IOException e) {
            return false; // it is dying; its reader will notice
        }
    }

    /** Asks the workers to restart counting their peak thread number. */
    synchronized void resetWorkerPeaks() {
        for (Slot slot : slots) {
            command(slot, "reset-peak");
        }
    }

    /** Asks every worker for its threads and heap; waits at most {@code timeoutMillis} for the answers. */
    WorkerUse measureWorkers(long timeoutMillis) {
        List<CompletableFuture<long[]>> answers = new ArrayList<>();
        synchronized (this) {
            for (Slot slot : slots) {
                slot.measured = new CompletableFuture<>();
                if (command(slot, "measure")) {
                    answers.add(slot.measured);
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        int answered = 0;
        long threads = 0;
        long heap = 0;
        long cpu = 0;
        for (CompletableFuture<long[]> answer : answers) {
            try {
                long[] values = answer.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (values != null) {
                    answered++;
                    threads += values[0];
                    heap += values[1];
                    cpu = cpu < 0 || values[2] < 0 ? -1 : cpu + values[2];
                }
            } catch (TimeoutException | ExecutionException e) {
                // counted as not answered
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new WorkerUse(slots.size(), answered, threads, heap, cpu);
    }

    /** The workers' pids by slot (0 for a slot without a process). */
    synchronized long[] workerPids() {
        return slots.stream().mapToLong(s -> s.process == null ? 0 : s.process.pid()).toArray();
    }

    synchronized State workerState(int slot) {
        return slots.get(slot).state;
    }

    synchronized int restarts(int slot) {
        return slots.get(slot).restarts;
    }

    /** The scoreboard, as a small table. */
    synchronized String scoreboard() {
        StringBuilder text = new StringBuilder();
        int restarts = slots.stream().mapToInt(s -> s.restarts).sum();
        text.append(String.format("prefork scoreboard: port %d, %d workers running %s, %d restart%s%n",
                port, slots.size(), config.workerMode().label(), restarts, restarts == 1 ? "" : "s"));
        text.append(String.format("%4s  %-8s  %-8s  %6s  %10s  %8s  %8s%n",
                "slot", "pid", "state", "open", "served", "restarts", "up"));
        long now = System.nanoTime();
        for (Slot slot : slots) {
            ServerStats total = slot.retired.plus(slot.current);
            text.append(String.format("%4d  %-8s  %-8s  %6d  %,10d  %8d  %8s%n",
                    slot.index, slot.pid == 0 ? "-" : Long.toString(slot.pid), slot.state.label(),
                    slot.current.open(), total.accepted(), slot.restarts,
                    slot.process == null ? "-" : uptime(now - slot.startedNanos)));
        }
        return text.toString();
    }

    private static String uptime(long nanos) {
        long seconds = TimeUnit.NANOSECONDS.toSeconds(nanos);
        return seconds < 60 ? seconds + " s" : (seconds / 60) + "m " + (seconds % 60) + "s";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String mode() {
        return EchoMode.PREFORK.label();
    }

    @Override
    public synchronized ServerStats stats() {
        ServerStats total = ServerStats.NONE;
        for (Slot slot : slots) {
            total = total.plus(slot.retired).plus(slot.current);
        }
        return total;
    }

    /** Stops the workers (end of their input, then a forced kill after 10 s) and waits for them. */
    @Override
    public void close() {
        List<Process> processes = new ArrayList<>();
        List<Thread> readerThreads;
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            supervisor.shutdownNow();
            for (Slot slot : slots) {
                if (slot.process != null) {
                    processes.add(slot.process);
                    try {
                        slot.process.getOutputStream().close();
                    } catch (IOException e) {
                        // already gone
                    }
                }
            }
            readerThreads = new ArrayList<>(readers);
            notifyAll();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            for (Process process : processes) {
                if (!process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(2, TimeUnit.SECONDS);
                }
            }
            for (Thread reader : readerThreads) {
                reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            supervisor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            processes.forEach(Process::destroyForcibly);
        }
        if (portReservation != null) {
            ConnectionTable.closeQuietly(portReservation);
        }
    }
}
