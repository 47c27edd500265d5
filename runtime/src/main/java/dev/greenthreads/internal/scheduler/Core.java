package dev.greenthreads.internal.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One carrier's share of the {@link StealingDispatcher}'s state (Go's P, Tokio's {@code Core}):
 * its run queue and LIFO slot, which other carriers steal from; its park state in the wake
 * protocol of {@link IdleCarriers}; its {@link #slice} state, by which the
 * {@link CarrierMonitor} takes it from a carrier blocked in a slice; and bookkeeping only its
 * owner touches. There are as many as the scheduler has carriers, for its whole life; the
 * carrier thread that holds one may change (package-info, "Cores and carrier threads").
 */
final class Core {

    /**
     * {@link #parkState}: ACTIVE (running or searching), IDLE (parked or about to park), NOTIFIED
     * (being woken, with the searching token its waker counted).
     */
    static final int ACTIVE = 0, IDLE = 1, NOTIFIED = 2;

    /**
     * {@link #slice}: its carrier, inside a slice, is using the core as its owner (a push from
     * the thread it runs); the monitor cannot take it meanwhile.
     */
    static final Object PINNED = new Object();
    /** {@link #slice}: the monitor took the core from the carrier that was in a slice. */
    static final Object TAKEN = new Object();

    /** {@link #expiredSlice} when no expiry is pending. */
    static final long NO_EXPIRY = -1;

    private static final VarHandle PARK_STATE, LIFO, DISPATCHES, SLICE, EXPIRED_SLICE, WAKE_UPS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PARK_STATE = l.findVarHandle(Core.class, "parkState", int.class);
            LIFO = l.findVarHandle(Core.class, "lifo", GreenStrand.class);
            DISPATCHES = l.findVarHandle(Core.class, "dispatches", long.class);
            SLICE = l.findVarHandle(Core.class, "slice", Object.class);
            EXPIRED_SLICE = l.findVarHandle(Core.class, "expiredSlice", long.class);
            WAKE_UPS = l.findVarHandle(Core.class, "wakeUps", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int index;
    /**
     * The carrier thread that holds it, which {@link IdleCarriers.Parking} parks and unparks;
     * null in a test with fake parking. It changes only while the core is not idle (the
     * monitor takes cores from carriers inside a slice), so a waker of an idle core reads the
     * thread that parks.
     */
    volatile Thread thread;
    /**
     * Null while its carrier is between slices (dispatching, searching, idle); while it runs
     * one, that {@link Carrier}, or {@link #PINNED}; {@link #TAKEN} once the monitor took it.
     */
    private volatile Object slice;

    /**
     * The dispatch count of the slice whose time the monitor found expired, until its carrier
     * notices ({@link TimeSlice}); {@link #NO_EXPIRY} otherwise. Counted in
     * {@link TimeSlice#expired} while set.
     */
    private volatile long expiredSlice = NO_EXPIRY;
    /** Green threads made to yield here because their time slice expired; written by the holder only. */
    private volatile long sliceExpirations;

    /** Ready threads of this carrier; others steal from it. */
    final RunQueue<GreenStrand> queue = new RunQueue<>();
    /** The thread most recently unparked or started by code running here: runs next (Go's runnext). */
    volatile GreenStrand lifo;
    /** Dispatches so far; a thief reads it to tell a carrier that is stuck in one slice. */
    private long dispatches;
    /**
     * Counters for the scoreboard ({@link Scoreboard}), each written only by one thread (the
     * core's carrier; {@code blockedDetections} by the monitor) as a plain field, read racily.
     */
    long steals, parks, polls, blockedDetections;
    /** Unparks of its carrier while idle, by any waker ({@link IdleCarriers}); hence atomic. */
    private volatile long wakeUps;
    /** ACTIVE, IDLE or NOTIFIED. */
    volatile int parkState;
    /** Owner-only bookkeeping. */
    int tick;
    /** {@link #tick} at this carrier's last poll between dispatches. */
    int polledAtTick;
    /** {@link System#nanoTime()} at this carrier's last poll, or deferred poll, between dispatches. */
    long polledAt;
    int lifoStreak;
    /** Counted in {@link IdleCarriers}' {@code searching}. */
    boolean searching;
    /** The deadline it parks until as the timed waiter. */
    long timedWaitDeadline;
    private int seed;
    /** Owner's scratch: the older half of its full queue on the way to the global queue, or a batch from it. */
    final Object[] overflow = new Object[RunQueue.CAPACITY / 2];
    final GreenStrand[] fired = new GreenStrand[64];

    Core(int index, Thread thread) {
        this.index = index;
        this.thread = thread;
        this.seed = 0x9E3779B9 * (index + 1);
    }

    // ------------------------------------------------------------------------------------
    // Slices: see package-info, "Cores and carrier threads"

    /** Owner, about to run a slice: from now on the monitor may take the core. */
    void enterSlice(Carrier owner) {
        slice = owner;
    }

    /** Owner, after its slice: returns false if the core was taken meanwhile (it is not its own any more). */
    boolean leaveSlice(Carrier owner) {
        return SLICE.compareAndSet(this, owner, null);
    }

    /** Owner inside a slice, before a push of its own: returns false if the core was taken. */
    boolean pin(Carrier owner) {
        return SLICE.compareAndSet(this, owner, PINNED);
    }

    /** Owner: after {@link #pin}. */
    void unpin(Carrier owner) {
        slice = owner;
    }

    /** The carrier inside a slice on this core, or null. */
    Carrier inSlice() {
        Object s = slice;
        return s instanceof Carrier ? (Carrier) s : null;
    }

    /** Monitor: takes the core from {@code holder} if it is still inside a slice and not pinned. */
    boolean take(Carrier holder) {
        return SLICE.compareAndSet(this, holder, TAKEN);
    }

    /** Monitor, after {@link #take}: the core belongs to {@code next}, which is between slices. */
    void handTo(Thread next) {
        thread = next;
        slice = null;
    }

    // ------------------------------------------------------------------------------------
    // Time slices: see TimeSlice

    /**
     * Monitor: the slice numbered {@code dispatch} ran past its time. Returns whether it is now
     * the pending expiry; an expiry of an earlier slice still pending (left by a carrier whose
     * core was taken) is replaced, and stays counted once. Only the monitor sets it; others only
     * clear it.
     */
    boolean expire(long dispatch) {
        long pending = expiredSlice;
        if (pending == NO_EXPIRY) {
            TimeSlice.expiryRequested();
            expiredSlice = dispatch;
            return true;
        }
        return pending == dispatch || EXPIRED_SLICE.compareAndSet(this, pending, dispatch);
    }

    /** The pending expiry's slice number, or {@link #NO_EXPIRY}. */
    long expiredSlice() {
        return expiredSlice;
    }

    /**
     * Anyone: withdraws the pending expiry {@code dispatch}; true for the one caller that did
     * (a carrier whose core was taken may race the new holder), which has counted it off.
     */
    boolean clearExpiry(long dispatch) {
        if (dispatch != NO_EXPIRY && EXPIRED_SLICE.compareAndSet(this, dispatch, NO_EXPIRY)) {
            TimeSlice.expiryCleared();
            return true;
        }
        return false;
    }

    /** Holder, inside a slice: its green thread yields because its slice expired. */
    void countSliceExpiration() {
        sliceExpirations++;
    }

    /** Green threads made to yield on this core because their time slice expired. */
    long sliceExpirations() {
        return sliceExpirations;
    }

    /** A waker unparks this core's idle carrier. */
    void countWakeUp() {
        WAKE_UPS.getAndAdd(this, 1L);
    }

    /** Times its carrier was unparked while idle, to look for work or at a timer. */
    long wakeUps() {
        return wakeUps;
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
