package dev.greenthreads.io;

import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.scheduler.Strand;
import dev.greenthreads.internal.sync.SpinLock;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;

/**
 * One channel's side of the readiness protocol (see {@code package-info.java}): its key in the
 * {@link Poller}'s selector, the strands waiting for it to become ready, whether it is closed,
 * and its operation budget. {@link GreenSocket} and {@link GreenServerSocket} each own one and
 * do all their waiting through it.
 *
 * <p>The waiter list, {@link #spared} and {@link #closed} are guarded by the registration's
 * {@link SpinLock}: whoever takes waiters off the list copies their strands out under the lock
 * and unparks them after it.
 */
final class Registration extends SpinLock {

    /**
     * Operations in a row that completed without waiting, after which the next one yields
     * first (Tokio's cooperative budget is 128 too): a socket that is always ready cannot keep
     * its green thread on the carrier for ever. See {@code GreenSocketFairnessTest}.
     */
    static final int OPERATION_BUDGET = 128;

    /**
     * What {@link #ready} does with a ready operation nobody waits for: stop watching it (a
     * blocking select would report it again at once); spare it once (an idle carrier: the
     * strand it woke for it is most likely running on another carrier, about to wait again);
     * keep watching it (a busy carrier: the strand is most likely still queued).
     */
    static final int UNWATCH = 0, SPARE_ONCE = 1, KEEP = 2;

    /** A strand parked until the channel is ready for {@link #op}, or closed. */
    private static final class Waiter {
        final Strand strand;
        final int op;
        /** Guarded by the lock. */
        Waiter next;
        /** Set under the lock by whoever takes it off the list (the poller, or close). */
        volatile boolean woken;

        Waiter(Strand strand, int op) {
            this.strand = strand;
            this.op = op;
        }
    }

    final Poller poller;
    final SelectableChannel channel;
    final SelectionKey key;

    private Waiter waiters;
    private volatile boolean closed;
    /** Ready operations an idle carrier found nobody waiting for once, and left watched (see {@link #ready}). */
    private int spared;
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

    /** Making a socket out of a channel just opened or accepted, which may fail. */
    interface SocketMaker<T> {
        T make() throws IOException;
    }

    /** {@code maker}'s socket; if making it fails, {@code channel} is closed, so that no descriptor leaks. */
    static <T> T closingOnFailure(SelectableChannel channel, SocketMaker<T> maker) throws IOException {
        try {
            return maker.make();
        } catch (IOException | RuntimeException | Error e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
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
            Strand.yieldIfGreen();
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
        boolean platform = !w.strand.isGreen();
        if (platform) {
            poller.platformWaiting(1);
        }
        try {
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
        } finally {
            if (platform) {
                poller.platformWaiting(-1);
            }
        }
        if (closed) {
            throw closedException(null);
        }
    }

    // ------------------------------------------------------------------------------------
    // The poller's and the closer's side

    /**
     * Poller: the channel is ready for {@code readyOps}. Takes the waiters for any of them off
     * the list and puts their strands in {@code woken[from ..]}, for the poller to unpark after
     * this returns; returns the index after the last. Treats the ready operations that nobody
     * waits for as {@code unwantedOps} says ({@link #UNWATCH}, {@link #SPARE_ONCE},
     * {@link #KEEP}; see package-info). An operation a waiter was woken for stays watched: its
     * strand is most likely on its way back to wait for it again. If {@code woken} is full, the
     * strands beyond are unparked here, under the lock.
     */
    int ready(int readyOps, int unwantedOps, Strand[] woken, int from) {
        int n = from;
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
                    w.next = null;
                    w.woken = true;
                    if (n < woken.length) {
                        woken[n++] = w.strand;
                    } else {
                        w.strand.unpark();
                    }
                } else {
                    prev = w;
                }
                w = next;
            }
            if (unwantedOps == KEEP) {
                unwanted = 0;
            } else if (unwantedOps == SPARE_ONCE) {
                int twice = unwanted & spared;
                spared = (spared | unwanted) & ~twice;
                unwanted = twice;
            }
            if (unwanted != 0) {
                key.interestOpsAnd(~unwanted);
            }
        } catch (CancelledKeyException e) {
            // closed meanwhile: close wakes whoever is still listed
        } finally {
            unlock();
        }
        return n;
    }

    /**
     * Closes the channel and wakes every waiter, which throws {@link SocketException}. Returns
     * false if it was closed already. The descriptor itself is released by the poller when it
     * drops the cancelled key, which {@link Poller#interestChanged()} prompts.
     */
    boolean close() throws IOException {
        List<Strand> all = new ArrayList<>(2);
        lock();
        try {
            if (closed) {
                return false;
            }
            closed = true;
            for (Waiter w = waiters; w != null; ) {
                Waiter next = w.next;
                w.next = null;
                all.add(w.strand);
                w.woken = true;
                w = next;
            }
            waiters = null;
        } finally {
            unlock();
        }
        try {
            channel.close();
        } finally {
            for (Strand s : all) {
                s.unpark();
            }
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
            spared &= ~w.op;
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
                    x.next = null;
                    return true;
                }
            }
            return false;
        } finally {
            unlock();
        }
    }
}
