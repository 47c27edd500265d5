package dev.greenthreads.internal.scheduler;

import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.continuation.FrameStack;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The switch points that the thread operations, the {@code sync} primitives, green I/O and
 * (agent option {@code fields}) shared field accesses offer to the interleaving explorer.
 * Outside an exploration each is one read of a static field and a return.
 *
 * <h2>Where the switches are</h2>
 * A switch can happen only where a green thread can suspend: in a suspendable method. So
 * <ul>
 *   <li>an operation that may wait ({@code lock}, {@code join}, {@code sleep}, {@code await},
 *       {@code acquire}, a barrier, a {@code Once}, a socket call) offers a switch before it,
 *       and those that acquire something ({@code lock}, {@code readLock}, {@code writeLock},
 *       {@code acquire}, a timed {@code tryLock}) one more once they hold it, so that other
 *       threads can run, and find it held, while its holder is inside its critical section;</li>
 *   <li>an operation that never waits ({@code unlock}, {@code signal}, {@code broadcast},
 *       {@code tryLock}, {@code release}, {@code tryAcquire}, {@code start}) is not suspendable
 *       (it is called from code that need not be) and offers no switch of its own: it is
 *       recorded in the trace, and the switches around it are the ones after the thread's
 *       previous operation and before its next. Between two such operations nothing can
 *       interleave; between such an operation and a plain field access only
 *       {@code SHARED_FIELDS} switches;</li>
 *   <li>{@code yield} is a switch by itself: the yielder runs after the other ready threads.</li>
 * </ul>
 * A switch point inside a pinned region ({@code synchronized}, a constructor) does nothing.
 */
public final class Interleavings {

    private Interleavings() {
    }

    /** Explorations running now; zero makes every switch point a read and a return. */
    private static final AtomicInteger EXPLORING = new AtomicInteger();

    /** The system property the agent sets when its option {@code fields} is on. */
    public static final String FIELDS_PROPERTY = "greenthreads.fields";

    static void exploring(int delta) {
        EXPLORING.addAndGet(delta);
    }

    /** Whether no exploration runs: then every switch point is a no-op, and a caller may skip its own. */
    public static boolean idle() {
        return EXPLORING.get() == 0;
    }

    /** Whether the agent inserts {@link #sharedAccess} calls (its option {@code fields}). */
    public static boolean fieldsInstrumented() {
        return Boolean.getBoolean(FIELDS_PROPERTY);
    }

    /** A switch point before {@code op} on {@code on} (a lock, a thread, or null), recorded in the trace. */
    @Suspendable
    public static void switchPoint(String op, Object on) {
        if (EXPLORING.get() == 0) {
            return;
        }
        ExploringDispatcher d = dispatcher();
        if (d != null) {
            GreenStrand me = GreenStrand.current();
            d.switchPoint(me);
            if (d.records()) { // after the switch: the trace lists operations in the order they happen
                d.record(me, on == null ? op : op + " " + d.describe(on));
            }
        }
    }

    /** A switch point that records nothing: after an operation that acquired something. */
    @Suspendable
    public static void pause() {
        if (EXPLORING.get() == 0) {
            return;
        }
        ExploringDispatcher d = dispatcher();
        if (d != null) {
            d.switchPoint(GreenStrand.current());
        }
    }

    /** Records {@code op} on {@code on} in the trace, with no switch (an operation that is not suspendable). */
    public static void note(String op, Object on) {
        if (EXPLORING.get() == 0) {
            return;
        }
        ExploringDispatcher d = dispatcher();
        if (d != null && d.records()) {
            d.record(GreenStrand.current(), on == null ? op : op + " " + d.describe(on));
        }
    }

    /**
     * Inserted by the agent (option {@code fields}) before each read or write of a non-final
     * field or an array element in rewritten code; {@code what} is {@code "read Counter.total"},
     * {@code "write int[]"}. A switch point when exploring with {@code SHARED_FIELDS}.
     */
    @Suspendable
    public static void sharedAccess(String what) {
        if (EXPLORING.get() == 0) {
            return;
        }
        ExploringDispatcher d = dispatcher();
        if (d != null && d.sharedFields()) {
            GreenStrand me = GreenStrand.current();
            d.switchPoint(me);
            if (d.records()) {
                d.record(me, what);
            }
        }
    }

    /** The exploring dispatcher of the running green thread, or null. */
    private static ExploringDispatcher dispatcher() {
        Object owner = FrameStack.current().owner();
        if (owner instanceof GreenStrand && ((GreenStrand) owner).dispatcher instanceof ExploringDispatcher) {
            return (ExploringDispatcher) ((GreenStrand) owner).dispatcher;
        }
        return null;
    }
}
