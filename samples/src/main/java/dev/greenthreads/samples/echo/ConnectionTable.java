package dev.greenthreads.samples.echo;

import java.io.Closeable;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Every open connection of one server: admission against {@code --max-connections}, the
 * refusal log line, idle reaping, and closing everything at shutdown.
 *
 * <p>Invariant: a connection leaves the table exactly once, in {@link #release}, which closes
 * its channel and counts it; whoever notices the end first (its handler, the reaper,
 * {@link #closeAll}) calls it, and later calls do nothing. A server's handler therefore always
 * ends in {@code release}, and anything else that wants a connection gone releases it too:
 * closing the channel is what wakes a handler blocked in {@code read} or {@code write}.
 */
final class ConnectionTable {

    /** One open connection. */
    static final class Connection {
        final Closeable channel;
        final SocketAddress remote;
        /** {@link System#nanoTime()} of the last progress, read or write. */
        volatile long lastActive;
        /** Set before the server closes it (idle, shutdown), so that the handler's error is no error. */
        volatile boolean closedByServer;

        Connection(Closeable channel, SocketAddress remote) {
            this.channel = channel;
            this.remote = remote;
            this.lastActive = System.nanoTime();
        }

        void touch() {
            lastActive = System.nanoTime();
        }
    }

    private static final long REFUSAL_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String serverName;
    private final ServerConfig config;
    private final ServerStats.Counters counters;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;
    private ScheduledExecutorService reaper;

    private long lastRefusalLogged;
    private long refusedSinceLogged;
    private boolean refusalLogged;

    ConnectionTable(String serverName, ServerConfig config, ServerStats.Counters counters) {
        this.serverName = serverName;
        this.config = config;
        this.counters = counters;
    }

    /**
     * Admits a freshly accepted connection, or, past {@code --max-connections} or while
     * closing, closes it and returns null.
     */
    Connection admit(Closeable channel, SocketAddress remote) {
        if (closing) {
            closeQuietly(channel);
            return null;
        }
        if (counters.open.incrementAndGet() > config.maxConnections()) {
            counters.open.decrementAndGet();
            refused(remote); // counted before the close, which is what the client sees
            closeQuietly(channel);
            return null;
        }
        counters.accepted.increment();
        Connection connection = new Connection(channel, remote);
        open.add(connection);
        if (closing) { // closeAll may have swept the table just before the add
            connection.closedByServer = true;
            release(connection);
            return null;
        }
        return connection;
    }

    /** Removes the connection and closes its channel; only the first call for a connection counts. */
    boolean release(Connection connection) {
        if (!open.remove(connection)) {
            return false;
        }
        closeQuietly(connection.channel);
        counters.open.decrementAndGet();
        counters.closed.increment();
        return true;
    }

    /** The connection's handler failed with {@code e}: counted unless the server closed it itself. */
    void failed(Connection connection, IOException e) {
        if (!connection.closedByServer && !closing) {
            counters.error(errorKind(e));
        }
        release(connection);
    }

    /** Closes every connection idle longer than {@code --idle-timeout}. */
    void closeIdle() {
        long timeout = config.idleTimeout().toNanos();
        if (timeout == 0) {
            return;
        }
        long now = System.nanoTime();
        for (Connection connection : open) {
            if (now - connection.lastActive > timeout) {
                connection.closedByServer = true;
                if (release(connection)) {
                    counters.idleClosed.increment();
                }
            }
        }
    }

    /**
     * Starts a daemon thread that calls {@link #closeIdle} a few times per timeout, for
     * servers whose handlers block (the selector server calls it from its own loop).
     */
    void startReaper(String threadName) {
        long timeout = config.idleTimeout().toNanos();
        if (timeout == 0) {
            return;
        }
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), timeout / 4);
        reaper = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, threadName);
            thread.setDaemon(true);
            return thread;
        });
        reaper.scheduleWithFixedDelay(this::closeIdle, period, period, TimeUnit.NANOSECONDS);
    }

    /** Refuses new connections from now on and closes every open one. */
    void closeAll() {
        closing = true;
        if (reaper != null) {
            reaper.shutdownNow();
        }
        for (Connection connection : open) {
            connection.closedByServer = true;
            release(connection);
        }
    }

    boolean isClosing() {
        return closing;
    }

    int size() {
        return open.size();
    }

    /** Waits for the reaper thread to end (after {@link #closeAll}). */
    void awaitReaper(long deadlineNanos) throws InterruptedException {
        if (reaper != null) {
            reaper.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Counts the refusal and logs it: at once the first time, then at most one line a second,
     * saying how many were refused since the last line.
     */
    private synchronized void refused(SocketAddress remote) {
        counters.refused.increment();
        refusedSinceLogged++;
        long now = System.nanoTime();
        if (refusalLogged && now - lastRefusalLogged < REFUSAL_LOG_INTERVAL_NANOS) {
            return;
        }
        String since = refusedSinceLogged > 1
                ? String.format(" (%,d refused since the last such line)", refusedSinceLogged)
                : "";
        config.log().accept(String.format(
                "%s: refused a connection%s: %,d connections are open, the limit set by"
                        + " --max-connections; closed it at once%s",
                serverName, remote == null ? "" : " from " + remote, config.maxConnections(), since));
        refusalLogged = true;
        lastRefusalLogged = now;
        refusedSinceLogged = 0;
    }

    /** A short name for why a connection failed, used as a counter key. */
    static String errorKind(IOException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (message.contains("reset")) {
            return "reset by peer";
        }
        if (message.contains("broken pipe")) {
            return "broken pipe";
        }
        if (message.contains("timed out")) {
            return "timed out";
        }
        return "io error";
    }

    static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException | RuntimeException e) {
            // closing: nothing left to do with it
        }
    }
}
