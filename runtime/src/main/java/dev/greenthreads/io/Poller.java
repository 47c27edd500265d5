package dev.greenthreads.io;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.scheduler.GreenStrand;
import dev.greenthreads.internal.scheduler.Strand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The readiness poller: one NIO {@link Selector} (epoll on Linux) for every green socket of the
 * JVM, and whoever selects on it and unparks the strands whose channels became ready.
 *
 * <h2>Implementation overview</h2>
 * A channel is registered once, when its socket is made, with no interest; waiters add theirs,
 * and the poller removes an operation's interest when it is reported and nobody waits for it
 * (the protocol and why no wake-up is lost: {@code package-info.java}). Interest changes made by
 * other threads are applied by the selector at the start of its next select, so a change while
 * the selector is blocked in {@code epoll_wait} needs {@link Selector#wakeup()} (an eventfd
 * write); {@link #interestChanged()} pays it only while a blocking select is under way, and
 * several before the select returns cost one write. Closing a channel goes the same way,
 * because the JDK closes a registered channel's descriptor only when the selector drops its
 * cancelled key.
 *
 * <h2>Who selects: the poller thread, or a green poller while busy</h2>
 * Exactly one party owns the selector at a time ({@link #owner}):
 * <ul>
 *   <li><b>The poller thread</b> ({@value #THREAD_NAME}, one daemon kernel thread): blocks in
 *       {@code select} while the sockets are quiet. Its wake-ups reach a green thread through its
 *       scheduler's global queue, often with a futex wake of an idle carrier.</li>
 *   <li><b>A green poller</b>: when a select wakes a green thread, the poller thread hands the
 *       selector to a green thread it starts on that thread's scheduler, and parks. That green thread calls {@code selectNow()} and then
 *       {@code GreenThread.yield()}, over and over: the threads it wakes go to its own
 *       carrier's queue (no kernel wake-up, no global queue), they run, read, write and wait
 *       again before the next poll, and since nobody blocks in {@code select}, interest changes
 *       need no eventfd write. After {@value #QUIET_POLLS} polls in a row that found nothing
 *       (or when its scheduler closes) it hands the selector back and ends: a quiet green poller
 *       costs a few microseconds of polling, never a carrier. If it stops polling for
 *       {@value #STALLED_MILLIS} ms (a green thread that never yields holds its carrier), the
 *       poller thread takes the selector back, so that nobody else's sockets wait for that
 *       carrier.</li>
 * </ul>
 * Kernel threads: the poller thread, for every scheduler and for platform-thread callers, within
 * the budget of "the carriers plus at most two others".
 *
 * <h2>Why, in figures</h2>
 * {@code echo-bench}, 64-byte messages, closed loop, JDK 17, two processors shared with the
 * load generator and with other work (load average about 3); medians of three interleaved runs;
 * server CPU per message from {@code /proc}:
 * <pre>
 *                                          1,000 connections        5,000 connections
 *   poller thread only                     51,400 msg/s  24.3 us    42,200 msg/s  26.4 us
 *   poller thread + green poller (this)    64,300 msg/s  17.0 us    47,900 msg/s  21.0 us
 *   select (one thread, for reference)     83,400 msg/s  11.6 us    61,700 msg/s  14.6 us
 * </pre>
 * Tuning, same bench: hand-back after 64 quiet polls rather than 16 (fewer hand-overs, each a
 * futex wake), 256 no better; parking the green poller 50 us between empty polls instead of
 * yielding cost 15% (1,000 connections). Going green on the first green wake-up rather than on
 * 4 in one select: 52,500 against 42,600 msg/s at 10 connections, no difference beyond the
 * noise from 100 to 5,000. The price: after each burst on an otherwise quiet server, a carrier
 * spends about 100 us in the quiet polls.
 *
 * <p>This is the nearest one can come, without touching the scheduler, to the design notes'
 * poller in the carriers' loop (Go's netpoll, Tokio's driver). The full version needs a hook in
 * the carriers' idle path: an idle carrier would block in {@code epoll_wait} itself (with the
 * nearest timer as its timeout, and a wake-up when work is queued) instead of parking while the
 * poller thread waits; the busy/quiet hand-overs and the poller thread's wake-ups of carriers
 * (a futex wake each) would go, and a burst of readiness could be queued in one batch.
 */
final class Poller {

    static final String THREAD_NAME = "greenthreads-io-poller";
    /** Green threads one blocking select must wake for the poller to go green. */
    static final int BUSY_WAKEUPS = 1;
    /** Polls in a row that find nothing, after which a green poller hands back. */
    static final int QUIET_POLLS = 64;

    /** Stalled green poller: see {@link #awaitOwnership()}. */
    static final long STALLED_MILLIS = 10;

    /** {@link #owner}: the poller thread; a green poller, between two polls; a green poller, polling. */
    private static final int KERNEL = 0, GREEN = 1, POLLING = 2;
    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(Poller.class, "owner", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final ReentrantLock CREATION = new ReentrantLock();
    private static volatile Poller shared;

    private final Selector selector;
    private final Thread thread;
    /** Who owns the selector: KERNEL, GREEN or POLLING. The poller thread parks while it is not KERNEL. */
    private volatile int owner = KERNEL;
    /** Polls by green pollers so far: the poller thread's sign that a green poller is alive. */
    private volatile long polls;
    /** True while the poller thread is in (or about to enter) a blocking select; see {@link #interestChanged()}. */
    private volatile boolean selecting;

    /** Of the select under way (one party at a time): green threads woken, and the scheduler of the first. */
    private int wokenGreen;
    private Scheduler wokenOn;
    private final Consumer<SelectionKey> dispatch = this::dispatch;
    /** The strands one key's readiness wakes, unparked once its registration's lock is released. */
    private final Strand[] woken = new Strand[16];

    private Poller(Selector selector) {
        this.selector = selector;
        this.thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
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
                created.thread.start();
                shared = created;
            }
            return shared;
        } finally {
            CREATION.unlock();
        }
    }

    /** Polls made by green pollers so far (for tests: has a green poller run?). */
    long greenPolls() {
        return polls;
    }

    /** Registers a non-blocking channel with no interest; the caller attaches its {@link Registration}. */
    SelectionKey register(SelectableChannel channel) throws IOException {
        return channel.register(selector, 0);
    }

    /**
     * A key's interest changed (or a key was cancelled): make sure the selector applies it. The
     * change is queued in the selector (under its update lock) before this reads
     * {@link #selecting}; the poller thread writes {@code selecting} before {@code select} takes
     * that lock to apply the queue. So either this sees {@code selecting} and wakes the select,
     * or that select applies the change before it blocks. A green poller's next
     * {@code selectNow} applies it in any case, and a green poller hands the selector back only
     * after a last {@code selectNow}, with the same argument for the thread's next select.
     */
    void interestChanged() {
        if (selecting) {
            selector.wakeup();
        }
    }

    // ------------------------------------------------------------------------------------
    // The poller thread

    private void run() {
        for (;;) {
            awaitOwnership();
            wokenGreen = 0;
            wokenOn = null;
            selecting = true;
            try {
                selector.select(dispatch);
            } catch (ClosedSelectorException e) {
                return; // never closed; kept for completeness
            } catch (IOException | RuntimeException e) {
                selectFailed(e);
            } finally {
                selecting = false;
            }
            if (wokenGreen >= BUSY_WAKEUPS) {
                goGreen(wokenOn);
            }
        }
    }

    /**
     * Parks while a green poller owns the selector. If it stops polling for
     * {@value #STALLED_MILLIS} ms (its carriers are held by green threads that do not yield,
     * say), takes the selector back, so that the other schedulers' and the platform threads'
     * sockets are not held up with it. The CAS can take the selector only between two polls.
     */
    private void awaitOwnership() {
        long polled = polls;
        while (owner != KERNEL) {
            LockSupport.parkNanos(this, STALLED_MILLIS * 1_000_000L);
            long now = polls;
            if (now != polled) {
                polled = now;
            } else if (OWNER.compareAndSet(this, GREEN, KERNEL)) {
                return;
            }
        }
    }

    /** Hands the selector to a new green poller on {@code scheduler}; keeps it if the scheduler refuses. */
    private void goGreen(Scheduler scheduler) {
        owner = GREEN;
        try {
            GreenThread.builder().name(THREAD_NAME).scheduler(scheduler).detached(true).start(this::pollGreen);
        } catch (RuntimeException closed) { // the scheduler is closing
            owner = KERNEL;
        }
    }

    // ------------------------------------------------------------------------------------
    // A green poller

    /**
     * Polls and yields until {@value #QUIET_POLLS} polls in a row found nothing, its scheduler
     * closes, or the poller thread took the selector back; then hands it back (after a last
     * {@code selectNow}: the thread's next select applies whatever came since).
     */
    @Suspendable
    private void pollGreen() {
        try {
            GreenStrand me = GreenStrand.current();
            for (int quiet = 0; quiet < QUIET_POLLS && !me.dispatcher().isClosed(); ) {
                if (!OWNER.compareAndSet(this, GREEN, POLLING)) {
                    return; // taken back
                }
                int selected;
                try {
                    wokenGreen = 0;
                    selected = selector.selectNow(dispatch);
                } catch (IOException | RuntimeException e) {
                    return; // the poller thread reports it, if it happens again there
                } finally {
                    polls = polls + 1; // only the owner writes it
                    owner = GREEN;
                }
                quiet = selected == 0 ? quiet + 1 : 0;
                GreenThread.yield();
            }
        } finally {
            if (OWNER.compareAndSet(this, GREEN, KERNEL)) {
                LockSupport.unpark(thread);
            }
        }
    }

    // ------------------------------------------------------------------------------------

    /** For each selected key: wake its waiters; count the green ones (see {@link Registration#ready}). */
    private void dispatch(SelectionKey key) {
        Registration r = (Registration) key.attachment();
        if (r == null) {
            return;
        }
        int ready;
        try {
            ready = key.readyOps();
        } catch (RuntimeException cancelled) {
            return; // closed meanwhile: close woke the waiters
        }
        Strand[] strands = woken;
        int n = r.ready(ready, owner == POLLING, strands, 0);
        for (int i = 0; i < n; i++) {
            Strand s = strands[i];
            strands[i] = null;
            if (s.isGreen() && wokenGreen++ == 0) {
                wokenOn = ((GreenStrand) s).dispatcher().scheduler();
            }
            s.unpark();
        }
    }

    private static void selectFailed(Exception e) {
        System.err.println("greenthreads: the I/O poller's select failed; retrying in 10 ms");
        e.printStackTrace();
        LockSupport.parkNanos(10_000_000L);
    }
}
