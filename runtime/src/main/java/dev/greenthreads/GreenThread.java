package dev.greenthreads;

import dev.greenthreads.internal.scheduler.Interleavings;
import dev.greenthreads.internal.scheduler.BlockingCalls;
import dev.greenthreads.internal.scheduler.ExitSignal;
import dev.greenthreads.internal.scheduler.GreenStrand;
import dev.greenthreads.internal.scheduler.StackTraces;
import dev.greenthreads.internal.scheduler.Strand;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A user-level thread, scheduled by a {@link Scheduler} onto its carrier kernel threads. A
 * green thread that waits (join, sleep, a {@code sync} primitive, green I/O) parks without
 * holding its carrier, which runs other green threads meanwhile.
 *
 * <table>
 *   <caption>pthreads equivalents</caption>
 *   <tr><th>pthreads</th><th>here</th></tr>
 *   <tr><td>{@code pthread_create}</td><td>{@link #start(SuspendableRunnable)},
 *       {@link #start(SuspendableCallable)}, {@link #builder()}</td></tr>
 *   <tr><td>{@code pthread_join}</td><td>{@link #join()}, {@link #join(Duration)}</td></tr>
 *   <tr><td>{@code pthread_detach}</td><td>{@link #detach()}</td></tr>
 *   <tr><td>{@code pthread_self}</td><td>{@link #current()}</td></tr>
 *   <tr><td>{@code pthread_exit}</td><td>{@link #exit(Object)}</td></tr>
 *   <tr><td>{@code pthread_cancel}, {@code pthread_testcancel}</td><td>{@link #cancel()},
 *       {@link #testCancel()}</td></tr>
 *   <tr><td>{@code sched_yield}</td><td>{@link #yield()}</td></tr>
 *   <tr><td>{@code nanosleep}</td><td>{@link #sleep(Duration)}, {@link #sleep(long)}</td></tr>
 *   <tr><td>{@code pthread_key_*}</td><td>{@link GreenLocal}</td></tr>
 * </table>
 *
 * <h2>Cancellation</h2>
 *
 * {@link #cancel()} is deferred, as {@code PTHREAD_CANCEL_DEFERRED}: it sets a request that the
 * target acts on at its next cancellation point ({@link #join}, {@link #sleep}, {@link #yield},
 * {@link #testCancel}, {@code Cond.await}, {@code Barrier.await}, {@code Semaphore.acquire},
 * the blocking calls of the {@code io} package) by throwing {@link GreenCancelledException}, so
 * its {@code finally} blocks run like cleanup handlers. A target parked at a cancellation point
 * is woken at once. {@code Mutex.lock} is not a cancellation point. See
 * {@link GreenCancelledException} for why cancellation acts only once.
 *
 * <h2>Called from a platform thread</h2>
 *
 * The static methods work outside green threads too: {@link #yield()} is
 * {@link Thread#yield()}, {@link #sleep} blocks the thread, {@link #join} blocks it until the
 * green thread ends, {@link #current()} returns null and {@link #exit} is refused. On a platform
 * thread an interrupt is the cancellation request: the cancellation points throw
 * {@link GreenCancelledException} when the thread is interrupted, and leave it interrupted.
 *
 * <h2>The JDK's per-thread state</h2>
 *
 * {@link Thread#currentThread()} in a green thread is its carrier, the kernel thread running it
 * now. {@code ThreadLocal} and {@code InheritableThreadLocal} values and the interrupt status
 * are the green thread's own nevertheless: a green thread starts with a copy of its creator's
 * inheritable values, and whatever it sets follows it from carrier to carrier. In rewritten code
 * {@code LockSupport.park} parks only the green thread, and {@link #unpark()} wakes it. Creating a
 * green thread fails with {@link IllegalStateException} if the runtime cannot reach the
 * {@code Thread} fields that hold thread-locals (no agent and no
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED}). The README's "JDK calls in green
 * threads" has the whole list.
 *
 * <h2>Suspendable code</h2>
 *
 * Every method between the body and a call that parks must be {@link Suspendable} (the body of
 * a {@link SuspendableRunnable} or {@link SuspendableCallable} is). The agent rewrites those
 * methods; the README's "How a suspension works" and the package documentation of
 * {@code dev.greenthreads.internal.continuation} say how.
 *
 * @param <V> the type of the value the body returns ({@code Void} for a runnable)
 */
public final class GreenThread<V> {

    /** What a green thread is doing, as {@link #state()} reports it. */
    public enum State {
        /** Created with {@link Builder#unstarted} and not started yet. */
        NEW,
        /** Started and waiting for a carrier, or yielded. */
        READY,
        /** Running on a carrier. */
        RUNNING,
        /** Parked: joining, sleeping, waiting on a {@code sync} primitive or green I/O. */
        BLOCKED,
        /** Its body returned, threw, or it exited or was cancelled. */
        TERMINATED
    }

    private static final AtomicLong IDS = new AtomicLong();

    private final GreenStrand strand;

    private GreenThread(Scheduler scheduler, Object body, boolean returnsValue, String name, boolean detached) {
        this.strand = new GreenStrand(this, IDS.incrementAndGet(), name, scheduler.dispatcher(), body, returnsValue,
                detached);
    }

    /** The public face of {@code strand}, a green thread's strand. */
    static GreenThread<?> of(GreenStrand strand) {
        return (GreenThread<?>) strand.handle();
    }

    // ------------------------------------------------------------------------------------
    // Creation

    /**
     * Starts a joinable green thread running {@code body} ({@code pthread_create}), on the
     * scheduler of the calling green thread, or on {@link Scheduler#defaultScheduler()} when
     * called from a platform thread.
     *
     * @throws IllegalStateException if that scheduler is closed
     */
    public static GreenThread<Void> start(SuspendableRunnable body) {
        return builder().start(body);
    }

    /** Like {@link #start(SuspendableRunnable)}; {@link #join()} returns what {@code body} returns. */
    public static <V> GreenThread<V> start(SuspendableCallable<V> body) {
        return builder().start(body);
    }

    /** A builder for a named, detached, or differently scheduled green thread ({@code pthread_attr_t}). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates and starts green threads. Unset attributes: name {@code "green-<id>"}, joinable,
     * the scheduler of the calling green thread or else the default scheduler. A builder may
     * start any number of threads.
     */
    public static final class Builder {

        private String name;
        private boolean detached;
        private Scheduler scheduler;

        private Builder() {
        }

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Whether the thread starts detached ({@code PTHREAD_CREATE_DETACHED}): see {@link GreenThread#detach()}. */
        public Builder detached(boolean detached) {
            this.detached = detached;
            return this;
        }

        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        public GreenThread<Void> start(SuspendableRunnable body) {
            GreenThread<Void> t = unstarted(body);
            t.start();
            return t;
        }

        public <V> GreenThread<V> start(SuspendableCallable<V> body) {
            GreenThread<V> t = unstarted(body);
            t.start();
            return t;
        }

        /** Creates the thread in state {@link State#NEW}; {@link GreenThread#start()} starts it. */
        public GreenThread<Void> unstarted(SuspendableRunnable body) {
            Objects.requireNonNull(body, "body");
            return new GreenThread<>(schedulerToUse(), body, false, name, detached);
        }

        /** Creates the thread in state {@link State#NEW}; {@link GreenThread#start()} starts it. */
        public <V> GreenThread<V> unstarted(SuspendableCallable<V> body) {
            Objects.requireNonNull(body, "body");
            return new GreenThread<>(schedulerToUse(), body, true, name, detached);
        }

        private Scheduler schedulerToUse() {
            if (scheduler != null) {
                return scheduler;
            }
            GreenStrand me = GreenStrand.current();
            return me != null ? of(me).scheduler() : Scheduler.defaultScheduler();
        }
    }

    /**
     * Starts a thread made by {@link Builder#unstarted}.
     *
     * @throws IllegalStateException if it was started already, or its scheduler is closed
     */
    public void start() {
        strand.start();
    }

    // ------------------------------------------------------------------------------------
    // Joining and detaching

    /**
     * Waits until this thread ends and returns its body's value, or the value it passed to
     * {@link #exit(Object)} ({@code pthread_join}). From a green thread it parks only that green
     * thread; from a platform thread it blocks the thread. A thread may be joined any number of
     * times, by any number of threads, and each gets the same outcome.
     *
     * <p>A cancellation point of the caller: if the caller is cancelled while it waits (or a
     * platform caller interrupted), this throws {@link GreenCancelledException} and the joined
     * thread goes on.
     *
     * @return the value; null for a {@link SuspendableRunnable} body
     * @throws GreenThreadException if the body threw; its cause is what the body threw
     * @throws CancellationException if this thread ended by cancellation
     * @throws IllegalStateException if this thread is detached
     * @throws GreenDeadlockException if this thread is the caller itself ({@code EDEADLK}), or
     *         waits, through the locks and joins of other threads, for the caller: waiting would
     *         close a cycle of threads each waiting for the next. Only this untimed join checks.
     * @throws GreenCancelledException if the caller was cancelled while waiting
     */
    @Suspendable
    public V join() {
        checkJoinable();
        strand.awaitTermination(false, 0L);
        return outcome();
    }

    /**
     * Like {@link #join()}, waiting at most {@code timeout} ({@code pthread_timedjoin_np}). The
     * timeout is measured by the caller's clock: the virtual clock of a deterministic
     * scheduler in its green threads, real time elsewhere. A zero or negative timeout polls.
     *
     * @throws TimeoutException if the thread has not ended when the timeout elapses; it goes on
     */
    @Suspendable
    public V join(Duration timeout) throws TimeoutException {
        long nanos = saturatedNanos(timeout);
        checkJoinable();
        if (!strand.awaitTermination(true, Strand.deadlineAfter(Strand.nanoTime(), nanos))) {
            throw new TimeoutException("green thread \"" + name() + "\" did not end within " + timeout);
        }
        return outcome();
    }

    private void checkJoinable() {
        if (strand.isDetached()) {
            throw new IllegalStateException("green thread \"" + name() + "\" is detached: it cannot be joined (EINVAL)");
        }
        if (strand == GreenStrand.current()) {
            throw new GreenDeadlockException("deadlock: green thread \"" + name()
                    + "\" cannot join itself: it would wait for ever (EDEADLK)");
        }
    }

    @SuppressWarnings("unchecked")
    private V outcome() {
        Object result = strand.result();
        if (strand.endedNormally()) {
            return (V) result;
        }
        Throwable cause = (Throwable) result;
        if (strand.endedCancelled()) {
            CancellationException e = new CancellationException("green thread \"" + name() + "\" was cancelled");
            e.initCause(cause);
            throw e;
        }
        throw new GreenThreadException("green thread \"" + name() + "\" failed: " + cause, cause);
    }

    /**
     * Detaches this thread ({@code pthread_detach}): it can no longer be joined, and an exception
     * escaping its body goes to its scheduler's uncaught-exception handler instead of being kept
     * for a joiner. If it already ended by an exception, the handler gets that exception now.
     * Nothing of a detached thread stays reachable from the runtime once it ends. Detaching
     * twice is harmless; joins already waiting still return.
     */
    public void detach() {
        strand.detach();
    }

    public boolean isDetached() {
        return strand.isDetached();
    }

    // ------------------------------------------------------------------------------------
    // Self

    /** The running green thread ({@code pthread_self}), or null on a platform thread. */
    public static GreenThread<?> current() {
        GreenStrand me = GreenStrand.current();
        return me == null ? null : of(me);
    }

    /**
     * Ends the calling green thread ({@code pthread_exit}): its {@code finally} blocks run, and
     * {@link #join()} returns {@code value}. It unwinds by throwing an {@link Error} that the
     * runtime recognises: a {@code catch (Throwable t)} on the way must rethrow it.
     *
     * @throws IllegalStateException on a platform thread
     */
    public static void exit(Object value) {
        if (GreenStrand.current() == null) {
            throw new IllegalStateException("GreenThread.exit called on platform thread \""
                    + Thread.currentThread().getName() + "\": only a green thread can exit this way");
        }
        throw new ExitSignal(value);
    }

    /**
     * Requests cancellation of this thread ({@code pthread_cancel}): it throws
     * {@link GreenCancelledException} at its next cancellation point, at once if it is parked at
     * one. No effect on a thread that has ended; a thread that ends without reaching a
     * cancellation point ends normally.
     */
    public void cancel() {
        strand.cancel();
    }

    /**
     * Makes this thread's park permit available ({@code LockSupport.unpark} for a green thread):
     * if it is parked in {@code LockSupport.park}, {@code parkNanos} or {@code parkUntil} called
     * from rewritten code, it returns; otherwise its next such park returns at once. At most one
     * permit is kept. {@code LockSupport.unpark(Thread)} cannot do this: no {@code Thread} names a
     * green thread ({@code Thread.currentThread()} in one is its carrier, which changes). Callable
     * from any thread; no effect on a thread that has ended.
     */
    public void unpark() {
        strand.unpark();
    }

    /**
     * A cancellation point ({@code pthread_testcancel}): throws {@link GreenCancelledException}
     * if the calling green thread was cancelled (on a platform thread: if it is interrupted).
     */
    public static void testCancel() {
        Strand.testCancel();
    }

    /**
     * Lets the other ready green threads of this carrier run, then continues ({@code sched_yield}).
     * A cancellation point. On a platform thread, {@link Thread#yield()}.
     */
    @Suspendable
    public static void yield() {
        GreenStrand me = GreenStrand.current();
        if (me == null) {
            Strand.testCancel();
            Thread.yield();
            return;
        }
        Interleavings.note("yield", null);
        me.checkCancel();
        me.yieldNow();
    }

    /**
     * Parks the calling green thread for {@code duration} ({@code nanosleep}); its carrier runs
     * others meanwhile. A cancellation point, before and during the sleep. Under a deterministic
     * scheduler the duration is measured by its virtual clock. A zero or negative duration does
     * not sleep. On a platform thread it blocks the thread.
     */
    @Suspendable
    public static void sleep(Duration duration) {
        Strand.sleepNanos(saturatedNanos(duration));
    }

    /**
     * Runs a blocking call (JDBC, file I/O, a library that blocks its thread) on a bounded pool
     * of platform threads and parks only the calling green thread until it ends, so that the
     * carrier goes on with other green threads; on a platform thread it simply calls it. Returns
     * what {@code call} returned and throws what it threw. A cancellation point: cancelling the
     * green thread interrupts the call, waits for it to end, then throws
     * {@link GreenCancelledException}. The pool has 64 threads (system property
     * {@code greenthreads.blockingThreads}); further calls wait for one.
     */
    @Suspendable
    public static <V> V runBlocking(Callable<V> call) throws Exception {
        return BlockingCalls.run(call);
    }

    /**
     * {@link #sleep(Duration)} in milliseconds.
     *
     * @throws IllegalArgumentException if {@code millis} is negative
     */
    @Suspendable
    public static void sleep(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("sleep time is negative: " + millis + " ms");
        }
        Strand.sleepNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    private static long saturatedNanos(Duration d) {
        Objects.requireNonNull(d, "duration");
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    // ------------------------------------------------------------------------------------
    // Identity

    /** The name given to the builder, or {@code "green-<id>"}. */
    public String name() {
        return strand.name();
    }

    /** A number unique among the green threads of this JVM, from 1 in order of creation. */
    public long id() {
        return strand.id();
    }

    /** What it is doing now; a snapshot that may be stale as soon as it is returned. */
    public State state() {
        switch (strand.runState()) {
            case GreenStrand.NEW:
                return State.NEW;
            case GreenStrand.READY:
            case GreenStrand.YIELDING:
                return State.READY;
            case GreenStrand.RUNNING:
                return State.RUNNING;
            case GreenStrand.PARKING:
            case GreenStrand.PARKED:
                return State.BLOCKED;
            default:
                return State.TERMINATED;
        }
    }

    /**
     * Its stack, innermost frame first, as {@link Thread#getStackTrace()} would show it: while it
     * runs, the live stack of its carrier thread from the body up; while it is parked (or ready
     * after a yield), the stack rebuilt from its saved frames, each with its class, method, file
     * and the line it waits at, the place it parked on top: the primitive it called
     * ({@code Cond.await}, {@code Mutex.lock}, {@link #join()}, {@code GreenSocket.read}), the
     * runtime's frames below that left out. Empty before it starts and after it ends. A
     * snapshot: the thread goes on meanwhile (a running thread's stack is one it had at some
     * instant of the call). Parking records nothing for it: each saved frame already holds
     * the place of its call.
     */
    public StackTraceElement[] stackTrace() {
        return StackTraces.of(strand);
    }

    /** The scheduler it runs on. */
    public Scheduler scheduler() {
        return (Scheduler) strand.schedulerHandle();
    }

    @Override
    public String toString() {
        return "GreenThread[#" + id() + "," + name() + "," + state() + "]";
    }
}
