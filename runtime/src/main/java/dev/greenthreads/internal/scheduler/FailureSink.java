package dev.greenthreads.internal.scheduler;

/**
 * Where a dispatcher reports failures that have no caller to be thrown to: a detached green
 * thread that ended by an exception, and the runtime's own errors on a carrier. The public
 * {@code Scheduler} adapts its uncaught-exception handler to it; nothing here knows that
 * handler's types.
 */
public interface FailureSink {

    /**
     * {@code thread}, detached, ended by {@code error}. Called once per such thread, on its
     * carrier, or in the thread that detached it after it ended. Also called once for a thread
     * (detached or not) that ended holding a mutex, in the first thread to wait for that mutex
     * after, with a {@code GreenDeadlockException} that says so in one line. If this throws, the dispatcher
     * reports that through {@link #internalError}.
     */
    void uncaught(GreenStrand thread, Throwable error);

    /**
     * Every green thread of the scheduler has been blocked for a while with nothing in the
     * scheduler that could wake one; {@code report}'s message says what each waits for.
     * {@code thread} is one of them. Called once per hang, on the scheduler's monitor thread.
     */
    void hung(GreenStrand thread, Throwable report);

    /** The runtime failed where {@code what} says, with {@code error}; it goes on. */
    void internalError(String what, Throwable error);

    /** Prints an internal error to standard error: what {@link #internalError} does unless there is better. */
    static void print(String what, Throwable error) {
        System.err.println("greenthreads: " + what + ":");
        error.printStackTrace();
    }
}
