package dev.greenthreads.internal.scheduler;

import java.util.concurrent.locks.LockSupport;

/**
 * The monitor of one work-stealing dispatcher (Go's sysmon): a daemon thread that looks at the
 * cores now and then, and when a carrier has been inside the same slice for longer than
 * {@link #BLOCKED_NANOS}, is blocked in the kernel, and ready green threads wait with no idle
 * carrier to run them, takes that carrier's core and hands it to a spare carrier thread
 * ({@link SpareCarriers}), so that the scheduler keeps its number of running carriers. The
 * protocol by which a core changes threads is in package-info, "Cores and carrier threads".
 *
 * <h2>Same slice for too long</h2>
 * A core's dispatch counter moves at every dispatch and its slice field names the carrier
 * inside a slice: the same carrier and the same count at two looks {@code BLOCKED_NANOS} apart
 * mean one slice all along. The monitor keeps what it saw per core; the carriers pay nothing
 * for being watched beyond the slice field they write anyway.
 *
 * <h2>Blocked or busy</h2>
 * A carrier thread in state BLOCKED (a contended {@code synchronized}), WAITING or
 * TIMED_WAITING ({@code Thread.sleep}, {@code Object.wait}, a {@code LockSupport} park: a
 * pinned park, a {@code java.util.concurrent} wait) is blocked. A RUNNABLE one is blocked if
 * the top frame of its stack is a native method (a plain socket read polls in
 * {@code Net.poll}, a file read in {@code FileDispatcherImpl.read0}, JNI), else busy. Reading
 * the stack costs a handshake with the carrier, so a carrier found busy is not looked at
 * again for another {@code BLOCKED_NANOS}.
 *
 * <h2>Time slices</h2>
 * A busy carrier is for time slices to stop ({@link TimeSlice}): when the same slice has run
 * for the scheduler's time slice while ready threads wait, no carrier is idle and none is
 * searching, the monitor marks the slice expired ({@link Core#expire}), once per slice, and the
 * green thread yields at its next check. Another thread on its core would only compete with it
 * for a processor, so a busy carrier keeps its core, unless it is still in the same slice
 * {@code BLOCKED_NANOS} after the expiry: then it runs code without checks (the JDK, native
 * code, a loop the agent could not check) or cannot unwind there, and it loses its core as a
 * blocked carrier does, so that the kernel shares the processors between it and the others.
 * With time slices off, a busy carrier always keeps its core.
 *
 * <h2>A hang is never silent</h2>
 * When green threads are alive but every core has been idle, with no dispatch, no queued
 * thread, no timer, no registered channel and no carrier blocked in a slice, for
 * {@link #HANG_NANOS}, nothing in the scheduler can wake them: the monitor reports it once
 * ({@link Dispatcher#hung}), with what each thread waits in, and again only after a dispatch.
 * Only a platform thread could still wake them; the report says so.
 *
 * <h2>The I/O poller</h2>
 * At each tick the monitor also lets the poller check that somebody polls
 * ({@link Dispatcher.IdlePoller#watch()}): when every carrier runs green threads, no idle
 * carrier blocks in the poller, and the poller's own thread must take polling over.
 *
 * <h2>Tick</h2>
 * Every {@link #BUSY_TICK_NANOS} (half the time slice if that is shorter, at least
 * {@link #MIN_TICK_NANOS}) while some core is active; doubling up to
 * {@link #IDLE_TICK_MAX_NANOS} while every core is idle, when there is little to watch.
 */
final class CarrierMonitor implements Runnable {

    /** A slice this long, in a carrier blocked in the kernel, costs the carrier its core. */
    static final long BLOCKED_NANOS = 20_000_000L;
    static final long BUSY_TICK_NANOS = BLOCKED_NANOS / 4;
    static final long IDLE_TICK_MAX_NANOS = 160_000_000L;
    /** Every thread blocked this long, with nothing to wake them, is a hang. */
    static final long HANG_NANOS = 1_000_000_000L;
    /** The shortest tick, for short time slices. */
    static final long MIN_TICK_NANOS = 1_000_000L;

    private final StealingDispatcher dispatcher;
    private final Core[] cores;
    private final IdleCarriers idleCarriers;
    private final SpareCarriers spares;
    private final Thread thread;
    /** The time slice, 0 when off; the tick while some core is active. */
    private final long sliceNanos;
    private final long busyTick;

    /** Per core, what the monitor saw: the carrier inside a slice, the dispatch count, since when. */
    private final Carrier[] holder;
    private final long[] dispatches;
    private final long[] since;
    /** Per core: not before this time look again at a carrier found busy. */
    private final long[] nextLook;
    /** Per core: the dispatch count of the slice the monitor last expired, and when. */
    private final long[] expiredSlice;
    private final long[] expiredAt;
    private volatile long handOffs;

    /** Hang watch: the dispatches of all cores at the last look, since when nothing could wake a thread, and whether reported. */
    private long dispatchesSeen;
    private long stuckSince;
    private boolean reported;

