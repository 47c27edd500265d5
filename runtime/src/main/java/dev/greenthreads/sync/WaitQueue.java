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
 */
final class WaitQueue extends SpinLock {

    /** {@link Waiter#status}: queued and parked, or about to park. */
    static final int WAITING = 0;
    /** What it waited for was given to it (the lock handed over, the signal, the permit, the barrier's trip). */
    static final int GRANTED = 1;
    /** Taken off the queue and woken to compete again (a mutex released without hand-off; a {@code Once} reset). */
    static final int WOKEN = 2;

    /** One waiting strand. Links and {@link #queued} are guarded by the queue's lock. */
    static final class Waiter {
        final Strand strand;
        /** WAITING, GRANTED or WOKEN; written under the queue's lock, read by the waiter without it. */
        volatile int status;
        /** RwLock: waits to write (else to read). */
        final boolean writer;
        /** Mutex: times it was woken and found the mutex taken by a barging thread. */
        int bypassed;
        Waiter prev, next;
        boolean queued;
        /** Links the waiters a releaser granted under the lock, to unpark them after it. */
        Waiter nextGranted;

        Waiter(Strand strand) {
            this(strand, false);
        }

        Waiter(Strand strand, boolean writer) {
            this.strand = strand;
            this.writer = writer;
        }
    }

    /** Volatile so that {@link #isEmptyRacy()} can be read without the lock. */
    private volatile Waiter head;
    private Waiter tail;
    private int size;

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

    Waiter first() {
        return head;
    }

    void addLast(Waiter w) {
        w.status = WAITING;
        w.queued = true;
        w.next = null;
        w.prev = tail;
        if (tail == null) {
            head = w;
        } else {
            tail.next = w;
        }
        tail = w;
        size++;
    }

    void addFirst(Waiter w) {
        w.status = WAITING;
        w.queued = true;
        w.prev = null;
        w.next = head;
        if (head == null) {
            tail = w;
        } else {
            head.prev = w;
        }
        head = w;
        size++;
    }

    Waiter pollFirst() {
        Waiter w = head;
        if (w != null) {
            remove(w);
        }
        return w;
    }

    /** Unlinks {@code w}; returns false if it was not queued. */
    boolean remove(Waiter w) {
        if (!w.queued) {
            return false;
        }
        if (w.prev == null) {
            head = w.next;
        } else {
            w.prev.next = w.next;
        }
        if (w.next == null) {
            tail = w.prev;
        } else {
            w.next.prev = w.prev;
        }
        w.prev = w.next = null;
        w.queued = false;
        size--;
        return true;
    }

    /** Unlinks every waiter and returns the first; they stay chained by {@link Waiter#nextGranted}. */
    Waiter grantAll() {
        Waiter first = head;
        for (Waiter w = first; w != null; ) {
            Waiter n = w.next;
            w.prev = w.next = null;
            w.queued = false;
            w.nextGranted = n;
            w.status = GRANTED;
            w = n;
        }
        head = tail = null;
        size = 0;
        return first;
    }

    // ------------------------------------------------------------------------------------
    // Waiting, outside the lock

    /**
     * Parks the current strand, the one of {@code w}, until {@code w.status} leaves WAITING; or,
     * if {@code cancellable}, until it has a cancellation request; or, if {@code timed}, until
     * {@code deadline} (a {@link Strand#nanoTime()} value) passes. Returns the status last seen:
     * WAITING means it gave up (cancelled or timed out) and is probably still queued.
     *
     * <p>A wait that is not a cancellation point ignores cancellation: a green thread's
     * cancellation only unparks it once, and a platform thread's interrupt, which would make
     * every park return at once, is cleared while it waits and set again before returning.
     */
    @Suspendable
    static int await(Waiter w, boolean cancellable, boolean timed, long deadline) {
        boolean interrupted = false;
        int s;
        while ((s = w.status) == WAITING) {
            if (cancellable) {
                if (Strand.cancelRequested()) {
                    break;
                }
            } else if (!w.strand.isGreen() && Thread.interrupted()) {
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

    /** Unparks the waiters chained from {@code first} by {@link Waiter#nextGranted}. Call without the lock. */
    static void unparkAll(Waiter first) {
        for (Waiter w = first; w != null; ) {
            Waiter n = w.nextGranted;
            w.nextGranted = null;
            w.strand.unpark();
            w = n;
        }
    }

    /** "green thread "x"" or "platform thread "y"", for messages. */
    static String describe(Strand s) {
        return (s.isGreen() ? "green thread \"" : "platform thread \"") + s.name() + "\"";
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
