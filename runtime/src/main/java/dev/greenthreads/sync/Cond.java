package dev.greenthreads.sync;

import dev.greenthreads.GreenCancelledException;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.scheduler.Interleavings;
import dev.greenthreads.internal.scheduler.Strand;
import java.time.Duration;
import java.util.Objects;

/**
 * A condition variable ({@code pthread_cond_t}): threads wait on it, with a {@link Mutex} held,
 * until another thread signals it. Green and platform threads may wait and signal in any mix.
 *
 * <table>
 *   <caption>pthreads equivalents</caption>
 *   <tr><th>pthreads</th><th>here</th></tr>
 *   <tr><td>{@code pthread_cond_wait}</td><td>{@link #await(Mutex)}</td></tr>
 *   <tr><td>{@code pthread_cond_timedwait}</td><td>{@link #await(Mutex, Duration)} (a relative timeout)</td></tr>
 *   <tr><td>{@code pthread_cond_signal}</td><td>{@link #signal()}</td></tr>
 *   <tr><td>{@code pthread_cond_broadcast}</td><td>{@link #broadcast()}</td></tr>
 * </table>
 *
 * <p>Use it as in POSIX: change the shared state with the mutex held, signal, and wait in a
 * loop on the predicate:
 * <pre>{@code
 *   mutex.lock();
 *   try {
 *       while (!ready) cond.await(mutex);
 *       ...
 *   } finally {
 *       mutex.unlock();
 *   }
 * }</pre>
 *
 * <h2>Semantics</h2>
 * <ul>
 *   <li>{@code await} queues the caller <em>before</em> it releases the mutex, so a signal sent
 *       by anyone who locks the mutex after that release finds it: no lost wake-up. It returns
 *       with the mutex held again, whatever ended the wait.</li>
 *   <li>Waiters are woken in FIFO order: {@link #signal()} wakes the one that has waited
 *       longest. A woken waiter then competes for the mutex like any locker (see
 *       {@link Mutex}'s fairness). This implementation has no spurious wake-ups, but as POSIX
 *       allows them, portable code loops on its predicate anyway.</li>
 *   <li>With a {@link Mutex.Type#RECURSIVE} mutex held several times, {@code await} releases
 *       all the levels and restores them before returning (as {@code java.util.concurrent}
 *       conditions do; POSIX leaves that case undefined).</li>
 *   <li>Signalling without holding the mutex is allowed, as in POSIX; a signal with no waiter
 *       has no effect.</li>
 * </ul>
 *
 * <h2>Cancellation</h2>
 * Both {@code await} methods are cancellation points: a pending request at entry makes them
 * throw at once, with the mutex still held; a request while waiting wakes the caller at once,
 * which re-acquires the mutex (waiting for it if need be, as {@code pthread_cond_wait} does) and
 * then throws {@link GreenCancelledException}, so its {@code finally} unlocks as a cleanup
 * handler would. A waiter that was signalled at the same moment as it was cancelled returns
 * normally, keeping the request for its next cancellation point: the signal is not lost. On a
 * platform thread an interrupt is the request (and stays set).
 *
 * <h2>Misuse</h2>
 * Awaiting without holding the mutex throws {@link IllegalMonitorStateException}. Waiting with
 * two different mutexes at once on one {@code Cond} throws {@link IllegalStateException}
 * (POSIX's {@code EINVAL}).
 */
public final class Cond {

    private final WaitQueue queue = new WaitQueue();
    /** The mutex of the current waiters; guarded by the queue's lock, meaningful while it is not empty. */
    private Mutex boundTo;

    /** A condition variable with no waiters ({@code PTHREAD_COND_INITIALIZER}). */
    public Cond() {
    }

    /**
     * Releases {@code mutex}, waits until signalled, and re-acquires it ({@code pthread_cond_wait}).
     * A cancellation point.
     *
     * @throws IllegalMonitorStateException if the caller does not hold {@code mutex}
     * @throws IllegalStateException if other threads wait on this {@code Cond} with another mutex
     * @throws GreenCancelledException if the caller is cancelled; it holds {@code mutex} again
     */
    @Suspendable
    public void await(Mutex mutex) {
        Interleavings.switchPoint("await", this);
        awaitImpl(mutex, false, 0L, "await(mutex)");
        Interleavings.pause();
    }

