package dev.greenthreads.samples.echo;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A server's failure lines, at most one a second, from any thread: a crowd of misbehaving
 * clients must not flood the log (nor slow the server down writing it).
 */
final class FailureLog {

    private static final long INTERVAL = TimeUnit.SECONDS.toNanos(1);

    private final Consumer<String> log;
    private final String prefix;
    private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - 2 * INTERVAL);

    /** @param prefix put before every line, e.g. "echo-server green: " */
    FailureLog(Consumer<String> log, String prefix) {
        this.log = log;
        this.prefix = prefix;
    }

    /** Logs {@code message} unless a line went out less than a second ago. */
    void log(String message) {
        long last = lastLogged.get();
        long now = System.nanoTime();
        if (now - last >= INTERVAL && lastLogged.compareAndSet(last, now)) {
            log.accept(prefix + message);
        }
    }
}
