package dev.greenthreads.io;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.scheduler.Strand;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * One channel's side of the readiness protocol (see {@code package-info.java}): its key in the
 * {@link Poller}'s selector, the strands waiting for it to become ready, whether it is closed,
 * and its operation budget. {@link GreenSocket} and {@link GreenServerSocket} each own one and
 * do all their waiting through it.
 *
 * <p>The waiter list and {@link #closed} are guarded by a spin lock held for a few
 * instructions, never across a park or an unpark.
 */
final class Registration {

    /**
     * Operations in a row that completed without waiting, after which the next one yields
     * first (Tokio's cooperative budget is 128 too): a socket that is always ready cannot keep
     * its green thread on the carrier for ever. Measured by {@code GreenSocketFairnessTest}.
     */
    static final int OPERATION_BUDGET = 128;

    private static final VarHandle LOCK;

    static {
        try {
            LOCK = MethodHandles.lookup().findVarHandle(Registration.class, "lock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A strand parked until the channel is ready for {@link #op}, or closed. */
    static final class Waiter {
        final Strand strand;
        final int op;
        /** Set under the lock by whoever takes it off the list (the poller, or close), before the unpark. */
        volatile boolean woken;
        /** Guarded by the lock while listed; afterwards links the waiters being woken. */
        Waiter next;

        Waiter(Strand strand, int op) {
            this.strand = strand;
            this.op = op;
        }
    }

    final Poller poller;
    final SelectableChannel channel;
    final SelectionKey key;

    private volatile int lock;
    private Waiter waiters;
    private volatile boolean closed;
    /**
     * Operations that completed without waiting since the last wait or yield. Plain and shared
     * by whichever strands use the channel: it is a heuristic, a lost increment costs nothing.
     */
    private int streak;

    /** Registers {@code channel} (non-blocking already) with {@code poller}, with no interest yet. */
    Registration(Poller poller, SelectableChannel channel) throws IOException {
        this.poller = poller;
        this.channel = channel;
        this.key = poller.register(channel);
        key.attach(this); // the poller finds us through the key; it cannot select it before we set interest
    }

    // ------------------------------------------------------------------------------------
    // Around each operation

    /**
     * Entry of every operation that may wait: a cancellation point; refuses a closed channel; and
     * if the budget is spent, lets the carrier's other green threads run first.
     */
    @Suspendable
    void beforeOperation() throws IOException {
        Strand.testCancel();
        if (closed) {
            throw closedException(null);
        }
        if (streak >= OPERATION_BUDGET) {
            streak = 0;
            if (GreenThread.current() != null) {
                GreenThread.yield();
            }
        }
    }

    /** After an operation: one more that did not wait, or a fresh start after one that did. */
    void afterOperation(boolean waited) {
        streak = waited ? 0 : streak + 1;
    }

    /**
     * Parks the calling strand until the channel may be ready for {@code op} (the caller then
     * tries again: a wake-up is a hint, as with any level-triggered poller), or it is closed,
     * or {@code deadline} (in {@link Strand#nanoTime()}, if {@code timed}) passes, or the
     * strand is cancelled.
     *
     * @throws SocketException        if the channel is or gets closed
     * @throws SocketTimeoutException if the deadline passed first; {@code timeoutMessage} says what timed out
     * @throws dev.greenthreads.GreenCancelledException if the strand was cancelled (a platform thread: interrupted)
     */
    @Suspendable
    void await(int op, boolean timed, long deadline, String timeoutMessage) throws IOException {
        Waiter w = new Waiter(Strand.current(), op);
        if (!link(w)) {
            throw closedException(null);
        }
        while (!w.woken) {
            if (Strand.cancelRequested()) {
                unlink(w);
                Strand.testCancel();
            }
            if (!timed) {
                Strand.park();
            } else if (deadline - Strand.nanoTime() > 0) {
                Strand.parkUntil(deadline);
            } else if (unlink(w)) {
                throw new SocketTimeoutException(timeoutMessage);
            }
        }
        if (closed) {
            throw closedException(null);
        }
    }

    // ------------------------------------------------------------------------------------
    // The poller's and the closer's side

    /**
     * Poller: the channel is ready for {@code readyOps}. Wakes whoever waits for any of them,
     * and stops watching those that nobody waits for (see package-info: an operation a strand
     * was woken for stays watched, as it will most likely wait for it again). Returns the
     * strands woken, linked through {@code next}, for the poller to unpark.
     */
    Waiter ready(int readyOps) {
        Waiter woken = null;
        lock();
        try {
            int unwanted = readyOps;
            Waiter prev = null;
            for (Waiter w = waiters; w != null; ) {
                Waiter next = w.next;
                if ((w.op & readyOps) != 0) {
                    if (prev == null) {
                        waiters = next;
                    } else {
                        prev.next = next;
                    }
                    unwanted &= ~w.op;
                    w.woken = true;
                    w.next = woken;
                    woken = w;
                } else {
                    prev = w;
                }
                w = next;
            }
            if (unwanted != 0) {
                key.interestOpsAnd(~unwanted);
            }
        } catch (CancelledKeyException e) {
            // closed meanwhile: close wakes every waiter, including any taken here
        } finally {
            unlock();
        }
        return woken;
    }

    /**
     * Closes the channel and wakes every waiter, which throws {@link SocketException}. Returns
     * false if it was closed already. The descriptor itself is released by the poller when it
     * drops the cancelled key, which {@link Poller#interestChanged()} prompts.
     */
    boolean close() throws IOException {
        Waiter all;
        lock();
        try {
            if (closed) {
                return false;
            }
            closed = true;
            all = waiters;
            waiters = null;
            for (Waiter w = all; w != null; w = w.next) {
                w.woken = true;
            }
        } finally {
            unlock();
        }
        try {
            channel.close();
        } finally {
            unpark(all);
            poller.interestChanged();
        }
        return true;
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * What an operation that found the channel closed throws: {@code SocketException: Socket
     * closed}, as {@code java.net.Socket} does, whatever the channel said ({@code cause}).
     */
    SocketException closedException(Throwable cause) {
        SocketException e = new SocketException("Socket closed");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    // ------------------------------------------------------------------------------------

    /**
     * Links {@code w} and makes sure the selector watches its operation, both under the lock, so
     * that the poller either finds {@code w} or, having found nobody, stopped watching before
     * this watches again. Wakes the poller if it must apply the change. False if closed.
     */
    private boolean link(Waiter w) {
        boolean changed;
        lock();
        try {
            if (closed) {
                return false;
            }
            changed = (key.interestOpsOr(w.op) & w.op) == 0;
            w.next = waiters;
            waiters = w;
        } catch (CancelledKeyException e) { // the channel was closed by other means
            return false;
        } finally {
            unlock();
        }
        if (changed) {
            poller.interestChanged();
        }
        return true;
    }

    /** Takes {@code w} off the list; false if the poller or a close took it first (and so set {@code woken}). */
    private boolean unlink(Waiter w) {
        lock();
        try {
            Waiter prev = null;
            for (Waiter x = waiters; x != null; prev = x, x = x.next) {
                if (x == w) {
                    if (prev == null) {
                        waiters = x.next;
                    } else {
                        prev.next = x.next;
                    }
                    return true;
                }
            }
            return false;
        } finally {
            unlock();
        }
    }

    /** Unparks the strands of a list of waiters taken off the list ({@link #ready}, close). */
    static void unpark(Waiter list) {
        while (list != null) {
            Waiter next = list.next;
            list.next = null;
            list.strand.unpark();
            list = next;
        }
    }

    private void lock() {
        for (int spins = 0; !LOCK.compareAndSet(this, 0, 1); spins++) {
            if (spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    private void unlock() {
        LOCK.setRelease(this, 0);
    }
}