    /**
     * Like {@link #await(Mutex)}, waiting at most {@code timeout} ({@code pthread_cond_timedwait});
     * it holds {@code mutex} again when it returns either way. The timeout is measured by
     * {@code Strand.nanoTime()} (the virtual clock of a deterministic scheduler in its green
     * threads). A zero or negative timeout releases and re-acquires the mutex without waiting.
     *
     * @return true if signalled, false if the timeout elapsed first
     * @throws IllegalMonitorStateException if the caller does not hold {@code mutex}
     * @throws IllegalStateException if other threads wait on this {@code Cond} with another mutex
     * @throws GreenCancelledException if the caller is cancelled; it holds {@code mutex} again
     */
    @Suspendable
    public boolean await(Mutex mutex, Duration timeout) {
        Interleavings.switchPoint("await(timeout)", this);
        long nanos = WaitQueue.nanos(timeout);
        return awaitImpl(mutex, true, Strand.deadlineAfter(Strand.nanoTime(), nanos), "await(mutex, " + timeout + ")");
    }

    /** Wakes the thread that has waited longest, if any ({@code pthread_cond_signal}). */
    public void signal() {
        Interleavings.note("signal", this);
        if (queue.isEmptyRacy()) {
            return;
        }
        Strand w;
        queue.lock();
        try {
            w = queue.pollFirst();
            if (w != null) {
                w.waitStatus = WaitQueue.GRANTED;
            }
        } finally {
            queue.unlock();
        }
        if (w != null) {
            w.unpark();
        }
    }

    /** Wakes every waiting thread ({@code pthread_cond_broadcast}). */
    public void broadcast() {
        Interleavings.note("broadcast", this);
        if (queue.isEmptyRacy()) {
            return;
        }
        Strand all;
        queue.lock();
        try {
            all = queue.grantAll();
        } finally {
            queue.unlock();
        }
        WaitQueue.unparkAll(all);
    }

    @Override
    public String toString() {
        return "Cond[" + queueLength() + " waiting]";
    }

    /** Threads waiting now (a snapshot); for tests. */
    int queueLength() {
        return queue.lockedSize();
    }

    // ------------------------------------------------------------------------------------

    @Suspendable
    private boolean awaitImpl(Mutex mutex, boolean timed, long deadline, String call) {
        Objects.requireNonNull(mutex, "mutex");
        Strand me = Strand.current();
        if (!mutex.isHeldBy(me)) {
            throw new IllegalMonitorStateException(WaitQueue.describe(me) + " called Cond." + call
                    + " without holding the mutex: lock it first, and check the predicate in a loop around the await");
        }
        Strand.testCancel();
        queue.lock();
        try {
            if (!queue.isEmpty() && boundTo != mutex) {
                throw new IllegalStateException(WaitQueue.describe(me) + " called Cond." + call + " with " + mutex
                        + " while other threads wait on this Cond with " + boundTo
                        + ": a Cond serves one mutex at a time (EINVAL)");
            }
            boundTo = mutex;
            queue.addLast(WaitQueue.waiter(me));
        } finally {
            queue.unlock();
        }
        int holds = mutex.releaseFully(me);
        boolean signalled = WaitQueue.await(me, true, timed, deadline) == WaitQueue.GRANTED || !leave(me);
        mutex.reacquire(me, holds);
        if (!signalled) {
            Strand.testCancel();
        }
        return signalled;
    }

    /** A waiter that gave up leaves the queue; false if a signal or a broadcast took it off first. */
    @Suspendable
    private boolean leave(Strand w) {
        boolean removed;
        queue.lock();
        try {
            removed = queue.remove(w);
        } finally {
            queue.unlock();
        }
        if (!removed) {
            WaitQueue.awaitTold(w);
        }
        return removed;
    }
}
