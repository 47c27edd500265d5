package dev.greenthreads.samples;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads for code that compiles with {@code --release 17}: {@code Thread.ofVirtual()}
 * is reached through method handles, so the samples and the benchmarks build for JDK 17 and
 * run their virtual-thread variants on JDK 21 and later. On an older JDK every method but
 * {@link #available()} and {@link #unavailableReason()} throws
 * {@link UnsupportedOperationException} with that reason.
 */
public final class VirtualThreads {

    /** {@code Thread.ofVirtual()}, or null on a JDK without virtual threads. */
    private static final MethodHandle OF_VIRTUAL;
    private static final MethodHandle NAME, FACTORY;
    /** {@code Thread.startVirtualThread(Runnable)}, called exactly: benchmarks time it. */
    private static final MethodHandle START;

    static {
        MethodHandle ofVirtual = null, name = null, factory = null, start = null;
        try {
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            Class<?> virtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            ofVirtual = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(virtual));
            name = lookup.findVirtual(virtual, "name", MethodType.methodType(virtual, String.class, long.class));
            factory = lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class));
            start = lookup.findStatic(Thread.class, "startVirtualThread", MethodType.methodType(Thread.class, Runnable.class));
            ofVirtual.invoke(); // JDK 19-20 without --enable-preview throw here
        } catch (Throwable e) {
            ofVirtual = null;
        }
        OF_VIRTUAL = ofVirtual;
        NAME = name;
        FACTORY = factory;
        START = start;
    }

    private VirtualThreads() {
    }

    public static boolean available() {
        return OF_VIRTUAL != null;
    }

    /** Null when this JDK has virtual threads, else why not: "virtual threads need JDK 21+; this is JDK 17". */
    public static String unavailableReason() {
        return available() ? null
                : "virtual threads need JDK 21+; this is JDK " + Runtime.version().feature();
    }

    /**
     * {@code Thread.ofVirtual().name(prefix, 0).factory()}: threads named prefix0, prefix1, ...;
     * unnamed threads when {@code prefix} is null.
     */
    public static ThreadFactory factory(String prefix) {
        requireAvailable();
        try {
            Object builder = OF_VIRTUAL.invoke();
            if (prefix != null) {
                builder = NAME.invoke(builder, prefix, 0L);
            }
            return (ThreadFactory) FACTORY.invoke(builder);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("could not create a virtual thread factory", t);
        }
    }

    /** {@code Thread.startVirtualThread(task)}. */
    public static Thread start(Runnable task) {
        requireAvailable();
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
     * Returns what the body returned; rethrows what it threw, wrapped.
     */
    public static <V> V call(Callable<V> body) {
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
    public static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining " + t, e);
        }
    }

    private static void requireAvailable() {
        if (!available()) {
            throw new UnsupportedOperationException(unavailableReason());
        }
    }
}
