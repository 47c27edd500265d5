package dev.greenthreads.sync;

import dev.greenthreads.GreenDeadlockException;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.scheduler.Interleavings;
import dev.greenthreads.internal.scheduler.Strand;
import dev.greenthreads.internal.scheduler.WaitsFor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;

/**
 * A mutual-exclusion lock ({@code pthread_mutex_t}) for green and platform threads alike. A
 * green thread that waits for it parks without holding its carrier; a platform thread blocks.
 * The owner is the thread that locked it: only the owner may unlock it.
 *
 * <table>
 *   <caption>pthreads equivalents</caption>
 *   <tr><th>pthreads</th><th>here</th></tr>
 *   <tr><td>{@code pthread_mutex_init} with a type attribute</td><td>{@link #Mutex(Type)}; {@link #Mutex()} is {@link Type#NORMAL}</td></tr>
 *   <tr><td>{@code pthread_mutex_lock}</td><td>{@link #lock()}</td></tr>
 *   <tr><td>{@code pthread_mutex_trylock}</td><td>{@link #tryLock()}</td></tr>
 *   <tr><td>{@code pthread_mutex_timedlock}</td><td>{@link #tryLock(Duration)}</td></tr>
 *   <tr><td>{@code pthread_mutex_unlock}</td><td>{@link #unlock()}</td></tr>
 * </table>
 *
 * <h2>Misuse, by type</h2>
 * <table>
 *   <caption>what each type does when misused</caption>
 *   <tr><th>call</th><th>NORMAL</th><th>ERRORCHECK</th><th>RECURSIVE</th></tr>
 *   <tr><td>{@code lock()} by the owner</td><td>{@code GreenDeadlockException}</td>
 *       <td>{@code GreenDeadlockException} ({@code EDEADLK})</td><td>count + 1</td></tr>
 *   <tr><td>{@code tryLock()} by the owner</td><td>false ({@code EBUSY})</td><td>false ({@code EBUSY})</td><td>count + 1</td></tr>
 *   <tr><td>{@code tryLock(d)} by the owner</td><td>false, at once</td>
 *       <td>{@code IllegalStateException} ({@code EDEADLK})</td><td>count + 1</td></tr>
 *   <tr><td>{@code unlock()} by a non-owner</td><td colspan="3">{@code IllegalMonitorStateException}
 *       ({@code EPERM}); the mutex is left as it was</td></tr>
 * </table>
 * Where POSIX leaves NORMAL undefined (unlock by a non-owner) or lets it deadlock for ever
 * ({@code lock()} by the owner), this mutex throws instead: it tracks its owner anyway, and a
 * thread that can never wake helps nobody. A {@code tryLock(d)} by a NORMAL owner returns false
 * at once, which is what POSIX's {@code ETIMEDOUT} would report after the wait, since nothing
 * can release the mutex meanwhile. So NORMAL and ERRORCHECK differ only there.
 *
 * <h2>Deadlocks</h2>
 * A {@link #lock()} that would wait for a cycle of threads each waiting for the next (this
 * mutex's owner waits for a lock or a thread whose holder waits ... for the caller) throws
 * {@link GreenDeadlockException} naming them, instead of waiting for ever; a relock by the owner
 * is the cycle of one. Only a lock that has to wait looks: the uncontended path is unchanged.
 * {@link #tryLock(Duration)} does not, since its wait ends anyway. What is detected, and how, is
 * in the package documentation. A green thread that ends holding a mutex is reported once to its
 * scheduler's uncaught-exception handler, when a thread first waits for that mutex.
 *
 * <h2>Fairness: barging with bounded bypass</h2>
 * Waiters queue in FIFO order. An unlock with waiters normally releases the mutex and wakes the
 * first waiter, which then competes with any thread arriving meanwhile: the arrival may "barge"
 * ahead, which keeps a running thread running instead of switching (as in Go's
 * {@code sync.Mutex} normal mode and {@code ReentrantLock}'s default). While a woken waiter is on
 * its way, further unlocks wake nobody else. A waiter that is woken and finds the mutex taken
 * goes back to the <em>head</em> of the queue; once it has lost this way {@value #BYPASS_LIMIT}
 * times, the next unlock <em>hands the mutex over</em> to it directly, without ever releasing
 * it, so nobody can barge in between.
 *
 * <p>The guarantee: a waiter at the head of the queue is passed over at most
 * {@value #BYPASS_LIMIT} times, then acquires the mutex at the next unlock; a waiter behind it
 * only moves up. So no waiter starves, however steady the contention. How many acquisitions
 * others make while it is passed over is not bounded (a thread relocking in a loop may take the
 * mutex many times while the woken waiter is being scheduled). Waiters that were woken and lost
 * go back in front of the queue in the order they lost, so the order among them may differ
 * from their arrival order.
 *
 * <h2>Cancellation and interrupts</h2>
 * {@link #lock()} and {@link #tryLock(Duration)} are not cancellation points (as in POSIX): a
 * cancelled green thread goes on waiting, acquires the mutex, and acts on the cancellation at
 * its next cancellation point. A platform thread interrupted while it waits goes on waiting and
 * returns with its interrupt status set.
 *
 * <p>Every method that may wait is {@link Suspendable}; call them from suspendable code.
 */
