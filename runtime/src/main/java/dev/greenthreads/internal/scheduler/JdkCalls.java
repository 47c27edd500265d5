package dev.greenthreads.internal.scheduler;

import dev.greenthreads.Suspendable;
import java.util.concurrent.TimeUnit;

/**
 * What rewritten code calls instead of the JDK's sleeping and yielding calls
 * ({@code Thread.sleep}, {@code TimeUnit.sleep}, {@code Thread.yield}): on a green thread they
 * park or yield only it, and its carrier goes on with others; on a platform thread they are the
 * JDK's calls. The agent redirects these calls in the methods it makes resumable, outside
 * {@code synchronized} regions (where a suspension could not unwind, so the JDK's call stays).
 *
 * <p>On a green thread a sleep is a cancellation point, and never throws
 * {@link InterruptedException}: a green thread is not interrupted, it is cancelled
 * ({@code GreenThread.cancel()}), and then throws {@code GreenCancelledException}.
 */
public final class JdkCalls {

    private JdkCalls() {
    }

    /** {@code Thread.sleep(long)}. */
    @Suspendable
    public static void sleep(long millis) throws InterruptedException {
        if (GreenStrand.current() == null) {
            Thread.sleep(millis);
            return;
        }
        if (millis < 0) {
            throw new IllegalArgumentException("timeout value is negative");
        }
        Strand.sleepNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    /** {@code Thread.sleep(long, int)}. */
    @Suspendable
    public static void sleep(long millis, int nanos) throws InterruptedException {
        if (GreenStrand.current() == null) {
            Thread.sleep(millis, nanos);
            return;
        }
        if (millis < 0) {
            throw new IllegalArgumentException("timeout value is negative");
        }
        if (nanos < 0 || nanos > 999_999) {
            throw new IllegalArgumentException("nanosecond timeout value out of range");
        }
        Strand.sleepNanos(TimeUnit.MILLISECONDS.toNanos(millis) + nanos);
    }

    /** {@code unit.sleep(duration)}: the receiver comes first, as on the operand stack. */
    @Suspendable
    public static void sleep(TimeUnit unit, long duration) throws InterruptedException {
        if (GreenStrand.current() == null) {
            unit.sleep(duration);
            return;
        }
        Strand.sleepNanos(unit.toNanos(duration));
    }

    /** {@code Thread.yield()}: on a green thread, lets the carrier's other ready threads run first. */
    @Suspendable
    public static void yield() {
        if (GreenStrand.current() == null) {
            Thread.yield();
            return;
        }
        Strand.yieldIfGreen();
    }
}
