package dev.greenthreads.internal.scheduler;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;

/**
 * Gives each green thread its own {@code ThreadLocal} and {@code InheritableThreadLocal}
 * values, as Quasar did: a {@code ThreadLocal} keeps its values in a map held by a field of the
 * {@link Thread} that calls it ({@code threadLocals}, {@code inheritableThreadLocals}), and in a
 * green thread that {@code Thread} is the carrier. So for the length of a slice the carrier's
 * two fields hold the green thread's maps, and the carrier's own wait in the carrier
 * ({@link #mount}, {@link #unmount}). A green thread's maps are null until it first sets a
 * value, like a {@code Thread}'s, and a new green thread starts with a copy of its creator's
 * inheritable map ({@link #inherited}), each value passed through
 * {@code InheritableThreadLocal.childValue} by the JDK's own copy.
 *
 * <p>A switch between threads that never touched a thread-local reads four fields and writes
 * none: the maps are swapped only when one side has one ({@code YieldBenchmark.green} and
 * {@code MutexCondPingPongBenchmark.green} show no difference). Code that is not rewritten sees the
 * same maps (they follow the {@code Thread}, not the code), so a library's per-thread state,
 * the JDK's included, is per green thread too; green sockets keep NIO's buffer cache on the
 * carrier ({@link #beforeCarrierCall}). Once a carrier has a map of its own, every switch on it
 * swaps: four more writes.
 *
 * <p>The fields are private to {@code java.base}: the agent opens {@code java.lang} to the
 * module that defines this class (its {@code premain} watches for it). Without that, or
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED}, the maps cannot be swapped, and a green
 * thread would silently share its carrier's values; so creating a green thread then fails
 * ({@link #inherited}) with that remedy. Failing later, when a thread-local is first used, is
 * not possible: without access nothing can see that a map was made.
 */
public final class ThreadLocalMaps {

    private static final VarHandle LOCALS, INHERITABLE;
    private static final MethodHandle COPY_INHERITED;
    /** Why the maps cannot be reached, or null when they can. */
    private static final String UNREACHABLE;

    static {
        VarHandle locals = null, inheritable = null;
        MethodHandle copy = null;
        String unreachable = null;
        try {
            Class<?> map = Thread.class.getDeclaredField("threadLocals").getType();
            MethodHandles.Lookup thread = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
            locals = thread.findVarHandle(Thread.class, "threadLocals", map);
            inheritable = thread.findVarHandle(Thread.class, "inheritableThreadLocals", map);
            copy = MethodHandles.privateLookupIn(ThreadLocal.class, MethodHandles.lookup())
                    .findStatic(ThreadLocal.class, "createInheritedMap", MethodType.methodType(map, map))
                    .asType(MethodType.methodType(Object.class, Object.class));
        } catch (IllegalAccessException e) {
            unreachable = "green threads cannot have ThreadLocal values of their own: java.lang is not open to the "
                    + "greenthreads runtime (" + ThreadLocalMaps.class.getModule() + "), so each green thread would "
                    + "share its carrier's.\nRun with -javaagent:greenthreads-agent.jar (it opens java.lang to the "
                    + "runtime), or, for classes rewritten ahead of time, add --add-opens java.base/java.lang=ALL-UNNAMED "
                    + "to the java command (Add-Opens: java.base/java.lang in an executable jar's manifest)";
        } catch (ReflectiveOperationException e) {
            unreachable = "green threads cannot have ThreadLocal values of their own: this JDK (" + Runtime.version()
                    + ") keeps them differently (" + e + ")";
        }
        LOCALS = locals;
        INHERITABLE = inheritable;
        COPY_INHERITED = copy;
        UNREACHABLE = unreachable;
    }

    private ThreadLocalMaps() {
    }

    /**
     * The inheritable map a green thread created now by the current thread starts with: a copy
     * of the current thread's (the creating green thread's, when one is mounted), or null.
     *
     * @throws IllegalStateException if the maps cannot be reached (see the class comment)
     */
    static Object inherited() {
        if (UNREACHABLE != null) {
            throw new IllegalStateException(UNREACHABLE);
        }
        Object parent = INHERITABLE.get(Thread.currentThread());
        if (parent == null) {
            return null;
        }
        try {
            return (Object) COPY_INHERITED.invokeExact(parent);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runner, before a slice: {@code t}'s maps become {@code carrier}'s, whose own are kept aside. */
    static void mount(Carrier carrier, GreenStrand t) {
        Object locals = LOCALS.get(carrier), inheritable = INHERITABLE.get(carrier);
        if (locals != null || inheritable != null || t.threadLocals != null || t.inheritableThreadLocals != null) {
            carrier.ownThreadLocals = locals;
            carrier.ownInheritableThreadLocals = inheritable;
            LOCALS.set(carrier, t.threadLocals);
            INHERITABLE.set(carrier, t.inheritableThreadLocals);
        }
    }

    /** What {@link #beforeCarrierCall()} returns outside a green thread: nothing to restore. */
    private static final Object NOT_MOUNTED = new Object();

    /**
     * Before a JDK call that keeps a per-thread cache in a {@code ThreadLocal}, NIO's temporary
     * direct buffers for reads and writes of heap buffers: puts the carrier's own map in place
     * for the call, so that the cache is the carrier's, shared by the green threads it runs (as
     * JDK 21's {@code CarrierThreadLocal} makes it for virtual threads), instead of a map, a
     * cache and a direct buffer kept by every green thread that ever did I/O. The call must not
     * suspend, nor touch the caller's own thread-locals. Returns what
     * {@link #afterCarrierCall} needs.
     */
    public static Object beforeCarrierCall() {
        Thread thread = Thread.currentThread();
        if (!(thread instanceof Carrier) || ((Carrier) thread).frames.owner() == null) {
            return NOT_MOUNTED;
        }
        Carrier carrier = (Carrier) thread;
        Object greens = LOCALS.get(carrier);
        LOCALS.set(carrier, carrier.ownThreadLocals);
        return greens;
    }

    /** After the call: the carrier's map (made by the call, perhaps) is put aside again, the green thread's back. */
    public static void afterCarrierCall(Object greens) {
        if (greens != NOT_MOUNTED) {
            Carrier carrier = (Carrier) Thread.currentThread();
            carrier.ownThreadLocals = LOCALS.get(carrier);
            LOCALS.set(carrier, greens);
        }
    }

    /** Runner, after a slice: the maps go back to {@code t} (made during the slice, perhaps), the carrier's own to it. */
    static void unmount(Carrier carrier, GreenStrand t) {
        Object locals = LOCALS.get(carrier), inheritable = INHERITABLE.get(carrier);
        if (locals != null || inheritable != null
                || carrier.ownThreadLocals != null || carrier.ownInheritableThreadLocals != null) {
            t.threadLocals = locals;
            t.inheritableThreadLocals = inheritable;
            LOCALS.set(carrier, carrier.ownThreadLocals);
            INHERITABLE.set(carrier, carrier.ownInheritableThreadLocals);
            carrier.ownThreadLocals = null;
            carrier.ownInheritableThreadLocals = null;
        }
    }
}
