package dev.greenthreads.internal.scheduler;

import dev.greenthreads.internal.continuation.CarrierThread;
import dev.greenthreads.internal.continuation.FrameStack;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A kernel thread that runs green threads: it asks its dispatcher for the next ready one and
 * runs it until it ends or suspends (the <em>runner</em>, {@link #runSlice}). The fields below
 * the runner are the carrier's share of the {@link StealingDispatcher}'s state (Go's P: there
 * are as many as carriers, so they live here); the deterministic dispatcher does not use them.
 */
final class Carrier extends CarrierThread {

    static final int ACTIVE = 0, IDLE = 1, NOTIFIED = 2;

    private static final VarHandle PARK_STATE, LIFO, DISPATCHES;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PARK_STATE = l.findVarHandle(Carrier.class, "parkState", int.class);
            LIFO = l.findVarHandle(Carrier.class, "lifo", GreenStrand.class);
            DISPATCHES = l.findVarHandle(Carrier.class, "dispatches", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Dispatcher dispatcher;
    final int index;

    /** Ready threads of this carrier; others steal from it. */
    final RunQueue<GreenStrand> queue = new RunQueue<>();
    /** The thread most recently unparked or started by code running here: runs next (Go's runnext). */
    volatile GreenStrand lifo;
    /** Dispatches so far; a thief reads it to tell a carrier that is stuck in one slice. */
    private long dispatches;
    /** ACTIVE, IDLE (parked or about to), NOTIFIED (woken with the searching token). */
    volatile int parkState;
    /** Owner-only bookkeeping. */
    int tick;
    int lifoStreak;
    boolean searching;
    long timedWaitDeadline;
    private int seed;
    final Object[] overflow = new Object[RunQueue.CAPACITY / 2];
    final GreenStrand[] fired = new GreenStrand[64];

    Carrier(Dispatcher dispatcher, int index, String name) {
        super(null, name);
        this.dispatcher = dispatcher;
        this.index = index;
        this.seed = 0x9E3779B9 * (index + 1);
        setDaemon(true);
    }

    @Override
    public void run() {
        while (runNext()) {
            // one slice per call, so that no local of this frame holds the last thread while parked in next()
        }
    }

    private boolean runNext() {
        GreenStrand t = dispatcher.next(this);
        if (t == null) {
            return false;
        }
        runSlice(t);
        return true;
    }

    /**
     * The runner: runs or resumes {@code t} until its body returns, suspends or throws. After a
     * suspension the recorded after-unwind action is carried out only now (the after-unwind rule
     * of {@link dev.greenthreads.internal.continuation}).
     */
    private void runSlice(GreenStrand t) {
        t.beforeResume();
        FrameStack f = frames;
        f.mount(t.frames, t);
        Object value = null;
        Throwable error = null;
        boolean suspended = false;
        try {
            value = t.runBody();
            suspended = f.suspendedAfterRun();
        } catch (Throwable e) {
            f.discard();
            error = e;
        } finally {
            f.unmount();
        }
        try {
            if (suspended) {
                t.afterUnwind(this);
            } else {
                t.terminate(value, error);
            }
        } catch (Throwable e) {
            dispatcher.internalError("internal error in " + getName() + " after running green thread \"" + t.name() + "\"", e);
        }
    }

    // ------------------------------------------------------------------------------------

    boolean casParkState(int expected, int next) {
        return PARK_STATE.compareAndSet(this, expected, next);
    }

    /** Owner: puts {@code t} in the LIFO slot and returns the thread it displaced, or null. */
    GreenStrand swapLifo(GreenStrand t) {
        return (GreenStrand) LIFO.getAndSet(this, t);
    }

    /** Owner or thief: takes the LIFO slot's thread, or null. */
    GreenStrand takeLifo() {
        return lifo == null ? null : (GreenStrand) LIFO.getAndSet(this, (GreenStrand) null);
    }

    /** Thief: takes {@code expected} from the LIFO slot if it is still there. */
    boolean takeLifo(GreenStrand expected) {
        return LIFO.compareAndSet(this, expected, (GreenStrand) null);
    }

    void countDispatch() {
        DISPATCHES.setOpaque(this, dispatches + 1);
    }

    long dispatches() {
        return (long) DISPATCHES.getOpaque(this);
    }

    /** Owner: a pseudo-random number in [0, bound), for choosing victims without allocation or contention. */
    int nextRandom(int bound) {
        int x = seed;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        seed = x;
        return (x >>> 1) % bound;
    }
}
