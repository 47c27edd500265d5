package dev.greenthreads.io;

import dev.greenthreads.internal.scheduler.Dispatcher;
import dev.greenthreads.internal.scheduler.Strand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * write); {@link #interestChanged()} pays it only while a select is under way, and several
 * before the select returns cost one write. Closing a channel goes the same way, because the
 * JDK closes a registered channel's descriptor only when the selector drops its cancelled key.
 *
 * <h2>Who selects: an idle carrier, or the poller thread</h2>
 * Exactly one party owns the selector at a time ({@link #owner}):
 * <ul>
 *   <li><b>An idle carrier</b> ({@link Dispatcher.IdlePoller}): a carrier of a work-stealing
 *       scheduler with nothing to run blocks in {@code select} instead of parking, with its
 *       nearest timer as the timeout. The green threads it wakes join its scheduler's global
 *       queue in the order reported (no kernel wake-up) and it runs them at once, a whole
 *       batch per select: the loop of the {@code select} echo server, on a carrier. Work
 *       queued for it meanwhile wakes the select instead of the park. A busy carrier also
 *       polls, without blocking, between dispatches if nobody holds the selector (Tokio's
 *       driver tick), once per turn of the threads queued ahead of what it would wake
 *       ({@code StealingDispatcher.queuedBehind}), so that readiness does not wait for its
 *       queue to drain; in between it says it defers its poll ({@link #pollDeferred()}), so
 *       that the poller thread sees carriers polling and stays out. The strands it woke
 *       earlier are most likely still queued, so the readiness it finds nobody waiting for
 *       stays watched; the price is that such a poll reports again every ready channel whose
 *       strand is still queued (level-triggered), which costs less than unwatching and
 *       re-watching them, and is why it does not poll more often ({@code POLLER.md}).</li>
 *   <li><b>The poller thread</b> ({@value #THREAD_NAME}, one daemon kernel thread): selects
 *       when no carrier does, for platform threads and for carriers that are all busy. It
 *       owns the selector at first; an idle carrier that finds it there asks for it
 *       ({@link #claimant}) and parks, and the thread hands over after its select and unparks
 *       it; a busy carrier that finds it there when it would poll asks too, without
 *       waiting ({@link #carrierAsks}), and the thread hands back after its select: it never
 *       keeps the selector while carriers poll, as its wake-ups cost a futex each and the
 *       readiness it unwatches (nobody waits for it yet) is re-watched by its strand, an
 *       {@code epoll_ctl} each way per message. Then it parks, and the schedulers'
 *       monitors watch ({@link #watch()}, at each tick): if for {@value #STALL_MILLIS} ms
 *       nobody polled, nor deferred a poll while no platform thread waits, and nobody held the
 *       selector (every carrier is running green threads that do not yield), the selector goes
 *       back to the thread. While no monitor watches (no scheduler runs), the thread watches
 *       itself, every {@value #STALL_MILLIS} ms. Its wake-ups reach a green thread through its
 *       scheduler's global queue, often with a futex wake of an idle carrier.</li>
 * </ul>
 * Kernel threads: the poller thread, for every scheduler and for platform-thread callers, within
 * the budget of "the carriers plus at most two others".
 *
 * <h2>Why</h2>
 * An idle carrier selecting itself turns a readiness into a run on the same kernel thread, with
 * no hand-over and no futex; the green poller this replaced (the selector taken from the poller
 * thread after a select that woke a green thread, then {@code selectNow} between yields until 64
 * empty polls in a row) paid a hand-over each way per burst and 64 empty system calls every
 * quiet moment. The measurements, and the command that reproduces them, are in
 * {@code benchmarks/results/POLLER.md}.
 */
final class Poller implements Dispatcher.IdlePoller {

    static final String THREAD_NAME = "greenthreads-io-poller";

    /** {@link #owner}: nobody; the poller thread; an idle carrier. */
    private static final int FREE = 0, KERNEL = 1, CARRIER = 2;
    private static final VarHandle OWNER, CLAIMANT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            OWNER = l.findVarHandle(Poller.class, "owner", int.class);
            CLAIMANT = l.findVarHandle(Poller.class, "claimant", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final ReentrantLock CREATION = new ReentrantLock();
    private static volatile Poller shared;

    private final Selector selector;
    private final Thread thread;
    /** Who owns the selector: FREE, KERNEL or CARRIER. */
    private volatile int owner = KERNEL;
    /** An idle carrier that found the poller thread selecting and waits to be handed the selector. */
    private volatile Thread claimant;
    /** A busy carrier found the poller thread selecting: the thread hands back after its select. */
    private volatile boolean carrierAsks;
    /** Polls by carriers so far: the poller thread's sign that carriers are polling. */
    private volatile long carrierPolls;
    /**
     * Polls deferred by busy carriers so far ({@link #pollDeferred()}): also a sign that carriers
     * poll, unless platform threads wait. Incremented racily by any carrier; the watch only asks
     * whether it changed, which a lost increment does not hide for long.
     */
    private volatile long deferredPolls;
    /**
     * Platform threads waiting on a channel now: they wait behind no queue, so a deferred poll
     * does not serve them.
     */
    private final AtomicInteger platformWaiters = new AtomicInteger();
    /** {@link #watch()}'s state: the polls it last saw, when they last changed, when it last ran. */
    private final ReentrantLock watchLock = new ReentrantLock();
    private long pollsSeen;
    private long deferredSeen;
    private long pollsSeenAt;
    private volatile long watchedAt;
    /** True while a select is under (or about to be) under way; see {@link #interestChanged()}. */
    private volatile boolean selecting;
    /** Of the select under way: what {@link Registration#ready} does with readiness nobody waits for. */
    private int unwanted = Registration.UNWATCH;

    private final Consumer<SelectionKey> dispatch = this::dispatch;
    /** The strands one key's readiness wakes, unparked once its registration's lock is released. */
    private final Strand[] woken = new Strand[16];

    private Poller(Selector selector) {
        this.selector = selector;
        this.thread = new Thread(null, this::run, THREAD_NAME, 0, false); // inherits no values of the thread that happened to start it
        thread.setDaemon(true);
    }

    /** The JVM's poller, started on first use and installed as the carriers' idle poller. */
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
                Dispatcher.installIdlePoller(created);
            }
            return shared;
        } finally {
            CREATION.unlock();
        }
    }

    /** Polls made by carriers so far (for tests: has a carrier polled?). */
    long carrierPolls() {
        return carrierPolls;
    }

    /** Platform threads waiting on a channel now (for tests). */
    int platformWaiters() {
        return platformWaiters.get();
    }

    /** Whether the poller thread holds the selector (for tests). */
    boolean heldByThread() {
        return owner == KERNEL;
    }

    /** Registers a non-blocking channel with no interest; the caller attaches its {@link Registration}. */
    SelectionKey register(SelectableChannel channel) throws IOException {
        return channel.register(selector, 0);
    }

    /**
     * A key's interest changed (or a key was cancelled): make sure the selector applies it. The
     * change is queued in the selector (under its update lock) before this reads
     * {@link #selecting}; whoever selects writes {@code selecting} before {@code select} takes
     * that lock to apply the queue. So either this sees {@code selecting} and wakes the select,
     * or that select applies the change before it blocks.
     */
    void interestChanged() {
        if (selecting) {
            selector.wakeup();
        }
    }

    // ------------------------------------------------------------------------------------
    // An idle carrier

    /**
     * Selects, if nobody else does, until readiness, a wake-up or {@code deadline}; see
     * {@link Dispatcher.IdlePoller#poll}. Also refuses a deadline less than a millisecond away,
     * which {@code epoll_wait} cannot time: the carrier parks until it instead.
     */
    @Override
    public boolean poll(boolean timed, long deadline) {
        long timeout = 0; // for ever
        if (timed) {
            timeout = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()); // early rather than late
            if (timeout <= 0) {
                return false;
            }
        }
        Thread me = Thread.currentThread();
        for (;;) {
            int o = owner;
            if (o == CARRIER) {
                return false;
            }
            if (o == KERNEL) {
                claimant = me;
                if (owner == KERNEL) { // else it handed over meanwhile, perhaps to an earlier claimant: try again
                    selector.wakeup();
                    return false;
                }
            } else if (OWNER.compareAndSet(this, FREE, CARRIER)) {
                break;
            }
        }
        if (claimant == me) { // handed over to another, or taken as it came free
            CLAIMANT.compareAndSet(this, me, null);
        }
        try {
            carrierPolls = carrierPolls + 1; // only the owner writes it
            unwanted = Registration.SPARE_ONCE;
            selecting = true;
            selector.select(dispatch, timeout);
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // the poller thread reports it, if it happens again there
        } finally {
            selecting = false;
            owner = FREE;
        }
    }

    @Override
    public void pollNow() {
        int o = owner;
        if (o != FREE) {
            if (o == KERNEL && !carrierAsks) {
                carrierAsks = true;
            }
            return;
        }
        if (!OWNER.compareAndSet(this, FREE, CARRIER)) {
            return;
        }
        try {
            carrierPolls = carrierPolls + 1;
            unwanted = Registration.KEEP;
            selector.selectNow(dispatch);
        } catch (IOException | RuntimeException e) {
            // the poller thread reports it, if it happens again there
        } finally {
            owner = FREE;
        }
    }

    @Override
    public void pollDeferred() {
        deferredPolls = deferredPolls + 1;
        if (owner == KERNEL && !carrierAsks && platformWaiters.get() == 0) {
            carrierAsks = true; // the thread took over in a stall that has ended
        }
    }

    /**
     * A platform thread starts ({@code +1}) or ends ({@code -1}) waiting on a channel; see
     * {@link #pollDeferred()}.
     */
    void platformWaiting(int delta) {
        platformWaiters.addAndGet(delta);
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public boolean watching() {
        try {
            return !selector.keys().isEmpty(); // a racy read of a size, for a heuristic that waits a second anyway
        } catch (RuntimeException e) {
            return true;
        }
    }

    // ------------------------------------------------------------------------------------
    // The poller thread

    private void run() {
        for (;;) {
            selectUntilClaimed();
            awaitStall();
        }
    }

    /** Owner: selects until a carrier asks for the selector, then hands it over. */
    private void selectUntilClaimed() {
        unwanted = Registration.UNWATCH;
        carrierAsks = false; // a busy carrier's ask from before this thread last took the selector
        while (claimant == null && !carrierAsks) {
            selecting = true;
            try {
                selector.select(dispatch);
            } catch (IOException | RuntimeException e) {
                selectFailed(e);
            } finally {
                selecting = false;
            }
        }
        owner = FREE;
        LockSupport.unpark((Thread) CLAIMANT.getAndSet(this, (Thread) null)); // none if a busy carrier asked
    }

    /**
     * Parks until {@link #watch()} gave the selector back to this thread; watches itself while no
     * monitor has for {@value #STALL_MILLIS} ms (while monitors watch, it wakes only
     * rarely, in case they stop).
     */
    private void awaitStall() {
        while (owner != KERNEL) {
            boolean watched = System.nanoTime() - watchedAt < STALL_NANOS;
            LockSupport.parkNanos(this, watched ? 10 * STALL_NANOS : STALL_NANOS);
            if (owner != KERNEL && System.nanoTime() - watchedAt >= STALL_NANOS) {
                watch();
            }
        }
    }

    /**
     * Gives the selector to the poller thread if it was free and nobody polled for
     * {@value #STALL_MILLIS} ms; see {@link Dispatcher.IdlePoller#watch()}. The owner
     * compare-and-set makes the hand-over safe whoever calls it; the lock only keeps the
     * callers' bookkeeping consistent, and a caller that finds it taken has nothing to add.
     */
    @Override
    public void watch() {
        if (!watchLock.tryLock()) {
            return;
        }
        try {
            long now = System.nanoTime();
            watchedAt = now;
            long polls = carrierPolls;
            long deferred = deferredPolls;
            boolean deferring = deferred != deferredSeen && platformWaiters.get() == 0;
            deferredSeen = deferred;
            if (polls != pollsSeen || deferring || owner != FREE) {
                pollsSeen = polls;
                pollsSeenAt = now;
            } else if (now - pollsSeenAt >= STALL_NANOS && OWNER.compareAndSet(this, FREE, KERNEL)) {
                pollsSeenAt = now;
                LockSupport.unpark(thread);
            }
        } finally {
            watchLock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------

    /** For each selected key: wake its waiters (see {@link Registration#ready}). */
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
        int n = r.ready(ready, unwanted, strands, 0);
        for (int i = 0; i < n; i++) {
            Strand s = strands[i];
            strands[i] = null;
            s.unpark();
        }
    }

    private static void selectFailed(Exception e) {
        System.err.println("greenthreads: the I/O poller's select failed; retrying in 10 ms");
        e.printStackTrace();
        LockSupport.parkNanos(10_000_000L);
    }
}
