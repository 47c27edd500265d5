package dev.greenthreads.sync;

import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.scheduler.Strand;
import dev.greenthreads.internal.sync.SpinLock;
import java.time.Duration;
import java.util.Objects;

/**
 * A FIFO of waiting strands, and the {@link SpinLock} that guards it together with whatever state
 * its primitive chooses to guard with it (held to link or unlink a waiter, update a count,
 * decide whom to grant). Every primitive of this package waits through one of these; the
 * protocol is described in {@code package-info.java}.
 *
 * <p>The queue is intrusive: a waiter is its {@link Strand}, whose {@code wait*} fields are its
 * node (a strand waits in one queue at a time). Links and {@code waitQueued} are guarded by the
 * lock of the queue the strand is linked in; {@code waitStatus} is described in
 * {@code package-info.java}. A wait starts with {@link #waiter}, which resets what a node carries
 * from one wait to the next.
 */
final class WaitQueue extends SpinLock {

    /** {@code Strand.waitStatus}: queued and parked, or about to park. */
    static final byte WAITING = 0;
    /** What it waited for was given to it (the lock handed over, the signal, the permit, the barrier's trip). */
    static final byte GRANTED = 1;
    /** Taken off the queue and woken to compete again (a mutex released without hand-off; a {@code Once} reset). */
    static final byte WOKEN = 2;

    /** Volatile so that {@link #isEmptyRacy()} can be read without the lock. */
    private volatile Strand head;
    private Strand tail;
    private int size;

    /** The current strand {@code me}, ready to be linked for a new wait (for a read, if RwLock's). */
    static Strand waiter(Strand me) {
        return waiter(me, false);
    }

    /** The current strand {@code me}, ready to be linked for a new wait; {@code writer}: it waits to write an RwLock. */
    static Strand waiter(Strand me, boolean writer) {
        me.waitToWrite = writer;
        me.bypassed = 0;
        return me;
    }

    // ------------------------------------------------------------------------------------
    // The queue; all under the lock except isEmptyRacy.

    boolean isEmpty() {
        return head == null;
    }

    /** Without the lock: whether a waiter is queued now, as far as this thread can tell. */
    boolean isEmptyRacy() {
        return head == null;
    }

    int size() {
        return size;
    }

    /** The number of waiters now, taking the lock to read it: a snapshot for toString and tests. */
    int lockedSize() {
        lock();
        try {
            return size;
        } finally {
            unlock();
        }
    }

    Strand first() {
        return head;
    }

    void addLast(Strand w) {
        w.waitStatus = WAITING;
        w.waitQueued = true;
        w.waitNext = null;
        w.waitPrev = tail;
        if (tail == null) {
            head = w;
        } else {
            tail.waitNext = w;
        }
        tail = w;
        size++;
    }

    void addFirst(Strand w) {
        w.waitStatus = WAITING;
        w.waitQueued = true;
        w.waitPrev = null;
        w.waitNext = head;
        if (head == null) {
            tail = w;
        } else {
            head.waitPrev = w;
        }
        head = w;
        size++;
    }

    Strand pollFirst() {
        Strand w = head;
        if (w != null) {
            remove(w);
        }
        return w;
    }

    /** Unlinks {@code w}, which is linked in this queue if anywhere; returns false if it was not linked. */
    boolean remove(Strand w) {
        if (!w.waitQueued) {
            return false;
        }
        if (w.waitPrev == null) {
            head = w.waitNext;
        } else {
            w.waitPrev.waitNext = w.waitNext;
        }
        if (w.waitNext == null) {
            tail = w.waitPrev;
        } else {
            w.waitNext.waitPrev = w.waitPrev;
        }
        w.waitPrev = w.waitNext = null;
        w.waitQueued = false;
        size--;
        return true;
    }

    /**
     * Unlinks every waiter and returns the first; they stay chained by {@code waitNext}, their
     * status still WAITING: {@link #unparkAll} grants them after the lock. Until it does, their
     * nodes are the chain's: a waiter that is not linked and not told touches none of its fields.
     */
    Strand grantAll() {
        Strand first = head;
        for (Strand w = first; w != null; w = w.waitNext) {
            w.waitPrev = null;
            w.waitQueued = false;
        }
        head = tail = null;
        size = 0;
        return first;
    }

    // ------------------------------------------------------------------------------------
    // Waiting, outside the lock

    /**
     * Parks the current strand {@code w} until its status leaves WAITING; or,
     * if {@code cancellable}, until it has a cancellation request; or, if {@code timed}, until
     * {@code deadline} (a {@link Strand#nanoTime()} value) passes. Returns the status last seen:
     * WAITING means it gave up (cancelled or timed out) and is probably still queued.
     *
     * <p>A wait that is not a cancellation point ignores cancellation: a green thread's
     * cancellation only unparks it once, and a platform thread's interrupt, which would make
     * every park return at once, is cleared while it waits and set again before returning.
     */
    @Suspendable
    static int await(Strand w, boolean cancellable, boolean timed, long deadline) {
        boolean interrupted = false;
        int s;
        while ((s = w.waitStatus) == WAITING) {
            if (cancellable) {
                if (Strand.cancelRequested()) {
                    break;
                }
            } else if (!w.isGreen() && Thread.interrupted()) {
                interrupted = true;
            }
            if (timed) {
                if (deadline - Strand.nanoTime() <= 0) {
                    break;
                }
                Strand.parkUntil(deadline);
            } else {
                Strand.park();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return s;
    }

    /**
     * Grants and unparks the waiters chained from {@code first} by {@code waitNext}. Call without
     * the lock. Each waiter's link is read before its status says GRANTED: from then on the
     * waiter may wait again, elsewhere, with the same fields.
     */
    static void unparkAll(Strand first) {
        for (Strand w = first; w != null; ) {
            Strand n = w.waitNext;
            w.waitNext = null;
            w.waitStatus = GRANTED;
            w.unpark();
            w = n;
        }
    }

    /**
     * A waiter that gave up and found itself unlinked by someone else waits here, without
     * cancellation, until that one has told it its status: it was granted with others and
     * {@link #unparkAll} has yet to reach it. Returns the status; at once if it was told already.
     */
    @Suspendable
    static int awaitTold(Strand w) {
        return await(w, false, false, 0L);
    }

    /** "green thread "x"" or "platform thread "y"", for messages. */
    static String describe(Strand s) {
        return s.describe();
    }

    /** A timeout in nanoseconds, saturated: a huge duration waits practically for ever, a negative one polls. */
    static long nanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return timeout.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
