package dev.greenthreads.internal.continuation;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A carrier's side of the continuation protocol: the state that rewritten code reads and the
 * machinery that saves and restores frames. One per carrier thread, plus {@link #NONE} for
 * every other thread; the runner mounts a green thread's {@link Frames} on it for one run.
 * See {@code package-info.java} for the invariants; this class is the only place that moves
 * frame data.
 *
 * <h2>Implementation overview</h2>
 *
 * Frames are stored flat, without an object per frame: {@code prims} holds every primitive
 * slot (an int, two for a long or double; the GC never scans it) and {@code refs} every
 * reference. Each frame starts with a header: in {@code prims} its resume point and its sizes,
 * packed in one int for nearly every frame ({@link Frames#prims}), in {@code refs} the method's key ("name(desc)", an interned constant) that resuming checks,
 * then the place of the call it suspended in ("com.example.C.m(C.java:42)", the interned
 * constant the rewritten code passes to {@link #save} anyway), from which a parked thread's
 * stack trace is rebuilt ({@link Frames#places()}): the key alone does not name the class.
 * Frame 0 is the outermost (the green thread's body) and frames lie in order, so resuming
 * walks them front to back with no index.
 *
 * <p>Unwinding saves frames deepest first, before it is known how many frames below stay
 * valid. New frames are therefore written to this carrier's scratch arrays, from their ends
 * down, each below the one saved before it, so they lie outermost first; the <em>commit</em>
 * (by the deepest frame that was kept, or by the runner when none was) copies them in one
 * block to just above the kept ones in the thread's arrays. A thread's arrays are sized
 * exactly at its first suspension and grow by a quarter when they must: a parked thread holds
 * its frames and no slack. Kept frames are never written again: a green thread that yields in
 * a loop at depth 100 saves only the frames that ran since its last switch.
 */
public final class FrameStack {

    /** Running normally: rewritten code takes its fast paths. */
    public static final int RUNNING = 0;
    /** Frames are being re-entered from the outermost, each restoring its locals. */
    public static final int RESUMING = 1;
    /** A suspension is travelling outwards: each frame saves itself and returns. */
    public static final int UNWINDING = 2;

    /** The stack of every thread that is not running a green thread: never mounted, always {@link #RUNNING}. */
    public static final FrameStack NONE = new FrameStack();

    /** Verification of suspension paths (agent option {@code verify}), on unless turned off. */
    private static final boolean VERIFY = !"false".equals(System.getProperty("greenthreads.verify"));

    /** Read by every rewritten method on entry and after every suspendable call. */
    public int status;

    /** The green thread (or whatever the runner registered) whose frames are mounted; null when none is. */
    private Object owner;
    private Frames mounted;

    /** The mounted thread's frames: its arrays and sizes, written back when it is unmounted. */
    private int[] prims;
    private Object[] refs;
    private int count, primTop, refTop;

    /** The frames saved by the unwinding in progress, at the ends of these arrays (see above). */
    private int[] scratchPrims = new int[64];
    private Object[] scratchRefs = new Object[16];
    /** How many frames the unwinding in progress saved, and where the outermost of them (the last saved) begins. */
    private int pending, pendPrim, pendRef;
    /** Whether a kept frame already committed the unwinding in progress. */
    private boolean committed;
    /** While resuming: the next frame to re-enter and where its data begins. */
    private int cursor, nextPrim, nextRef;
    /** The frame being restored, and where the next slot and reference being saved or restored are. */
    private int frame, primAt, refAt;

    private int pinDepth;
    private String pinnedBy;

    public FrameStack() {
    }

    /** The green thread (or whatever the runner registered) running now; null for {@link #NONE} or between runs. */
    public Object owner() {
        return owner;
    }

    /** The stack of the green thread running on the current kernel thread, or {@link #NONE}. */
    public static FrameStack current() {
        Thread t = Thread.currentThread();
        return t instanceof CarrierThread ? ((CarrierThread) t).frames : NONE;
    }

    // ------------------------------------------------------------------------------------
    // The primitive suspension. The agent treats a call to it as a suspendable call site and
    // never rewrites this class.

    /**
     * Suspends the running green thread: returns at once with the stack unwinding, and returns
     * again when the thread is resumed. Code after the call runs only on the second return;
     * whoever resumes the thread must have been arranged before the call.
     *
     * <p>Under a pin ({@link #pinnedAt()}) it refuses: the parking code checks for a pin first
     * and blocks the carrier in place instead of calling this ({@link PinnedSites}).
     *
     * @throws IllegalStateException outside a green thread, or where suspension is not allowed
     */
    public static void suspend() {
        FrameStack s = current();
        if (s.status == RESUMING) {
            if (s.cursor != s.count) {
                throw s.desynchronised("the innermost frame");
            }
            s.status = RUNNING;
            return;
        }
        if (s.owner == null) {
            throw new IllegalStateException("only a green thread can suspend; this is "
                    + Thread.currentThread() + " (start the code with GreenThread.start or Scheduler.run)");
        }
        if (s.pinDepth > 0) {
            throw PinnedSites.refusal(s.pinnedBy);
        }
        s.status = UNWINDING;
        s.pending = 0;
        s.pendPrim = s.scratchPrims.length;
        s.pendRef = s.scratchRefs.length;
        s.committed = false;
    }

    // ------------------------------------------------------------------------------------
    // Called by the runner that invokes a green thread's body.

    /**
     * Before a run: the frames of {@code owner} become the ones rewritten code on this thread
     * saves to and restores from. A thread with saved frames is resumed.
     */
    public void mount(Frames frames, Object owner) {
        this.owner = owner;
        mounted = frames;
        prims = frames.prims;
        refs = frames.refs;
        count = frames.count;
        primTop = frames.primTop;
        refTop = frames.refTop;
        status = count > 0 ? RESUMING : RUNNING;
        cursor = nextPrim = nextRef = 0;
    }

    /** After a run, whatever its end: writes the thread's frames back and forgets it. */
    public void unmount() {
        Frames f = mounted;
        f.prims = prims;
        f.refs = refs;
        f.count = count;
        f.primTop = primTop;
        f.refTop = refTop;
        owner = mounted = null;
        prims = null;
        refs = null;
        status = RUNNING;
        pinDepth = 0;
        pinnedBy = null;
    }

    /**
     * Called after the body returned normally. Returns true when it returned because it
     * suspended: the frames are then committed and the next run resumes them. Returns false
     * when the body ran to its end.
     */
    public boolean suspendedAfterRun() {
        switch (status) {
            case UNWINDING:
                if (!committed) {
                    commit(0);
                }
                if (count == 0) {
                    status = RUNNING;
                    throw new IllegalStateException("the green thread suspended but no frame of it was saved: the body's"
                            + " method was not rewritten. Make the body a SuspendableRunnable or SuspendableCallable,"
                            + " or run with the greenthreads agent");
                }
                status = RESUMING;
                return true;
            case RESUMING:
                status = RUNNING;
                throw new IllegalStateException("the green thread's body returned while its frames were being"
                        + " resumed: the body's method was not rewritten. Make the body a SuspendableRunnable or"
                        + " SuspendableCallable, or run with the greenthreads agent");
            default:
                release(); // it ended: nothing of it stays reachable through its frames
                return false;
        }
    }

    /** Called when the body threw: forget every frame, saved or being saved. */
    public void discard() {
        abandonUnwind();
        release();
        pinDepth = 0;
        pinnedBy = null;
    }

    private void release() {
        prims = Frames.NO_INTS;
        refs = Frames.NO_REFS;
        count = cursor = primTop = refTop = 0;
    }

    /** Saved frames, outermost first, as "name(desc)": for diagnostics. */
    public List<String> savedFrames() {
        List<String> keys = new java.util.ArrayList<>();
        for (int f = 0, r = 0, p = 0; f < count; f++) {
            keys.add((String) refs[r]);
            r += Frames.HEADER_REFS + Frames.refCount(prims, p);
            p += Frames.primLength(prims, p);
        }
        return keys;
    }

    // ------------------------------------------------------------------------------------
    // Called by rewritten code. Every method below is on a suspend or resume path, never on
    // the path of a call that does not suspend.

    /**
     * Entry of a rewritten method whose {@link #status} was not {@link #RUNNING}: returns the
     * resume point of the frame being re-entered and positions the reads at its data.
     */
    public int enter(String self) {
        if (status == UNWINDING) {
            throw continuedAfterSuspension(self);
        }
        if (cursor >= count || refs[nextRef] != self) {
            throw desynchronised(self);
        }
        frame = cursor++;
        int p = nextPrim, h = prims[p];
        int pc, slots, nRefs;
        if (h >= 0) {
            pc = h >>> 20;
            slots = h >>> 10 & (Frames.SMALL_SIZE - 1);
            nRefs = h & (Frames.SMALL_SIZE - 1);
            primAt = p + 1;
        } else {
            pc = -1 - h;
            slots = prims[p + 1] >>> 16;
            nRefs = prims[p + 1] & 0xFFFF;
            primAt = p + 2;
        }
        refAt = nextRef + Frames.HEADER_REFS;
        nextPrim = primAt + slots;
        nextRef = refAt + nRefs;
        return pc;
    }

    /** Index of the frame being restored; a frame keeps it to commit with {@link #keep}. */
    public int frameIndex() {
        return frame;
    }

    public int popInt() {
        return prims[primAt++];
    }

    public float popFloat() {
        return Float.intBitsToFloat(prims[primAt++]);
    }

    public long popLong() {
        long v = (long) prims[primAt] << 32 | prims[primAt + 1] & 0xFFFFFFFFL;
        primAt += 2;
        return v;
    }

    public double popDouble() {
        return Double.longBitsToDouble(popLong());
    }

    public Object popRef() {
        return refs[refAt++];
    }

    /**
     * Starts saving a frame while unwinding, with room for its slots.
     *
     * @param pc     resume point of the call site
     * @param nSlots primitive slots (a long or double takes two)
     * @param self   "name(desc)" of the saving method
     * @param callee "name(desc)" of the method called at the site, or null when the call
     *               dispatches through an interface (a lambda's body has another name)
     * @param site   where the call is, for messages: "com.example.Caller.method(Caller.java:42)"
     * @param target what the call names: "com/example/Owner.name"
     */
    public void save(int pc, int nSlots, int nRefs, String self, String callee, String site, String target) {
        if (VERIFY && callee != null && pending > 0 && scratchRefs[pendRef] != callee) {
            throw passedThroughUnrewritten(callee, site, target);
        }
        boolean small = pc < Frames.SMALL_PC && nSlots < Frames.SMALL_SIZE && nRefs < Frames.SMALL_SIZE;
        int header = small ? 1 : 2;
        int primLen = header + nSlots, refLen = Frames.HEADER_REFS + nRefs;
        if (pendPrim < primLen || pendRef < refLen) {
            makeRoom(primLen, refLen);
        }
        int p = pendPrim -= primLen, r = pendRef -= refLen;
        if (small) {
            scratchPrims[p] = pc << 20 | nSlots << 10 | nRefs;
        } else {
            scratchPrims[p] = -1 - pc;
            scratchPrims[p + 1] = nSlots << 16 | nRefs;
        }
        scratchRefs[r] = self;
        scratchRefs[r + 1] = site;
        primAt = p + header;
        refAt = r + Frames.HEADER_REFS;
        pending++;
    }

    /** Grows the scratch arrays so a frame of these sizes fits below the pending ones, which move to the new ends. */
    private void makeRoom(int primLen, int refLen) {
        if (pendPrim < primLen) {
            int used = scratchPrims.length - pendPrim;
            int[] grown = new int[Math.max(2 * scratchPrims.length, used + primLen)];
            System.arraycopy(scratchPrims, pendPrim, grown, grown.length - used, used);
            pendPrim = grown.length - used;
            scratchPrims = grown;
        }
        if (pendRef < refLen) {
            int used = scratchRefs.length - pendRef;
            Object[] grown = new Object[Math.max(2 * scratchRefs.length, used + refLen)];
            System.arraycopy(scratchRefs, pendRef, grown, grown.length - used, used);
            pendRef = grown.length - used;
            scratchRefs = grown;
        }
    }

    public void pushInt(int v) {
        scratchPrims[primAt++] = v;
    }

    public void pushFloat(float v) {
        scratchPrims[primAt++] = Float.floatToRawIntBits(v);
    }

    public void pushLong(long v) {
        scratchPrims[primAt] = (int) (v >>> 32);
        scratchPrims[primAt + 1] = (int) v;
        primAt += 2;
    }

    public void pushDouble(double v) {
        pushLong(Double.doubleToRawLongBits(v));
    }

    public void pushRef(Object v) {
        scratchRefs[refAt++] = v;
    }

    /**
     * Unwinding reached a frame that was re-entered on resume and has not run since: it and
     * every frame below it are still saved. The deepest such frame commits the new frames
     * above it; the ones below find the work done.
     */
    public void keep(int index, String callee, String site, String target) {
        if (committed) {
            return;
        }
        if (VERIFY && callee != null && pending > 0 && scratchRefs[pendRef] != callee) {
            throw passedThroughUnrewritten(callee, site, target);
        }
        commit(index + 1);
    }

    /**
     * Verification, after a call of a method that is not suspendable returned with a suspension
     * in progress (or a resumption unfinished): that method was not rewritten.
     */
    public RuntimeException passedThrough(String site, String target) {
        boolean resuming = status == RESUMING;
        String suspendedIn = suspendedIn(pendingKeys());
        String shown = target.replace('/', '.');
        String reason = Refusals.reasonFor(target, null);
        if (resuming) {
            discard();
        } else {
            abandonUnwind();
        }
        String what = "a green thread " + (resuming ? "resumed through " : "suspended in " + suspendedIn
                + " and the suspension passed through ") + shown + ", called at " + site;
        if (isJdk(shown.substring(0, shown.lastIndexOf('.')))) {
            return new IllegalStateException(what + ", which is JDK code\n"
                    + "Call the suspendable code directly instead of through " + shown + " (a plain loop instead of"
                    + " forEach, a stream or an Iterator's lazy view; a lambda passed to the JDK pins instead)\n"
                    + "The agent never rewrites the JDK (it is loaded before any agent), so a call of a JDK method is never"
                    + " a place where a green thread can suspend, even when the call reaches suspendable code such as a"
                    + " method reference or a rewritten implementation of a JDK interface");
        }
        return new IllegalStateException(what + ", which is not suspendable\n"
                + "Mark " + shown + " @Suspendable (or name its package with the agent option include=...)\n"
                + shown + " was not rewritten" + (reason != null ? ": " + reason : ""));
    }

    /** Whether a class is the JDK's: the platform class loader, which sees no application class, finds it. */
    private static boolean isJdk(String className) {
        try {
            Class.forName(className, false, ClassLoader.getPlatformClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Where the running green thread cannot unwind now, or null: the outermost pinned call site
     * it is inside, as the agent named it. Its parking code reads it before suspending.
     */
    public String pinnedAt() {
        return pinDepth > 0 ? pinnedBy : null;
    }

    /** Rewritten code at a call site that must not suspend (monitor held, constructor, initialiser, JDK callback). */
    public void pin(String where) {
        if (owner == null) {
            return;
        }
        if (pinDepth++ == 0) {
            pinnedBy = where;
        }
    }

    public void unpin() {
        if (owner == null) {
            return;
        }
        if (--pinDepth == 0) {
            pinnedBy = null;
        }
    }

    // ------------------------------------------------------------------------------------

    /**
     * Places the pending frames after the first {@code at} saved frames of the thread, in one
     * copy per array, and clears what the carrier's scratch held of the thread.
     */
    private void commit(int at) {
        int keptPrim = primTop, keptRef = refTop;
        if (at < count) {
            keptPrim = keptRef = 0;
            for (int f = 0; f < at; f++) {
                keptRef += Frames.HEADER_REFS + Frames.refCount(prims, keptPrim);
                keptPrim += Frames.primLength(prims, keptPrim);
            }
        }
        int primLen = scratchPrims.length - pendPrim, refLen = scratchRefs.length - pendRef;
        int newPrimTop = keptPrim + primLen, newRefTop = keptRef + refLen;
        if (newPrimTop > prims.length) {
            prims = Arrays.copyOf(prims, capacity(prims.length, newPrimTop));
        }
        if (newRefTop > refs.length) {
            refs = Arrays.copyOf(refs, capacity(refs.length, newRefTop));
        }
        System.arraycopy(scratchPrims, pendPrim, prims, keptPrim, primLen);
        System.arraycopy(scratchRefs, pendRef, refs, keptRef, refLen);
        Arrays.fill(refs, newRefTop, Math.max(newRefTop, refTop), null);
        Arrays.fill(scratchRefs, pendRef, scratchRefs.length, null);
        primTop = newPrimTop;
        refTop = newRefTop;
        count = at + pending;
        pending = 0;
        committed = true;
    }

    /** Exact at a thread's first suspension; then a quarter more than needed, so deepening stays amortised O(1). */
    private static int capacity(int length, int needed) {
        return length == 0 ? needed : Math.max(needed, length + (length >> 2));
    }

    private RuntimeException passedThroughUnrewritten(String callee, String site, String target) {
        String suspendedIn = suspendedIn(pendingKeys());
        String reason = Refusals.reasonFor(target, callee);
        abandonUnwind();
        return new IllegalStateException("a green thread suspended in " + suspendedIn
                + " and the suspension passed through a method that was not rewritten: "
                + site + " calling " + target.replace('/', '.') + " expected a frame of " + display(callee) + "\n"
                + "Mark that method @Suspendable (and every method between it and the suspension), or name its package"
                + " with the agent option include=..."
                + (reason != null ? "\nThe agent refused to rewrite it: " + reason : ""));
    }

    /**
     * A rewritten method was entered while a suspension was unwinding: the unwinding stopped
     * above the outermost frame it saved, whose caller was not rewritten and returned as if the
     * call had ended (or an exception was thrown over the unwinding), and the thread ran on.
     */
    private RuntimeException continuedAfterSuspension(String self) {
        List<String> saved = pendingKeys();
        abandonUnwind();
        String nearest = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .skip(2)
                .filter(f -> !isRewritten(f))
                .findFirst()
                .map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")")
                .orElse(null));
        String outermost = saved.isEmpty() ? "FrameStack.suspend()" : display(saved.get(0));
        return new IllegalStateException("a green thread suspended in " + suspendedIn(saved)
                + ", and the unwinding saved the frames up to " + outermost + " but no further: the method that called "
                + outermost + " was not rewritten"
                + (nearest != null ? " (the nearest caller of " + display(self) + " that was not rewritten is " + nearest + ")" : "")
                + "\nMark the caller of " + outermost + " @Suspendable (or name its package with the agent option include=...);"
                + " a lambda passed to a method that is not rewritten, such as JUnit's assertThrows, or a method reference"
                + " passed to List.forEach, cannot suspend: call it from a plain loop, or outside such a method\n"
                + "The caller returned as if the call had ended (or an exception was thrown over the unwinding), and the"
                + " thread went on running until it called " + display(self));
    }

    /** "name(desc)" of the frames the unwinding in progress saved, outermost first. */
    private List<String> pendingKeys() {
        List<String> keys = new java.util.ArrayList<>();
        for (int f = 0, p = pendPrim, r = pendRef; f < pending; f++) {
            keys.add((String) scratchRefs[r]);
            r += Frames.HEADER_REFS + Frames.refCount(scratchPrims, p);
            p += Frames.primLength(scratchPrims, p);
        }
        return keys;
    }

    /** Where the unwinding in progress began, for messages: its deepest saved frame. */
    private static String suspendedIn(List<String> saved) {
        return saved.isEmpty() ? "a runtime call" : display(saved.get(saved.size() - 1));
    }

    private RuntimeException desynchronised(String self) {
        String expected = cursor < count ? display((String) refs[nextRef]) : "no further frame";
        List<String> saved = savedFrames().stream().map(FrameStack::display).collect(Collectors.toList());
        discard();
        return new IllegalStateException("resuming a green thread re-entered " + display(self) + " where "
                + expected + " was saved (saved frames, outermost first: " + saved + "). A method between them"
                + " was not rewritten, or the code was changed while the thread was suspended");
    }

    private void abandonUnwind() {
        if (pending > 0) {
            Arrays.fill(scratchRefs, pendRef, scratchRefs.length, null);
        }
        pending = 0;
        status = RUNNING;
    }

    private static boolean isRewritten(StackWalker.StackFrame f) {
        Instrumented marker = f.getDeclaringClass().getAnnotation(Instrumented.class);
        if (marker == null) {
            return false;
        }
        String key = f.getMethodName() + f.getDescriptor();
        return Arrays.asList(marker.value()).contains(key);
    }

    /** "name(desc)" as a reader would write it: name(int, java.lang.String). */
    static String display(String key) {
        if (key == null) {
            return "?";
        }
        int paren = key.indexOf('(');
        if (paren < 0) {
            return key;
        }
        return key.substring(0, paren) + "(" + Arrays.stream(argumentNames(key.substring(paren)))
                .collect(Collectors.joining(", ")) + ")";
    }

    private static String[] argumentNames(String desc) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        int i = 1;
        while (desc.charAt(i) != ')') {
            int dims = 0;
            while (desc.charAt(i) == '[') {
                dims++;
                i++;
            }
            String name;
            char c = desc.charAt(i);
            if (c == 'L') {
                int end = desc.indexOf(';', i);
                name = desc.substring(i + 1, end).replace('/', '.');
                i = end + 1;
            } else {
                name = switch (c) {
                    case 'Z' -> "boolean"; case 'B' -> "byte"; case 'C' -> "char"; case 'S' -> "short";
                    case 'I' -> "int"; case 'J' -> "long"; case 'F' -> "float"; default -> "double";
                };
                i++;
            }
            out.add(name + "[]".repeat(dims));
        }
        return out.toArray(new String[0]);
    }
}
