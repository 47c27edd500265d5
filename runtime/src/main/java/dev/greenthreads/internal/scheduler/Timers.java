package dev.greenthreads.internal.scheduler;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The timers of a work-stealing dispatcher: a {@link TimerHeap} under a lock (not on the yield
 * path); lock-free snapshots of it for the "is a timer due?" check that every dispatch makes;
 * and the <em>timed waiter</em> role, held by at most one idle carrier, which parks until the
 * earliest deadline while the other idle carriers park untimed. This class says when the role
 * changes hands; {@link IdleCarriers} wakes whoever must take it.
 *
 * @param <T> the members: green threads, or a test's stand-ins
 */
final class Timers<T extends TimerHeap.Member> {

    private final ReentrantLock lock = new ReentrantLock();
    private final TimerHeap<T> heap = new TimerHeap<>();
    /** Snapshots of the heap; written under the lock. */
    private volatile boolean any;
    private volatile long earliest;
    /** The idle carrier parked until the earliest deadline, if any; written under the lock. */
    private volatile Core waiter;

    /** Arms {@code t}'s timer. Returns true when it is now the earliest: the timed wait must be re-evaluated. */
    boolean add(T t, long deadline) {
        lock.lock();
        try {
            boolean first = heap.add(t, deadline);
            publish();
            return first;
        } finally {
            lock.unlock();
        }
    }

    /** Disarms {@code t}'s timer if it has not fired. */
    void remove(T t) {
        lock.lock();
        try {
            if (heap.remove(t)) {
                publish();
            }
        } finally {
            lock.unlock();
        }
    }

    private void publish() {
        boolean nonEmpty = !heap.isEmpty();
        if (nonEmpty) {
            earliest = heap.earliestDeadline();
        }
        any = nonEmpty;
    }

    /** Without the lock: whether a timer is due now (reads the clock only if there are timers). */
    boolean due() {
        return any && System.nanoTime() - earliest >= 0;
    }

    /** Without the lock: whether a timer is due at {@code now}. */
    boolean due(long now) {
        return any && now - earliest >= 0;
    }

    /** Takes the timers due at {@code now} out, earliest first, into {@code into}; returns how many. */
    int pollDue(long now, T[] into) {
        int n = 0;
        lock.lock();
        try {
            T t;
            while (n < into.length && (t = heap.pollDue(now)) != null) {
                into[n++] = t;
            }
            publish();
        } finally {
            lock.unlock();
        }
        return n;
    }

    // ------------------------------------------------------------------------------------
    // The timed waiter

    /** The timed waiter now, or null. */
    Core timedWaiter() {
        return waiter;
    }

    /**
     * Idle {@code c}: becomes (or stays) the timed waiter if there are timers and nobody else
     * is; if it is, sets its {@link Core#timedWaitDeadline} to the earliest deadline and
     * returns true.
     */
    boolean claim(Core c) {
        lock.lock();
        try {
            if (heap.isEmpty()) {
                if (waiter == c) {
                    waiter = null;
                }
                return false;
            }
            if (waiter == null) {
                waiter = c;
            }
            if (waiter != c) {
                return false;
            }
            c.timedWaitDeadline = heap.earliestDeadline();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * {@code c}, leaving idle, gives up the timed wait if it holds it; returns true when another
     * idle carrier must take it over.
     */
    boolean release(Core c) {
        if (waiter != c) {
            return false;
        }
        lock.lock();
        try {
            if (waiter != c) {
                return false;
            }
            waiter = null;
            return !heap.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Without the lock: whether a timer exists that a carrier waiting until {@code deadline} (if
     * {@code timed}; else untimed) would not wake for, and that nobody else waits for.
     */
    boolean unwatched(boolean timed, long deadline) {
        return any && (timed ? earliest - deadline < 0 : waiter == null);
    }
}
