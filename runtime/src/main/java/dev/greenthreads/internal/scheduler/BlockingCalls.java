package dev.greenthreads.internal.scheduler;

import dev.greenthreads.Suspendable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The exit for blocking work ({@code GreenThread.runBlocking}): a call that would block its
 * carrier (JDBC, file I/O, a library that blocks) runs on a bounded pool of platform threads
 * while only the calling green thread parks (Quasar's {@code FiberAsync.runBlocking}, Tokio's
 * {@code spawn_blocking}).
 *
 * <p>The pool has at most {@value #DEFAULT_THREADS} threads (system property
 * {@value #THREADS_PROPERTY}); calls beyond that wait in its queue, parked green threads all.
 * Its threads are daemons and end after 30 s without work.
 *
 * <p>A call moves NEW → RUNNING → DONE, or NEW → ABANDONED when its green thread is cancelled
 * before a pool thread took it. Cancelling the green thread while the call runs interrupts the
 * pool thread and waits for the call to end, so that nothing the call does happens after
 * {@code runBlocking} returned; then the green thread's cancellation point throws.
 */
public final class BlockingCalls {

    static final String THREADS_PROPERTY = "greenthreads.blockingThreads";
    static final int DEFAULT_THREADS = 64;

    private static final ThreadPoolExecutor POOL = pool();

    private BlockingCalls() {
    }

    /**
     * Runs {@code call} on the pool and parks the current green thread until it ends; on a
     * platform thread, calls it directly. Returns what it returned and throws what it threw.
     */
    @Suspendable
    public static <V> V run(Callable<V> call) throws Exception {
        Strand me = Strand.current();
        if (!me.isGreen()) {
            return call.call();
        }
        Call<V> task = new Call<>(call, me);
        POOL.execute(task);
        while (task.state != Call.DONE) {
            Strand.park();
            if (task.state != Call.DONE && Strand.cancelRequested() && task.abandonOrInterrupt()) {
                break; // never started: nothing to wait for
            }
        }
        Strand.testCancel();
        Throwable failure = task.failure;
        if (failure instanceof Error) {
            throw (Error) failure;
        }
        if (failure != null) {
            throw (Exception) failure; // Callable.call throws only Exceptions and Errors
        }
        return task.value;
    }

    /** A call and its outcome; the state is written by the pool thread, and once by the caller. */
    private static final class Call<V> implements Runnable {
        static final int NEW = 0, RUNNING = 1, DONE = 2, ABANDONED = 3;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Call.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Callable<V> call;
        private final Strand caller;
        volatile int state;
        private volatile Thread runner;
        V value;
        Throwable failure;

        Call(Callable<V> call, Strand caller) {
            this.call = call;
            this.caller = caller;
        }

        @Override
        public void run() {
            if (!STATE.compareAndSet(this, NEW, RUNNING)) {
                return; // abandoned
            }
            runner = Thread.currentThread();
            try {
                value = call.call();
            } catch (Throwable t) {
                failure = t;
            } finally {
                runner = null;
                Thread.interrupted(); // an interrupt meant for this call stays with it
                state = DONE;         // publishes value and failure
                caller.unpark();
            }
        }

        /**
         * The caller was cancelled: true if the call never started (and now never will);
         * otherwise interrupts the pool thread running it, and the caller waits for DONE.
         */
        boolean abandonOrInterrupt() {
            if (STATE.compareAndSet(this, NEW, ABANDONED)) {
                return true;
            }
            Thread t = runner;
            if (t != null && state == RUNNING) {
                t.interrupt();
            }
            return false;
        }
    }

    /** Whether a blocking call is running or queued: a wake-up for some green thread may still come. */
    static boolean busy() {
        return POOL.getActiveCount() > 0 || !POOL.getQueue().isEmpty();
    }

    private static ThreadPoolExecutor pool() {
        int threads = DEFAULT_THREADS;
        String value = System.getProperty(THREADS_PROPERTY);
        if (value != null) {
            try {
                threads = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                threads = -1;
            }
            if (threads < 1) {
                throw new IllegalArgumentException("-D" + THREADS_PROPERTY + "=" + value
                        + " is not a positive number of threads; leave it out for the default, " + DEFAULT_THREADS);
            }
        }
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), body -> {
                    Thread t = new Thread(null, body, "greenthreads-blocking-" + count.incrementAndGet(), 0, false); // inherits no values of the green thread that happened to start it
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
