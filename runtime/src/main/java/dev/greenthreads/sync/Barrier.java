package dev.greenthreads.sync;

import dev.greenthreads.GreenCancelledException;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.scheduler.Interleavings;
import dev.greenthreads.internal.scheduler.Strand;

/**
 * A cyclic barrier ({@code pthread_barrier_t}): each of {@code n} threads calls {@link #await()}
 * and waits until all {@code n} have; then all go on, and the barrier is ready for the next
 * cycle with the same count. Green and platform threads may meet at one barrier.
 *
 * <table>
 *   <caption>pthreads equivalents</caption>
 *   <tr><th>pthreads</th><th>here</th></tr>
 *   <tr><td>{@code pthread_barrier_init(&b, NULL, n)}</td><td>{@link #Barrier(int) new Barrier(n)}</td></tr>
 *   <tr><td>{@code pthread_barrier_wait}</td><td>{@link #await()}; {@code true} plays
 *       {@code PTHREAD_BARRIER_SERIAL_THREAD}</td></tr>
 * </table>
 *
 * <h2>Cancellation</h2>
 * {@link #await()} is a cancellation point (unlike POSIX's, where it is not; here it is part of
 * the contract). A pending request at entry makes it throw before arriving. A thread cancelled
 * while it waits wakes at once and <em>withdraws its arrival</em>: the cycle then waits for
 * one more arrival, so the barrier stays usable and the others are not released early (compare
 * {@code java.util.concurrent.CyclicBarrier}, which breaks for everyone instead). If the cycle
 * completed at the same moment, the thread was released: it returns normally and keeps the
 * request for its next cancellation point. On a platform thread an interrupt is the request
 * (and stays set).
 *
 * <p>Waiters are released together, in no particular order; fairness does not arise.
 */
public final class Barrier {

    private final int parties;
    private final WaitQueue queue = new WaitQueue();

    /**
     * A barrier for {@code parties} threads per cycle.
     *
     * @throws IllegalArgumentException if {@code parties} is not positive ({@code EINVAL})
     */
    public Barrier(int parties) {
        if (parties <= 0) {
            throw new IllegalArgumentException("a barrier needs at least 1 party, not " + parties + " (EINVAL)");
        }
        this.parties = parties;
    }

    /** How many threads each cycle waits for. */
    public int parties() {
        return parties;
    }

    /**
     * Arrives and waits until {@link #parties()} threads have arrived in this cycle. A
     * cancellation point.
     *
     * @return true for exactly one thread per cycle, the last to arrive (which does not wait);
     *         false for the others
     * @throws GreenCancelledException if the caller is cancelled at entry or while it waits; its
     *         arrival then does not count
     */
    @Suspendable
    public boolean await() {
        Interleavings.switchPoint("await", this);
        Strand.testCancel();
        Strand me = Strand.current();
        Strand w, released;
        queue.lock();
        try {
            if (queue.size() + 1 == parties) {
                released = queue.grantAll();
                w = null;
            } else {
                w = WaitQueue.waiter(me);
                queue.addLast(w);
                released = null;
            }
        } finally {
            queue.unlock();
        }
        if (w == null) {
            WaitQueue.unparkAll(released);
            return true;
        }
        if (WaitQueue.await(w, true, false, 0L) != WaitQueue.GRANTED) {
            boolean removed;
            queue.lock();
            try {
                removed = queue.remove(w);
            } finally {
                queue.unlock();
            }
            if (!removed) {
                WaitQueue.awaitTold(w);
                return false; // the cycle completed as it was cancelled
            }
            Strand.testCancel();
        }
        return false;
    }

    @Override
    public String toString() {
        return "Barrier[" + queueLength() + " of " + parties + " arrived]";
    }

    /** Threads waiting in the current cycle (a snapshot); for tests. */
    int queueLength() {
        return queue.lockedSize();
    }
}
