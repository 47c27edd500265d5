package dev.greenthreads.internal.scheduler;

import dev.greenthreads.internal.continuation.Frames;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The stack of a green thread, as its user wants to read it, whatever it is doing: rebuilt from
 * its saved frames while it is suspended (parked, or ready after a yield), taken from its
 * carrier thread while it runs.
 *
 * <p>A stack is a list of <em>places</em>, innermost first, each a {@code StackTraceElement}'s
 * usual text ("com.example.C.m(C.java:42)"). A saved frame's place is the interned constant
 * the agent wrote for its call, so threads suspended at the same place share the very same
 * strings, and a dump of many groups them without copying anything.
 *
 * <p>The innermost frames of a suspended thread are the runtime's own way to the one
 * suspension (a wait queue, {@code Strand.park}, {@code FrameStack.suspend}); only the
 * outermost of them is kept, so that the top frame is the primitive the thread called
 * ({@code Cond.await}, {@code GreenThread.join}, {@code GreenSocket.read}) or, for a JDK call
 * the agent redirected ({@code Thread.sleep}), the application's line that made it.
 *
 * <h2>Races</h2>
 * Nothing here stops the thread. A suspended thread's frames are read between two reads of
 * its state (and park time), and believed only if both agree, so a parked thread's stack is
 * exact; a ready one that runs and yields again in between may show a mix, which the readers
 * tolerate ({@link Frames}). A running thread's stack is its carrier's, taken with
 * {@link Thread#getStackTrace()} and believed if the carrier still runs that thread after it:
 * it may have parked and come back in between, in which case the stack is one it had at some
 * instant of that interval. A thread that is between states when asked is asked again a few
 * times; then its stack is reported empty.
 */
public final class StackTraces {

    private static final StackTraceElement[] NONE = {};
    private static final int ATTEMPTS = 16;
    /** Whether a class of the runtime's packages is the runtime's own: by name, found once. */
    private static final Map<String, Boolean> RUNTIME = new ConcurrentHashMap<>();
    private static final Map<String, Boolean> RUNTIME_PLACES = new ConcurrentHashMap<>();

    private StackTraces() {
    }

    /** {@code t}'s stack, innermost first; empty if it has not started or has ended. */
    public static StackTraceElement[] of(GreenStrand t) {
        List<String> places = places(t);
        StackTraceElement[] trace = new StackTraceElement[places.size()];
        for (int i = 0; i < trace.length; i++) {
            trace[i] = element(places.get(i));
        }
        return trace;
    }

    /** {@code t}'s stack as places, innermost first (see above); empty if it has none now. */
    static List<String> places(GreenStrand t) {
        if (t == GreenStrand.current()) {
            return own();
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int state = t.state;
            long parkedAt = t.parkedAt;
            switch (state) {
                case GreenStrand.NEW:
                case GreenStrand.TERMINATED:
                    return List.of();
                case GreenStrand.PARKED:
                case GreenStrand.READY: {
                    List<String> saved = t.places();
                    if (t.state == state && t.parkedAt == parkedAt) {
                        return userFrames(saved);
                    }
                    break;
                }
                case GreenStrand.RUNNING: {
                    List<String> live = live(t);
                    if (live != null) {
                        return live;
                    }
                    break;
                }
                default: // YIELDING or PARKING: its unwinding is under way
                    break;
            }
            Thread.onSpinWait();
        }
        return List.of();
    }

    /** A running thread's stack, from the carrier running it; null if no carrier was found running it throughout. */
    private static List<String> live(GreenStrand t) {
        for (Thread k : t.dispatcher.kernelThreads()) {
            if (k instanceof Carrier && ((Carrier) k).frames.owner() == t) {
                StackTraceElement[] stack = k.getStackTrace();
                if (((Carrier) k).frames.owner() != t || t.state != GreenStrand.RUNNING) {
                    return null;
                }
                return userFrames(aboveRunner(stack));
            }
        }
        return null;
    }

    /** The calling green thread's own stack, from the frame that asked for it (the runtime's frames above it left out). */
    private static List<String> own() {
        List<String> places = aboveRunner(new Throwable().getStackTrace());
        int from = 0;
        while (from < places.size() && isRuntime(className(places.get(from)))) {
            from++;
        }
        return from == places.size() ? places : places.subList(from, places.size());
    }

    /** The frames of a carrier's stack above the runner's call of the body: the green thread's. */
    private static List<String> aboveRunner(StackTraceElement[] stack) {
        List<String> places = new ArrayList<>(stack.length);
        for (StackTraceElement e : stack) {
            if (e.getClassName().equals(GreenStrand.class.getName()) && e.getMethodName().equals("runBody")) {
                break;
            }
            if (e.getClassName().indexOf('/') < 0) { // not a hidden class's frame (a lambda's proxy)
                places.add(place(e));
            }
        }
        return places;
    }

    /**
     * Of the innermost frames that are the runtime's, keeps only the outermost, the call the
     * application made (see above), unless it is internal (a redirected JDK call); a stack that
     * is the runtime's throughout is kept whole.
     */
    static List<String> userFrames(List<String> places) {
        int n = 0;
        while (n < places.size() && isRuntimePlace(places.get(n))) {
            n++;
        }
        if (n == 0 || n == places.size()) {
            return places;
        }
        int from = className(places.get(n - 1)).startsWith("dev.greenthreads.internal.") ? n : n - 1;
        return places.subList(from, places.size());
    }

    /** Whether a place is in a class of the runtime's, by place: a dump asks it of the same few places many times. */
    private static boolean isRuntimePlace(String place) {
        return RUNTIME_PLACES.computeIfAbsent(place, p -> isRuntime(className(p)));
    }

    /** Whether a class is the runtime's: loaded from where this class was (not a test or application class of its packages). */
    static boolean isRuntime(String className) {
        return className.startsWith("dev.greenthreads.") && RUNTIME.computeIfAbsent(className, StackTraces::isRuntimeClass);
    }

    private static boolean isRuntimeClass(String className) {
        try {
            Class<?> c = Class.forName(className, false, StackTraces.class.getClassLoader());
            return Objects.equals(codeSource(c), codeSource(StackTraces.class));
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static Object codeSource(Class<?> c) {
        CodeSource s = c.getProtectionDomain().getCodeSource();
        return s == null ? null : s.getLocation();
    }

    /** "com.example.C.m(C.java:42)", as the agent writes a call's place. */
    static String place(StackTraceElement e) {
        String file = e.getFileName() != null ? e.getFileName() : e.isNativeMethod() ? "Native Method" : "Unknown Source";
        return e.getClassName() + "." + e.getMethodName() + "(" + file
                + (e.getLineNumber() > 0 ? ":" + e.getLineNumber() : "") + ")";
    }

    static String className(String place) {
        int open = place.lastIndexOf('(');
        int dot = open < 0 ? -1 : place.lastIndexOf('.', open);
        return dot < 0 ? place : place.substring(0, dot);
    }

    /** "Cond.await" of "dev.greenthreads.sync.Cond.await(Cond.java:60)": a place as a reader names the call. */
    static String shortName(String place) {
        int open = place.lastIndexOf('(');
        String method = open < 0 ? place : place.substring(0, open);
        int dot = method.lastIndexOf('.');
        int classDot = dot < 0 ? -1 : method.lastIndexOf('.', dot - 1);
        return method.substring(classDot + 1);
    }

    static StackTraceElement element(String place) {
        return Frames.element(place);
    }

    static StackTraceElement[] none() {
        return NONE;
    }
}
