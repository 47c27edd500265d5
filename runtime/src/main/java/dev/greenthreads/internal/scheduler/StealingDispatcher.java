package dev.greenthreads.internal.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The work-stealing dispatcher (Go's G-M-P scheduler with Tokio's refinements): per-carrier
 * bounded queues, a LIFO slot for the thread just unparked or started, a global queue for
 * submissions from outside and for overflow, a fairness tick, stealing half, the
 * searching-carrier wake protocol ({@link IdleCarriers}), and timers whose nearest deadline one
 * idle carrier waits for ({@link Timers}). Each carrier's share of the state is its
 * {@link Core}. The invariants are in {@code package-info.java}; this class follows them in
 * this order:
 *
 * <ol>
 *   <li>{@link #next}: due timers; every {@value #FAIRNESS_TICK}th dispatch one thread from the
 *       global queue (else two carriers re-queueing locally could starve it forever); the LIFO
 *       slot, at most {@value #LIFO_STREAK_LIMIT} times in a row (two threads handing a mutex
 *       back and forth would starve the queue); the own queue; a batch from the global queue;
 *       then {@link #search}; then {@link IdleCarriers#idle}.</li>
 *   <li>Waking: whoever makes work available calls {@link IdleCarriers#signalWork}, which
 *       wakes one idle carrier only if some carrier is idle and none is searching. A woken carrier searches;
 *       the last searcher to find work wakes the next one. So a burst of work wakes carriers
 *       one at a time, each only while the previous found something (no thundering herd).</li>
 * </ol>
 *
 * <p>Yielding re-queues on the carrier's own queue without waking anyone: a yield adds no
 * parallelism (Go's {@code Gosched} does not wake either). The yield path takes no lock and
 * allocates nothing: a volatile store of the state, the core's slice store and
 * compare-and-set, and a ring-buffer push.
 *
 * <p>A carrier that blocks inside a slice loses its core to a spare carrier thread
 * ({@link CarrierMonitor}, {@link SpareCarriers}); so a carrier finds its core in
 * {@link Carrier#core}, which is null once it lost it (package-info, "Cores and carrier
 * threads").
 */
final class StealingDispatcher extends Dispatcher {

    /**
     * Dispatches between looks at the global queue when the own queue is not empty (Go: 61, a
     * prime), and at the idle poller (Tokio polls its driver as often).
     */
    static final int FAIRNESS_TICK = 61;
    /**
     * The longest a busy carrier goes without polling or saying it defers its poll
     * ({@link IdlePoller#pollDeferred()}): half the poller's stall watch
     * ({@link IdlePoller#STALL_NANOS}), so that it still speaks inside the watch, which would
     * otherwise give the selector to the poller thread, as long as {@link #FAIRNESS_TICK}
     * dispatches (between its looks at the clock) take less than the other half. A limit in
     * dispatches alone would not hold, as what a dispatch costs varies a hundredfold, and a
     * take-over makes the next dispatches dearer still (the thread's unwatching costs an
     * {@code epoll_ctl} each way).
     */
    static final long POLL_SPACING_NANOS = IdlePoller.STALL_NANOS / 2;
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
    /** One per carrier of the scheduler; {@code cores[i]} starts on {@code carriers[i]}. */
    private final Core[] cores;
    private final Timers<GreenStrand> timers = new Timers<>();
    private final IdleCarriers idleCarriers;
    private final SpareCarriers spares;
    private final CarrierMonitor monitor;

    StealingDispatcher(String name, int carriers, int maxCarriers, long spareIdleNanos, long timeSliceNanos,
            FailureSink failures) {
        super(name, carriers, failures);
        this.cores = new Core[carriers];
        for (int i = 0; i < carriers; i++) {
            cores[i] = new Core(i, this.carriers[i]);
            this.carriers[i].core = cores[i];
        }
        this.idleCarriers = new IdleCarriers(cores, timers, this::hasWork, new CarrierParking(this));
        this.spares = new SpareCarriers(this, this.carriers, maxCarriers, spareIdleNanos);
        this.monitor = new CarrierMonitor(this, cores, idleCarriers, spares, timeSliceNanos);
    }

    @Override
    Dispatcher startCarriers() {
        super.startCarriers();
        monitor.start();
        return this;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    /** Idle carriers park in {@link LockSupport} and poll in the installed {@link Dispatcher.IdlePoller}. */
    private static final class CarrierParking implements IdleCarriers.Parking {

        private final Object blocker;

        CarrierParking(Object blocker) {
            this.blocker = blocker;
        }

        @Override
        public void park(Core c, boolean timed, long deadline) {
            if (timed) {
                LockSupport.parkNanos(blocker, deadline - System.nanoTime());
            } else {
                LockSupport.park(blocker);
            }
        }

        @Override
        public void unpark(Core c) {
            LockSupport.unpark(c.thread);
        }

        @Override
        public IdlePoller poller() {
            return idlePoller;
        }
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
        Carrier me = ownCarrier();
        Core c = me != null ? me.core : null;
        if (c != null && (me.polling || c.parkState != Core.ACTIVE)) {
            // made ready by a poll (an idle core's carrier runs nothing else): behind every
            // thread already waiting, see findLocal
            global.push(t);
        } else if (c != null && !me.inSlice) {
            pushLifo(c, t);
        } else if (c != null && c.pin(me)) {
            pushLifo(c, t);
            c.unpin(me);
        } else {
            if (c != null) {
                me.core = null; // taken by the monitor while this carrier was blocked
                c = null;
            }
            global.push(t);
        }
        idleCarriers.signalWork(c);
    }

    private void pushLifo(Core c, GreenStrand t) {
        GreenStrand displaced = c.swapLifo(t);
        if (displaced != null) {
            pushLocal(c, displaced);
        }
    }

    @Override
    void yielded(GreenStrand t, Carrier carrier) {
        Core c = carrier.core;
        boolean preempted = carrier.preempted;
        carrier.preempted = false;
        if (c != null && !preempted) {
            pushLocal(c, t);
        } else {
            global.push(t); // preempted: behind everything ready (TimeSlice)
            if (c == null) {
                idleCarriers.signalWork(null);
            }
        }
    }

    /** The current thread if it is one of this dispatcher's carriers, else null. */
    private Carrier ownCarrier() {
        Thread th = Thread.currentThread();
        return th instanceof Carrier && ((Carrier) th).dispatcher == this ? (Carrier) th : null;
    }

    @Override
    void sliceStarts(Carrier carrier) {
        carrier.inSlice = true;
        carrier.core.enterSlice(carrier);
    }

    @Override
    void sliceEnded(Carrier carrier) {
        carrier.inSlice = false;
        Core c = carrier.core;
        if (c != null) {
            if (c.leaveSlice(carrier)) {
                c.clearExpiry(c.expiredSlice()); // the slice is over: an expiry of it, or a stale one, is void
            } else {
                carrier.core = null;
            }
        }
    }

    /** Owner: pushes on its own queue; when full, moves half of it and {@code t} to the global queue. */
    private void pushLocal(Core c, GreenStrand t) {
        while (!c.queue.offer(t)) {
            int n = c.queue.drainHalf(c.overflow);
            if (n > 0) {
                global.pushBatch(c.overflow, n, t);
                return;
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Finding work

    @Override
    GreenStrand next(Carrier carrier) {
        Core c = carrier.core;
        if (c == null) {
            if ((c = spares.await(carrier)) == null) {
                return null;
            }
            carrier.core = c;
        }
        for (;;) {
            if (stopped) {
                return null;
            }
            if (timers.due()) {
                fireTimers(c);
            }
            GreenStrand t = findLocal(carrier, c);
            if (t == null) {
                t = search(c);
            }
            if (t != null) {
                c.countDispatch();
                idleCarriers.foundWork(c);
                return t;
            }
            idleCarriers.idle(c);
        }
    }

    private GreenStrand findLocal(Carrier carrier, Core c) {
        GreenStrand t;
        if (++c.tick % FAIRNESS_TICK == 0) {
            IdlePoller poller = idlePoller;
            if (poller != null) {
                pollIfDue(carrier, c, poller);
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
        if (global.size() > 0 && (t = global.pollBatch(c.queue, batchSize(), c.overflow)) != null) {
            if (!c.queue.isEmpty()) {
                idleCarriers.signalWork(c);
            }
            return t;
        }
        return null;
    }

    /**
     * A busy carrier's poll between dispatches, once the threads queued ahead of anything it
     * would wake have had their turn ({@link #queuedBehind}); until then it defers the poll,
     * saying so at most every {@link #POLL_SPACING_NANOS}.
     */
    private void pollIfDue(Carrier carrier, Core c, IdlePoller poller) {
        if (c.tick - c.polledAtTick < queuedBehind(c)) {
            long now = System.nanoTime();
            if (now - c.polledAt >= POLL_SPACING_NANOS) {
                c.polledAt = now;
                poller.pollDeferred();
            }
            return;
        }
        // What a poll finds ready, here or in an idle carrier's wait, joins the global queue's
        // tail (ready()), not this core's LIFO slot and queue: a poll can wake hundreds, and
        // pushing them locally would overflow the oldest half of the queue into the global
        // queue, read one thread per tick while the newest ran first, starving some threads
        // for long.
        carrier.polling = true;
        c.polls++;
        c.polledAtTick = c.tick;
        c.polledAt = System.nanoTime();
        try {
            poller.pollNow();
        } finally {
            carrier.polling = false;
        }
    }

    /**
     * Threads ready to run that this carrier would reach before one a poll made ready now: its
     * own queue and its share of the global queue. A busy carrier polls at most once per that
     * many dispatches, and in between defers its poll ({@link IdlePoller#pollDeferred()}). The
     * poll is level-triggered: it reports again every channel whose strand is still queued, so
     * polling more often than the queue turns over reports the same channels over and over (at
     * 5,000 connections on one carrier, most of each poll), while a thread it finds ready
     * would wait behind the queue anyway.
     */
    private int queuedBehind(Core c) {
        return c.queue.size() + global.size() / cores.length;
    }

    private int batchSize() {
        return Math.min(global.size() / cores.length + 1, RunQueue.CAPACITY / 2);
    }

    /** Steals, for up to {@link #SEARCH_SPIN_NANOS}, if {@link IdleCarriers#startSearching} lets it. */
    private GreenStrand search(Core c) {
        if (cores.length == 1) {
            return null; // nobody to steal from; new work comes with a wake-up
        }
        if (!idleCarriers.startSearching(c)) {
            return null;
        }
        long giveUpAt = 0;
        for (int round = 0; ; round++) {
            GreenStrand t = stealRound(c, round >= 2);
            if (t != null) {
                c.steals++;
                return t;
            }
            if (global.size() > 0 && (t = global.pollBatch(c.queue, batchSize(), c.overflow)) != null) {
                return t;
            }
            if (stopped) {
                return null;
            }
            long now = System.nanoTime();
            if (timers.due(now)) {
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

    private GreenStrand stealRound(Core c, boolean lifoToo) {
        int n = cores.length;
        if (n == 1) {
            return null;
        }
        int start = c.nextRandom(n);
        for (int i = 0; i < n; i++) {
            Core v = cores[(start + i) % n];
            if (v != c) {
                GreenStrand t = c.queue.stealHalfFrom(v.queue);
                if (t != null) {
                    return t;
                }
            }
        }
        if (lifoToo) {
            for (int i = 0; i < n; i++) {
                Core v = cores[(start + i) % n];
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
    private GreenStrand stealLifo(Core v) {
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

    /** Whether any queue, LIFO slot or due timer holds work: the re-check of {@link IdleCarriers}. */
    boolean hasWork() {
        if (global.size() > 0) {
            return true;
        }
        for (Core v : cores) {
            if (!v.queue.isEmpty() || v.lifo != null) {
                return true;
            }
        }
        return timers.due();
    }

    /**
     * Whether nothing in this dispatcher could make a thread ready: no queued thread, no timer,
     * no channel the poller watches. Platform threads still could.
     */
    boolean nothingCanWake() {
        IdlePoller poller = idlePoller;
        return !hasWork() && timers.isEmpty() && (poller == null || !poller.watching());
    }

    @Override
    boolean compensatesBlockedCarriers() {
        return true;
    }

    @Override
    void wakeAllCarriers() {
        idleCarriers.stop();
        spares.stop();
        monitor.stop();
    }

    @Override
    Iterable<? extends Thread> kernelThreads() {
        List<Thread> all = new ArrayList<>(spares.snapshot());
        all.add(monitor.thread());
        return all;
    }

    @Override
    public int carrierThreads() {
        return spares.threads();
    }

    @Override
    public long handOffs() {
        return monitor.handOffs();
    }

    @Override
    public long sliceExpirations() {
        long n = 0;
        for (Core c : cores) {
            n += c.sliceExpirations();
        }
        return n;
    }

    @Override
    public long carriersAdded() {
        return spares.added();
    }

    @Override
    public long carriersRetired() {
        return spares.retired();
    }

    @Override
    Core[] cores() {
        return cores;
    }

    // ------------------------------------------------------------------------------------
    // Timers

    @Override
    void addTimer(GreenStrand t) {
        if (timers.add(t, t.deadline)) {
            idleCarriers.earliestTimerChanged();
        }
    }

    @Override
    void removeTimer(GreenStrand t) {
        timers.remove(t);
    }

    /** Moves the due timers' threads to {@code c}'s queue. */
    private void fireTimers(Core c) {
        GreenStrand[] fired = c.fired;
        int n = timers.pollDue(System.nanoTime(), fired);
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
            idleCarriers.signalWork(c);
        }
    }
}