public final class Mutex {

    /** The mutex types of {@code pthread_mutexattr_settype}. */
    public enum Type {
        /**
         * {@code PTHREAD_MUTEX_NORMAL}, the default: not re-entrant. Where POSIX would deadlock or
         * leave the behaviour undefined, this type throws; see the class comment.
         */
        NORMAL,
        /** {@code PTHREAD_MUTEX_RECURSIVE}: the owner may lock it again; it is released by as many unlocks. */
        RECURSIVE,
        /** {@code PTHREAD_MUTEX_ERRORCHECK}: relocking by the owner throws {@link IllegalStateException}. */
        ERRORCHECK
    }

    /*
     * Implementation overview.
     *
     * state: LOCKED (someone owns it) | WAITERS (the queue is not empty) | WOKEN (a waiter was
     * woken without hand-off and has not yet either taken the mutex or given the bit back).
     * Locking is a CAS that sets LOCKED when it is clear, whatever the other bits; unlocking is a
     * CAS from exactly LOCKED to 0, else release() looks at the other bits.
     *
     * WAITERS changes only under the queue's lock, by CAS, and is set only while LOCKED. A
     * locker queues itself only after setting (or seeing) WAITERS while LOCKED, under the
     * queue's lock: either that comes before the owner's release, which then finds it, or after,
     * and then the locker sees LOCKED clear and retries instead of queueing.
     *
     * WOKEN is the "someone is already on its way" bit of Go's sync.Mutex. An unlock that finds
     * WAITERS and no WOKEN wakes (or hands over to) the first waiter; one that finds WOKEN just
     * clears LOCKED and wakes nobody, so that a thread relocking in a loop pays one wake-up per
     * round of the woken waiter, not one per unlock. The woken waiter owns the bit and gives it
     * up in exactly one of two ways: it takes the mutex clearing WOKEN in the same CAS (and its
     * own unlock then wakes the next), or, seeing the mutex LOCKED, it clears WOKEN by a CAS that
     * requires LOCKED (and that owner's unlock, which comes after in the order of CASes on state,
     * finds WOKEN clear and wakes the next). Only then may it time out, be refused by the
     * deadlock check or queue itself again. So whenever waiters are queued and the mutex is free,
     * either a woken waiter is about to retry or an unlock is about to wake one: no wake-up is
     * lost, and at most one waiter competes at a time.
     *
     * unlockQueued runs only while LOCKED is held by its caller and WOKEN is clear (only the
     * LOCKED holder sets it), under the queue's lock (only its holder changes WAITERS): nobody
     * else can write state then, so it writes it plainly.
     *
     * Bounded bypass: a woken waiter that lost counts it (Strand.bypassed) and queues at the head;
     * once the count reaches BYPASS_LIMIT, the unlock that polls it hands the mutex over (owner
     * and holds set, LOCKED kept) instead of waking it, and nobody can barge in between. Go
     * switches to hand-off after a waiter has waited 1 ms; a count is what the deterministic
     * tests can pin down, and costs no clock read. The limit is small enough that a passed-over
     * waiter is served within a few rounds, and large enough that hand-offs, each of which makes
     * the releasing thread wait while the new owner is scheduled (a convoy), stay rare in
     * ContendedMutexBenchmark (benchmarks/results/CONTENDED-MUTEX.md).
     *
     * Not spinning: a green thread that spins before parking holds its carrier, which under
     * oversubscription (64 threads on 2 carriers) is the carrier the owner needs to run on; and a
     * woken waiter usually finds the mutex free on its first try or loses to a thread relocking
     * in a loop, which no short spin beats.
     *
     * owner and holds are plain fields: written by the owner after its acquiring CAS (or, on
     * hand-off, by the unlocker before the volatile write of GRANTED that the new owner reads),
     * and cleared by the owner before its releasing CAS, so the current thread's own view of
     * "do I hold it" is always exact. Other threads read owner only for messages.
     */

