package dev.greenthreads.internal.scheduler;

import dev.greenthreads.Suspendable;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine behind a {@code Scheduler}: its carriers, the queues of ready green threads, the
 * timers, and the decision of which thread each carrier runs next. Two kinds:
 * {@link StealingDispatcher} (per-carrier queues, stealing, the wake protocol) and
 * {@link DeterministicDispatcher} (one carrier, seeded random choices, a virtual clock).
 *
 * <p>This base class keeps what both share: the live green threads, closing, and the
 * {@link FailureSink}. It knows nothing of the public classes. It holds the green threads that
 * started and have not ended, so that a hang, or a {@code close()} that waits, can say what
 * each waits for (Go's allgs); a thread that ended is unreachable from here.
 */
public abstract class Dispatcher {

    private final String name;
    private final FailureSink failures;
    /** The public object of this dispatcher, opaque here: its green threads find their scheduler through it. */
    private volatile Object handle;
    final Carrier[] carriers;

    /** Started and not yet terminated green threads: their number, and themselves. */
    private final AtomicLong live = new AtomicLong();
    private final LiveThreads greenThreads = new LiveThreads();
    private volatile boolean closing;
    /** A close that has waited this long for green threads says which. */
    static final long CLOSE_PATIENCE_NANOS = 1_000_000_000L;
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

        /**
         * Busy carrier, when it would poll by the clock but has not yet run the threads queued
         * ahead of anything a poll would wake now: it polls once they have had their turn
         * instead. Tells {@link #watch()} that carriers still poll, so that the poller's own
         * thread stays out, unless platform threads wait on the poller (they wait behind no
         * queue).
         */
        void pollDeferred();

        /** Makes the poll under way, or else the next one, return at once. */
        void wakeup();

        /**
         * Whether any channel is registered: readiness could still wake a parked thread, so a
         * scheduler whose threads are all parked is not (yet) known to hang.
         */
        boolean watching();

        /**
         * A monitor's tick ({@link CarrierMonitor}): if nobody polled (nor deferred a poll) for
         * {@link #STALL_MILLIS} although the poller was free (every carrier is running green
         * threads that do not yield), the poller's own thread takes polling over. Cheap, and
         * safe to call from several monitors at once.
         */
        void watch();

        /**
         * How long nobody may poll, while the poller is free, before {@link #watch()} gives
         * polling to the poller's own thread (Go's sysmon does the same for its netpoll, every
         * 10 ms). A carrier that keeps dispatching polls, or defers a poll, well within it,
         * whatever a dispatch costs ({@code StealingDispatcher.POLL_SPACING_NANOS}).
         */
        long STALL_MILLIS = 10;
        long STALL_NANOS = STALL_MILLIS * 1_000_000L;
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

    /**
     * A work-stealing dispatcher with {@code carriers} daemon carriers and its
     * {@link CarrierMonitor}, started. While carriers are blocked inside green threads, it runs
     * up to {@code maxCarriers} carrier threads in all (at least {@code carriers}); a carrier
     * left without a core retires after {@code spareIdleNanos} without one. A green thread that
     * runs longer than {@code timeSliceNanos} while others wait yields at its next check
     * ({@link TimeSlice}); 0 turns time slices off.
     */
    public static Dispatcher workStealing(String name, int carriers, int maxCarriers, long spareIdleNanos,
            long timeSliceNanos, FailureSink failures) {
        return new StealingDispatcher(name, carriers, maxCarriers, spareIdleNanos, timeSliceNanos, failures)
                .startCarriers();
    }

    /** A deterministic dispatcher (one daemon carrier, choices drawn from {@code seed}), started. */
    public static Dispatcher deterministic(String name, long seed, FailureSink failures) {
        return new DeterministicDispatcher(name, seed, failures).startCarriers();
    }

    Dispatcher startCarriers() {
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

    /** Carrier threads alive now: the carriers, plus those added while others are blocked and not yet retired. */
    public int carrierThreads() {
        return carriers.length;
    }

    /** Times a carrier blocked inside a green thread had its core handed to another carrier thread. */
    public long handOffs() {
        return 0;
    }

    /** Green threads made to yield because their time slice expired, over all carriers. */
    public long sliceExpirations() {
        return 0;
    }

    /** Carrier threads started beyond the first {@link #carrierCount()}. */
    public long carriersAdded() {
        return 0;
    }

    /** Carrier threads that retired after idling without a core. */
    public long carriersRetired() {
        return 0;
    }

    /** The cores of a work-stealing dispatcher, whose counters the scoreboard reads; none for the deterministic one. */
    Core[] cores() {
        return new Core[0];
    }

    /** Every kernel thread {@link #close()} joins once the carriers are stopped. */
    Iterable<? extends Thread> kernelThreads() {
        return List.of(carriers);
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

    /**
     * Whether another carrier thread takes over when one blocks (a pinned park): not on the
     * one-carrier dispatchers (deterministic, exploring), where such a park would wait forever.
     */
    boolean compensatesBlockedCarriers() {
        return false;
    }

    /** Runner, on {@code carrier}: the thread's body is about to run (or resume). */
    void sliceStarts(Carrier carrier) {
    }

    /** Runner, on {@code carrier}: the body returned, suspended or threw; its after-unwind action comes next. */
    void sliceEnded(Carrier carrier) {
    }

    // ------------------------------------------------------------------------------------

    /** Records the public object of this dispatcher, once, before it starts a thread. */
    public final void handle(Object handle) {
        this.handle = handle;
    }

    /** The object given to {@link #handle(Object)}. */
    public final Object handle() {
        return handle;
    }

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
        greenThreads.add(t);
        submit(t);
    }

    /** Runner: a green thread ended. */
    final void terminated(GreenStrand t) {
        greenThreads.remove(t);
        release();
    }

    /** Snapshot of the green threads started and not yet ended. */
    public final List<GreenStrand> liveGreenThreads() {
        return greenThreads.snapshot();
    }

    /** How many live green threads are in {@code state} now. */
    final int countGreenThreads(ThreadDump.State state) {
        return greenThreads.count(state);
    }

    /** Green threads started and not yet ended. */
    final long liveThreads() {
        return live.get();
    }

    /**
     * One line per live green thread: its name, state and, if suspended, the methods it is
     * suspended in, innermost first. A snapshot, for diagnostics.
     */
    final String describeThreads() {
        StringBuilder b = new StringBuilder();
        for (GreenStrand t : greenThreads.snapshot()) {
            int state = t.runState();
            b.append("\n  green thread \"").append(t.name()).append("\" (#").append(t.id()).append("): ")
                    .append(stateName(state));
            if (state == GreenStrand.PARKED) {
                List<String> where = t.methods();
                if (!where.isEmpty()) {
                    b.append(", waiting in ").append(String.join(" <- ", where));
                }
            }
            String pinned = t.pinnedAt();
            if (pinned != null) {
                b.append(", parked pinned to its carrier inside ").append(pinned);
            }
        }
        return b.toString();
    }

    private static String stateName(int state) {
        switch (state) {
            case GreenStrand.NEW: return "NEW";
            case GreenStrand.READY: case GreenStrand.YIELDING: return "READY";
            case GreenStrand.RUNNING: return "RUNNING";
            case GreenStrand.PARKING: case GreenStrand.PARKED: return "BLOCKED";
            default: return "TERMINATED";
        }
    }

    /** Reports a hang, found by a monitor: {@code report} says what waits for what. */
    final void hung(String report) {
        GreenStrand any = greenThreads.any();
        if (any == null) {
            return; // they ended meanwhile
        }
        IllegalStateException e = new IllegalStateException(report);
        e.setStackTrace(new StackTraceElement[0]);
        try {
            failures.hung(any, e);
        } catch (Throwable x) {
            internalError("the uncaught-exception handler of scheduler \"" + name + "\" threw while handling a hang report", x);
        }
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
        long since = System.nanoTime();
        boolean told = false;
        while (live.get() > 0) {
            if (!told && System.nanoTime() - since >= CLOSE_PATIENCE_NANOS) {
                told = true;
                System.err.println("greenthreads: close() of scheduler \"" + name + "\" has waited "
                        + CLOSE_PATIENCE_NANOS / 1_000_000_000L + " s for its green threads to end; it waits for "
                        + live.get() + ":" + describeThreads());
            }
            long patience = told ? Long.MAX_VALUE : CLOSE_PATIENCE_NANOS;
            if (me != null) {
                if (told) {
                    Strand.park();
                } else {
                    Strand.parkNanos(patience);
                }
            } else {
                if (told) {
                    LockSupport.park(this);
                } else {
                    LockSupport.parkNanos(this, patience);
                }
                interrupted |= Thread.interrupted();
            }
        }
        closeWaiters.remove(self);
        stopped = true;
        wakeAllCarriers();
        if (me == null) {
            for (Thread c : kernelThreads()) {
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
