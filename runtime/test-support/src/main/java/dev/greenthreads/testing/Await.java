package dev.greenthreads.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting, on a platform thread, for an event that another thread causes: the event itself is
 * the synchronisation, never a sleep of a guessed length. It is polled with yields, then with
 * parks growing to a millisecond, so a test waits little longer than the event takes.
 */
public final class Await {

    /** Generous: the tests must pass on a loaded two-core machine. */
    public static final Duration SETTLE = Duration.ofSeconds(20);

    private Await() {
    }

    /** Until {@code event} holds; fails after {@link #SETTLE}. */
    public static void until(BooleanSupplier event) {
        until(SETTLE, () -> "the awaited event did not happen", event);
    }

    /** Until {@code event} holds; fails after {@link #SETTLE}, saying {@code what} was awaited. */
    public static void until(Supplier<String> what, BooleanSupplier event) {
        until(SETTLE, what, event);
    }

    /** Until {@code event} holds; fails after {@code timeout}, saying {@code what} was awaited. */
    public static void until(Duration timeout, Supplier<String> what, BooleanSupplier event) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long park = 50_000;
        for (int spins = 0; !event.getAsBoolean(); spins++) {
            if (System.nanoTime() - deadline > 0) {
                fail(what.get() + ", still not so after " + timeout.toSeconds() + " s");
            }
            if (spins < 100) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(park);
                park = Math.min(1_000_000, park * 2);
            }
        }
    }
}
