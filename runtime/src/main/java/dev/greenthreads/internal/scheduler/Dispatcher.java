package dev.greenthreads.internal.scheduler;

import dev.greenthreads.Suspendable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine behind a {@code Scheduler}: its carriers, the queues of ready green threads, the
 * timers, and the decision of which thread each carrier runs next. Two kinds:
 * {@link StealingDispatcher} (per-carrier queues, stealing, the wake protocol) and
 * {@link DeterministicDispatcher} (one carrier, seeded random choices, a virtual clock).
 *
 * <p>This base class keeps what both share: the count of live green threads, closing, and the
 * {@link FailureSink}. It knows nothing of the public classes, and holds no reference to any
 * green thread: a thread that ended is unreachable from here.
 */
public abstract class Dispatcher {

    private final String name;
    private final FailureSink failures;
    final Carrier[] carriers;

    /** Started and not yet terminated green threads. */
    private final AtomicLong live = new AtomicLong();
    private volatile boolean closing;
    volatile boolean stopped;
    private final ConcurrentLinkedQueue<Strand> closeWaiters = new ConcurrentLinkedQueue<>();

    /**
     * What an idle carrier blocks in instead of parking, if installed: the I/O poller of
     * {@code dev.greenthreads.io}, so that readiness reaches green threads on the carrier that
     * polled, with no other thread in between (Go's netpoll in {@code findrunnable}, Tokio's
     * driver in a worker's park). Only {@link StealingDispatcher} uses it.
     */
    public interface IdlePoller {
        /**
         * Idle carrier, nothing to run: either blocks until a channel is ready (unparking its
         * waiters, so that this carrier's own green threads queue on it), until {@link #wakeup()},
         * or until {@code deadline} in {@link System#nanoTime()} (if {@code timed}), and returns
         * true; or returns false at once (another party polls, or it cannot wait that precisely),
         * and the carrier parks; the poller {@link LockSupport#unpark unparks} it if it is to
         * poll once the other party hands over.
         */
        boolean poll(boolean timed, long deadline);

        /**
         * Busy carrier, now and then: polls without blocking if nobody else polls, so that
         * readiness does not wait for it to run out of work.
         */
        void pollNow();

        /** Makes the poll under way, or else the next one, return at once. */
        void wakeup();
    }

    static volatile IdlePoller idlePoller;

    /** Installs the poller that idle carriers of every work-stealing dispatcher block in. */
    public static void installIdlePoller(IdlePoller poller) {
        idlePoller = poller;
    }

    Dispatcher(String name, int carrierCount, FailureSink failures) {
        this.name = name;
        this.failures = failures;
        this.carriers = new Carrier[carrierCount];
        for (int i = 0; i < carrierCount; i++) {
            carriers[i] = new Carrier(this, i, name + "-carrier-" + i);
        }
    }

    /** A work-stealing dispatcher with {@code carriers} daemon carriers, started. */
    public static Dispatcher workStealing(String name, int carriers, FailureSink failures) {
        return new StealingDispatcher(name, carriers, failures).startCarriers();
    }

    /** A deterministic dispatcher (one daemon carrier, choices drawn from {@code seed}), started. */
    public static Dispatcher deterministic(String name, long seed, FailureSink failures) {
        return new DeterministicDispatcher(name, seed, failures).startCarriers();
    }

    final Dispatcher startCarriers() {
        for (Carrier c : carriers) {
            c.start();
        }
        return this;
    }

    public String name() {
        return name;
    }

    public int carrierCount() {
        return carriers.length;
    }

    // ------------------------------------------------------------------------------------
    // What the kinds implement. "Ready" methods may be called from any thread.

    /** A green thread was started: queue it. */
    abstract void submit(GreenStrand t);

    /** A parked green thread was made READY by an unpark or its timer: queue it. */
    abstract void ready(GreenStrand t);

    /** Runner: a green thread yielded on {@code carrier}; queue it behind the others. */
    abstract void yielded(GreenStrand t, Carrier carrier);

    /** Carrier loop: the next green thread to run, blocking while there is none; null when stopped. */
    abstract GreenStrand next(Carrier carrier);

    /** Runner, before the thread is marked PARKED: arm the timer of its park ({@code t.deadline}). */
    abstract void addTimer(GreenStrand t);

    /** Runner, before resuming: disarm the timer if it has not fired. */
    abstract void removeTimer(GreenStrand t);

    /** The clock of timed waits of this dispatcher's green threads. */
    public abstract long nanoTime();

    /** After {@link #stopped} was set: make every carrier notice. */
    abstract void wakeAllCarriers();

    // ------------------------------------------------------------------------------------

    /** Counts the thread as live and queues it; refused once closing, except from its own green threads. */
    final void start(GreenStrand t) {
        live.incrementAndGet();
        if (closing) {
            GreenStrand me = GreenStrand.current();
            if (me == null || me.dispatcher != this || stopped) {
                release();
                throw new IllegalStateException("scheduler \"" + name + "\" is closed: it starts no new green threads");
            }
        }
        submit(t);
    }

    /** Runner: a green thread ended. */
    final void terminated(GreenStrand t) {
        release();
    }

    private void release() {
        if (live.decrementAndGet() == 0 && closing) {
            for (Strand s : closeWaiters) {
                s.unpark();
            }
        }
    }

    final void uncaught(GreenStrand thread, Throwable error) {
        try {
            failures.uncaught(thread, error);
        } catch (Throwable e) {
            internalError("the uncaught-exception handler of scheduler \"" + name
                    + "\" threw while handling the failure of green thread \"" + thread.name() + "\"", e);
        }
    }

    final void internalError(String what, Throwable error) {
        try {
            failures.internalError(what, error);
        } catch (Throwable e) {
            FailureSink.print(what, error);
        }
    }

    /**
     * Refuses new green threads (except those started by its own), waits until every green
     * thread has ended, then stops the carriers. Parks a green caller; blocks a platform caller,
     * uninterruptibly (its interrupt status is kept).
     */
    @Suspendable
    public final void close() {
        GreenStrand me = GreenStrand.current();
        if (me != null && me.dispatcher == this) {
            throw new IllegalStateException("green thread \"" + me.name() + "\" cannot close its own scheduler \""
                    + name + "\": close waits for every green thread of it to end, itself included");
        }
        if (stopped) {
            return;
        }
        Strand self = Strand.current();
        closeWaiters.add(self);
        closing = true;
        boolean interrupted = false;
        while (live.get() > 0) {
            if (me != null) {
                Strand.park();
            } else {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
        }
        closeWaiters.remove(self);
        stopped = true;
        wakeAllCarriers();
        if (me == null) {
            for (Carrier c : carriers) {
                if (c != Thread.currentThread()) {
                    for (;;) {
                        try {
                            c.join();
                            break;
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    public final boolean isClosed() {
        return closing;
    }
}
