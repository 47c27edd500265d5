package dev.greenthreads.internal.scheduler;

import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.continuation.FrameStack;
import dev.greenthreads.internal.continuation.Instrumented;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;

/**
 * Time slices (Go's {@code preemptone} and its checks): a green thread that has run past its
 * scheduler's time slice while others wait yields at its next <em>check</em>. The agent puts a
 * check at every loop header of the methods it makes resumable, counted loops aside (unless its
 * option {@code preempt=false}; the agent's {@code TimeSliceChecks} says which loops and why):
 *
 * <pre>
 *   if (TimeSlice.expired != 0) TimeSlice.yieldIfExpired();   // a suspendable call site
 * </pre>
 *
 * <h2>Implementation overview</h2>
 * The fast path is one read of one static field and a branch never taken: the JIT compiles the
 * call as an uncommon branch, so a loop pays no register pressure for it. That is why the
 * flag is global rather than per carrier: reaching a carrier's own state would cost the loop
 * {@code Thread.currentThread()} and a type check. {@link #expired} counts the cores whose slice
 * the monitor found expired and whose carrier has not noticed yet ({@link Core#expire}); it is
 * zero nearly always, and while a carrier's slice is expired the checks of every other carrier
 * take the slow path too, find nothing for them, and return, at most once per check for one
 * monitor tick.
 *
 * <p>Which slice expired is the core's dispatch count, recorded by the monitor
 * ({@link CarrierMonitor}) when the same carrier has been inside the same slice for the slice's
 * time while ready threads wait and no carrier is idle or searching. The slow path yields only
 * if the calling carrier still holds that core inside that very slice: a request that arrives
 * after the slice ended, or for a core taken from a carrier blocked in it, is dropped. Each
 * expiry is withdrawn exactly once, by a compare-and-set, either by the check that acts on it
 * or when the slice ends ({@link StealingDispatcher#sliceEnded}), so the count returns to zero.
 *
 * <p>A check yields only where an unwinding can reach the runner: not while a call is pinned
 * (a monitor held by a caller), and only if every frame between the check and the green
 * thread's body was rewritten (a loop in a suspendable method called back by JDK code, such as
 * a comparator under {@code include=}, must not unwind through the JDK's frames). A stack walk
 * tells, at most once per expired slice. Where the thread cannot yield, or runs code without
 * checks (the JDK, native code), the monitor hands its core to another carrier thread once the
 * slice has run {@link CarrierMonitor#BLOCKED_NANOS} past its expiry, as for a blocked carrier.
 * A preemption is not a cancellation point: a cancelled thread is not stopped by it.
 *
 * <p>A preempted thread goes to the global queue, behind every thread ready anywhere (Go's
 * {@code gopreempt_m}), not to its carrier's own queue as a yield does: the threads its slice
 * kept waiting run first, timers that came due meanwhile included (they fire at the next
 * dispatch, after the yield has queued the thread).
 */
public final class TimeSlice {

    /** Cores with an expiry pending: the fast path's one read (see the class comment). */
    public static volatile int expired;

    private static final VarHandle EXPIRED;

    static {
        try {
            EXPIRED = MethodHandles.lookup().findStaticVarHandle(TimeSlice.class, "expired", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /** Per class, the methods the agent rewrote ("name(desc)"), from its {@link Instrumented} marker. */
    private static final ClassValue<Set<String>> REWRITTEN = new ClassValue<>() {
        @Override
        protected Set<String> computeValue(Class<?> type) {
            Instrumented marker = type.getAnnotation(Instrumented.class);
            return marker == null ? Set.of() : Set.of(marker.value());
        }
    };

    private TimeSlice() {
    }

    static void expiryRequested() {
        EXPIRED.getAndAdd(1);
    }

    static void expiryCleared() {
        EXPIRED.getAndAdd(-1);
    }

    /**
     * The slow path of a check: yields the running green thread if its carrier's slice expired
     * and it can unwind from here; otherwise returns at once.
     */
    @Suspendable
    public static void yieldIfExpired() {
        Thread t = Thread.currentThread();
        if (!(t instanceof Carrier)) {
            return;
        }
        Carrier me = (Carrier) t;
        Core c = me.core;
        if (c == null) {
            return;
        }
        long slice = c.expiredSlice();
        if (slice == Core.NO_EXPIRY || c.inSlice() != me || !c.clearExpiry(slice) || slice != c.dispatches()) {
            return;
        }
        GreenStrand g = GreenStrand.current();
        if (g == null || FrameStack.current().pinnedAt() != null || !unwindsToRunner()) {
            return;
        }
        c.countSliceExpiration();
        me.preempted = true;
        g.yieldNow();
    }

    /** Whether every frame between the caller and the green thread's body was rewritten. */
    private static boolean unwindsToRunner() {
        return WALKER.walk(frames -> frames
                .filter(f -> f.getDeclaringClass() != TimeSlice.class)
                .filter(f -> f.getDeclaringClass() == GreenStrand.class
                        || !REWRITTEN.get(f.getDeclaringClass()).contains(f.getMethodName() + f.getDescriptor()))
                .findFirst()
                .map(f -> f.getDeclaringClass() == GreenStrand.class && f.getMethodName().equals("runBody"))
                .orElse(false));
    }
}
