package dev.greenthreads.internal.scheduler;

import dev.greenthreads.Suspendable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What rewritten code calls instead of the JDK's sleeping, yielding and parking calls
 * ({@code Thread.sleep}, {@code TimeUnit.sleep}, {@code Thread.yield}, {@code LockSupport.park},
 * {@code parkNanos}, {@code parkUntil}): on a green thread they park or yield only it, and its
 * carrier goes on with others; on a platform thread they are the JDK's calls. The agent
 * redirects these calls in the methods it makes resumable, outside {@code synchronized} regions
 * (where a suspension could not unwind, so the JDK's call stays).
 *
 * <p>On a green thread a sleep is a cancellation point, and never throws
 * {@link InterruptedException}: a green thread is not interrupted, it is cancelled
 * ({@code GreenThread.cancel()}), and then throws {@code GreenCancelledException}.
 *
 * <p>A park uses the green thread's own permit, the one {@link Strand#unpark()} makes available
 * ({@code GreenThread.unpark()}): {@code LockSupport.unpark(Thread)} cannot reach it, since no
 * {@code Thread} names a green thread. As with the JDK's, a park may return spuriously, and it
 * returns (without throwing) when the thread is cancelled, as the JDK's returns on an interrupt;
 * the blocker is not recorded.
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

    /** {@code LockSupport.park()}: on a green thread, parks it until unparked or cancelled; may return spuriously. */
    @Suspendable
    public static void park() {
        if (GreenStrand.current() == null) {
            LockSupport.park();
            return;
        }
        Strand.park();
    }

    /** {@code LockSupport.park(blocker)}. */
    @Suspendable
    public static void park(Object blocker) {
        if (GreenStrand.current() == null) {
            LockSupport.park(blocker);
            return;
        }
        Strand.park();
    }

    /** {@code LockSupport.parkNanos(nanos)}: on a green thread, at most {@code nanos} of its scheduler's clock. */
    @Suspendable
    public static void parkNanos(long nanos) {
        if (GreenStrand.current() == null) {
            LockSupport.parkNanos(nanos);
            return;
        }
        Strand.parkNanos(nanos);
    }

    /** {@code LockSupport.parkNanos(blocker, nanos)}. */
    @Suspendable
    public static void parkNanos(Object blocker, long nanos) {
        if (GreenStrand.current() == null) {
            LockSupport.parkNanos(blocker, nanos);
            return;
        }
        Strand.parkNanos(nanos);
    }

    /** {@code LockSupport.parkUntil(deadline)}: {@code deadline} in epoch milliseconds, as the JDK's. */
    @Suspendable
    public static void parkUntil(long deadline) {
        if (GreenStrand.current() == null) {
            LockSupport.parkUntil(deadline);
            return;
        }
        parkGreenUntil(deadline);
    }

    /** {@code LockSupport.parkUntil(blocker, deadline)}. */
    @Suspendable
    public static void parkUntil(Object blocker, long deadline) {
        if (GreenStrand.current() == null) {
            LockSupport.parkUntil(blocker, deadline);
            return;
        }
        parkGreenUntil(deadline);
    }

    /** The wall-clock deadline as a wait of the scheduler's clock (virtual under a deterministic scheduler). */
    @Suspendable
    private static void parkGreenUntil(long epochMillis) {
        long millis = epochMillis - System.currentTimeMillis();
        if (millis > 0) {
            Strand.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
        }
    }
}
