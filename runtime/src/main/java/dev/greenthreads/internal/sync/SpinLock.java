package dev.greenthreads.internal.sync;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A spin lock for state touched for a few instructions at a time: linking or unlinking a
 * waiter, updating a count, deciding whom to wake. It is never held across a park, an unpark,
 * a suspension or a call into user code, so a carrier never waits on it for longer than another
 * carrier's few instructions, and a green thread cannot suspend while holding it. After 64 spins
 * a waiter yields its kernel thread, in case the holder's thread was descheduled.
 *
 * <p>Extended by the object whose fields it guards (a wait queue, a channel's registration, a
 * strand's joiners), so that the lock word sits next to them: no allocation, no indirection.
 * Not reentrant; no {@code synchronized}, which would pin a green thread's carrier if it ever
 * blocked there.
 */
public abstract class SpinLock {

    private static final VarHandle LOCKED;

    static {
        try {
            LOCKED = MethodHandles.lookup().findVarHandle(SpinLock.class, "locked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int locked;

    protected SpinLock() {
    }

    public final void lock() {
        if (!LOCKED.compareAndSet(this, 0, 1)) {
            lockContended();
        }
    }

    private void lockContended() {
        for (int spins = 0; ; spins++) {
            if (locked == 0 && LOCKED.compareAndSet(this, 0, 1)) {
                return;
            }
            if (spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    public final void unlock() {
        LOCKED.setRelease(this, 0);
    }
}
