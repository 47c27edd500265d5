package dev.greenthreads.internal.scheduler;

import dev.greenthreads.GreenCancelledException;
import dev.greenthreads.GreenDeadlockException;
import dev.greenthreads.Suspendable;
import dev.greenthreads.SuspendableCallable;
import dev.greenthreads.SuspendableRunnable;
import dev.greenthreads.internal.continuation.FrameStack;
import dev.greenthreads.internal.continuation.PinnedSites;
import dev.greenthreads.internal.events.PinnedEvent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * A green thread as the scheduler sees it: its body, frame stack, run state, park permit,
 * pending timer, cancellation request, outcome and joiners. The public {@code GreenThread} is
 * the face of one and holds it; this class holds everything the carriers touch, and of the
 * public object only an opaque {@link #handle()} to hand back. The state machine, the park
 * protocol and the after-unwind rule are described in {@code package-info.java}.
 */
public final class GreenStrand extends Strand implements TimerHeap.Member {

    // Run states, as runState() reports them. Only the owning carrier moves a thread out of
    // RUNNING, YIELDING and PARKING; PARKED -> READY is a CAS won by exactly one waker (unpark or timer).
    public static final int NEW = 0;
    public static final int READY = 1;
    public static final int RUNNING = 2;
    /** Recorded before suspending: the runner re-queues it after the unwind. */
    public static final int YIELDING = 3;
    /** Recorded before suspending: the runner parks it after the unwind (and re-checks the permit). */
    public static final int PARKING = 4;
    public static final int PARKED = 5;
    public static final int TERMINATED = 6;

    private static final int ENDED_NORMALLY = 1, ENDED_FAILED = 2, ENDED_CANCELLED = 3;
    private static final int DETACHED = 1, FAILED = 2;
    /** Set by whoever reports that it ended holding a mutex: {@link #reportIfEndedHolding}. */
    private static final int REPORTED_HELD = 4;

    private static final VarHandle STATE, PERMIT, FLAGS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(GreenStrand.class, "state", int.class);
            PERMIT = l.findVarHandle(GreenStrand.class, "permit", int.class);
            FLAGS = l.findVarHandle(GreenStrand.class, "flags", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object handle;
    private final long id;
    private final String name;
    final Dispatcher dispatcher;

    /**
     * Its body until it ends; then the value, or the throwable, it ended with, published by the
     * volatile write of TERMINATED. One field for both, as a thread needs one or the other.
     */
    private Object bodyOrResult;
    private final boolean returnsValue;

    volatile int state;
    private volatile int permit;
    /** Set by the timer when it fires, read by the runner after parking (no lost timeout). */
    private volatile boolean timedOut;
    private volatile boolean cancelRequested;
    /** DETACHED and FAILED bits: whoever sets the second reports the failure, exactly once; and REPORTED_HELD. */
    private volatile int flags;

    /** The pending park's deadline, if {@link #timed}: written by the thread before it suspends, read by its runner. */
    boolean timed;
    long deadline;
    /**
     * {@link System#nanoTime()} when it last parked: how long a parked thread has waited, for
     * dumps and the park event. Written by the thread before it suspends; read racily by others.
     */
    long parkedAt;
    /** The flight recorder's park event of the pending park, if it records them; the thread's own, like parkedAt. */
    private Object parkEvent;
    /** Its neighbours in its dispatcher's {@link LiveThreads}, while it is live; guarded by that stripe's lock. */
    GreenStrand liveNext, livePrev;
    /** Position in the dispatcher's timer heap, -1 if none; guarded by the dispatcher's timer lock. */
    private int heapIndex = -1;

    /** ENDED_*, with the result; 0 while live. */
    private byte outcome;

    /** Guarded by this strand's spin lock. */
    private JoinWaiter joiners;

    /** GreenLocal values, indexed by the local's number; touched only by this thread. */
    private Object[] locals;
    /**
     * Its ThreadLocal maps while it is not mounted, null until first used ({@link ThreadLocalMaps}).
     * Written and read by its runners only, and published from one to the next as its frames are.
     */
    Object threadLocals, inheritableThreadLocals;
    /** Its interrupt status while it is not mounted, as the maps; only it can set it (no {@code Thread} names it). */
    boolean interrupted;

    /**
     * @param handle       what {@link #handle()} returns: the public object of this thread
     * @param name         its name, or null for {@code "green-<id>"}
     * @param body         a {@link SuspendableCallable} if {@code returnsValue}, else a {@link SuspendableRunnable}
     * @param detached     whether it starts detached
     */
    public GreenStrand(Object handle, long id, String name, Dispatcher dispatcher, Object body, boolean returnsValue,
                       boolean detached) {
        this.handle = handle;
        this.id = id;
        this.name = name;
        this.dispatcher = dispatcher;
        this.bodyOrResult = body;
        this.returnsValue = returnsValue;
        this.flags = detached ? DETACHED : 0;
        this.inheritableThreadLocals = ThreadLocalMaps.inherited();
    }

    /** The running green thread's strand, or null on a platform thread. */
    public static GreenStrand current() {
        return (GreenStrand) FrameStack.current().owner();
    }

    /** The public object of its dispatcher (its scheduler), for the public API. */
    public Object schedulerHandle() {
        return dispatcher.handle();
    }

    /** The object given to the constructor, for the public API to find its own from a strand. */
    public Object handle() {
        return handle;
    }

    public long id() {
        return id;
    }

    @Override
    public boolean isGreen() {
        return true;
    }

    @Override
    public String name() {
        return name != null ? name : "green-" + id;
    }

    @Override
    public String toString() {
        return "GreenStrand[#" + id + "," + name() + "]";
    }

    // ------------------------------------------------------------------------------------
    // Life cycle

    /** NEW -> READY, and hands it to the dispatcher. */
    public void start() {
        if (!STATE.compareAndSet(this, NEW, READY)) {
            throw new IllegalStateException("green thread \"" + name() + "\" was already started");
        }
        try {
            dispatcher.start(this);
        } catch (RuntimeException | Error e) {
            state = NEW;
            throw e;
        }
        if (FlightEvents.threadStartEnabled()) {
            FlightEvents.threadStarted(this);
        }
    }

    /** One of the run states above; a snapshot that may be stale as soon as it is returned. */
    public int runState() {
        return state;
    }

    /** Called by the runner to run or resume the body; not rewritten, a plain pass-through. */
    Object runBody() throws Exception {
        if (returnsValue) {
            return ((SuspendableCallable<?>) bodyOrResult).call();
        }
        ((SuspendableRunnable) bodyOrResult).run();
        return null;
    }

    /**
     * Runner, after the body returned without suspending or threw ({@code error}): records the
     * outcome, wakes the joiners, reports a detached failure, and forgets everything the thread
     * held so that nothing of it stays reachable from the scheduler.
     */
    void terminate(Object value, Throwable error) {
        locals = null;
        threadLocals = inheritableThreadLocals = null;
        int how = ENDED_NORMALLY;
        if (error instanceof ExitSignal) {
            value = ((ExitSignal) error).value();
            error = null;
        } else if (error instanceof GreenCancelledException) {
            how = ENDED_CANCELLED;
            value = error;
        } else if (error != null) {
            how = ENDED_FAILED;
            value = error;
        }
        bodyOrResult = value;
        outcome = (byte) how;
        if (FlightEvents.threadEndEnabled()) {
            FlightEvents.threadEnded(this, how == ENDED_NORMALLY ? "returned" : how == ENDED_FAILED ? "failed" : "cancelled");
        }
        state = TERMINATED;
        wakeJoiners();
        if (how == ENDED_FAILED && setFlag(FAILED)) {
            dispatcher.uncaught(this, error);
        }
        dispatcher.terminated(this);
    }

    /**
     * Reported when a thread first waits for a mutex this one ended holding, not when it ends:
     * knowing at the end what a thread holds would cost every uncontended lock and unlock a
     * write to the thread, and a mutex nobody waits for again harms nobody. The report is one
     * line, so it has no stack trace.
     */
    @Override
    public void reportIfEndedHolding(Object mutex) {
        if (state == TERMINATED && setFlag(REPORTED_HELD)) {
            GreenDeadlockException e = new GreenDeadlockException(describe() + " ended holding mutex " + WaitsFor.name(mutex)
                    + ": nobody can unlock it now, and whoever locks it waits for ever (unlock in a finally block)");
            e.setStackTrace(new StackTraceElement[0]);
            dispatcher.uncaught(this, e);
        }
    }

    @Override
    public boolean isTerminated() {
        return state == TERMINATED;
    }

    public boolean endedNormally() {
        return outcome == ENDED_NORMALLY;
    }

    public boolean endedCancelled() {
        return outcome == ENDED_CANCELLED;
    }

    /** After termination: the value (ended normally) or the throwable (failed or cancelled). */
    public Object result() {
        return bodyOrResult;
    }

    // ------------------------------------------------------------------------------------
    // Detach: the DETACHED and FAILED bits race to be second; the second reports.

    public void detach() {
        if (setFlag(DETACHED)) {
            dispatcher.uncaught(this, (Throwable) bodyOrResult);
        }
    }

    public boolean isDetached() {
        return (flags & DETACHED) != 0;
    }

    /**
     * Sets {@code bit}; returns true when this call set it and, for DETACHED and FAILED, the
     * other was set already, so that this call completes the pair.
     */
    private boolean setFlag(int bit) {
        for (;;) {
            int f = flags;
            if ((f & bit) != 0) {
                return false;
            }
            if (FLAGS.compareAndSet(this, f, f | bit)) {
                return bit == REPORTED_HELD || ((f | bit) & (DETACHED | FAILED)) == (DETACHED | FAILED);
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Cancellation

    /** Deferred cancellation: sets the request and unparks the thread so that a cancellation point it waits in notices. */
    public void cancel() {
        if (state == TERMINATED) {
            return;
        }
        cancelRequested = true;
        unpark();
    }

    boolean isCancelRequested() {
        return cancelRequested;
    }

    /** A cancellation point of this (the running) thread: throws and clears a pending request. */
    public void checkCancel() {
        if (cancelRequested) {
            cancelRequested = false;
            throw new GreenCancelledException("green thread \"" + name() + "\" was cancelled");
        }
    }

    // ------------------------------------------------------------------------------------
    // Suspension. Each records in `state` what the runner must do after the unwinding, then
    // suspends; the code after FrameStack.suspend() runs when the thread is resumed.

    @Suspendable
    public void yieldNow() {
        String pin = FrameStack.current().pinnedAt();
        if (pin != null) {
            yieldPinned(pin);
            return;
        }
        STATE.setRelease(this, YIELDING); // read back by our own runner: no fence needed
        FrameStack.suspend();
    }

    /**
     * Begins a park of this (the running) thread; {@code deadline} in the dispatcher's clock when
     * {@code timed}. Returns true when the caller must now suspend ({@code FrameStack.suspend()})
     * and, once resumed, call {@link #parkResumed()}; false when the park is over already (the
     * permit was available, or it parked pinned). {@link Strand}'s park methods suspend
     * themselves, so that a parked thread keeps their frame and not one more of this class.
     */
    boolean parkBegins(boolean timed, long deadline) {
        if (permit != 0 && (int) PERMIT.getAndSet(this, 0) != 0) {
            parkReturned();
            return false;
        }
        String pin = FrameStack.current().pinnedAt();
        if (pin != null) {
            parkPinned(pin, timed, deadline);
            parkReturned();
            return false;
        }
        this.timed = timed;
        this.deadline = deadline;
        timedOut = false;
        parkedAt = System.nanoTime();
        if (FlightEvents.parkEnabled()) {
            parkEvent = FlightEvents.parkBegins();
        }
        state = PARKING;
        return true;
    }

    /** The park that {@link #parkBegins} began was resumed. */
    void parkResumed() {
        permit = 0; // consumed by the wake-up that resumed us (or stale)
        parkReturned();
    }

    // ------------------------------------------------------------------------------------
    // Pinned: the thread cannot unwind here (PinnedSites), so it blocks its carrier thread in
    // place, as a platform strand blocks its own thread, and never leaves the carrier.
    //
    // Why no wake-up is lost: the waiter publishes its carrier in `pinnedOn`, then reads the
    // permit before each block; an unparker sets the permit, then reads `pinnedOn`. Both are
    // volatile, so either the waiter sees the permit or the unparker sees the carrier and
    // unparks it (LockSupport keeps that permit until the carrier blocks). The state shows
    // PARKING meanwhile, which only the thread's own carrier writes and no runner acts on:
    // nothing is unwound, so the after-unwind rule has nothing to do. A cancellation unparks.
    // The carrier, blocked in LockSupport, is what the monitor takes for a blocked carrier: its
    // core goes to another carrier thread while ready threads wait.

    /** The carrier this thread is blocking in place, while it parks pinned; else null. */
    private volatile Thread pinnedOn;
    /** Where it parks pinned: written before {@link #pinnedOn}, for diagnostics that read that first. */
    private String pinnedAt;

    /** Where this thread is parked pinned now, for diagnostics; null when it is not. */
    String pinnedAt() {
        return pinnedOn != null ? pinnedAt : null;
    }

    private void parkPinned(String site, boolean timed, long deadline) {
        PinnedEvent event = new PinnedEvent();
        event.begin();
        PinnedSites.pinning(site, name());
        if (!dispatcher.compensatesBlockedCarriers()) {
            throw new IllegalStateException("green thread \"" + name() + "\" cannot park inside " + site + " under"
                    + " Scheduler.deterministic or the interleaving explorer: a park there blocks its carrier, and their one"
                    + " carrier would then never run the thread that wakes it. Move the parking call out of it, or run"
                    + " this code on a scheduler with carriers to spare");
        }
        Thread carrier = Thread.currentThread();
        state = PARKING;
        pinnedAt = site;
        pinnedOn = carrier;
        try {
            while (permit == 0 || (int) PERMIT.getAndSet(this, 0) == 0) {
                if (!timed) {
                    LockSupport.park(this);
                } else {
                    long left = deadline - dispatcher.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    LockSupport.parkNanos(this, left);
                }
            }
        } finally {
            pinnedOn = null;
            state = RUNNING;
        }
        commit(event, site);
    }

    /** A yield that cannot unwind lets other kernel threads run instead; the carrier's own queue waits. */
    private void yieldPinned(String site) {
        PinnedEvent event = new PinnedEvent();
        event.begin();
        PinnedSites.pinning(site, name());
        Thread.yield();
        commit(event, site);
    }

    private void commit(PinnedEvent event, String site) {
        event.end();
        if (event.shouldCommit()) {
            event.site = site;
            event.greenThread = name();
            event.commit();
        }
    }

    /** A deadlock's closer may have woken us for the site of our wait: see {@link WaitsFor}. */
    private void parkReturned() {
        WaitsFor w = waitsFor;
        if (w != null) {
            w.parkReturned();
        }
    }

    @Override
    public void unpark() {
        if (permit == 0 && (int) PERMIT.getAndSet(this, 1) == 0) {
            if (state == PARKED) {
                if (STATE.compareAndSet(this, PARKED, READY)) {
                    dispatcher.ready(this);
                }
            } else {
                Thread pinned = pinnedOn;
                if (pinned != null) {
                    LockSupport.unpark(pinned);
                }
            }
        }
    }

    /**
     * Runner, after the unwinding reached it: carries out what the thread recorded. Before this
     * returns the thread may already be running on another carrier: the caller must not touch
     * it afterwards.
     */
    void afterUnwind(Carrier carrier) {
        int s = state;
        if (s == YIELDING) {
            STATE.setRelease(this, READY); // published to the next runner by the queue
            dispatcher.yielded(this, carrier);
        } else if (s == PARKING) {
            Core c = carrier.core;
            if (c != null) {
                c.parks++;
            }
            if (timed) {
                dispatcher.addTimer(this);
            }
            state = PARKED;
            // An unpark or a timer that came during the unwinding saw PARKING and left it to us.
            if ((permit != 0 || timedOut) && STATE.compareAndSet(this, PARKED, READY)) {
                dispatcher.ready(this);
            }
        } else {
            throw new IllegalStateException("green thread \"" + name() + "\" suspended without recording why (state "
                    + s + "): suspend only through Strand.park or GreenThread.yield");
        }
    }

    /** Runner, before resuming: drops the timer of a park that ended some other way. */
    void beforeResume() {
        Object park = parkEvent;
        if (park != null) {
            parkEvent = null;
            FlightEvents.parkEnded(park, this); // before the state says RUNNING: its frames are a parked thread's still
        }
        STATE.setRelease(this, RUNNING);
        if (timed) {
            timed = false;
            dispatcher.removeTimer(this);
        }
    }

    /** The timer of its park fired. Returns true when the caller must schedule it. */
    boolean expire() {
        timedOut = true;
        return state == PARKED && STATE.compareAndSet(this, PARKED, READY);
    }

    @Override
    public int heapIndex() {
        return heapIndex;
    }

    @Override
    public void heapIndex(int index) {
        heapIndex = index;
    }

    // ------------------------------------------------------------------------------------
    // Join

    /** A joiner, and its edge of the wait-for graph: the joined thread holds itself until it ends. */
    private final class JoinWaiter extends WaitsFor {
        JoinWaiter next;

        JoinWaiter(Strand joiner) {
            super(joiner);
        }

        @Override
        protected Strand holder() {
            return state != TERMINATED ? GreenStrand.this : null;
        }

        @Override
        protected String describe(Strand holder) {
            return holder.describe() + " to end";
        }
    }

    /**
     * Waits, as a cancellation point, until this thread ends or, if {@code bounded}, until
     * {@code until} (in the caller's {@link Strand#nanoTime()} clock) passes. Returns whether it
     * ended.
     */
    @Suspendable
    public boolean awaitTermination(boolean bounded, long until) {
        Interleavings.switchPoint("join", this);
        Strand.testCancel();
        if (state == TERMINATED) {
            return true;
        }
        JoinWaiter w = new JoinWaiter(Strand.current());
        if (!bounded) {
            w.begin();
            w.check(JOIN_CYCLE_REMEDY);
        }
        try {
            if (!addJoiner(w)) {
                return true;
            }
            for (;;) {
                if (state == TERMINATED) {
                    return true;
                }
                if (Strand.cancelRequested()) {
                    removeJoiner(w);
                    Strand.testCancel();
                }
                if (!bounded) {
                    Strand.park();
                } else if (until - Strand.nanoTime() > 0) {
                    Strand.parkUntil(until);
                } else {
                    removeJoiner(w);
                    return state == TERMINATED;
                }
            }
        } finally {
            if (!bounded) {
                w.end();
            }
        }
    }

    private static final String JOIN_CYCLE_REMEDY = "The join is refused so that the others can go on: a thread "
            + "cannot wait for a thread that waits for it. Join from elsewhere, or with a timeout";

    private boolean addJoiner(JoinWaiter w) {
        lock();
        try {
            if (state == TERMINATED) {
                return false;
            }
            w.next = joiners;
            joiners = w;
            return true;
        } finally {
            unlock();
        }
    }

    private void removeJoiner(JoinWaiter w) {
        lock();
        try {
            JoinWaiter prev = null;
            for (JoinWaiter j = joiners; j != null; prev = j, j = j.next) {
                if (j == w) {
                    if (prev == null) {
                        joiners = j.next;
                    } else {
                        prev.next = j.next;
                    }
                    return;
                }
            }
        } finally {
            unlock();
        }
    }

    private void wakeJoiners() {
        JoinWaiter list;
        lock();
        try {
            list = joiners;
            joiners = null;
        } finally {
            unlock();
        }
        for (JoinWaiter j = list; j != null; j = j.next) {
            j.waiter.unpark();
        }
    }

    // ------------------------------------------------------------------------------------
    // GreenLocal storage

    public Object[] locals() {
        return locals;
    }

    public void locals(Object[] table) {
        locals = table;
    }
}
