package dev.greenthreads.benchmarks;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Virtual threads through method handles, so that the benchmarks compile for Java 17 and run
 * their virtual-thread variants on JDK 21 and later. On an older JDK those variants fail at
 * setup with {@link #UNAVAILABLE}, and the suite's runner leaves them out.
 */
final class VirtualThreads {

    static final String UNAVAILABLE = "virtual threads need JDK 21 or later; this is JDK "
            + Runtime.version().feature() + ": the virtual-thread variant is skipped";

    private static final MethodHandle START = find();

    private VirtualThreads() {
    }

    static boolean available() {
        return START != null;
    }

    /** Starts {@code task} in a new virtual thread. */
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

    private static MethodHandle find() {
        try {
            return MethodHandles.publicLookup().findStatic(Thread.class, "startVirtualThread",
                    MethodType.methodType(Thread.class, Runnable.class));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
