package dev.greenthreads.samples.echo;

import dev.greenthreads.samples.Heap;
import dev.greenthreads.samples.CommandLine;
import dev.greenthreads.samples.Main;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code echo-worker}: one worker process of {@code echo-server --mode prefork}. It listens on
 * the parent's port with {@code SO_REUSEPORT}, runs an echo server of {@code --mode}, and talks
 * to its parent over its standard streams.
 *
 * <p>The protocol, one line each way. To the parent, on standard output:
 * <pre>
 *   {@value #REPORT}ready pid=N                   listening, serving
 *   {@value #REPORT}stats accepted=.. open=.. ... its counters; every 200 ms when they change, and last
 *   {@value #REPORT}measured threads=N heap=B cpu=NS  answer to "measure"
 *   {@value #REPORT}retire-refused open=N          answer to "retire" with connections open
 *   anything else                              a log line, which the parent prints with the worker's name
 * </pre>
 * From the parent, on standard input: {@code measure} (threads: the peak number of live threads
 * above this process's baseline since the last {@code reset-peak}; heap: Java heap growth after
 * a GC, over the baseline; cpu: the CPU time this process has used so far, in nanoseconds, read
 * before that GC, -1 where the JDK does not tell), {@code reset-peak}, {@code stats}, and
 * {@code retire} (stop as for {@code stop} if no connection is open, else answer
 * {@code retire-refused} and go on: an elastic pool retires idle workers only), and
 * {@code stop} or end of input:
 * close the server, report the final counters, exit. End of input also comes when the parent
 * dies, however it dies, so a worker never outlives its parent. A worker ignores SIGINT: Ctrl-C
 * reaches the whole process group, and the parent, not the terminal, decides when workers stop.
 */
public final class PreforkWorker {

    static final String REPORT = "@echo-worker ";

    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: echo-worker --port P [--bind ADDR] [--mode threads] [--max-connections N]"
                    + " [--idle-timeout S] [--buffer BYTES]",
            "  started by echo-server --mode prefork; see PreforkWorker for its protocol");

    private PreforkWorker() {}

    public static int run(String[] args) throws Exception {
        if (CommandLine.wantsHelp(args)) {
            System.out.println(USAGE);
            return 0;
        }
        ServerConfig config;
        EchoMode mode;
        int port;
        try {
            CommandLine options = CommandLine.parse(args,
                    Set.of("--port", "--bind", "--mode", "--max-connections", "--idle-timeout", "--buffer"), Set.of());
            port = options.integer("--port", -1, 1);
            mode = EchoMode.byLabel(options.string("--mode", EchoMode.THREADS.label()));
            if (mode == null || !mode.runsInAWorker()) {
                throw new CommandLine.UsageException("--mode wants one of " + EchoMode.labels() + " but prefork and inetd");
            }
            config = ServerConfig.defaults()
                    .withBindAddress(InetAddress.getByName(options.string("--bind", "127.0.0.1")))
                    .withMaxConnections(options.integer("--max-connections", ServerConfig.DEFAULT_MAX_CONNECTIONS, 1))
                    .withIdleTimeout(options.duration("--idle-timeout", ServerConfig.DEFAULT_IDLE_TIMEOUT))
                    .withBufferSize(options.integer("--buffer", ServerConfig.DEFAULT_BUFFER_SIZE, 1))
                    .withReusePort(true)
                    .withLog(PreforkWorker::say);
        } catch (CommandLine.UsageException e) {
            System.err.println("echo-worker: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
        ignoreInterrupt();

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "echo-worker-report");
            thread.setDaemon(true);
            return thread;
        });
        long baselineHeap = Heap.usedAfterGc();
        int baselineThreads = threads.getThreadCount() + 1; // + the reporter, started below
        threads.resetPeakThreadCount();

        EchoServer server;
        try {
            server = mode.create(config);
            server.start(port);
        } catch (IOException | RuntimeException e) {
            System.err.printf("echo-worker: cannot serve %s on port %d: %s%n", mode.label(), port, e.getMessage());
            return 1;
        }
        say(REPORT + "ready pid=" + ProcessHandle.current().pid());
        String[] lastReport = {""};
        reporter.scheduleWithFixedDelay(() -> {
            String line = REPORT + "stats " + server.stats().encode();
            if (!line.equals(lastReport[0])) {
                lastReport[0] = line;
                say(line);
            }
        }, 0, 200, TimeUnit.MILLISECONDS);

        try (BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String command;
            boolean retired = false;
            while (!retired && (command = commands.readLine()) != null && !command.trim().equals("stop")) {
                switch (command.trim()) {
                    case "retire" -> {
                        retired = server.stats().open() == 0;
                        if (!retired) {
                            say(REPORT + "retire-refused open=" + server.stats().open());
                        }
                    }
                    case "measure" -> {
                        long cpu = processCpuNanos();
                        long heap = Heap.usedAfterGc() - baselineHeap;
                        int peak = threads.getPeakThreadCount() - baselineThreads;
                        say(REPORT + "measured threads=" + Math.max(0, peak) + " heap=" + Math.max(0, heap) + " cpu=" + cpu);
                    }
                    case "reset-peak" -> threads.resetPeakThreadCount();
                    case "stats" -> say(REPORT + "stats " + server.stats().encode());
                    default -> say("echo-worker: unknown command from the parent: " + command);
                }
            }
        } catch (IOException e) {
            // the parent is gone: stop as if told to
        }
        reporter.shutdownNow();
        server.close();
        say(REPORT + "stats " + server.stats().encode());
        return 0;
    }

    /** CPU time of this process so far, in nanoseconds; -1 where the JDK does not tell. */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** Lines to the parent: one {@code println} each, so lines never interleave. */
    private static void say(String line) {
        System.out.println(line);
    }

    /**
     * SIGINT is for the parent. {@code sun.misc.Signal.handle(new Signal("INT"), SignalHandler.SIG_IGN)},
     * reflectively, as the class is JDK-internal (module jdk.unsupported); where it is missing the
     * worker simply stops with the signal.
     */
    private static void ignoreInterrupt() {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object ignore = handler.getField("SIG_IGN").get(null);
            Object interrupt = signal.getConstructor(String.class).newInstance("INT");
            signal.getMethod("handle", signal, handler).invoke(null, interrupt, ignore);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // not on this platform
        }
    }

    /**
     * How worker processes start: which {@code java}, and on which CPUs ({@code taskset -c}
     * syntax, e.g. "0" or "0-1"; null: wherever the kernel likes). A JVM confined to k CPUs
     * sizes everything by k: green carriers, virtual threads' parallelism, Netty's event loops.
     */
    record Launch(String java, String cpus) {

        /** This JVM's own java, no CPU confinement. */
        static Launch here() {
            return new Launch(ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()), null);
        }

        Launch onCpus(String cpuList) {
            return new Launch(java, cpuList);
        }

        Launch withJava(String otherJava) {
            return new Launch(otherJava, cpus);
        }
    }

    /** The command line that starts a worker: {@code launch}'s java and CPUs, this JVM's class path and agent. */
    static List<String> command(int port, String bind, ServerConfig config, Launch launch) {
        List<String> command = new ArrayList<>();
        if (launch.cpus() != null) {
            command.addAll(List.of("taskset", "-c", launch.cpus()));
        }
        command.add(launch.java());
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("-javaagent:")) {
                command.add(argument);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.add("echo-worker");
        command.add("--port");
        command.add(Integer.toString(port));
        command.add("--bind");
        command.add(bind);
        command.add("--mode");
        command.add(config.workerMode().label());
        command.add("--max-connections");
        command.add(Integer.toString(Math.max(1, (config.maxConnections() + config.workers() - 1) / config.workers())));
        command.add("--idle-timeout");
        command.add(config.idleTimeout().toMillis() + "ms");
        command.add("--buffer");
        command.add(Integer.toString(config.bufferSize()));
        return command;
    }
}
