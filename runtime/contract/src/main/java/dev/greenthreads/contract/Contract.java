package dev.greenthreads.contract;

/**
 * The runtime's types and members that the agent writes into rewritten class files, in
 * internal form. A type is a {@link RuntimeType} constant {@code T} (its internal name) with
 * {@code T_DESC}, its field descriptor; a member is a {@link Member} constant {@code T_M} (its
 * name) with {@code T_M_DESC}, a method descriptor when it starts with '(', else a field's.
 *
 * <p>Flat, in one top-level class, so that javac leaves no trace of it where the constants are
 * used: a nested class would be named in the user's {@code InnerClasses} attribute.
 */
public final class Contract {

    private Contract() {
    }

    /** {@code @Suspendable}, on a method or a type. */
    @RuntimeType
    public static final String SUSPENDABLE = "dev/greenthreads/Suspendable";
    public static final String SUSPENDABLE_DESC = "L" + SUSPENDABLE + ";";

    /** A test method run under the interleaving explorer: suspendable as if marked {@code @Suspendable}. */
    @RuntimeType
    public static final String EXPLORE_INTERLEAVINGS = "dev/greenthreads/explore/ExploreInterleavings";
    public static final String EXPLORE_INTERLEAVINGS_DESC = "L" + EXPLORE_INTERLEAVINGS + ";";

    /** A functional interface whose single method is suspendable by definition. */
    @RuntimeType
    public static final String SUSPENDABLE_RUNNABLE = "dev/greenthreads/SuspendableRunnable";
    public static final String SUSPENDABLE_RUNNABLE_DESC = "L" + SUSPENDABLE_RUNNABLE + ";";

    @Member(of = "SUSPENDABLE_RUNNABLE")
    public static final String SUSPENDABLE_RUNNABLE_RUN = "run";
    public static final String SUSPENDABLE_RUNNABLE_RUN_DESC = "()V";

    /** A functional interface whose single method is suspendable by definition. */
    @RuntimeType
    public static final String SUSPENDABLE_CALLABLE = "dev/greenthreads/SuspendableCallable";
    public static final String SUSPENDABLE_CALLABLE_DESC = "L" + SUSPENDABLE_CALLABLE + ";";

    @Member(of = "SUSPENDABLE_CALLABLE")
    public static final String SUSPENDABLE_CALLABLE_CALL = "call";
    public static final String SUSPENDABLE_CALLABLE_CALL_DESC = "()Ljava/lang/Object;";

    /** On every class the agent rewrote: the rewritten methods' "name(desc)". */
    @RuntimeType
    public static final String INSTRUMENTED = "dev/greenthreads/internal/continuation/Instrumented";
    public static final String INSTRUMENTED_DESC = "L" + INSTRUMENTED + ";";

    @Member(of = "INSTRUMENTED")
    public static final String INSTRUMENTED_VALUE = "value";
    public static final String INSTRUMENTED_VALUE_DESC = "()[Ljava/lang/String;";

    /** On a method the agent left as it was although a suspension may reach it: why, for the runtime's messages. */
    @RuntimeType
    public static final String REFUSED = "dev/greenthreads/internal/continuation/Refused";
    public static final String REFUSED_DESC = "L" + REFUSED + ";";

    @Member(of = "REFUSED")
    public static final String REFUSED_VALUE = "value";
    public static final String REFUSED_VALUE_DESC = "()Ljava/lang/String;";

    /** A carrier's frame stack: what rewritten code calls to save and restore its frames. */
    @RuntimeType
    public static final String FRAME_STACK = "dev/greenthreads/internal/continuation/FrameStack";
    public static final String FRAME_STACK_DESC = "L" + FRAME_STACK + ";";

    /** The frame stack of the running green thread's carrier. */
    @Member(of = "FRAME_STACK", isStatic = true)
    public static final String FRAME_STACK_CURRENT = "current";
    public static final String FRAME_STACK_CURRENT_DESC = "()" + FRAME_STACK_DESC;

    /** The one primitive suspension: a call of it is a suspendable call site. */
    @Member(of = "FRAME_STACK", isStatic = true)
    public static final String FRAME_STACK_SUSPEND = "suspend";
    public static final String FRAME_STACK_SUSPEND_DESC = "()V";

    /**
     * Read on entry and after each suspendable call, and tested against zero ({@code IFEQ},
     * {@code IFNE}): running normally must be {@link #FRAME_STACK_RUNNING}.
     */
    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_STATUS = "status";
    public static final String FRAME_STACK_STATUS_DESC = "I";

    /** {@code FrameStack.RUNNING}: not a member rewritten code names, but a value it relies on. */
    public static final int FRAME_STACK_RUNNING = 0;

    /** enter(self): the resume point of the frame being restored. */
    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_ENTER = "enter";
    public static final String FRAME_STACK_ENTER_DESC = "(Ljava/lang/String;)I";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_FRAME_INDEX = "frameIndex";
    public static final String FRAME_STACK_FRAME_INDEX_DESC = "()I";

    /** save(pc, primitive slots, references, self, callee, site, target). */
    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_SAVE = "save";
    public static final String FRAME_STACK_SAVE_DESC = "(IIILjava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)V";

