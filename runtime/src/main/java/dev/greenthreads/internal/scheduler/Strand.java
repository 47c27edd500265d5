package dev.greenthreads.internal.scheduler;

import dev.greenthreads.GreenCancelledException;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.continuation.FrameStack;
import dev.greenthreads.internal.continuation.Frames;
import dev.greenthreads.internal.sync.SpinLock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Something that waits: a green thread ({@link GreenStrand}) or a platform thread. The one
 * blocking primitive on which joining, sleeping and every {@code sync} primitive are built, with
 * the semantics of {@link LockSupport} whichever kind of thread calls it:
 *
 * <ul>
 *   <li>Each strand has a <em>permit</em>, at most one. {@link #unpark()} makes it available;
 *       {@link #park()} consumes it and returns at once if it was available, else blocks until
 *       an unpark, a cancellation or, for the timed variants, the deadline.</li>
 *   <li>{@code park} may also return for no reason (a stale permit, a cancellation that was
 *       meant for a later cancellation point). Callers re-check their condition in a loop, as
 *       with {@code LockSupport}: enqueue yourself, re-check, park; the waker changes the state
 *       first and unparks second.</li>
 *   <li>A green thread parks without blocking its carrier; a platform thread blocks in
 *       {@link LockSupport}. The same code serves both: rewritten code of a suspendable method
 *       running on a platform thread simply does not suspend.</li>
 *   <li>{@link GreenStrand#cancel() Cancelling} a green thread unparks it. A cancellation point
 *       re-checks with {@link #cancelRequested()} after each park and throws with
 *       {@link #testCancel()}, after undoing what it must (leave the wait queue; {@code
 *       Cond.await} re-acquires its mutex). A wait that is not a cancellation point ({@code
 *       Mutex.lock}) just parks again. On a platform thread an interrupt plays the part of the
 *       cancellation request.</li>
 *   <li>Time: deadlines are in the clock of {@link #nanoTime()}, which is the green thread's
 *       scheduler's clock (virtual under {@code Scheduler.deterministic}) or
 *       {@link System#nanoTime()} on a platform thread. Use it, not {@code System.nanoTime()},
 *       for anything a green thread times.</li>
 * </ul>
 *
 * <p>Typical use by a wait queue (a strand waits in one queue at a time):
 * <pre>{@code
 *   Strand me = Strand.current();
 *   waiters.add(me);
 *   while (!granted(me)) {
 *       if (Strand.cancelRequested()) { waiters.remove(me); Strand.testCancel(); }
 *       Strand.park();
 *   }
 *   // waker: grant(w); w.unpark();
 * }</pre>
 *
 * <p>Rules for callers: the park methods are {@link Suspendable}, so a method that calls them
 * must be too; never park while holding a {@code java.util.concurrent} lock or inside
 * {@code synchronized} (a green thread cannot unwind there: it pins, holding its carrier).
 *
 * <p>A strand is also the {@link SpinLock} of the strands waiting on it (a green thread's
 * joiners), so that a green thread's join list costs no object of its own; and a green thread's
 * saved {@link Frames}, for the same reason.
 *
 * <p>Each strand is a node of the wait-for graph ({@link WaitsFor}): what it waits for now, if
 * it waits untimed for a lock or a thread.
 *
 * <p>A strand is also its own node in the wait queue of {@code dev.greenthreads.sync}
 * ({@code WaitQueue}) it waits in: it waits in at most one at a time, so the node's fields,
 * {@code wait*} below, are the strand's, and a wait allocates nothing. They belong to that
 * package, which states their protocol; they are public only because it is another package.
 */
public abstract class Strand extends Frames {

    /** The untimed wait this strand is in, or null; written by the strand itself, read by anyone's deadlock check. */
    volatile WaitsFor waitsFor;

    /** WaitQueue's WAITING, GRANTED or WOKEN: how its last wait in a queue stands. */
    public volatile byte waitStatus;
    /** Its neighbours in the queue it is linked in; once unlinked with others it was granted with, the next of them. */
    public Strand waitPrev, waitNext;
    /** Whether it is linked in a queue. */
    public boolean waitQueued;
    /** RwLock: it waits to write (else to read). */
    public boolean waitToWrite;
    /** Mutex: times, in this acquisition, it was woken and found the mutex taken by a barging thread. */
    public short bypassed;

    Strand() {
    }

    /**
     * Called by a thread about to wait for {@code mutex}, which this strand owns: if this is a
     * green thread that has ended, nobody can unlock it any more, and its scheduler's
     * uncaught-exception handler is told, once per thread. Platform threads are not reported.
     */
    public void reportIfEndedHolding(Object mutex) {
    }

    /** Whether this is a green thread that has ended; a platform thread never is, for this purpose. */
    public boolean isTerminated() {
        return false;
    }

    /** "green thread "x"" or "platform thread "y"", for messages. */
    public final String describe() {
        return (isGreen() ? "green thread \"" : "platform thread \"") + name() + "\"";
    }

    /** A platform thread's stack now, for a deadlock's message; null for a green thread, whose stack is its saved frames. */
    StackTraceElement[] platformStack() {
        return null;
    }

    /** The strand of the running green thread, or of the current platform thread. */
    public static Strand current() {
        Object owner = FrameStack.current().owner();
        return owner != null ? (GreenStrand) owner : PlatformStrand.ofCurrentThread();
    }

    /** Makes this strand's permit available, waking it if it is parked. Callable from any thread. */
    public abstract void unpark();

    /** Whether this is a green thread (else a platform thread). */
    public abstract boolean isGreen();

    /** The thread's name, for messages ("held by green thread ..."). */
    public abstract String name();

    /** Parks the current strand until unparked or cancelled; may return spuriously. */
    @Suspendable
    public static void park() {
        GreenStrand g = GreenStrand.current();
        if (g != null) {
            if (g.parkBegins(false, 0L)) {
                FrameStack.suspend();
                g.parkResumed();
            }
        } else {
            LockSupport.park();
        }
    }

    /**
     * Parks the current strand for at most {@code nanos} nanoseconds of {@link #nanoTime()};
     * returns at once if {@code nanos <= 0}. May return spuriously.
     */
    @Suspendable
    public static void parkNanos(long nanos) {
        if (nanos <= 0) {
            return;
        }
        GreenStrand g = GreenStrand.current();
        if (g != null) {
            if (g.parkBegins(true, deadlineAfter(g.dispatcher.nanoTime(), nanos))) {
                FrameStack.suspend();
                g.parkResumed();
            }
        } else {
            LockSupport.parkNanos(nanos);
        }
    }

    /**
     * Parks the current strand until {@code deadline}, a value of {@link #nanoTime()}; returns
     * at once if it has passed. May return spuriously.
     */
    @Suspendable
    public static void parkUntil(long deadline) {
        GreenStrand g = GreenStrand.current();
        if (g != null) {
            if (deadline - g.dispatcher.nanoTime() > 0 && g.parkBegins(true, deadline)) {
                FrameStack.suspend();
                g.parkResumed();
            }
        } else {
            long nanos = deadline - System.nanoTime();
            if (nanos > 0) {
                LockSupport.parkNanos(nanos);
            }
        }
    }

    /**
     * On a green thread, a cancellation point that then lets its carrier's other ready green
     * threads run first ({@code GreenThread.yield()}); on a platform thread, nothing.
     */
    @Suspendable
    public static void yieldIfGreen() {
        GreenStrand g = GreenStrand.current();
        if (g != null) {
            Interleavings.note("yield", null);
            g.checkCancel();
            g.yieldNow();
        }
    }

    /** The clock of the current strand's timed waits: its scheduler's, or {@link System#nanoTime()}. */
    public static long nanoTime() {
        GreenStrand g = GreenStrand.current();
        return g != null ? g.dispatcher.nanoTime() : System.nanoTime();
    }

    /** {@code now + nanos}, saturated so that a huge timeout means "practically never" rather than the past. */
    public static long deadlineAfter(long now, long nanos) {
        return now + Math.min(Math.max(nanos, 0L), Long.MAX_VALUE / 4);
    }

    /**
     * Whether the current strand has a pending cancellation request: a green thread's
     * {@code cancel()}, or a platform thread's interrupt. Does not clear it.
     */
    public static boolean cancelRequested() {
        GreenStrand g = GreenStrand.current();
        return g != null ? g.isCancelRequested() : Thread.currentThread().isInterrupted();
    }

    /**
     * A cancellation point: throws {@link GreenCancelledException} if the current strand has a
     * pending cancellation request. On a green thread the request is then cleared (cancellation
     * acts once); on a platform thread the interrupt status is left set.
     */
    public static void testCancel() {
        GreenStrand g = GreenStrand.current();
        if (g != null) {
            g.checkCancel();
        } else if (Thread.currentThread().isInterrupted()) {
            throw new GreenCancelledException("platform thread \"" + Thread.currentThread().getName()
                    + "\" was interrupted at a cancellation point");
        }
    }

    /**
     * Parks the current strand for {@code nanos} ({@code nanosleep}): a green thread parks until
     * the deadline, re-parking after early returns; a platform thread sleeps. A cancellation
     * point, before and after; zero or less does not sleep.
     */
    @Suspendable
    public static void sleepNanos(long nanos) {
        GreenStrand me = GreenStrand.current();
        if (me == null) {
            testCancel();
            if (nanos > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(nanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    testCancel();
                }
            }
            return;
        }
        Interleavings.switchPoint("sleep", null);
        me.checkCancel();
        long deadline = deadlineAfter(nanoTime(), nanos);
        while (deadline - nanoTime() > 0) {
            parkUntil(deadline);
            me.checkCancel();
        }
    }
}
