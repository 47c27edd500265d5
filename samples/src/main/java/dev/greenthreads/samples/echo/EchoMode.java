package dev.greenthreads.samples.echo;

import dev.greenthreads.samples.VirtualThreads;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The ways to run an echo server, as {@code --mode} names them. */
public enum EchoMode {
    ITERATIVE("iterative", "one connection at a time on one thread: a slow client stalls every other"),
    THREADS("threads", "a platform (kernel) thread per connection"),
    VIRTUAL("virtual", "a virtual thread per connection (JDK 21+)"),
    SELECT("select", "one thread multiplexing every connection with a NIO Selector"),
    PREFORK("prefork", "worker processes sharing the port (SO_REUSEPORT), supervised by a parent"),
    GREEN("green", "a green thread per connection on dev.greenthreads.io"),
    NETTY_NIO("netty-nio", "Netty event loops, one per core, on the JDK's selector: what JVM developers would pick"),
    NETTY_EPOLL("netty-epoll", "Netty event loops, one per core, on Netty's native epoll transport (Linux)"),
    // last, so that the chart's shapes, drawn by ordinal, stay those of the modes before it
    INETD("inetd", "a process per connection, started by inetd with the socket as its standard input and output");

    private final String label;
    private final String summary;

    EchoMode(String label, String summary) {
        this.label = label;
        this.summary = summary;
    }

    public String label() {
        return label;
    }

    public String summary() {
        return summary;
    }

    /**
     * True for the modes a prefork worker can run: each serves many connections in its one
     * process. Not prefork itself, and not {@code inetd}, which starts a process per connection.
     */
    public boolean runsInAWorker() {
        return this != PREFORK && this != INETD;
    }

    /** The mode {@code --mode} names, or null. */
    public static EchoMode byLabel(String label) {
        for (EchoMode mode : values()) {
            if (mode.label.equals(label.toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        return null;
    }

    public static String labels() {
        return Arrays.stream(values()).map(EchoMode::label).collect(Collectors.joining("|"));
    }

    /** Null when this mode can run here; else why not, in words for the user. */
    public String unavailableReason() {
        switch (this) {
            case VIRTUAL:
                return VirtualThreads.unavailableReason();
            case NETTY_EPOLL:
                return NettyEchoServer.epollUnavailableReason();
            case PREFORK:
                try (ServerSocketChannel probe = ServerSocketChannel.open()) {
                    return probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)
                            ? null
                            : "prefork needs SO_REUSEPORT, which this platform does not support";
                } catch (IOException e) {
                    return "prefork: could not probe for SO_REUSEPORT: " + e.getMessage();
                }
            default:
                return null;
        }
    }

    /**
     * A new, unstarted server of this mode.
     *
     * @throws UnsupportedOperationException when {@link #unavailableReason()} is not null
     */
    public EchoServer create(ServerConfig config) {
        String reason = unavailableReason();
        if (reason != null) {
            throw new UnsupportedOperationException(reason);
        }
        switch (this) {
            case ITERATIVE:
                return BlockingEchoServer.iterative(config);
            case THREADS:
                return BlockingEchoServer.threadPerConnection(config);
            case VIRTUAL:
                return BlockingEchoServer.virtualThreadPerConnection(config);
            case SELECT:
                return new SelectorEchoServer(config);
            case INETD:
                return new InetdEchoServer(config);
            case PREFORK:
                return new PreforkEchoServer(config);
            case GREEN:
                return new GreenEchoServer(config);
            case NETTY_NIO:
            case NETTY_EPOLL:
                return new NettyEchoServer(this, config);
            default:
                throw new AssertionError(this);
        }
    }
}
