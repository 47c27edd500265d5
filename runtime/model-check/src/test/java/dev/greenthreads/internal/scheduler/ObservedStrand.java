package dev.greenthreads.internal.scheduler;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A platform thread as a {@link Strand} whose unparks are counted, for tests that must tell a
 * waiter woken once from one woken twice or never. It parks as every platform strand does,
 * in {@link LockSupport} (through {@link Strand#park()}), which the model checker schedules:
 * a park that no unpark can end is reported as a deadlock, with the schedule that led to it.
 */
public final class ObservedStrand extends Strand {

    private final Thread thread;
    private final AtomicInteger unparks = new AtomicInteger();

    private ObservedStrand(Thread thread) {
        this.thread = thread;
    }

    /** The strand of the calling thread. Create it on the thread it stands for. */
    public static ObservedStrand ofCurrentThread() {
        return new ObservedStrand(Thread.currentThread());
    }

    /** How many times this strand was unparked. */
    public int unparks() {
        return unparks.get();
    }

    @Override
    public void unpark() {
        unparks.incrementAndGet();
        LockSupport.unpark(thread);
    }

    @Override
    public boolean isGreen() {
        return false;
    }

    @Override
    public String name() {
        return thread.getName();
    }
}
