package dev.greenthreads.internal.scheduler;

import java.util.concurrent.locks.LockSupport;

/**
 * A platform thread as a {@link Strand}: parking is {@link LockSupport}'s. One instance per
 * thread, so that a strand's identity can be compared (lock owners). Found through a
 * {@code ThreadLocal}, which is fine here: platform threads are off the green hot path.
 */
final class PlatformStrand extends Strand {

    private static final ThreadLocal<PlatformStrand> CURRENT =
            ThreadLocal.withInitial(() -> new PlatformStrand(Thread.currentThread()));

    private final Thread thread;

    private PlatformStrand(Thread thread) {
        this.thread = thread;
    }

    static PlatformStrand ofCurrentThread() {
        return CURRENT.get();
    }

    @Override
    public void unpark() {
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

    @Override
    StackTraceElement[] platformStack() {
        return thread.getStackTrace();
    }

    @Override
    public String toString() {
        return "PlatformStrand[" + thread + "]";
    }
}