    CarrierMonitor(StealingDispatcher dispatcher, Core[] cores, IdleCarriers idleCarriers, SpareCarriers spares,
            long sliceNanos) {
        this.dispatcher = dispatcher;
        this.cores = cores;
        this.idleCarriers = idleCarriers;
        this.spares = spares;
        this.holder = new Carrier[cores.length];
        this.dispatches = new long[cores.length];
        this.since = new long[cores.length];
        this.nextLook = new long[cores.length];
        this.expiredSlice = new long[cores.length];
        java.util.Arrays.fill(expiredSlice, Core.NO_EXPIRY);
        this.expiredAt = new long[cores.length];
        this.sliceNanos = sliceNanos;
        this.busyTick = sliceNanos > 0 ? Math.min(BUSY_TICK_NANOS, Math.max(sliceNanos / 2, MIN_TICK_NANOS)) : BUSY_TICK_NANOS;
        this.thread = new Thread(null, this, dispatcher.name() + "-monitor", 0, false);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** After the dispatcher stopped. */
    void stop() {
        LockSupport.unpark(thread);
    }

    Thread thread() {
        return thread;
    }

    long handOffs() {
        return handOffs;
    }

    @Override
    public void run() {
        long tick = busyTick;
        while (!dispatcher.stopped) {
            LockSupport.parkNanos(this, tick);
            boolean allIdle;
            try {
                allIdle = watch(System.nanoTime());
            } catch (Throwable e) {
                dispatcher.internalError("internal error in the monitor of scheduler \"" + dispatcher.name() + "\"", e);
                allIdle = false;
            }
            tick = allIdle ? Math.min(2 * tick, IDLE_TICK_MAX_NANOS) : busyTick;
        }
    }

    /** One look at every core; returns true if all of them were idle. */
    private boolean watch(long now) {
        boolean allIdle = true;
        long all = 0;
        for (int i = 0; i < cores.length; i++) {
            Core c = cores[i];
            if (c.parkState != Core.IDLE) {
                allIdle = false;
            }
            Carrier h = c.inSlice();
            long d = c.dispatches();
            all += d;
            if (h == null || h != holder[i] || d != dispatches[i]) {
                holder[i] = h;
                dispatches[i] = d;
                since[i] = now;
                nextLook[i] = now;
                continue;
            }
            if (sliceNanos > 0 && now - since[i] >= sliceNanos && expiredSlice[i] != d && waiting()
                    && idleCarriers.searchingCount() == 0) {
                if (c.expire(d)) { // else cleared meanwhile: next tick
                    expiredSlice[i] = d;
                    expiredAt[i] = now;
                    if (c.inSlice() != h || c.dispatches() != d) {
                        c.clearExpiry(d); // the slice ended meanwhile, and might not have seen the expiry
                    }
                }
            }
            if (now - since[i] >= BLOCKED_NANOS && now - nextLook[i] >= 0 && waiting()) {
                if (blocked(h) || expiredSlice[i] == d && now - expiredAt[i] >= BLOCKED_NANOS) {
                    handOff(c, h);
                } else {
                    nextLook[i] = now + BLOCKED_NANOS;
                }
            }
        }
        watchForHang(now, allIdle, all);
        Dispatcher.IdlePoller poller = Dispatcher.idlePoller;
        if (poller != null) {
            poller.watch();
        }
        return allIdle;
    }

    private void watchForHang(long now, boolean allIdle, long dispatched) {
        if (dispatched != dispatchesSeen) {
            dispatchesSeen = dispatched;
            reported = false;
            stuckSince = now;
            return;
        }
        boolean stuck = allIdle && dispatcher.liveThreads() > 0 && idleCarriers.searchingCount() == 0
                && spares.coreless() == 0 && dispatcher.nothingCanWake();
        if (!stuck) {
            stuckSince = now;
        } else if (!reported && now - stuckSince >= HANG_NANOS) {
            reported = true;
            long n = dispatcher.liveThreads();
            dispatcher.hung("scheduler \"" + dispatcher.name() + "\" hangs: " + (n == 1 ? "its green thread has"
                    : "its " + n + " green threads have all") + " been blocked for " + (now - stuckSince) / 1_000_000L
                    + " ms, with no thread ready or running, no timer and no I/O that could wake one"
                    + " (only a platform thread can):" + dispatcher.describeThreads());
        }
    }

    /** Ready green threads wait, and no idle carrier is there to take them. */
    private boolean waiting() {
        return idleCarriers.idleCount() == 0 && dispatcher.hasWork();
    }

    private void handOff(Core c, Carrier from) {
        Carrier to = spares.reserve();
        if (to == null) {
            return; // at maxCarriers
        }
        if (!c.take(from)) {
            spares.giveBack(to); // its slice ended, or it is pushing: look again next time
            return;
        }
        c.blockedDetections++;
        handOffs++; // only the monitor writes it; counted before the hand, which may let every thread end at once
        spares.hand(to, c);
        FlightEvents.carrierBlocked(dispatcher, from);
    }

    /** Whether {@code t} waits in the kernel rather than computes; see the class comment. */
    static boolean blocked(Thread t) {
        switch (t.getState()) {
            case BLOCKED:
            case WAITING:
            case TIMED_WAITING:
                return true;
            case RUNNABLE:
                StackTraceElement[] stack = t.getStackTrace();
                return stack.length > 0 && stack[0].isNativeMethod();
            default:
                return false;
        }
    }
}
