package dev.greenthreads.internal.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One carrier's share of the {@link StealingDispatcher}'s state (Go's P, Tokio's {@code Core}):
 * its run queue and LIFO slot, which other carriers steal from; its park state in the wake
 * protocol of {@link IdleCarriers}; and bookkeeping only its owner touches. There is one per
 * carrier, owned by the dispatcher; the {@link Carrier} thread itself knows nothing of it.
 */
final class Core {

    /**
     * {@link #parkState}: ACTIVE (running or searching), IDLE (parked or about to park), NOTIFIED
     * (being woken, with the searching token its waker counted).
     */
    static final int ACTIVE = 0, IDLE = 1, NOTIFIED = 2;

    private static final VarHandle PARK_STATE, LIFO, DISPATCHES;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PARK_STATE = l.findVarHandle(Core.class, "parkState", int.class);
            LIFO = l.findVarHandle(Core.class, "lifo", GreenStrand.class);
            DISPATCHES = l.findVarHandle(Core.class, "dispatches", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int index;
    /** Its carrier, which {@link IdleCarriers.Parking} parks and unparks; null in a test with fake parking. */
    final Thread thread;

    /** Ready threads of this carrier; others steal from it. */
    final RunQueue<GreenStrand> queue = new RunQueue<>();
    /** The thread most recently unparked or started by code running here: runs next (Go's runnext). */
    volatile GreenStrand lifo;
    /** Dispatches so far; a thief reads it to tell a carrier that is stuck in one slice. */
    private long dispatches;
    /** ACTIVE, IDLE or NOTIFIED. */
    volatile int parkState;
    /** Owner-only bookkeeping. */
    int tick;
    int lifoStreak;
    /** Counted in {@link IdleCarriers}' {@code searching}. */
    boolean searching;
    /** The deadline it parks until as the timed waiter. */
    long timedWaitDeadline;
    private int seed;
    final Object[] overflow = new Object[RunQueue.CAPACITY / 2];
    final GreenStrand[] fired = new GreenStrand[64];

    Core(int index, Thread thread) {
        this.index = index;
        this.thread = thread;
        this.seed = 0x9E3779B9 * (index + 1);
    }

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

    @Override
    public String toString() {
        return "Core[" + index + "]";
    }
}
