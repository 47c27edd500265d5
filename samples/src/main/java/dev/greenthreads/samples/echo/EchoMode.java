package dev.greenthreads.samples.echo;

import dev.greenthreads.samples.VirtualThreads;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
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
    GREEN("green", "a green thread per connection on dev.greenthreads.io");

    /**
     * The green server is looked up by name: it compiles only once {@code dev.greenthreads.io}
     * exists, and until then the mode says it is not built.
     */
    static final String GREEN_SERVER_CLASS = "dev.greenthreads.samples.echo.GreenEchoServer";

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
            case GREEN:
                try {
                    Class.forName(GREEN_SERVER_CLASS, false, EchoMode.class.getClassLoader());
                    return null;
                } catch (ClassNotFoundException | LinkageError e) {
                    return "green mode needs dev.greenthreads.io (GreenServerSocket, GreenSocket),"
                            + " which this build does not have yet";
                }
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
            case PREFORK:
                return new PreforkEchoServer(config);
            case GREEN:
                try {
                    return (EchoServer) Class.forName(GREEN_SERVER_CLASS)
                            .getDeclaredConstructor(ServerConfig.class)
                            .newInstance(config);
                } catch (InvocationTargetException e) {
                    throw new IllegalStateException("could not create the green echo server", e.getCause());
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("could not create the green echo server", e);
                }
            default:
                throw new AssertionError(this);
        }
    }
}
