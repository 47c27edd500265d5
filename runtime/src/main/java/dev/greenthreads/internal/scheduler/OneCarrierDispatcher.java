package dev.greenthreads.internal.scheduler;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the two dispatchers that choose every switch themselves share ({@link
 * DeterministicDispatcher}, {@link ExploringDispatcher}): one carrier, one lock around their
 * state, and a virtual clock, whose timers fire when the clock reaches them rather than when
 * real time does. How the clock advances and who runs next is each one's own.
 */
abstract class OneCarrierDispatcher extends Dispatcher {

    final ReentrantLock lock = new ReentrantLock();
    /** Signalled, under {@link #lock}, when the carrier may have something new to do. */
    final Condition changed = lock.newCondition();
    /** Guarded by {@link #lock}. */
    final TimerHeap<GreenStrand> timers = new TimerHeap<>();
    /** Written under {@link #lock} by the carrier; read by its green threads. */
    volatile long clock;

    OneCarrierDispatcher(String name, FailureSink failures) {
        super(name, 1, failures);
    }

    @Override
    public final long nanoTime() {
        return clock;
    }

    @Override
    final void addTimer(GreenStrand t) {
        lock.lock();
        try {
            timers.add(t, t.deadline);
        } finally {
            lock.unlock();
        }
    }

    @Override
    final void removeTimer(GreenStrand t) {
        lock.lock();
        try {
            timers.remove(t);
        } finally {
            lock.unlock();
        }
    }

    @Override
    final void wakeAllCarriers() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
