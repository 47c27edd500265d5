package dev.greenthreads;

/**
 * Thrown by {@link GreenThread#join()} (and {@link Scheduler#run}) when the joined green thread's
 * body ended by throwing. {@link #getCause()} is the throwable the body threw; this exception's
 * own stack trace is the joiner's.
 */
public final class GreenThreadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public GreenThreadException(String message, Throwable cause) {
        super(message, cause);
    }
}