    /** keep(frame index, callee, site, target). */
    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_KEEP = "keep";
    public static final String FRAME_STACK_KEEP_DESC = "(ILjava/lang/String;Ljava/lang/String;Ljava/lang/String;)V";

    /** passedThrough(site, target): the exception rewritten code throws. */
    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_PASSED_THROUGH = "passedThrough";
    public static final String FRAME_STACK_PASSED_THROUGH_DESC = "(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/RuntimeException;";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_PIN = "pin";
    public static final String FRAME_STACK_PIN_DESC = "(Ljava/lang/String;)V";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_UNPIN = "unpin";
    public static final String FRAME_STACK_UNPIN_DESC = "()V";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_PUSH_INT = "pushInt";
    public static final String FRAME_STACK_PUSH_INT_DESC = "(I)V";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_PUSH_FLOAT = "pushFloat";
    public static final String FRAME_STACK_PUSH_FLOAT_DESC = "(F)V";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_PUSH_LONG = "pushLong";
    public static final String FRAME_STACK_PUSH_LONG_DESC = "(J)V";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_PUSH_DOUBLE = "pushDouble";
    public static final String FRAME_STACK_PUSH_DOUBLE_DESC = "(D)V";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_PUSH_REF = "pushRef";
    public static final String FRAME_STACK_PUSH_REF_DESC = "(Ljava/lang/Object;)V";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_POP_INT = "popInt";
    public static final String FRAME_STACK_POP_INT_DESC = "()I";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_POP_FLOAT = "popFloat";
    public static final String FRAME_STACK_POP_FLOAT_DESC = "()F";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_POP_LONG = "popLong";
    public static final String FRAME_STACK_POP_LONG_DESC = "()J";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_POP_DOUBLE = "popDouble";
    public static final String FRAME_STACK_POP_DOUBLE_DESC = "()D";

    @Member(of = "FRAME_STACK")
    public static final String FRAME_STACK_POP_REF = "popRef";
    public static final String FRAME_STACK_POP_REF_DESC = "()Ljava/lang/Object;";

    /**
     * Keeps green threads' {@code ThreadLocal} maps on the carrier {@code Thread}'s private fields:
     * the agent opens {@code java.lang} to the module that defines it, as it is defined.
     */
    @RuntimeType
    public static final String THREAD_LOCAL_MAPS = "dev/greenthreads/internal/scheduler/ThreadLocalMaps";
    public static final String THREAD_LOCAL_MAPS_DESC = "L" + THREAD_LOCAL_MAPS + ";";

    /**
     * What rewritten code calls instead of the JDK's sleeping, yielding and parking calls: on a green
     * thread they park only it. Each takes the JDK call's operands in their order on the stack.
     */
    @RuntimeType
    public static final String JDK_CALLS = "dev/greenthreads/internal/scheduler/JdkCalls";
    public static final String JDK_CALLS_DESC = "L" + JDK_CALLS + ";";

    /** Instead of {@code Thread.sleep(long)}. */
    @Member(of = "JDK_CALLS", isStatic = true)
    public static final String JDK_CALLS_SLEEP = "sleep";
    public static final String JDK_CALLS_SLEEP_DESC = "(J)V";

    /** Instead of {@code Thread.sleep(long, int)}. */
    @Member(of = "JDK_CALLS", isStatic = true)
    public static final String JDK_CALLS_SLEEP_NANOS = "sleep";
    public static final String JDK_CALLS_SLEEP_NANOS_DESC = "(JI)V";

    /** Instead of {@code TimeUnit.sleep(long)}: the unit, then the duration. */
    @Member(of = "JDK_CALLS", isStatic = true)
    public static final String JDK_CALLS_SLEEP_UNIT = "sleep";
    public static final String JDK_CALLS_SLEEP_UNIT_DESC = "(Ljava/util/concurrent/TimeUnit;J)V";

    /** Instead of {@code Thread.yield()}. */
    @Member(of = "JDK_CALLS", isStatic = true)
    public static final String JDK_CALLS_YIELD = "yield";
    public static final String JDK_CALLS_YIELD_DESC = "()V";

    /** Instead of {@code LockSupport.park()}. */
    @Member(of = "JDK_CALLS", isStatic = true)
    public static final String JDK_CALLS_PARK = "park";
    public static final String JDK_CALLS_PARK_DESC = "()V";

    /** Instead of {@code LockSupport.park(Object blocker)}. */
    @Member(of = "JDK_CALLS", isStatic = true)
    public static final String JDK_CALLS_PARK_BLOCKER = "park";
    public static final String JDK_CALLS_PARK_BLOCKER_DESC = "(Ljava/lang/Object;)V";

    /** Instead of {@code LockSupport.parkNanos(long)}. */
    @Member(of = "JDK_CALLS", isStatic = true)
    public static final String JDK_CALLS_PARK_NANOS = "parkNanos";
    public static final String JDK_CALLS_PARK_NANOS_DESC = "(J)V";

