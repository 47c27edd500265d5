package dev.greenthreads.benchmarks;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Callable;

/**
 * Virtual threads through method handles, so that the benchmarks compile for Java 17 and run
 * their virtual-thread variants on JDK 21 and later. On an older JDK those variants fail at
 * their first call with {@link #UNAVAILABLE}; the {@link Suite} leaves them out there.
 */
final class VirtualThreads {

    static final String UNAVAILABLE = "virtual threads need JDK 21 or later; this is JDK "
            + Runtime.version().feature() + ": the virtual-thread variants are skipped";

    private static final MethodHandle START = find();

    private VirtualThreads() {
    }

    static boolean available() {
        return START != null;
    }

    /** {@code Thread.startVirtualThread(task)}. */
    static Thread start(Runnable task) {
        if (START == null) {
            throw new IllegalStateException(UNAVAILABLE);
        }
        try {
            return (Thread) START.invokeExact(task);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Runs {@code body} in a new virtual thread and waits for it: the virtual counterpart of
     * {@code Scheduler.run}, so that a benchmark's driver runs in the kind of thread it measures.
     * Returns what the body returned; rethrows what it threw.
     */
    static <V> V call(Callable<V> body) {
        Object[] outcome = new Object[2];
        join(start(() -> {
            try {
                outcome[0] = body.call();
            } catch (Throwable t) {
                outcome[1] = t;
            }
        }));
        if (outcome[1] != null) {
            throw new IllegalStateException("the virtual thread failed: " + outcome[1], (Throwable) outcome[1]);
        }
        @SuppressWarnings("unchecked")
        V value = (V) outcome[0];
        return value;
    }

    /** {@link Thread#join()} for code that cannot throw {@link InterruptedException}; nobody interrupts here. */
    static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining " + t, e);
        }
    }

    private static MethodHandle find() {
        try {
            return MethodHandles.publicLookup().findStatic(Thread.class, "startVirtualThread",
                    MethodType.methodType(Thread.class, Runnable.class));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
