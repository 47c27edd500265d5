package dev.greenthreads.internal.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The wake protocol of a work-stealing dispatcher, alone: which carriers are idle or
 * searching, when a carrier may park, whom a new piece of work wakes, and who takes the timed
 * wait over (Go's {@code npidle}/{@code nmspinning} and {@code wakep}, Tokio's {@code Idle}).
 * Why no wake-up is lost is argued in {@code package-info.java}, "Waking carriers"; this class
 * is that argument's code and nothing else. What work is, how a carrier parks and how it is
 * unparked come from outside ({@link Work}, {@link Parking}), so that the protocol can be run
 * on its own, under a model checker, with fake carriers.
 *
 * <h2>The operations, as the dispatcher calls them</h2>
 * <ul>
 *   <li>{@link #signalWork(Core)}: after anyone made work available (pushed a ready thread,
 *       fired a timer), with the caller's core, or null from outside the carriers.</li>
 *   <li>{@link #startSearching(Core)}: a carrier without local work asks to look for some to
 *       steal; {@link #foundWork(Core)}: it found some (or its own) and will run it.</li>
 *   <li>{@link #idle(Core)}: it found nothing; returns when it has work to look for again
 *       (as a searcher) or the dispatcher stopped. It is {@link #enterIdle(Core)}, then
 *       {@link #awaitOnce(Core)} until that returns true.</li>
 *   <li>{@link #earliestTimerChanged()}: after {@link Timers#add} returned true.</li>
 *   <li>{@link #stop()}: every carrier is to leave.</li>
 * </ul>
 *
 * <h2>Driving it from a test</h2>
 * {@code IdleCarriersTest} is a worked example, one scenario at a time. Build two or three
 * {@link Core}s ({@code new Core(i, null)}: no thread needed), a {@link Timers} (empty, or with
 * stand-in {@link TimerHeap.Member}s), a work source (a counter: {@code () -> work.get() > 0})
 * and a fake {@link Parking} that never blocks: {@code park(c, ..)} consumes a pending unpark
 * of {@code c} if there is one, else marks {@code c} parked and returns (to the protocol, a
 * spurious return); {@code unpark(c)} clears that mark, or leaves an unpark pending if
 * {@code c} is not parked; {@code poller()} returns null. Then run, from one thread per
 * carrier and one or two outside threads:
 * <ul>
 *   <li>push from outside: {@code work.incrementAndGet(); signalWork(null)};</li>
 *   <li>push from carrier {@code c} (a thread it made ready): {@code work.incrementAndGet();
 *       signalWork(c)};</li>
 *   <li>carrier {@code c} looks for work: {@code startSearching(c)}; it takes some if its
 *       decrement of a positive {@code work} succeeds, and then calls {@code foundWork(c)};</li>
 *   <li>carrier {@code c} finds nothing and idles: {@code if (enterIdle(c)) { while
 *       (!awaitOnce(c) && !parked(c)) { } }}: it leaves idle, or stays parked until another
 *       operation unparks it; a later "idle" operation of the same carrier resumes with
 *       {@code awaitOnce(c)} once it is unparked.</li>
 * </ul>
 * <b>No lost wake-up</b>, the property to check when every operation has returned: if work is
 * left ({@code work.get() > 0}), some core will look for it: its {@link Core#parkState} is
 * {@link Core#ACTIVE} (it re-checks before it parks), or {@link Core#NOTIFIED} and it is not
 * parked (it was unparked after it was notified). It is a bug to end with work left and every
 * core IDLE, or NOTIFIED but still parked. Two more invariants hold whenever nobody is inside
 * an operation: {@link #idleCount()} is the number of cores in state IDLE, and
 * {@link #searchingCount()} the number of cores with {@link Core#searching} set or in state
 * NOTIFIED (each holds the token its waker counted).
 */
final class IdleCarriers {

    /** What work is, for the re-checks before parking. */
    @FunctionalInterface
    interface Work {
        /**
         * Whether any queue, LIFO slot or due timer holds work; it sees every push made before
         * the caller's last full fence.
         */
        boolean available();
    }

    /** How an idle carrier blocks, and how it is woken. */
    interface Parking {
        /**
         * Blocks the calling carrier, {@code c}'s, until {@link #unpark}{@code (c)}, until
         * {@code deadline} ({@link System#nanoTime()}) if {@code timed}, or for no reason. An
         * unpark that came before the park makes it return at once ({@code LockSupport}'s
         * permit).
         */
        void park(Core c, boolean timed, long deadline);

        /** Wakes {@code c}'s carrier from {@link #park}, or makes its next park return at once. */
        void unpark(Core c);

        /** The I/O poller an idle carrier blocks in instead of parking, or null. */
        Dispatcher.IdlePoller poller();
    }

    private static final VarHandle POLLING;

    static {
        try {
            POLLING = MethodHandles.lookup().findVarHandle(IdleCarriers.class, "polling", Core.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Core[] cores;
    private final Timers<?> timers;
    private final Work work;
    private final Parking parking;

    /** Cores in state IDLE. */
    private final AtomicInteger idle = new AtomicInteger();
    /** Cores looking for work to steal, plus tokens handed to cores being woken. */
    private final AtomicInteger searching = new AtomicInteger();
    private volatile boolean stopped;
    /**
     * The idle core whose carrier is blocked in (or about to enter) the poller, if any: one at
     * a time, as only one can hold the poller.
     */
    private volatile Core polling;

    IdleCarriers(Core[] cores, Timers<?> timers, Work work, Parking parking) {
        this.cores = cores;
        this.timers = timers;
        this.work = work;
        this.parking = parking;
    }

    int idleCount() {
        return idle.get();
    }

    int searchingCount() {
        return searching.get();
    }

    // ------------------------------------------------------------------------------------
    // Waking

    /**
     * Work was made available by {@code own}'s carrier (null: by a thread outside the
     * carriers): wake one idle carrier if none is searching. The fence orders the push before
     * the reads (Dekker with {@link #idle}: see package-info).
     */
    void signalWork(Core own) {
        VarHandle.fullFence();
        if (idle.get() > 0 && searching.get() == 0) {
            wakeOne(own);
        }
    }

    private void wakeOne(Core own) {
        for (;;) {
            if (!searching.compareAndSet(0, 1)) {
                return; // someone else is searching, or is being woken to
            }
            for (Core v : cores) {
                // not me: an idle carrier that makes threads ready is polling, and runs them itself
                if (v != own && v.parkState == Core.IDLE && v.casParkState(Core.IDLE, Core.NOTIFIED)) {
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
            boolean ownIdle = own != null && own.parkState == Core.IDLE;
            if (idle.get() - (ownIdle ? 1 : 0) <= 0 || !work.available()) {
                return;
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Unparks {@code v}'s carrier, or makes its poll return if it is blocked in the poller;
     * counted as a wake-up of {@code v} ({@link Core#wakeUps()}).
     */
    private void wake(Core v) {
        v.countWakeUp();
        parking.unpark(v);
        if (polling == v) {
            parking.poller().wakeup();
        }
    }

    /** A timer became the earliest: the timed waiter re-reads it, or an idle carrier takes the role. */
    void earliestTimerChanged() {
        Core waiter = timers.timedWaiter();
        if (waiter != null) {
            wake(waiter);
        } else {
            nudge(null);
        }
    }

    /** Unparks an idle carrier (without handing it work) so that it re-evaluates its timed wait. */
    private void nudge(Core except) {
        for (Core v : cores) {
            if (v != except && v.parkState == Core.IDLE) {
                wake(v);
                return;
            }
        }
    }

    /** The dispatcher stopped: every carrier leaves idle and sees it. */
    void stop() {
        stopped = true;
        for (Core c : cores) {
            parking.unpark(c);
            if (polling == c) {
                parking.poller().wakeup();
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Searching

    /**
     * {@code c} has no local work: may it search? At most half of the busy carriers search at
     * once (Go's limit): more would only contend on the same victims.
     */
    boolean startSearching(Core c) {
        if (!c.searching) {
            if (2 * searching.get() >= cores.length - idle.get()) {
                return false;
            }
            c.searching = true;
            searching.incrementAndGet();
        }
        return true;
    }

    /**
     * {@code c} found work and runs it: it stops searching, and if it was the last searcher and
     * more work is left, it signals again. Work pushed after that look sees {@code searching}
     * at 0 (the decrement is a full fence before the look; Dekker as in {@link #signalWork}) and
     * its pusher signals. Signalling without the look would wake a second carrier for every
     * lone thread started from outside, to search and park again.
     */
    void foundWork(Core c) {
        if (c.searching) {
            c.searching = false;
            if (searching.decrementAndGet() == 0 && work.available()) {
                signalWork(c);
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Idling

    /**
     * Parks {@code c}'s carrier until it is handed work (NOTIFIED), a timer it waits for is
     * due, or the dispatcher stops; it then leaves as a searcher.
     */
    void idle(Core c) {
        if (enterIdle(c)) {
            while (!awaitOnce(c)) {
                // parked, and woken: look again
            }
        }
    }

    /**
     * Registers {@code c} as idle and stops its search, then re-checks for work: a push that
     * came before the registration is seen here, one that came after sees the registration and
     * wakes a carrier (see package-info). Returns false when it found work and left idle again.
     */
    boolean enterIdle(Core c) {
        c.parkState = Core.IDLE;
        idle.incrementAndGet();
        if (c.searching) {
            c.searching = false;
            searching.decrementAndGet();
        }
        if (work.available()) {
            leaveIdle(c);
            return false;
        }
        return true;
    }

    /**
     * One round of the idle wait of {@code c}: returns true when it has left idle (notified,
     * stopped, its timer due, or its poll made work), false after it parked or polled and must
     * look again.
     *
     * <p>If the poller is free, {@code c} blocks in it instead of parking. A waker marks
     * {@code c} NOTIFIED (or adds a timer) before it reads {@link #polling}; {@code c} sets
     * that field (if no other core holds it: then the poller is busy, and {@code c} parks)
     * before it reads its park state and polls: so either the waker sees it polling and wakes
     * the poll ({@link #wake}), or {@code c} sees the notification and does not poll.
     */
    boolean awaitOnce(Core c) {
        if (c.parkState == Core.NOTIFIED) {
            woken(c);
            return true;
        }
        if (stopped) {
            leaveIdle(c);
            return true;
        }
        boolean timed = timers.claim(c);
        // Waiting for the timer lock may have used up the unpark of a waker that notified us
        // meanwhile: look again before parking, or that wake-up is lost.
        if (c.parkState == Core.NOTIFIED) {
            woken(c);
            return true;
        }
        if (timed && c.timedWaitDeadline - System.nanoTime() <= 0) {
            leaveIdle(c);
            return true;
        }
        Dispatcher.IdlePoller poller = parking.poller();
        if (poller != null && POLLING.compareAndSet(this, (Core) null, c)) {
            boolean missed = wokenMeanwhile(c, timed);
            boolean polled = !missed && poller.poll(timed, c.timedWaitDeadline);
            if (polled) {
                c.polls++;
            }
            polling = null;
            if (polled && work.available()) {
                leaveIdle(c);
                return true;
            }
            if (polled || missed) {
                return false;
            }
        }
        parking.park(c, timed, c.timedWaitDeadline);
        return false;
    }

    /**
     * Idle {@code c}, having published itself as {@link #polling}: was it woken before that, by
     * a notification, the stop, or a timer its poll would not wait for? Those wakers unparked
     * it, which a poll does not see.
     */
    private boolean wokenMeanwhile(Core c, boolean timed) {
        return c.parkState == Core.NOTIFIED || stopped || timers.unwatched(timed, c.timedWaitDeadline);
    }

    /** Leaves IDLE, notified: the waker counted {@code c} in {@code searching}. */
    private void woken(Core c) {
        releaseTimedWait(c);
        c.parkState = Core.ACTIVE;
        c.searching = true;
    }

    /** Leaves IDLE on its own initiative, as a searcher; or, if a waker got there first, with its token. */
    private void leaveIdle(Core c) {
        if (c.casParkState(Core.IDLE, Core.ACTIVE)) {
            idle.decrementAndGet();
            searching.incrementAndGet();
        } else {
            c.parkState = Core.ACTIVE;
        }
        c.searching = true;
        releaseTimedWait(c);
    }

    /** A carrier leaving IDLE gives up the timed wait; another idle carrier takes it over. */
    private void releaseTimedWait(Core c) {
        if (timers.release(c)) {
            nudge(c);
        }
    }
}