    private static final int LOCKED = 1, WAITERS = 2, WOKEN = 4;
    /** A woken waiter that loses the race this many times is handed the mutex at the next unlock. */
    static final int BYPASS_LIMIT = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Mutex.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Type type;
    private volatile int state;
    private Strand owner;
    private int holds;
    private final WaitQueue queue = new WaitQueue();

    /** A {@link Type#NORMAL} mutex, unlocked ({@code PTHREAD_MUTEX_INITIALIZER}). */
    public Mutex() {
        this(Type.NORMAL);
    }

    /** An unlocked mutex of the given type. */
    public Mutex(Type type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    public Type type() {
        return type;
    }

    /**
     * Acquires the mutex, waiting as long as it takes. Not a cancellation point.
     *
     * @throws GreenDeadlockException if waiting would close a cycle of threads each waiting for
     *         the next (see the class comment), which includes the caller holding it when it is
     *         not {@link Type#RECURSIVE}
     * @throws IllegalStateException if a recursive count would overflow
     */
    @Suspendable
    public void lock() {
        Strand me = Strand.current();
        if (!Interleavings.idle() || !tryAcquire(me)) {
            lockSlow(me);
        }
    }

    /** lock() when the mutex is taken or an exploration runs: out of line, so that lock() stays small. */
    @Suspendable
    private void lockSlow(Strand me) {
        Interleavings.switchPoint("lock", this);
        if (!tryAcquire(me)) {
            lockContended(me);
        }
        Interleavings.pause();
    }

    /**
     * Acquires the mutex if nobody holds it ({@code pthread_mutex_trylock}); a
     * {@link Type#RECURSIVE} owner increments its count. Never waits.
     *
     * @return whether the caller now holds it; false if someone, the caller included for the
     *         non-recursive types, holds it
     */
    public boolean tryLock() {
        Interleavings.note("tryLock", this);
        Strand me = Strand.current();
        if (tryAcquire(me)) {
            return true;
        }
        if (owner == me && type == Type.RECURSIVE) {
            relock(me, "tryLock()");
            return true;
        }
        return false;
    }

    /**
     * Acquires the mutex, waiting at most {@code timeout} ({@code pthread_mutex_timedlock}). The
     * timeout is measured by {@code Strand.nanoTime()}: the virtual clock of a deterministic
     * scheduler in its green threads. A zero or negative timeout polls. Not a cancellation point.
     *
     * @return whether the caller now holds it
     * @throws IllegalStateException if the caller holds it and it is {@link Type#ERRORCHECK}
     *         ({@code EDEADLK})
     */
    @Suspendable
    public boolean tryLock(Duration timeout) {
        Interleavings.switchPoint("tryLock(timeout)", this);
        long nanos = WaitQueue.nanos(timeout);
        Strand me = Strand.current();
        if (tryAcquire(me)) {
            return true;
        }
        if (owner == me) {
            if (type == Type.NORMAL) {
                return false;
            }
            relock(me, "tryLock(" + timeout + ")");
            return true;
        }
        if (nanos <= 0) {
            return false;
        }
        return acquireQueued(me, true, Strand.deadlineAfter(Strand.nanoTime(), nanos), false);
    }

    /**
     * Releases the mutex ({@code pthread_mutex_unlock}); for a {@link Type#RECURSIVE} mutex, one
     * level of it. If threads wait, the first of them is woken or handed the mutex (see the
     * class comment).
     *
     * @throws IllegalMonitorStateException if the caller does not hold it, whatever the type; the
     *         mutex is left as it was
     */
    public void unlock() {
        Interleavings.note("unlock", this);
        Strand me = Strand.current();
        if (owner != me) {
            throw notHeld(me, "unlock()", "unlock only a mutex you locked, from the thread that locked it");
        }
        if (holds > 1) {
            holds--;
            return;
        }
        release();
    }

    /** Whether the calling thread (green or platform) holds this mutex. */
    public boolean isHeldByCurrentThread() {
        return owner == Strand.current();
    }

    @Override
    public String toString() {
        Strand o = owner;
        return "Mutex[" + type + ", " + (o == null ? "unlocked" : "held by " + WaitQueue.describe(o))
                + ((state & WAITERS) != 0 ? ", with waiters" : "") + "]";
    }

    // ------------------------------------------------------------------------------------
    // Package-private: for Cond, and for tests to wait until a thread has queued.

    boolean isHeldBy(Strand s) {
        return owner == s;
    }

    /** Cond.await: releases every level the caller holds; returns how many, for {@link #reacquire}. */
    int releaseFully(Strand me) {
        int n = holds;
        release();
        return n;
    }

    /** Cond.await, after the wait: takes the mutex back, not a cancellation point, with the saved count. */
    @Suspendable
    void reacquire(Strand me, int savedHolds) {
        if (!tryAcquire(me)) {
            acquireQueued(me, false, 0L, false);
        }
        holds = savedHolds;
    }

    /** Threads queued for the mutex now (a snapshot). */
    int queueLength() {
        return queue.lockedSize();
    }

    // ------------------------------------------------------------------------------------

    private boolean tryAcquire(Strand me) {
        int s = state;
        if ((s & LOCKED) == 0 && STATE.compareAndSet(this, s, s | LOCKED)) {
            owner = me;
            holds = 1;
            return true;
        }
        return false;
    }

    /** lock() when the mutex is taken: out of line, so that lock() stays small enough to inline. */
    @Suspendable
    private void lockContended(Strand me) {
        if (owner != me) {
            acquireQueued(me, false, 0L, true);
            return;
        }
        if (type != Type.RECURSIVE) {
            new Wait(me).check(me.describe() + " called lock() on a " + type + " mutex it already holds: " + RELOCK_REMEDY);
        }
        relock(me, "lock()");
    }

    /** The owner locks again: counts for RECURSIVE, refuses for the others. */
    private void relock(Strand me, String call) {
        if (type != Type.RECURSIVE) {
            throw new IllegalStateException(WaitQueue.describe(me) + " called " + call + " on a " + type
                    + " mutex it already holds: that would wait for ever (EDEADLK). Unlock it first, or create it as "
                    + "new Mutex(Mutex.Type.RECURSIVE) if re-entry is intended");
        }
        if (holds == Integer.MAX_VALUE) {
            throw new IllegalStateException("recursive mutex locked " + holds + " times by " + WaitQueue.describe(me)
                    + ": the count would overflow (EAGAIN)");
        }
        holds++;
    }

    private void release() {
        holds = 0;
        owner = null;
        if (STATE.compareAndSet(this, LOCKED, 0)) {
            return;
        }
        for (;;) {
            int s = state;
            if ((s & (WAITERS | WOKEN)) == WAITERS) {
                unlockQueued();
                return;
            }
            if (STATE.compareAndSet(this, s, s & ~LOCKED)) {
                return; // nobody waits, or the woken waiter is on its way and will find it free
            }
        }
    }

    /** Release with WAITERS set and nobody WOKEN: hand over to, or wake, the first waiter. */
    private void unlockQueued() {
        Strand next;
        queue.lock();
        try {
            next = queue.pollFirst();
            int more = queue.isEmpty() ? 0 : WAITERS;
            if (next == null) {
                // The waiters timed out between our read and the lock, clearing WAITERS. We
                // still hold LOCKED and nobody is WOKEN, so nobody else can have written state.
                STATE.setVolatile(this, 0);
                return;
            }
            if (next.bypassed >= BYPASS_LIMIT) {
                owner = next;
                holds = 1;
                STATE.setVolatile(this, LOCKED | more);
                next.waitStatus = WaitQueue.GRANTED;
            } else {
                STATE.setVolatile(this, WOKEN | more);
                next.waitStatus = WaitQueue.WOKEN;
            }
        } finally {
            queue.unlock();
        }
        next.unpark();
    }

    /**
     * Queues the caller and waits until it acquires the mutex, or, if {@code timed}, until
     * {@code deadline} passes. Returns whether it acquired it. An untimed wait is an edge of the
     * wait-for graph; if {@code detect}, it throws {@link GreenDeadlockException} rather than
     * close a cycle ({@code Cond}'s reacquisition must return holding the mutex, so it does not).
     */
    @Suspendable
    private boolean acquireQueued(Strand me, boolean timed, long deadline, boolean detect) {
        Strand w = null;
        Wait edge = null;
        boolean woken = false; // this thread is the WOKEN waiter: it holds the WOKEN bit
        try {
            for (;;) {
                int s = state;
                if ((s & LOCKED) == 0) {
                    if (STATE.compareAndSet(this, s, (s | LOCKED) & ~(woken ? WOKEN : 0))) {
                        owner = me;
                        holds = 1;
                        return true;
                    }
                    continue;
                }
                if (woken) {
                    // Lost to a barging thread: give the bit back while LOCKED, so that the owner's
                    // unlock wakes a waiter; from here on this is an arrival that goes first.
                    if (!STATE.compareAndSet(this, s, s & ~WOKEN)) {
                        continue;
                    }
                    woken = false;
                    w.bypassed++;
                }
                if (timed && deadline - Strand.nanoTime() <= 0) {
                    return false;
                }
                if (w == null) {
                    w = WaitQueue.waiter(me);
                    if (!timed) {
                        edge = new Wait(me);
                        edge.begin();
                    }
                }
                if (detect && edge != null) {
                    edge.check(CYCLE_REMEDY); // before queueing, so that a refused caller has nothing to undo
                }
                Strand o = owner;
                if (o != null && o.isTerminated() && owner == o) {
                    // Before queueing, since the report may run a handler that waits itself; o ended
                    // after writing owner, so the second read is not stale.
                    o.reportIfEndedHolding(this);
                }
                if (!enqueue(w)) {
                    continue;
                }
                int status = WaitQueue.await(w, false, timed, deadline);
                if (status == WaitQueue.WAITING && leave(w)) {
                    return false;
                }
                if (w.waitStatus == WaitQueue.GRANTED) {
                    return true; // handed over: owner and holds were set by the unlocker
                }
                woken = true;
            }
        } finally {
            if (edge != null) {
                edge.end();
            }
        }
    }

    private static final String RELOCK_REMEDY = "that would wait for ever (EDEADLK). Unlock it first, or create it as "
            + "new Mutex(Mutex.Type.RECURSIVE) if re-entry is intended";
    private static final String CYCLE_REMEDY = "This lock() is refused so that the others can go on once this thread "
            + "releases what it holds. Take locks in one order everywhere";

    /** An untimed wait for this mutex, as an edge of the wait-for graph: the owner holds it. */
    private final class Wait extends WaitsFor {

        Wait(Strand waiter) {
            super(waiter);
        }

        @Override
        protected Strand holder() {
            return owner;
        }

        @Override
        protected String describe(Strand holder) {
            return "mutex " + WaitsFor.name(Mutex.this) + " held by \"" + holder.name() + "\"";
        }
    }

    /** Queues {@code w} if the mutex is still LOCKED, setting WAITERS; false if it was released meanwhile. */
    private boolean enqueue(Strand w) {
        queue.lock();
        try {
            for (;;) {
                int s = state;
                if ((s & LOCKED) == 0) {
                    return false;
                }
                if ((s & WAITERS) != 0 || STATE.compareAndSet(this, s, s | WAITERS)) {
                    break;
                }
            }
            if (w.bypassed > 0) {
                queue.addFirst(w);
            } else {
                queue.addLast(w);
            }
            return true;
        } finally {
            queue.unlock();
        }
    }

    /** A timed-out waiter leaves the queue; false if it was granted or woken first. */
    private boolean leave(Strand w) {
        queue.lock();
        try {
            if (!queue.remove(w)) {
                return false;
            }
            if (queue.isEmpty()) {
                for (;;) {
                    int s = state;
                    if (STATE.compareAndSet(this, s, s & ~WAITERS)) {
                        break;
                    }
                }
            }
            return true;
        } finally {
            queue.unlock();
        }
    }

    private IllegalMonitorStateException notHeld(Strand me, String call, String remedy) {
        Strand o = owner;
        return new IllegalMonitorStateException(WaitQueue.describe(me) + " called " + call + " on a mutex it does not hold ("
                + (o == null ? "it is unlocked" : "it is held by " + WaitQueue.describe(o)) + "): " + remedy + " (EPERM)");
    }
}
