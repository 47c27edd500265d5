package dev.greenthreads.sync;

import dev.greenthreads.GreenCancelledException;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.scheduler.Interleavings;
import dev.greenthreads.internal.scheduler.Strand;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * A counting semaphore ({@code sem_t}): {@link #acquire()} takes a permit, waiting while there
 * is none; {@link #release()} gives one back. Permits have no owner: any thread may release,
 * green or platform.
 *
 * <table>
 *   <caption>POSIX equivalents</caption>
 *   <tr><th>POSIX</th><th>here</th></tr>
 *   <tr><td>{@code sem_init(&s, 0, n)}</td><td>{@link #Semaphore(int) new Semaphore(n)}</td></tr>
 *   <tr><td>{@code sem_wait}</td><td>{@link #acquire()}</td></tr>
 *   <tr><td>{@code sem_trywait}</td><td>{@link #tryAcquire()}</td></tr>
 *   <tr><td>{@code sem_timedwait}</td><td>{@link #tryAcquire(Duration)} (a relative timeout)</td></tr>
 *   <tr><td>{@code sem_post}</td><td>{@link #release()}</td></tr>
 *   <tr><td>{@code sem_getvalue}</td><td>{@link #availablePermits()}</td></tr>
 * </table>
 *
 * <h2>Fairness: strict FIFO hand-off</h2>
 * A {@link #release()} while threads wait does not add to the count: it hands the permit to the
 * thread that has waited longest, as {@code sem_post} "allows one of the blocked threads to
 * return". While anyone waits the count is zero, so neither {@link #tryAcquire()} nor a new
 * {@link #acquire()} can take a permit ahead of a waiter: no waiter is ever overtaken.
 *
 * <h2>Cancellation</h2>
 * {@link #acquire()} and {@link #tryAcquire(Duration)} are cancellation points (like
 * {@code sem_wait} and {@code sem_timedwait}, they act on a request pending at entry even when a
 * permit is available). A waiter cancelled while it waits wakes at once, leaves the queue
 * without a permit and throws {@link GreenCancelledException}. If a permit was handed to it at
 * the same moment, it keeps the permit and returns normally, with the request kept for its next
 * cancellation point: a permit is never lost. {@link #tryAcquire()} is not a cancellation point.
 * On a platform thread an interrupt is the request (and stays set).
 */
public final class Semaphore {

    /*
     * Implementation overview. state = permits << 1 | WAITERS. WAITERS (the queue is not empty)
     * changes only under the queue's lock; while it is set the permits are 0, because every
     * release then hands its permit to a waiter instead of counting it. So while WAITERS is set
     * nobody writes state without the queue's lock: an acquirer's fast CAS needs permits > 0,
     * a releaser's fast CAS needs WAITERS clear. An acquirer queues only after setting WAITERS
     * by CAS on a state with no permits; a releaser that finds WAITERS takes the lock and
     * finds the waiter. Either CAS comes first, and the other sees its effect: no lost wake-up.
     * A releaser that finds WAITERS but, under the lock, no waiter (they all gave up in between)
     * must not write state: permits may have been counted in since WAITERS was cleared. It goes
     * back to the CAS loop.
     */

    private static final long WAITERS = 1L, ONE = 2L;
    private static final long MAX_PERMITS = Integer.MAX_VALUE;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Semaphore.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile long state;
    private final WaitQueue queue = new WaitQueue();

    /**
     * A semaphore with {@code permits} permits.
     *
     * @throws IllegalArgumentException if {@code permits} is negative
     */
    public Semaphore(int permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("a semaphore cannot start with " + permits
                    + " permits: give 0 or more (EINVAL)");
        }
        this.state = permits * ONE;
    }

    /**
     * Takes a permit, waiting until one is released to the caller ({@code sem_wait}). A
     * cancellation point.
     *
     * @throws GreenCancelledException if the caller is cancelled, at entry or while it waits; it
     *         then has no permit
     */
    @Suspendable
    public void acquire() {
        Interleavings.switchPoint("acquire", this);
        Strand.testCancel();
        if (!tryTake()) {
            acquireQueued(false, 0L);
        }
        Interleavings.pause();
    }

    /** Takes a permit if one is available now and nobody waits for it ({@code sem_trywait}). Never waits. */
    public boolean tryAcquire() {
        Interleavings.note("tryAcquire", this);
        return tryTake();
    }

    /**
     * Takes a permit, waiting at most {@code timeout} ({@code sem_timedwait}). The timeout is
     * measured by {@code Strand.nanoTime()} (virtual under a deterministic scheduler). A zero or
     * negative timeout polls. A cancellation point.
     *
     * @return whether the caller took a permit
     * @throws GreenCancelledException if the caller is cancelled, at entry or while it waits
     */
    @Suspendable
    public boolean tryAcquire(Duration timeout) {
        Interleavings.switchPoint("tryAcquire(timeout)", this);
        long nanos = WaitQueue.nanos(timeout);
        Strand.testCancel();
        if (tryTake()) {
            return true;
        }
        if (nanos <= 0) {
            return false;
        }
        return acquireQueued(true, Strand.deadlineAfter(Strand.nanoTime(), nanos));
    }

    /**
     * Gives a permit back ({@code sem_post}): to the thread that has waited longest if any,
     * else to the count. Any thread may call it; it never waits.
     *
     * @throws IllegalStateException if the count would exceed {@link Integer#MAX_VALUE} ({@code EOVERFLOW})
     */
    public void release() {
        Interleavings.note("release", this);
        for (;;) {
            long s = state;
            if ((s & WAITERS) != 0) {
                if (releaseQueued()) {
                    return;
                }
                continue; // the waiters left meanwhile: count the permit instead
            }
            if (s >= MAX_PERMITS * ONE) {
                throw new IllegalStateException("Semaphore.release() would raise the count above "
                        + MAX_PERMITS + " (EOVERFLOW): more releases than acquires?");
            }
            if (STATE.compareAndSet(this, s, s + ONE)) {
                return;
            }
        }
    }

    /** The permits available now ({@code sem_getvalue}): 0 while threads wait. A snapshot. */
    public int availablePermits() {
        return (int) (state >>> 1);
    }

    @Override
    public String toString() {
        long s = state;
        return "Semaphore[" + (s >>> 1) + " permits" + ((s & WAITERS) != 0 ? ", with waiters" : "") + "]";
    }

    /** Threads waiting now (a snapshot); for tests. */
    int queueLength() {
        return queue.lockedSize();
    }

    // ------------------------------------------------------------------------------------

    private boolean tryTake() {
        for (;;) {
            long s = state;
            if (s < ONE) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s - ONE)) {
                return true;
            }
        }
    }

    /**
     * Hands the permit to the first waiter. Returns false if there is none any more: WAITERS was
     * seen without the lock, and the waiters may have timed out or been cancelled since, after
     * which others may have counted permits in; the caller then counts its permit by CAS.
     */
    private boolean releaseQueued() {
        Strand w;
        queue.lock();
        try {
            w = queue.pollFirst();
            if (w == null) {
                return false;
            }
            if (queue.isEmpty()) {
                STATE.setVolatile(this, 0L);
            }
            w.waitStatus = WaitQueue.GRANTED;
        } finally {
            queue.unlock();
        }
        w.unpark();
        return true;
    }

    /** Queues the caller until a permit is handed to it, it is cancelled, or ({@code timed}) the deadline passes. */
    @Suspendable
    private boolean acquireQueued(boolean timed, long deadline) {
        Strand w = WaitQueue.waiter(Strand.current());
        queue.lock();
        try {
            for (;;) {
                long s = state;
                if (s >= ONE) {
                    if (STATE.compareAndSet(this, s, s - ONE)) {
                        return true;
                    }
                } else if (s == WAITERS || STATE.compareAndSet(this, s, WAITERS)) {
                    break;
                }
            }
            queue.addLast(w);
        } finally {
            queue.unlock();
        }
        if (WaitQueue.await(w, true, timed, deadline) == WaitQueue.GRANTED || !leave(w)) {
            return true;
        }
        Strand.testCancel();
        return false;
    }

    /** A waiter that gave up leaves the queue; false if a permit was handed to it first. */
    private boolean leave(Strand w) {
        queue.lock();
        try {
            if (!queue.remove(w)) {
                return false;
            }
            if (queue.isEmpty()) {
                STATE.setVolatile(this, 0L);
            }
            return true;
        } finally {
            queue.unlock();
        }
    }
}
