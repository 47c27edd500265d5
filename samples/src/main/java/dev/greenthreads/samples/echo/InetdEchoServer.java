package dev.greenthreads.samples.echo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code inetd}: the echo service as inetd runs it, a process per connection
 * ({@link InetdEchoService}). Two ways, and {@link #how()} says which ran:
 * <ul>
 *   <li><b>A real inetd</b> ({@link Inetd}: OpenBSD's, installed or fetched), started on a
 *       configuration of one line written for this port, in the foreground ({@code -d}), and
 *       stopped by {@link #close()}. It accepts, forks, hands the socket over as the child's
 *       standard input and output and execs a JVM. Its debug output says when it forks and reaps
 *       a child, which is what {@link #stats()} counts (it sees no bytes).</li>
 *   <li><b>Our launcher</b>, where no inetd can be had: a Java acceptor that starts the same JVM
 *       per connection. {@code ProcessBuilder} cannot give a child a socket as its standard
 *       input, so the launcher copies bytes between the socket and the child's pipes: it shows
 *       what a process per connection costs, but not the descriptor hand-off.</li>
 * </ul>
 *
 * <p>Either way the service JVMs start with the options of {@link #SERVICE_JVM} (small heap,
 * the C1 compiler only, the class-data archive), as an inetd service would be tuned to start
 * fast; they are confined to the CPUs of {@code launch}, like every other server of the bench.
 */
final class InetdEchoServer implements EchoServer {

    /** JVM options of a service process: start fast, stay small; it echoes one connection. */
    static final List<String> SERVICE_JVM = List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Xms8m", "-Xmx32m", "-Xss256k");

    private static final long LISTEN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final int INETD_RATE_PER_MINUTE = 1_000_000;

    private final ServerConfig config;
    private final PreforkWorker.Launch launch;
    private final Path inetdCache;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong closed = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final Map<String, Long> errors = new ConcurrentHashMap<>();
    private final Deque<String> inetdOutput = new ArrayDeque<>();
    private final Set<Process> services = ConcurrentHashMap.newKeySet();

    private int port;
    private String how = "not started";
    private Process inetd;
    private Path configDir;
    private Thread inetdReader;
    private ServerSocket launcher;
    private Thread acceptor;
    private volatile boolean closing;

    InetdEchoServer(ServerConfig config) {
        this(config, PreforkWorker.Launch.here(), Inetd.defaultCache());
    }

    /**
     * Service JVMs started as {@code launch} says; a fetched inetd is kept in {@code inetdCache};
     * null: no inetd, our launcher.
     */
    InetdEchoServer(ServerConfig config, PreforkWorker.Launch launch, Path inetdCache) {
        this.config = config;
        this.launch = launch;
        this.inetdCache = inetdCache;
    }

    @Override
    public void start(int requestedPort) throws IOException {
        configDir = Files.createTempDirectory("echo-inetd");
        writeServiceArguments();
        Inetd found = null;
        String why = null;
        if (inetdCache == null) {
            why = "asked for our launcher";
        } else {
            try {
                found = Inetd.locate(inetdCache, config.log());
            } catch (Inetd.Unavailable e) {
                why = e.getMessage();
            }
        }
        if (found != null) {
            try {
                startInetd(found, requestedPort == 0 ? freePort() : requestedPort);
                how = "under a real inetd: " + found.origin();
            } catch (IOException e) {
                why = e.getMessage();
                found = null;
            }
        }
        if (found == null) {
            startLauncher(requestedPort);
            how = "no inetd (" + why + "): our launcher, which pipes each socket through its JVM's standard input"
                    + " and output; it measures a process per connection but not the socket hand-off";
        }
        config.log().accept("inetd: " + how);
    }

    /** How it runs: under which inetd, or under our launcher and why. */
    String how() {
        return how;
    }

    /** True when a real inetd hands each socket to its process. */
    boolean realInetd() {
        return inetd != null;
    }

    /** The inetd process; null under our launcher. */
    ProcessHandle inetd() {
        return inetd == null ? null : inetd.toHandle();
    }

    /**
     * The command inetd runs per connection: this JVM's java, the service's options, class path
     * and class from an argument file. inetd.conf splits its lines at blanks and holds a line of
     * limited length, and a class path may be long and have blanks; an argument file takes both.
     */
    List<String> serviceCommand() {
        return List.of(launch.java(), "@" + configDir.resolve("service.args"));
    }

    private void writeServiceArguments() throws IOException {
        List<String> arguments = new ArrayList<>(SERVICE_JVM);
        arguments.add("-cp");
        arguments.add("\"" + System.getProperty("java.class.path").replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        arguments.add(InetdEchoService.class.getName());
        Files.write(configDir.resolve("service.args"), arguments, StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------ a real inetd

    private void startInetd(Inetd found, int listenPort) throws IOException {
        port = listenPort;
        Path conf = configDir.resolve("inetd.conf");
        List<String> service = serviceCommand();
        // service: address:port, socket type, protocol, nowait (a process per connection), user, program, argv
        String line = String.join(" ", config.bindAddress().getHostAddress() + ":" + port, "stream", "tcp",
                "nowait", System.getProperty("user.name"), service.get(0), "java")
                + " " + String.join(" ", service.subList(1, service.size()));
        Files.writeString(conf, line + System.lineSeparator(), StandardCharsets.UTF_8);

        List<String> command = new ArrayList<>();
        if (launch.cpus() != null) {
            command.addAll(List.of("taskset", "-c", launch.cpus()));
        }
        command.addAll(List.of(found.binary().toString(), "-d", "-R", Integer.toString(INETD_RATE_PER_MINUTE),
                "-q", Integer.toString(ServerConfig.BACKLOG), conf.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (found.libraryPath() != null) {
            builder.environment().put("LD_LIBRARY_PATH", found.libraryPath());
        }
        inetd = builder.start();
        Process started = inetd;
        inetdReader = new Thread(() -> readInetd(started), "echo-inetd-log");
        inetdReader.setDaemon(true);
        inetdReader.start();

        long deadline = System.nanoTime() + LISTEN_TIMEOUT_NANOS;
        while (!ProcFs.isListening(port)) {
            if (!inetd.isAlive() || System.nanoTime() > deadline) {
                stopInetd();
                String said = lastWords();
                throw new IOException(found.binary() + " did not listen on port " + port
                        + (said.isEmpty() ? "" : "; it said: " + said));
            }
            try {
                inetd.waitFor(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopInetd();
                throw new IOException("interrupted while inetd started");
            }
        }
    }

    /** Stops an inetd that did not come up, so that the launcher can take its place. */
    private void stopInetd() {
        inetd.destroyForcibly();
        try {
            inetd.waitFor(5, TimeUnit.SECONDS);
            inetdReader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        inetd = null;
    }

    /** inetd's debug output: {@code "N execv PROGRAM"} per child forked, {@code "N reaped"} per child ended. */
    private void readInetd(Process process) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.matches("\\d+ execv .*")) {
                    accepted.incrementAndGet();
                } else if (line.matches("\\d+ reaped.*")) {
                    closed.incrementAndGet();
                    if (!line.endsWith("status 0")) {
                        errors.merge("service exited with " + line.substring(line.indexOf("status")), 1L, Long::sum);
                    }
                }
                synchronized (inetdOutput) {
                    inetdOutput.addLast(line);
                    if (inetdOutput.size() > 5) {
                        inetdOutput.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // inetd ended
        }
    }

    private String lastWords() {
        synchronized (inetdOutput) {
            return String.join(" / ", inetdOutput);
        }
    }

    /**
     * CPU time, in nanoseconds, of the service processes that have ended: what the process that
     * reaps them (inetd, or this JVM for the launcher) was charged for its children. -1 where
     * {@code /proc} does not tell.
     */
    long servicesCpuNanos() {
        return ProcFs.reapedChildrenCpuNanos(inetd != null ? inetd.pid() : ProcessHandle.current().pid());
    }

    private int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(config.bindAddress(), 0));
            return probe.getLocalPort();
        }
    }

    // ------------------------------------------------------------ our launcher

    private void startLauncher(int requestedPort) throws IOException {
        launcher = new ServerSocket();
        launcher.bind(new InetSocketAddress(config.bindAddress(), requestedPort), ServerConfig.BACKLOG);
        port = launcher.getLocalPort();
        acceptor = new Thread(this::acceptLoop, "echo-inetd-launcher");
        acceptor.start();
    }

    private void acceptLoop() {
        while (!closing) {
            Socket socket;
            try {
                socket = launcher.accept();
            } catch (IOException e) {
                if (!closing) {
                    config.log().accept("inetd launcher: accept failed: " + e.getMessage());
                }
                return;
            }
            accepted.incrementAndGet();
            Process service;
            try {
                service = new ProcessBuilder(serviceCommand())
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            } catch (IOException e) {
                errors.merge("cannot start a service process", 1L, Long::sum);
                closed.incrementAndGet();
                ConnectionTable.closeQuietly(socket);
                continue;
            }
            services.add(service);
            Thread toService = new Thread(() -> copy(socket, service, true), "echo-inetd-in-" + service.pid());
            Thread fromService = new Thread(() -> {
                copy(socket, service, false);
                try {
                    service.waitFor();
                } catch (InterruptedException e) {
                    service.destroyForcibly();
                }
                services.remove(service);
                ConnectionTable.closeQuietly(socket);
                closed.incrementAndGet();
            }, "echo-inetd-out-" + service.pid());
            toService.setDaemon(true);
            fromService.setDaemon(true);
            toService.start();
            fromService.start();
        }
    }

    /** One direction of a connection: the socket into the service's input, or its output back. */
    private void copy(Socket socket, Process service, boolean toService) {
        byte[] buffer = new byte[config.bufferSize()];
        try {
            InputStream in = toService ? socket.getInputStream() : service.getInputStream();
            OutputStream out = toService ? service.getOutputStream() : socket.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
                (toService ? bytesRead : bytesWritten).addAndGet(n);
            }
            if (toService) {
                out.close(); // end of the service's input: the client is gone, it exits
            } else {
                socket.shutdownOutput();
            }
        } catch (IOException e) {
            if (toService) {
                try {
                    service.getOutputStream().close();
                } catch (IOException ignored) {
                    // the service is gone already
                }
            }
        }
    }

    // ------------------------------------------------------------ both

    @Override
    public int port() {
        return port;
    }

    @Override
    public String mode() {
        return EchoMode.INETD.label();
    }

    @Override
    public ServerStats stats() {
        long in = accepted.get();
        long out = Math.min(in, closed.get());
        return new ServerStats(in, 0, in - out, out, 0, bytesRead.get(), bytesWritten.get(), errors);
    }

    /**
     * Stops inetd (SIGTERM, then a forced kill) or the launcher, and ends service processes still
     * running; a real inetd's children hold their client's socket and end when it closes.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        try {
            if (inetd != null) {
                inetd.destroy();
                if (!inetd.waitFor(5, TimeUnit.SECONDS)) {
                    inetd.destroyForcibly();
                    inetd.waitFor(2, TimeUnit.SECONDS);
                }
                inetdReader.join(2000);
            }
            if (launcher != null) {
                launcher.close();
                acceptor.join(2000);
                for (Process service : services) {
                    service.getOutputStream().close();
                }
                for (Process service : services) {
                    if (!service.waitFor(5, TimeUnit.SECONDS)) {
                        service.destroyForcibly();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (inetd != null) {
                inetd.destroyForcibly();
            }
        } catch (IOException e) {
            // closing: nothing more to do about it
        }
        if (configDir != null) {
            try (var files = Files.list(configDir)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
                Files.deleteIfExists(configDir);
            } catch (IOException e) {
                // a temporary directory left behind
            }
        }
    }
}
