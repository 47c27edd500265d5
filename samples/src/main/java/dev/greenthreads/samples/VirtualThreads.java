package dev.greenthreads.samples;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads for samples that compile with {@code --release 17}: {@code Thread.ofVirtual()}
 * is reached through method handles, and is absent (null) on a JDK without it.
 */
public final class VirtualThreads {

    private VirtualThreads() {}

    /** Null when this JDK has virtual threads, else why not, e.g. "virtual threads need JDK 21+; this is JDK 17". */
    public static String unavailableReason() {
        return factory(null) == null
                ? "virtual threads need JDK 21+; this is JDK " + Runtime.version().feature()
                : null;
    }

    /**
     * {@code Thread.ofVirtual().name(prefix, 0).factory()} (unnamed threads when {@code prefix}
     * is null), or null on a JDK without virtual threads.
     */
    public static ThreadFactory factory(String prefix) {
        try {
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Object virtualBuilder = lookup
                    .findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtual))
                    .invoke();
            if (prefix != null) {
                virtualBuilder = lookup
                        .findVirtual(ofVirtual, "name", MethodType.methodType(ofVirtual, String.class, long.class))
                        .invoke(virtualBuilder, prefix, 0L);
            }
            return (ThreadFactory) lookup
                    .findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class))
                    .invoke(virtualBuilder);
        } catch (ClassNotFoundException | NoSuchMethodException | UnsupportedOperationException e) {
            return null; // JDK 17-18, or 19-20 without --enable-preview
        } catch (Throwable t) {
            throw new IllegalStateException("could not create a virtual thread factory", t);
        }
    }
}
