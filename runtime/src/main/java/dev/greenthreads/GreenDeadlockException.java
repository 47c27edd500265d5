package dev.greenthreads;

/**
 * Thrown by a {@code Mutex.lock}, a {@code RwLock} write lock or a {@link GreenThread#join()}
 * that would close a cycle of threads each waiting for the next: the thread that would close it
 * is refused, as a database aborts one transaction of a deadlock, so that it can release what it
 * holds and let the others go on. Green and platform threads alike take part. A relock of a
 * non-recursive mutex by its owner, and a thread joining itself, are cycles of one.
 *
 * <p>The message's first line says what and where: {@code deadlock: green thread "a" waits for
 * mutex Mutex@1a2b held by "b", which waits for mutex Mutex@3c4d held by "a"}; each following
 * line names a thread of the cycle and the site it waits at ({@code class.method:line}).
 *
 * <p>A scheduler's uncaught-exception handler also receives one, without a stack trace, for a
 * green thread that ended while it held a mutex, when a thread first waits for that mutex:
 * nobody can ever unlock it again. Its message is one line naming the thread and the mutex.
 *
 * <p>What is and is not detected is described in {@code dev.greenthreads.sync}.
 */
public final class GreenDeadlockException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public GreenDeadlockException(String message) {
        super(message);
    }
}
