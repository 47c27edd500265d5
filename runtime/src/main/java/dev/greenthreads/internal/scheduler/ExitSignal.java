package dev.greenthreads.internal.scheduler;

/**
 * Thrown by {@code GreenThread.exit(value)} to unwind the calling green thread through its
 * {@code finally} blocks; the runner recognises it and ends the thread with {@code value} as its
 * result, as if the body had returned it. An {@link Error} for the same reason as
 * {@code ThreadDeath}: ordinary {@code catch (Exception e)} clauses must not stop it. No stack
 * trace is filled in.
 */
public final class ExitSignal extends Error {

    private static final long serialVersionUID = 1L;

    private final transient Object value;

    public ExitSignal(Object value) {
        super("GreenThread.exit is unwinding this green thread; a catch of Throwable or Error must rethrow it",
                null, false, false);
        this.value = value;
    }

    Object value() {
        return value;
    }
}
