package dev.greenthreads;

/**
 * The body of a green thread that returns a value, which {@link GreenThread#join()} hands to
 * its caller (as {@code pthread_join} hands over the {@code void *} a start routine returns).
 * Its implementations, lambdas and method references included, are suspendable without being
 * marked {@link Suspendable}.
 *
 * @param <V> the type of the value
 */
@FunctionalInterface
public interface SuspendableCallable<V> {

    V call() throws Exception;
}
