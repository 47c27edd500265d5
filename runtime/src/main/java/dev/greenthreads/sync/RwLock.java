package dev.greenthreads.sync;

import dev.greenthreads.GreenDeadlockException;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.scheduler.Interleavings;
import dev.greenthreads.internal.scheduler.Strand;
import dev.greenthreads.internal.scheduler.WaitsFor;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A readers-writer lock ({@code pthread_rwlock_t}): any number of readers at once, or one
 * writer. Green and platform threads may hold and wait for it in any mix. Each hold is the
 * calling thread's: only a thread that holds a read (write) lock may read-unlock (write-unlock).
 *
 * <table>
 *   <caption>pthreads equivalents</caption>
 *   <tr><th>pthreads</th><th>here</th></tr>
 *   <tr><td>{@code pthread_rwlock_rdlock}, {@code _tryrdlock}, {@code _timedrdlock}</td>
 *       <td>{@link #readLock()}, {@link #tryReadLock()}, {@link #tryReadLock(Duration)}</td></tr>
 *   <tr><td>{@code pthread_rwlock_wrlock}, {@code _trywrlock}, {@code _timedwrlock}</td>
 *       <td>{@link #writeLock()}, {@link #tryWriteLock()}, {@link #tryWriteLock(Duration)}</td></tr>
 *   <tr><td>{@code pthread_rwlock_unlock}</td><td>{@link #readUnlock()}, {@link #writeUnlock()}</td></tr>
 * </table>
 *
 * <h2>Fairness: FIFO with reader batches</h2>
 * Waiters queue in arrival order, readers and writers alike. A new reader does not join readers
 * that hold the lock if anyone is queued (a queued writer would otherwise starve), and a new
 * writer does not take a free lock ahead of the queue. When the lock becomes free of what
 * blocks the head of the queue, it is granted to the head: a writer alone, or every reader
 * queued before the next writer, together. So neither readers nor writers starve: a waiter is
 * granted the lock after the waiters queued before it, each batch of readers counting once.
 *
 * <p>One exception, because POSIX allows a thread to take several read locks: a thread that
 * already holds a read lock takes another at once, even past queued writers (the writer could
 * never proceed while it holds the first, so queueing it would deadlock). Release each with
 * {@link #readUnlock()}.
 *
 * <h2>Misuse</h2>
 * Where POSIX says the caller "may deadlock" or gets {@code EDEADLK}, this lock throws
 * {@link IllegalStateException}: {@code writeLock} by the writer, {@code readLock} by the writer,
 * {@code writeLock} by a reader (an upgrade, which would wait for ever for its own read lock to
 * go). The try variants return false in those cases ({@code EBUSY}); the timed ones throw.
 * Unlocking what one does not hold throws {@link IllegalMonitorStateException} ({@code EPERM}).
 *
 * <h2>Deadlocks</h2>
 * A {@link #writeLock()} that would wait for a cycle of threads each waiting for the next throws
 * {@link GreenDeadlockException} naming them, instead of waiting for ever. It sees the cycle when
 * the lock is held by a writer or by a single reader; a cycle through several readers is not
 * detected (see the package documentation). A waiting {@link #readLock()} is part of the graph
 * that others' checks follow, but does not check itself.
 *
 * <h2>Cancellation</h2>
 * None of these methods is a cancellation point, as in POSIX: a cancelled thread waiting for the
 * lock goes on waiting. A platform thread interrupted while waiting goes on waiting and returns
 * with its interrupt status set.
 */
public final class RwLock {

    /*
     * Implementation overview. Everything is guarded by the queue's lock: the writer, the read
     * holds per thread, and the queue. Whoever changes what blocks the head of the queue (the
     * last read unlock, a write unlock, a waiter that gives up) calls grantHead() before it lets
     * go of the lock; grantHead hands the lock to as many waiters at the head as can have it, and
     * they are unparked after the lock is let go. Invariant after every operation: the queue is
     * empty, or its head is blocked by the current holders. So a waiter that queues behind a
     * non-empty queue or a conflicting holder is always granted by some later release: no lost
     * wake-up. Read-holder tracking (an identity map of strand to count) is what lets readUnlock
     * detect a non-holder and readLock let a re-entering reader through.
     */

    private final WaitQueue queue = new WaitQueue();
    private Strand writer;
    private final Map<Strand, int[]> readHolds = new IdentityHashMap<>();
    /** The one thread that holds read locks, if exactly one does; for the wait-for graph, which reads it without the lock. */
    private Strand soleReader;
    /** Total read holds, all threads together. */
    private int readCount;

    /** An unlocked readers-writer lock ({@code PTHREAD_RWLOCK_INITIALIZER}). */
    public RwLock() {
    }

    /**
     * Takes a read lock, waiting while a writer holds the lock or is queued ahead.
     *
     * @throws IllegalStateException if the caller holds the write lock ({@code EDEADLK})
     */
    @Suspendable
    public void readLock() {
        Interleavings.switchPoint("readLock", this);
        acquire(false, false, 0L, "readLock()");
        Interleavings.pause();
    }

    /**
     * Takes a read lock if that needs no waiting ({@code pthread_rwlock_tryrdlock}): no writer
     * holds the lock or is queued, or the caller already holds a read lock.
     */
    public boolean tryReadLock() {
        Interleavings.note("tryReadLock", this);
        Strand me = Strand.current();
        queue.lock();
        try {
            if (canRead(me)) {
                addRead(me);
                return true;
            }
            return false;
        } finally {
            queue.unlock();
        }
    }

    /**
     * Like {@link #readLock()}, waiting at most {@code timeout} (measured by
     * {@code Strand.nanoTime()}); a zero or negative timeout polls.
     *
     * @return whether the caller now holds a read lock
     * @throws IllegalStateException if the caller holds the write lock ({@code EDEADLK})
     */
    @Suspendable
    public boolean tryReadLock(Duration timeout) {
        Interleavings.switchPoint("tryReadLock(timeout)", this);
        long nanos = WaitQueue.nanos(timeout);
        return acquire(false, true, Strand.deadlineAfter(Strand.nanoTime(), nanos), "tryReadLock(" + timeout + ")");
    }

    /** Releases one read lock of the caller, letting a queued writer in when it was the last. */
    public void readUnlock() {
        Interleavings.note("readUnlock", this);
        Strand me = Strand.current();
        Strand granted;
        queue.lock();
        try {
            int[] mine = readHolds.get(me);
            if (mine == null) {
                throw new IllegalMonitorStateException(WaitQueue.describe(me) + " called readUnlock() without holding a read lock ("
                        + (writer == me ? "it holds the write lock: call writeUnlock()" : "call readLock() first") + ") (EPERM)");
            }
            if (--mine[0] == 0) {
                readHolds.remove(me);
                soleReader = readHolds.size() == 1 ? readHolds.keySet().iterator().next() : null;
            }
            readCount--;
            granted = readCount == 0 ? grantHead() : null;
        } finally {
            queue.unlock();
        }
        WaitQueue.unparkAll(granted);
    }

    /**
     * Takes the write lock, waiting until no thread holds the lock and the waiters queued before
     * the caller have had their turn.
     *
     * @throws IllegalStateException if the caller holds the lock, to write ({@code EDEADLK}) or to
     *         read (upgrading would wait for ever for its own read lock)
     * @throws GreenDeadlockException if waiting would close a cycle of threads each waiting for the next
     */
    @Suspendable
    public void writeLock() {
        Interleavings.switchPoint("writeLock", this);
        acquire(true, false, 0L, "writeLock()");
        Interleavings.pause();
    }

    /** Takes the write lock if no thread holds the lock ({@code pthread_rwlock_trywrlock}). */
    public boolean tryWriteLock() {
        Interleavings.note("tryWriteLock", this);
        Strand me = Strand.current();
        queue.lock();
        try {
            if (canWrite()) {
                writer = me;
                return true;
            }
            return false;
        } finally {
            queue.unlock();
        }
    }

    /**
     * Like {@link #writeLock()}, waiting at most {@code timeout} (measured by
     * {@code Strand.nanoTime()}); a zero or negative timeout polls.
     *
     * @return whether the caller now holds the write lock
     * @throws IllegalStateException if the caller holds the lock, to write or to read
     */
    @Suspendable
    public boolean tryWriteLock(Duration timeout) {
        Interleavings.switchPoint("tryWriteLock(timeout)", this);
        long nanos = WaitQueue.nanos(timeout);
        return acquire(true, true, Strand.deadlineAfter(Strand.nanoTime(), nanos), "tryWriteLock(" + timeout + ")");
    }

    /** Releases the caller's write lock, granting it to the waiters at the head of the queue. */
    public void writeUnlock() {
        Interleavings.note("writeUnlock", this);
        Strand me = Strand.current();
        Strand granted;
        queue.lock();
        try {
            if (writer != me) {
                throw new IllegalMonitorStateException(WaitQueue.describe(me) + " called writeUnlock() without holding the write lock ("
                        + (writer == null ? "no thread holds it" : "it is held by " + WaitQueue.describe(writer))
                        + (readHolds.containsKey(me) ? "; the caller holds a read lock: call readUnlock()" : "") + ") (EPERM)");
            }
            writer = null;
            granted = grantHead();
        } finally {
            queue.unlock();
        }
        WaitQueue.unparkAll(granted);
    }

    /** Whether the calling thread holds the write lock. */
    public boolean isWriteLockedByCurrentThread() {
        Strand me = Strand.current();
        queue.lock();
        try {
            return writer == me;
        } finally {
            queue.unlock();
        }
    }

    /** How many read locks the calling thread holds. */
    public int readHoldCount() {
        Strand me = Strand.current();
        queue.lock();
        try {
            int[] mine = readHolds.get(me);
            return mine == null ? 0 : mine[0];
        } finally {
            queue.unlock();
        }
    }

    @Override
    public String toString() {
        queue.lock();
        try {
            return "RwLock[" + (writer != null ? "write-locked by " + WaitQueue.describe(writer)
                    : readCount > 0 ? readCount + " read holds" : "unlocked") + ", " + queue.size() + " waiting]";
        } finally {
            queue.unlock();
        }
    }

    /** Threads waiting now (a snapshot); for tests. */
    int queueLength() {
        return queue.lockedSize();
    }

    // ------------------------------------------------------------------------------------
    // All under the queue's lock.

    private boolean canRead(Strand me) {
        return writer == null && (queue.isEmpty() || readHolds.containsKey(me));
    }

    private boolean canWrite() {
        return writer == null && readCount == 0 && queue.isEmpty();
    }

    private void addRead(Strand s) {
        int[] holds = readHolds.get(s);
        if (holds == null) {
            readHolds.put(s, new int[] {1});
            soleReader = readHolds.size() == 1 ? s : null;
        } else if (holds[0] == Integer.MAX_VALUE) {
            throw new IllegalStateException(WaitQueue.describe(s) + " holds " + holds[0]
                    + " read locks: one more would overflow the count (EAGAIN)");
        } else {
            holds[0]++;
        }
        readCount++;
    }

    /** Grants the lock to the waiters at the head that can have it now; returns them chained, for {@link WaitQueue#unparkAll}. */
    private Strand grantHead() {
        Strand first = null, last = null;
        for (Strand w; (w = queue.first()) != null; ) {
            if (w.waitToWrite ? writer != null || readCount > 0 : writer != null) {
                break;
            }
            queue.remove(w);
            if (w.waitToWrite) {
                writer = w;
            } else {
                addRead(w);
            }
            if (last == null) {
                first = w;
            } else {
                last.waitNext = w; // the chain unparkAll follows, as WaitQueue.grantAll's
            }
            last = w;
            if (w.waitToWrite) {
                break;
            }
        }
        return first;
    }

    @Suspendable
    private boolean acquire(boolean write, boolean timed, long deadline, String call) {
        Strand me = Strand.current();
        Strand w;
        queue.lock();
        try {
            if (writer == me) {
                throw new IllegalStateException(WaitQueue.describe(me) + " called " + call
                        + " while it holds the write lock: that would wait for ever (EDEADLK). Call writeUnlock() first");
            }
            if (write) {
                if (readHolds.containsKey(me)) {
                    throw new IllegalStateException(WaitQueue.describe(me) + " called " + call
                            + " while it holds a read lock: an upgrade would wait for ever for its own read lock (EDEADLK). "
                            + "Call readUnlock() first, then take the write lock and re-check what you read");
                }
                if (canWrite()) {
                    writer = me;
                    return true;
                }
            } else if (canRead(me)) {
                addRead(me);
                return true;
            }
            if (timed && deadline - Strand.nanoTime() <= 0) {
                return false;
            }
            w = WaitQueue.waiter(me, write);
            queue.addLast(w);
        } finally {
            queue.unlock();
        }
        if (timed) {
            return awaitGrant(w, true, deadline);
        }
        Wait edge = new Wait(me, write);
        edge.begin();
        try {
            if (write) {
                try {
                    edge.check(CYCLE_REMEDY);
                } catch (GreenDeadlockException e) {
                    if (leave(w)) {
                        throw e;
                    }
                    return true; // granted meanwhile: what it waited for was released after all
                }
            }
            return awaitGrant(w, false, 0L);
        } finally {
            edge.end();
        }
    }

    /** Waits, queued as {@code w}, until granted or, if {@code timed}, until {@code deadline}; whether granted. */
    @Suspendable
    private boolean awaitGrant(Strand w, boolean timed, long deadline) {
        return WaitQueue.await(w, false, timed, deadline) == WaitQueue.GRANTED || !leave(w);
    }

    /** A waiter that gives up leaves the queue; false if it was granted first. */
    @Suspendable
    private boolean leave(Strand w) {
        Strand granted = null;
        boolean removed;
        queue.lock();
        try {
            removed = queue.remove(w);
            if (removed) {
                granted = grantHead(); // a writer that leaves the head may let readers behind it in
            }
        } finally {
            queue.unlock();
        }
        if (!removed) {
            WaitQueue.awaitTold(w); // granted as it gave up
            return false;
        }
        WaitQueue.unparkAll(granted);
        return true;
    }

    private static final String CYCLE_REMEDY = "This writeLock() is refused so that the others can go on once this "
            + "thread releases what it holds. Take locks in one order everywhere";

    /**
     * An untimed wait for this lock, as an edge of the wait-for graph. A reader waits for the
     * writer; a writer for the writer or, when exactly one thread holds read locks, for it.
     * Several readers are not followed: see the package documentation.
     */
    private final class Wait extends WaitsFor {
        private final boolean write;

        Wait(Strand waiter, boolean write) {
            super(waiter);
            this.write = write;
        }

        @Override
        protected Strand holder() {
            Strand w = writer;
            return w != null || !write ? w : soleReader;
        }

        @Override
        protected String describe(Strand holder) {
            return "rwlock " + WaitsFor.name(RwLock.this) + (holder == writer ? " write-held by \"" : " read-held by \"")
                    + holder.name() + "\"";
        }
    }
}
