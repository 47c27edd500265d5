package dev.greenthreads.internal.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The work-stealing dispatcher (Go's G-M-P scheduler with Tokio's refinements): per-carrier
 * bounded queues, a LIFO slot for the thread just unparked or started, a global queue for submissions from
 * outside and for overflow, a fairness tick, stealing half, the searching-carrier wake protocol,
 * and a timer heap whose nearest deadline one idle carrier waits for. The invariants are in
 * {@code package-info.java}; this class follows them in this order:
 *
 * <ol>
 *   <li>{@link #next}: due timers; every {@value #FAIRNESS_TICK}th dispatch one thread from the
 *       global queue (else two carriers re-queueing locally could starve it forever); the LIFO
 *       slot, at most {@value #LIFO_STREAK_LIMIT} times in a row (two threads handing a mutex
 *       back and forth would starve the queue); the own queue; a batch from the global queue;
 *       then {@link #search}; then {@link #idle}.</li>
 *   <li>Waking: whoever makes work available calls {@link #signalWork}, which wakes one idle
 *       carrier only if some carrier is idle and none is searching. A woken carrier searches;
 *       the last searcher to find work wakes the next one. So a burst of work wakes carriers
 *       one at a time, each only while the previous found something (no thundering herd).</li>
 * </ol>
 *
 * <p>Yielding re-queues on the carrier's own queue without waking anyone: a yield adds no
 * parallelism (Go's {@code Gosched} does not wake either). The yield path takes no lock and
 * allocates nothing: a volatile store of the state and a ring-buffer push.
 */
final class StealingDispatcher extends Dispatcher {

    /**
     * Dispatches between looks at the global queue when the own queue is not empty (Go: 61, a
     * prime), and at the idle poller (Tokio polls its driver as often).
     */
    static final int FAIRNESS_TICK = 61;
    /** Consecutive runs from the LIFO slot before the queue's head gets its turn (Tokio: 3). */
    static final int LIFO_STREAK_LIMIT = 3;
    /** A thief takes another carrier's LIFO slot only if that carrier has not dispatched for this long. */
    static final long LIFO_STEAL_GRACE_NANOS = 3_000;
    /**
     * How long a searching carrier keeps looking before it parks. While one searches, pushes
     * wake nobody, so a steady trickle of work (ping-pong between carriers) costs no kernel
     * wake-ups; parking sooner would pay one futex wake per hand-off.
     */
    static final long SEARCH_SPIN_NANOS = 20_000;

    private final GlobalQueue<GreenStrand> global = new GlobalQueue<>();
    /** Carriers in state IDLE. */
    private final AtomicInteger idle = new AtomicInteger();
    /** Carriers looking for work to steal, plus tokens handed to carriers being woken. */
    private final AtomicInteger searching = new AtomicInteger();

    private final ReentrantLock timerLock = new ReentrantLock();
    private final TimerHeap<GreenStrand> timers = new TimerHeap<>();
    /** Snapshots of the heap for the lock-free "is a timer due?" check; written under timerLock. */
    private volatile boolean anyTimers;
    private volatile long earliest;
    /** The idle carrier parked until the earliest deadline, if any; written under timerLock. */
    private volatile Carrier timedWaiter;
    /**
     * The idle carrier blocked in (or about to enter) the {@link Dispatcher.IdlePoller}, if any:
     * one at a time, as only one can hold the poller.
     */
    private volatile Carrier pollingCarrier;
    private static final VarHandle POLLING_CARRIER;

    static {
        try {
            POLLING_CARRIER = MethodHandles.lookup().findVarHandle(StealingDispatcher.class, "pollingCarrier", Carrier.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    StealingDispatcher(String name, int carriers, FailureSink failures) {
        super(name, carriers, failures);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    // ------------------------------------------------------------------------------------
    // Making threads ready

    /** A new thread goes where an unparked one goes: its parent often joins it at once (Go's newproc). */
    @Override
    void submit(GreenStrand t) {
        ready(t);
    }

    /**
     * From a carrier, {@code t} takes the LIFO slot (displacing its occupant into the queue),
     * and an idle carrier is signalled all the same. The waker usually parks at once (a start
     * followed by a join, an unpark followed by a wait) and its carrier then runs {@code t}
     * itself: a thief takes a LIFO slot only after {@link #LIFO_STEAL_GRACE_NANOS} without a
     * dispatch. But a waker that runs on without suspending (computes, spins on a flag, blocks
     * its carrier in a JDK call) must not leave {@code t} behind it while other carriers sleep:
     * nobody else would ever look at the slot, and if the waker waits for {@code t} that is a
     * deadlock. (Measured, not signalling into an empty slot, as Tokio does, made start + join
     * five times cheaper on two carriers; it is not worth a thread that can never run.)
     */
    @Override
    void ready(GreenStrand t) {
        Carrier c = ownCarrier();
        if (c != null) {
            GreenStrand displaced = c.swapLifo(t);
            if (displaced != null) {
                pushLocal(c, displaced);
            }
        } else {
            global.push(t);
        }
        signalWork();
    }

    @Override
    void yielded(GreenStrand t, Carrier carrier) {
        pushLocal(carrier, t);
    }

    /** The current thread if it is one of this dispatcher's carriers. */
    private Carrier ownCarrier() {
        Thread th = Thread.currentThread();
        return th instanceof Carrier && ((Carrier) th).dispatcher == this ? (Carrier) th : null;
    }

    /** Owner: pushes on its own queue; when full, moves half of it and {@code t} to the global queue. */
    private void pushLocal(Carrier c, GreenStrand t) {
        while (!c.queue.offer(t)) {
            int n = c.queue.drainHalf(c.overflow);
            if (n > 0) {
                global.pushBatch(c.overflow, n, t);
                return;
            }
        }
    }

    /**
     * Work was made available: wake one idle carrier if none is searching. The fence orders
     * the push before the reads (Dekker with {@link #idle}: see package-info).
     */
    private void signalWork() {
        VarHandle.fullFence();
        if (idle.get() > 0 && searching.get() == 0) {
            wakeOne();
        }
    }

    private void wakeOne() {
        Carrier own = ownCarrier();
        for (;;) {
            if (!searching.compareAndSet(0, 1)) {
                return; // someone else is searching, or is being woken to
            }
            for (Carrier v : carriers) {
                // not me: an idle carrier that makes threads ready is polling, and runs them itself
                if (v != own && v.parkState == Carrier.IDLE && v.casParkState(Carrier.IDLE, Carrier.NOTIFIED)) {
                    idle.decrementAndGet();
                    wake(v); // v owns the searching token now
                    return;
                }
            }
            // Nobody else was idle when we looked. But while we held the token, other pushers
            // saw searching > 0 and woke nobody, and carriers that parked after our scan
            // re-checked the queues before those pushes: unlike a searching carrier, we would
            // never look again. So look now, after the decrement (a full fence): a push that
            // saw our token is visible here, and if no other carrier is idle, every carrier
            // re-checks before it parks.
            searching.decrementAndGet();
            boolean ownIdle = own != null && own.parkState == Carrier.IDLE;
            if (idle.get() - (ownIdle ? 1 : 0) <= 0 || !hasWork()) {
                return;
            }
            Thread.onSpinWait();
        }
    }

    // ------------------------------------------------------------------------------------
    // Finding work

    @Override
    GreenStrand next(Carrier c) {
        for (;;) {
            if (stopped) {
                return null;
            }
            if (anyTimers && System.nanoTime() - earliest >= 0) {
                fireTimers(c);
            }
            GreenStrand t = findLocal(c);
            if (t == null) {
                t = search(c);
            }
            if (t != null) {
                c.countDispatch();
                if (c.searching) {
                    c.searching = false;
                    if (searching.decrementAndGet() == 0) {
                        signalWork(); // the last searcher found work: there may be more
                    }
                }
                return t;
            }
            idle(c);
        }
    }

    private GreenStrand findLocal(Carrier c) {
        GreenStrand t;
        if (++c.tick % FAIRNESS_TICK == 0) {
            IdlePoller poller = idlePoller;
            if (poller != null) {
                poller.pollNow();
            }
            if (global.size() > 0 && (t = global.poll()) != null) {
                return t;
            }
        }
        if (c.lifo != null && (t = c.takeLifo()) != null) {
            if (c.lifoStreak < LIFO_STREAK_LIMIT) {
                c.lifoStreak++;
                return t;
            }
            pushLocal(c, t);
        }
        c.lifoStreak = 0;
        if ((t = c.queue.poll()) != null) {
            return t;
        }
        if (global.size() > 0 && (t = global.pollBatch(c.queue, batchSize())) != null) {
            if (!c.queue.isEmpty()) {
                signalWork();
            }
            return t;
        }
        return null;
    }

    private int batchSize() {
        return Math.min(global.size() / carriers.length + 1, RunQueue.CAPACITY / 2);
    }

    /**
     * Steals, for up to {@link #SEARCH_SPIN_NANOS}. At most half of the busy carriers search at
     * once (Go's limit): more would only contend on the same victims.
     */
    private GreenStrand search(Carrier c) {
        if (carriers.length == 1) {
            return null; // nobody to steal from; new work comes with a wake-up
        }
        if (!c.searching) {
            if (2 * searching.get() >= carriers.length - idle.get()) {
                return null;
            }
            c.searching = true;
            searching.incrementAndGet();
        }
        long giveUpAt = 0;
        for (int round = 0; ; round++) {
            GreenStrand t = stealRound(c, round >= 2);
            if (t != null) {
                return t;
            }
            if (global.size() > 0 && (t = global.pollBatch(c.queue, batchSize())) != null) {
                return t;
            }
            if (stopped) {
                return null;
            }
            long now = System.nanoTime();
            if (anyTimers && now - earliest >= 0) {
                fireTimers(c);
                if ((t = c.queue.poll()) != null) {
                    return t;
                }
            }
            if (giveUpAt == 0) {
                giveUpAt = now + SEARCH_SPIN_NANOS;
            } else if (now - giveUpAt >= 0) {
                return null;
            }
            backOff();
        }
    }

    private GreenStrand stealRound(Carrier c, boolean lifoToo) {
        int n = carriers.length;
        if (n == 1) {
            return null;
        }
        int start = c.nextRandom(n);
        for (int i = 0; i < n; i++) {
            Carrier v = carriers[(start + i) % n];
            if (v != c) {
                GreenStrand t = c.queue.stealHalfFrom(v.queue);
                if (t != null) {
                    return t;
                }
            }
        }
        if (lifoToo) {
            for (int i = 0; i < n; i++) {
                Carrier v = carriers[(start + i) % n];
                if (v != c) {
                    GreenStrand t = stealLifo(v);
                    if (t != null) {
                        return t;
                    }
                }
            }
        }
        return null;
    }

    /**
     * Takes {@code v}'s LIFO slot only if {@code v} keeps it for {@link #LIFO_STEAL_GRACE_NANOS}
     * without dispatching: usually the thread that filled it is about to park and {@code v}
     * will run the slot's thread at once, hot in its cache (Go waits likewise).
     */
    private GreenStrand stealLifo(Carrier v) {
        GreenStrand t = v.lifo;
        if (t == null) {
            return null;
        }
        long seen = v.dispatches();
        long until = System.nanoTime() + LIFO_STEAL_GRACE_NANOS;
        while (System.nanoTime() - until < 0) {
            if (v.lifo != t || v.dispatches() != seen) {
                return null;
            }
            backOff();
        }
        return v.takeLifo(t) ? t : null;
    }

    /**
     * Pause between two looks at other carriers' queues: reading them as fast as possible would
     * pull their cache lines away from the carriers that write them at every dispatch.
     */
    private static void backOff() {
        for (int i = 0; i < 32; i++) {
            Thread.onSpinWait();
        }
    }

    // ------------------------------------------------------------------------------------
    // Idling

    /**
     * Parks {@code c} until it is handed work (NOTIFIED), a timer it waits for is due, or the
     * dispatcher stops. Registers as idle and stops searching first, then re-checks every queue:
     * a push that came before the registration is seen by the re-check, one that came after
     * sees the registration and wakes a carrier (see package-info).
     *
     * <p>If the {@link Dispatcher.IdlePoller} is free, {@code c} blocks in it instead of parking,
     * and leaves as soon as the poll made threads ready. A waker marks {@code c} NOTIFIED (or
     * adds a timer) before it reads {@link #pollingCarrier}; {@code c} sets that field (if no
     * other carrier holds it: then the poller is busy, and {@code c} parks) before it reads its
     * park state and polls: so either the waker sees it polling and wakes the
     * poll ({@link #wake}), or {@code c} sees the notification and does not poll.
     */
    private void idle(Carrier c) {
        c.parkState = Carrier.IDLE;
        idle.incrementAndGet();
        if (c.searching) {
            c.searching = false;
            searching.decrementAndGet();
        }
        if (hasWork()) {
            leaveIdle(c);
            return;
        }
        while (c.parkState != Carrier.NOTIFIED) {
            if (stopped) {
                leaveIdle(c);
                return;
            }
            boolean timed = claimTimedWait(c);
            // Waiting for the timer lock may have used up the unpark of a waker that notified
            // us meanwhile: look again before parking, or that wake-up is lost.
            if (c.parkState == Carrier.NOTIFIED) {
                break;
            }
            if (timed && c.timedWaitDeadline - System.nanoTime() <= 0) {
                leaveIdle(c);
                return;
            }
            IdlePoller poller = idlePoller;
            if (poller != null && POLLING_CARRIER.compareAndSet(this, (Carrier) null, c)) {
                boolean missed = wokenMeanwhile(c, timed);
                boolean polled = !missed && poller.poll(timed, c.timedWaitDeadline);
                pollingCarrier = null;
                if (polled && hasWork()) {
                    leaveIdle(c);
                    return;
                }
                if (polled || missed) {
                    continue;
                }
            }
            if (timed) {
                LockSupport.parkNanos(this, c.timedWaitDeadline - System.nanoTime());
            } else {
                LockSupport.park(this);
            }
        }
        releaseTimedWait(c);
        c.parkState = Carrier.ACTIVE;
        c.searching = true; // the waker counted this carrier in `searching`
    }

    /**
     * Idle {@code c}, having published itself as {@link #pollingCarrier}: was it woken before
     * that, by a notification, the stop, or a timer its poll would not wait for? Those wakers
     * unparked it, which a poll does not see.
     */
    private boolean wokenMeanwhile(Carrier c, boolean timed) {
        return c.parkState == Carrier.NOTIFIED || stopped
                || anyTimers && (timed ? earliest - c.timedWaitDeadline < 0 : timedWaiter == null);
    }

    /** Leaves IDLE on its own initiative, as a searcher; or, if a waker got there first, with its token. */
    private void leaveIdle(Carrier c) {
        if (c.casParkState(Carrier.IDLE, Carrier.ACTIVE)) {
            idle.decrementAndGet();
            searching.incrementAndGet();
        } else {
            c.parkState = Carrier.ACTIVE;
        }
        c.searching = true;
        releaseTimedWait(c);
    }

    private boolean hasWork() {
        if (global.size() > 0) {
            return true;
        }
        for (Carrier v : carriers) {
            if (!v.queue.isEmpty() || v.lifo != null) {
                return true;
            }
        }
        return anyTimers && System.nanoTime() - earliest >= 0;
    }

    @Override
    void wakeAllCarriers() {
        for (Carrier c : carriers) {
            wake(c);
        }
    }

    /** Unparks {@code v}, or makes its poll return if it is blocked in the idle poller. */
    private void wake(Carrier v) {
        LockSupport.unpark(v);
        if (pollingCarrier == v) {
            idlePoller.wakeup();
        }
    }

    // ------------------------------------------------------------------------------------
    // Timers

    @Override
    void addTimer(GreenStrand t) {
        boolean first;
        Carrier waiter;
        timerLock.lock();
        try {
            first = timers.add(t, t.deadline);
            publishTimers();
            waiter = timedWaiter;
        } finally {
            timerLock.unlock();
        }
        if (first) {
            if (waiter != null) {
                wake(waiter); // it re-reads the earliest deadline
            } else {
                nudgeIdleCarrier(null); // one of them takes the timed wait
            }
        }
    }

    @Override
    void removeTimer(GreenStrand t) {
        timerLock.lock();
        try {
            if (timers.remove(t)) {
                publishTimers();
            }
        } finally {
            timerLock.unlock();
        }
    }

    private void publishTimers() {
        boolean any = !timers.isEmpty();
        if (any) {
            earliest = timers.earliestDeadline();
        }
        anyTimers = any;
    }

    /** Moves the due timers' threads to {@code c}'s queue. */
    private void fireTimers(Carrier c) {
        GreenStrand[] fired = c.fired;
        int n = 0;
        long now = System.nanoTime();
        timerLock.lock();
        try {
            GreenStrand t;
            while (n < fired.length && (t = timers.pollDue(now)) != null) {
                fired[n++] = t;
            }
            publishTimers();
        } finally {
            timerLock.unlock();
        }
        boolean woke = false;
        for (int i = 0; i < n; i++) {
            GreenStrand t = fired[i];
            fired[i] = null;
            if (t.expire()) {
                pushLocal(c, t);
                woke = true;
            }
        }
        if (woke) {
            signalWork();
        }
    }

    /** Idle carrier: becomes (or stays) the timed waiter if there are timers and nobody else is. */
    private boolean claimTimedWait(Carrier c) {
        timerLock.lock();
        try {
            if (timers.isEmpty()) {
                if (timedWaiter == c) {
                    timedWaiter = null;
                }
                return false;
            }
            if (timedWaiter == null) {
                timedWaiter = c;
            }
            if (timedWaiter != c) {
                return false;
            }
            c.timedWaitDeadline = timers.earliestDeadline();
            return true;
        } finally {
            timerLock.unlock();
        }
    }

    /** A carrier leaving IDLE gives up the timed wait; another idle carrier takes it over. */
    private void releaseTimedWait(Carrier c) {
        if (timedWaiter != c) {
            return;
        }
        boolean handOver;
        timerLock.lock();
        try {
            if (timedWaiter != c) {
                return;
            }
            timedWaiter = null;
            handOver = !timers.isEmpty();
        } finally {
            timerLock.unlock();
        }
        if (handOver) {
            nudgeIdleCarrier(c);
        }
    }

    /** Unparks an idle carrier (without handing it work) so that it re-evaluates its timed wait. */
    private void nudgeIdleCarrier(Carrier except) {
        for (Carrier v : carriers) {
            if (v != except && v.parkState == Carrier.IDLE) {
                wake(v);
                return;
            }
        }
    }
}
