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
     * carrier, or in the thread that detached it after it ended. If this throws, the dispatcher
     * reports that through {@link #internalError}.
     */
    void uncaught(GreenStrand thread, Throwable error);

    /** The runtime failed where {@code what} says, with {@code error}; it goes on. */
    void internalError(String what, Throwable error);

    /** Prints an internal error to standard error: what {@link #internalError} does unless there is better. */
    static void print(String what, Throwable error) {
        System.err.println("greenthreads: " + what + ":");
        error.printStackTrace();
    }
}
