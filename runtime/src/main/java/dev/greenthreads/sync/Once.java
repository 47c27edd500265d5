package dev.greenthreads.sync;

import dev.greenthreads.Suspendable;
import dev.greenthreads.SuspendableRunnable;
import dev.greenthreads.internal.scheduler.Interleavings;
import dev.greenthreads.internal.scheduler.Strand;
import java.util.Objects;
import java.util.concurrent.CompletionException;

/**
 * One-time initialisation ({@code pthread_once_t}): of all the calls of {@link #run}, exactly one
 * body runs to completion; the calls made while it runs wait until it has finished, and the
 * calls after it return at once. Green and platform threads may call it in any mix.
 *
 * <table>
 *   <caption>pthreads equivalents</caption>
 *   <tr><th>pthreads</th><th>here</th></tr>
 *   <tr><td>{@code PTHREAD_ONCE_INIT}</td><td>{@link #Once() new Once()}</td></tr>
 *   <tr><td>{@code pthread_once(&once, init)}</td><td>{@link #run(SuspendableRunnable) once.run(init)}</td></tr>
 * </table>
 *
 * <h2>When the body throws</h2>
 * POSIX says that if the init routine is cancelled, "the effect on once_control shall be as if
 * pthread_once() was never called"; an exception is the Java form of a routine that did not
 * complete, so every throw is treated that way: the exception goes to the caller whose body
 * threw (a {@link RuntimeException} or {@link Error} as it is, a checked exception wrapped in a
 * {@link CompletionException}), the {@code Once} is not done, and the next call, or one of the
 * calls waiting meanwhile, runs its own body. (Go's {@code sync.Once} instead counts a panicking
 * body as done; Rust's {@code Once} poisons itself. Both leave the protected state uninitialised
 * for good, which POSIX does not.)
 *
 * <h2>Waiting and cancellation</h2>
 * Waiting for another thread's body is not a cancellation point (nor is {@code pthread_once});
 * the body itself may contain cancellation points, and a cancellation that ends it is a throw
 * like any other. A platform thread interrupted while it waits goes on waiting and returns with
 * its interrupt status set. The waiters are released together when the body completes.
 *
 * <h2>Misuse</h2>
 * Calling {@link #run} on the same {@code Once} from inside its running body would wait for
 * ever (POSIX: deadlock); it throws {@link IllegalStateException} instead.
 */
public final class Once {

    private static final int NOT_RUN = 0, RUNNING = 1, DONE = 2;

    /** Written under the queue's lock; read without it on the fast path. */
    private volatile int state;
    /** The thread running the body, while RUNNING; guarded by the queue's lock. */
    private Strand runner;
    private final WaitQueue queue = new WaitQueue();

    public Once() {
    }

    /**
     * Runs {@code body} if no body of this {@code Once} has completed yet and none is running;
     * if one is running, waits until it ends, and runs {@code body} itself if that one threw.
     *
     * @throws RuntimeException or {@link Error} as thrown by {@code body}; a checked exception
     *         of {@code body} wrapped in {@link CompletionException}. The {@code Once} is then
     *         still not done.
     * @throws IllegalStateException if called from inside the body that this {@code Once} is running
     */
    @Suspendable
    public void run(SuspendableRunnable body) {
        Objects.requireNonNull(body, "body");
        Interleavings.switchPoint("run", this);
        if (state == DONE) {
            return;
        }
        Strand me = Strand.current();
        for (;;) {
            Strand w;
            queue.lock();
            try {
                if (state == DONE) {
                    return;
                }
                if (state == NOT_RUN) {
                    state = RUNNING;
                    runner = me;
                    break;
                }
                if (runner == me) {
                    throw new IllegalStateException(WaitQueue.describe(me) + " called Once.run from inside the body that "
                            + "this Once is running: it would wait for ever for itself (POSIX: deadlock)");
                }
                w = WaitQueue.waiter(me);
                queue.addLast(w);
            } finally {
                queue.unlock();
            }
            WaitQueue.await(w, false, false, 0L);
        }
        boolean completed = false;
        try {
            body.run();
            completed = true;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new CompletionException("the body of Once.run threw " + e + "; the Once is not done", e);
        } finally {
            finish(completed);
        }
    }

    /** Whether a body has completed. */
    public boolean isDone() {
        return state == DONE;
    }

    @Override
    public String toString() {
        int s = state;
        return "Once[" + (s == DONE ? "done" : s == RUNNING ? "running" : "not run") + "]";
    }

    /** Threads waiting for the running body (a snapshot); for tests. */
    int queueLength() {
        return queue.lockedSize();
    }

    /** DONE, or back to NOT_RUN if the body threw; either way the waiters wake and look again. */
    private void finish(boolean completed) {
        Strand waiters;
        queue.lock();
        try {
            runner = null;
            state = completed ? DONE : NOT_RUN;
            waiters = queue.grantAll();
        } finally {
            queue.unlock();
        }
        WaitQueue.unparkAll(waiters);
    }
}
