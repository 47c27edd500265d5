package dev.greenthreads.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The readiness poller: one NIO {@link Selector} (epoll on Linux) for every green socket of the
 * JVM, and one daemon kernel thread, {@value #THREAD_NAME}, that waits in it and unparks the
 * strands whose channels became ready.
 *
 * <h2>Implementation overview</h2>
 * A channel is registered once, when its socket is made, with no interest. A strand that must
 * wait adds its operation to the key's interest ({@code interestOpsOr}) after it has linked
 * itself as a waiter; the poller, for each selected key, first removes the ready operations from
 * the interest ({@code interestOpsAnd}) and then wakes the waiters for them. That is
 * {@code EPOLLONESHOT} rebuilt on the level-triggered selector: a ready channel nobody waits for
 * is reported once, not on every select, and a woken strand that finds nothing (a spurious
 * wake-up) simply registers again. Why no wake-up is lost is in {@code package-info.java}.
 *
 * <p>Interest changes made by other threads are applied by the selector at the start of its
 * next select, so a change while the poller is blocked in {@code epoll_wait} needs
 * {@link Selector#wakeup()} (an eventfd write). {@link #interestChanged()} pays it only while
 * the poller is {@link #selecting}; several wake-ups before the poller runs again cost one
 * write. Closing a channel goes through the same path, because the JDK closes a registered
 * channel's descriptor only when the selector drops its cancelled key.
 *
 * <h2>Where the poller runs, and why a dedicated thread</h2>
 * The design notes want the poller inside the scheduler loop (Go, Tokio): a carrier with no
 * work polls, and threads made ready by it go to its own queue without a kernel wake-up. That
 * needs a hook in the carriers' idle path, which the scheduler does not offer yet. Without it,
 * two placements are possible: this dedicated kernel thread, or a <em>green</em> poller (a
 * green thread that calls {@code selectNow()} between {@code GreenThread.yield()}s while there
 * is work, and hands the blocking select to a kernel thread when there is none). Both were
 * measured with {@code echo-bench} (64-byte messages, closed loop, 2 processors; numbers in
 * the io report of the green-I/O change):
 * <!-- POLLER-MEASUREMENT -->
 * The dedicated thread is kept: it is the simpler of the two, it uses one kernel thread for
 * every scheduler and for platform-thread callers alike (the budget is carriers plus at most
 * two), and it needs nothing from the scheduler.
 */
final class Poller {

    static final String THREAD_NAME = "greenthreads-io-poller";

    private static final ReentrantLock CREATION = new ReentrantLock();
    private static volatile Poller shared;

    private final Selector selector;
    /** True while the poller thread is in (or about to enter) {@code select}; see {@link #interestChanged()}. */
    private volatile boolean selecting;

    private Poller(Selector selector) {
        this.selector = selector;
    }

    /** The JVM's poller, started on first use. */
    static Poller shared() {
        Poller p = shared;
        if (p != null) {
            return p;
        }
        CREATION.lock();
        try {
            if (shared == null) {
                Poller created;
                try {
                    created = new Poller(Selector.open());
                } catch (IOException e) {
                    throw new UncheckedIOException("greenthreads: cannot open the selector of the I/O poller", e);
                }
                Thread thread = new Thread(created::run, THREAD_NAME);
                thread.setDaemon(true);
                thread.start();
                shared = created;
            }
            return shared;
        } finally {
            CREATION.unlock();
        }
    }

    /** Registers a non-blocking channel with no interest; the caller attaches its {@link Registration}. */
    SelectionKey register(SelectableChannel channel) throws IOException {
        return channel.register(selector, 0);
    }

    /**
     * A key's interest changed (or a key was cancelled): make sure the selector applies it. The
     * change is queued in the selector (under its update lock) before this reads
     * {@link #selecting}; the poller writes {@code selecting} before {@code select} takes that lock
     * to apply the queue. So either this sees {@code selecting} and wakes the select, or the
     * select applies the change before it blocks.
     */
    void interestChanged() {
        if (selecting) {
            selector.wakeup();
        }
    }

    private void run() {
        Consumer<SelectionKey> dispatch = Poller::dispatch;
        for (;;) {
            selecting = true;
            try {
                selector.select(dispatch);
            } catch (ClosedSelectorException e) {
                return; // never closed; kept for completeness
            } catch (IOException | RuntimeException e) {
                System.err.println("greenthreads: the I/O poller's select failed; retrying in 10 ms");
                e.printStackTrace();
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ignored) {
                    // a daemon that nobody interrupts; go on
                }
            } finally {
                selecting = false;
            }
        }
    }

    /** For each selected key: stop reporting what is ready (one shot), then wake its waiters. */
    private static void dispatch(SelectionKey key) {
        int ready;
        try {
            ready = key.readyOps();
            key.interestOpsAnd(~ready);
        } catch (CancelledKeyException e) {
            return; // closed meanwhile: close woke the waiters
        }
        Registration r = (Registration) key.attachment();
        if (r != null) {
            r.ready(ready);
        }
    }
}