    /** Instead of {@code LockSupport.parkNanos(Object blocker, long)}. */
    @Member(of = "JDK_CALLS", isStatic = true)
    public static final String JDK_CALLS_PARK_NANOS_BLOCKER = "parkNanos";
    public static final String JDK_CALLS_PARK_NANOS_BLOCKER_DESC = "(Ljava/lang/Object;J)V";

    /** Instead of {@code LockSupport.parkUntil(long)}: a deadline in epoch milliseconds. */
    @Member(of = "JDK_CALLS", isStatic = true)
    public static final String JDK_CALLS_PARK_UNTIL = "parkUntil";
    public static final String JDK_CALLS_PARK_UNTIL_DESC = "(J)V";

    /** Instead of {@code LockSupport.parkUntil(Object blocker, long)}. */
    @Member(of = "JDK_CALLS", isStatic = true)
    public static final String JDK_CALLS_PARK_UNTIL_BLOCKER = "parkUntil";
    public static final String JDK_CALLS_PARK_UNTIL_BLOCKER_DESC = "(Ljava/lang/Object;J)V";

    /**
     * Time slices: rewritten code reads {@link #TIME_SLICE_EXPIRED} at each loop header and, when
     * it is not zero, calls {@link #TIME_SLICE_YIELD_IF_EXPIRED}, a suspendable call site that
     * yields only if the calling carrier's slice ran out.
     */
    @RuntimeType
    public static final String TIME_SLICE = "dev/greenthreads/internal/scheduler/TimeSlice";
    public static final String TIME_SLICE_DESC = "L" + TIME_SLICE + ";";

    /** Not zero while some carrier's slice expired and it has not yet noticed: the fast path's one read. */
    @Member(of = "TIME_SLICE", isStatic = true)
    public static final String TIME_SLICE_EXPIRED = "expired";
    public static final String TIME_SLICE_EXPIRED_DESC = "I";

    /** The slow path: yields the green thread if this carrier's slice expired, else returns. */
    @Member(of = "TIME_SLICE", isStatic = true)
    public static final String TIME_SLICE_YIELD_IF_EXPIRED = "yieldIfExpired";
    public static final String TIME_SLICE_YIELD_IF_EXPIRED_DESC = "()V";

    /**
     * The interleaving explorer's switch points (agent option {@code fields}): a call of
     * {@link #INTERLEAVINGS_SHARED_ACCESS} goes before each shared field or array access, and is
     * a suspendable call site.
     */
    @RuntimeType
    public static final String INTERLEAVINGS = "dev/greenthreads/internal/scheduler/Interleavings";
    public static final String INTERLEAVINGS_DESC = "L" + INTERLEAVINGS + ";";

    /** Before a read or write of a non-final field or an array element; the argument says which, as in "read Counter.total". */
    @Member(of = "INTERLEAVINGS", isStatic = true)
    public static final String INTERLEAVINGS_SHARED_ACCESS = "sharedAccess";
    public static final String INTERLEAVINGS_SHARED_ACCESS_DESC = "(Ljava/lang/String;)V";

    /**
     * Green monitors (agent option {@code monitors}): rewritten code calls {@link #GREEN_MONITOR_ENTER}
     * before each {@code MONITORENTER} and {@link #GREEN_MONITOR_EXIT} before each {@code MONITOREXIT}
     * on the same object, and the others instead of {@code Object.wait}, {@code notify}, {@code notifyAll}.
     */
    @RuntimeType
    public static final String GREEN_MONITOR = "dev/greenthreads/internal/scheduler/GreenMonitor";
    public static final String GREEN_MONITOR_DESC = "L" + GREEN_MONITOR + ";";

    /** Takes the object's green ownership: a suspendable call site. */
    @Member(of = "GREEN_MONITOR", isStatic = true)
    public static final String GREEN_MONITOR_ENTER = "enter";
    public static final String GREEN_MONITOR_ENTER_DESC = "(Ljava/lang/Object;)V";

    /** Gives back one hold of the object's green ownership. */
    @Member(of = "GREEN_MONITOR", isStatic = true)
    public static final String GREEN_MONITOR_EXIT = "exit";
    public static final String GREEN_MONITOR_EXIT_DESC = "(Ljava/lang/Object;)V";

    /** Instead of {@code o.wait()}, {@code o.wait(ms)}, {@code o.wait(ms, ns)}: the object, milliseconds (0: no timeout), nanoseconds. */
    @Member(of = "GREEN_MONITOR", isStatic = true)
    public static final String GREEN_MONITOR_AWAIT = "await";
    public static final String GREEN_MONITOR_AWAIT_DESC = "(Ljava/lang/Object;JI)V";

    /** Instead of {@code o.notify()}. */
    @Member(of = "GREEN_MONITOR", isStatic = true)
    public static final String GREEN_MONITOR_NOTIFY = "notify";
    public static final String GREEN_MONITOR_NOTIFY_DESC = "(Ljava/lang/Object;)V";

    /** Instead of {@code o.notifyAll()}. */
    @Member(of = "GREEN_MONITOR", isStatic = true)
    public static final String GREEN_MONITOR_NOTIFY_ALL = "notifyAll";
    public static final String GREEN_MONITOR_NOTIFY_ALL_DESC = "(Ljava/lang/Object;)V";
}
