package dev.greenthreads.internal.scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The elastic part of a work-stealing dispatcher (Go's idle M list; the "elastic worker pool"
 * of the lecture): every carrier thread alive, which {@code maxCarriers} caps, and those without
 * a core, parked as <em>spares</em> until the {@link CarrierMonitor} hands them one. A carrier
 * comes here when its core was taken while it was blocked in a slice; a new one is started when
 * the monitor needs a thread and none is parked. A spare that waits longer than the idle timeout
 * retires: its thread ends. Not on any hot path: one lock for all of it.
 */
final class SpareCarriers {

    private final Dispatcher dispatcher;
    private final int cores;
    private final int max;
    private final long idleNanos;
    private final ReentrantLock lock = new ReentrantLock();
    /** Parked spares; the monitor takes the most recently parked, so the others' idle time runs out. */
    private final ArrayDeque<Carrier> parked = new ArrayDeque<>();
    /** Every carrier thread started (or about to be) and not retired. */
    private final List<Carrier> alive = new ArrayList<>();
    private int nextIndex;
    private volatile long added, retired;

    SpareCarriers(Dispatcher dispatcher, Carrier[] initial, int max, long idleNanos) {
        this.dispatcher = dispatcher;
        this.cores = initial.length;
        this.max = Math.max(max, initial.length);
        this.idleNanos = idleNanos;
        alive.addAll(List.of(initial));
        nextIndex = initial.length;
    }

    /**
     * Monitor: a thread to hand a core to: the most recently parked spare, or a new carrier
     * (not started) if the cap allows; null at the cap. Follow with {@link #hand} or
     * {@link #giveBack}.
     */
    Carrier reserve() {
        lock.lock();
        try {
            Carrier c = parked.pollLast();
            if (c != null) {
                return c;
            }
            if (alive.size() >= max) {
                return null;
            }
            c = new Carrier(dispatcher, nextIndex, dispatcher.name() + "-carrier-" + nextIndex);
            nextIndex++;
            alive.add(c);
            return c;
        } finally {
            lock.unlock();
        }
    }

    /** Monitor: the core could not be taken after all; {@code c}, from {@link #reserve}, goes back. */
    void giveBack(Carrier c) {
        lock.lock();
        try {
            if (c.getState() == Thread.State.NEW) {
                alive.remove(c);
            } else {
                parked.addLast(c);
                LockSupport.unpark(c); // to look at its deadline, and at a stop, again
            }
        } finally {
            lock.unlock();
        }
    }

    /** Monitor: {@code core}, just taken, now belongs to {@code c}, from {@link #reserve}. */
    void hand(Carrier c, Core core) {
        core.handTo(c);
        if (c.getState() == Thread.State.NEW) {
            c.core = core;
            added++; // only the monitor writes it
            c.start();
            FlightEvents.compensatingCarrierStarted(dispatcher, c, threads());
        } else {
            c.handoff = core;
            LockSupport.unpark(c);
        }
    }

    /**
     * Carrier {@code me}, without a core: parks as a spare until it is handed one, and returns
     * it; or returns null when it retires (idle for the timeout) or the dispatcher stopped.
     */
    Core await(Carrier me) {
        lock.lock();
        try {
            parked.addLast(me);
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + idleNanos;
        for (;;) {
            Core c = me.handoff;
            if (c != null) {
                me.handoff = null;
                return c;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || dispatcher.stopped) {
                lock.lock();
                try {
                    if (parked.remove(me)) {
                        alive.remove(me);
                        if (!dispatcher.stopped) {
                            retired++;
                            FlightEvents.compensatingCarrierRetired(dispatcher, me);
                        }
                        return null;
                    }
                } finally {
                    lock.unlock();
                }
                // reserved by the monitor meanwhile: it hands a core over next, or gives it back
                deadline = System.nanoTime() + idleNanos;
                left = idleNanos;
            }
            LockSupport.parkNanos(this, left);
        }
    }

    /** The dispatcher stopped: every parked spare leaves. */
    void stop() {
        lock.lock();
        try {
            for (Carrier c : parked) {
                LockSupport.unpark(c);
            }
        } finally {
            lock.unlock();
        }
    }

    int threads() {
        lock.lock();
        try {
            return alive.size();
        } finally {
            lock.unlock();
        }
    }

    /** Carrier threads that hold no core and are not parked: blocked in a slice whose core was taken. */
    int coreless() {
        lock.lock();
        try {
            return alive.size() - parked.size() - cores;
        } finally {
            lock.unlock();
        }
    }

    List<Carrier> snapshot() {
        lock.lock();
        try {
            return new ArrayList<>(alive);
        } finally {
            lock.unlock();
        }
    }

    long added() {
        return added;
    }

    long retired() {
        return retired;
    }
}
