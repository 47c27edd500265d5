package dev.greenthreads.samples.echo;

import java.io.IOException;

/**
 * A TCP echo server: every byte a client sends comes back to it, in order. See the package
 * documentation for what each implementation guarantees.
 */
public interface EchoServer extends AutoCloseable {

    /** Binds {@code port} (0: any free port) and starts serving; returns once it accepts. */
    void start(int port) throws IOException;

    /** The port it listens on, once started. */
    int port();

    /** The mode's name, as {@code --mode} spells it. */
    String mode();

    /**
     * Stops accepting, closes every connection and returns once the server's threads (or
     * processes) have ended. Idempotent.
     */
    @Override
    void close();

    /** Counters since start. */
    ServerStats stats();
}
