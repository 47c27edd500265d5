package dev.greenthreads;

/**
 * Thrown at a cancellation point of a green thread that was {@linkplain GreenThread#cancel()
 * cancelled}: the equivalent of {@code pthread_cancel} acting on its target. Unchecked, so it
 * unwinds the thread through its {@code finally} blocks, which play the part of pthread cleanup
 * handlers. When it escapes the body, {@link GreenThread#join()} throws
 * {@link java.util.concurrent.CancellationException}.
 *
 * <p>Cancellation acts once: the cancellation point that throws this exception clears the
 * request, so the {@code finally} blocks it runs may themselves join, sleep or wait (pthreads
 * likewise disables cancellation while a cancelled thread runs its cleanup handlers). A body that
 * catches this exception and goes on is no longer cancelled.
 *
 * <p>On a platform thread, an {@linkplain Thread#interrupt() interrupt} plays the part of the
 * cancellation request: the cancellation points throw this exception when the thread is
 * interrupted, and leave its interrupt status set.
 */
public final class GreenCancelledException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public GreenCancelledException(String message) {
        super(message);
    }
}
