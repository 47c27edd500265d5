package dev.greenthreads;

/**
 * The body of a green thread that returns no value: the {@code start_routine} of
 * {@code pthread_create}. Its implementations, lambdas and method references included, are
 * suspendable without being marked {@link Suspendable}.
 */
@FunctionalInterface
public interface SuspendableRunnable {

    void run() throws Exception;
}
