package dev.greenthreads.internal.continuation;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The saved frames of one green thread, and the protocol that rewritten code follows to
 * suspend and resume. See {@code package-info.java} for the invariants; this class is the
 * only place that moves frame data.
 *
 * <h2>Implementation overview</h2>
 *
 * Frames are stored flat, without an object per frame: {@link #prims} holds every primitive
 * slot (as {@code long} bits, so the GC never scans it) and {@link #refs} every reference,
 * each frame's references preceded by the method's key ("name(desc)", an interned constant)
 * that resuming checks. {@link #meta} holds {@value #META} ints per frame: resume point and
 * where its primitives and references start. Frame 0 is the outermost (the green thread's
 * body), and committed frames lie in order, so a frame ends where the next begins.
 *
 * <p>Unwinding saves frames deepest first, before it is known how many frames below stay
 * valid. New records are therefore written past {@link #count} and their data past the
 * committed data; the <em>commit</em> (by the deepest frame that was kept, or by the runner
 * when none was) puts the new frames in order above the kept ones: it reverses the new data as
 * a whole and then each frame's block (which reverses the order of the blocks in place, with
 * no scratch space), moves it down to the end of the kept data, and reverses the records.
 * Kept frames are never written again: a green thread that yields in a loop at depth 100
 * saves only the frames that ran since its last switch.
  */
public final class FrameStack {

    /** Running normally: rewritten code takes its fast paths. */
    public static final int RUNNING = 0;
    /** Frames are being re-entered from the outermost, each restoring its locals. */
    public static final int RESUMING = 1;
    /** A suspension is travelling outwards: each frame saves itself and returns. */
    public static final int UNWINDING = 2;

    /** The stack of every thread that is not running a green thread: always {@link #RUNNING}. */
    public static final FrameStack NONE = new FrameStack(null);

    private static final int PC = 0, PRIM_BASE = 1, REF_BASE = 2, META = 3;

    /** Verification of suspension paths (agent option {@code verify}), on unless turned off. */
    private static final boolean VERIFY = !"false".equals(System.getProperty("greenthreads.verify"));

    /** Read by every rewritten method on entry and after every suspendable call. */
    public int status;

    private final Object owner;

    private int[] meta = EMPTY_INTS;
    private long[] prims = EMPTY_LONGS;
    private Object[] refs = EMPTY_OBJECTS;

    /** Committed frames, valid from 0 to count - 1; their data ends at primTop and refTop. */
    private int count, primTop, refTop;
    /** Frames saved by the unwinding in progress, stored at count .. count + pending - 1, deepest first. */
    private int pending;
    /** Whether a kept frame already committed the unwinding in progress. */
    private boolean committed;
    /** While resuming: the next frame to re-enter. */
    private int cursor;
    /** The frame being restored, and where its next primitive and reference are read or written. */
    private int frame, primAt, refAt;

    private int pinDepth;
    private String pinnedBy;

    private static final int[] EMPTY_INTS = {};
    private static final long[] EMPTY_LONGS = {};
    private static final Object[] EMPTY_OBJECTS = {};

    public FrameStack(Object owner) {
        this.owner = owner;
    }

    /** The green thread (or whatever the scheduler registered) that owns this stack; null for {@link #NONE}. */
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
            throw new IllegalStateException("a green thread cannot suspend inside " + s.pinnedBy
                    + ": the JVM holds a monitor or an object under construction there. "
                    + "Move the suspending call out of it (use dev.greenthreads.sync.Mutex instead of synchronized, "
                    + "a factory method instead of a constructor)");
        }
        s.status = UNWINDING;
        s.pending = 0;
        s.committed = false;
    }

    // ------------------------------------------------------------------------------------
    // Called by the runner that invokes a green thread's body.

    /**
     * Called after the body returned normally. Returns true when it returned because it
     * suspended: the frames are then committed and the next call of the body resumes them.
     * Returns false when the body ran to its end.
     */
    public boolean suspendedAfterRun() {
        switch (status) {
            case UNWINDING:
                if (!committed) {
                    commit(0);
                }
                status = RESUMING;
                cursor = 0;
                return true;
            case RESUMING:
                status = RUNNING;
                throw new IllegalStateException("the green thread's body returned while its frames were being"
                        + " resumed: the body's method was not rewritten. Make the body a SuspendableRunnable or"
                        + " SuspendableCallable, or run with the greenthreads agent");
            default:
                return false;
        }
    }

    /** Called when the body threw: forget every frame. */
    public void discard() {
        Arrays.fill(refs, null);
        status = RUNNING;
        count = pending = cursor = primTop = refTop = 0;
        pinDepth = 0;
        pinnedBy = null;
    }

    /** Saved frames, outermost first, as "name(desc)": for diagnostics. */
    public List<String> savedFrames() {
        List<String> keys = new java.util.ArrayList<>();
        for (int f = 0; f < count; f++) {
            keys.add(key(f));
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
        if (cursor >= count || key(cursor) != self) {
            throw desynchronised(self);
        }
        int f = cursor++;
        frame = f;
        primAt = meta[f * META + PRIM_BASE];
        refAt = meta[f * META + REF_BASE] + 1;
        return meta[f * META + PC];
    }

    /** Index of the frame being restored; a frame keeps it to commit with {@link #keep}. */
    public int frameIndex() {
        return frame;
    }

    public int popInt() {
        return (int) prims[primAt++];
    }

    public float popFloat() {
        return Float.intBitsToFloat((int) prims[primAt++]);
    }

    public long popLong() {
        return prims[primAt++];
    }

    public double popDouble() {
        return Double.longBitsToDouble(prims[primAt++]);
    }

    public Object popRef() {
        return refs[refAt++];
    }

    /**
     * Starts saving a frame while unwinding, with room for its slots.
     *
     * @param pc     resume point of the call site
     * @param self   "name(desc)" of the saving method
     * @param callee "name(desc)" of the method called at the site, or null when the call
     *               dispatches through an interface (a lambda's body has another name)
     * @param site   the call site for messages: "Class.method(File.java:line) calling Owner.name"
     */
    public void save(int pc, int nPrims, int nRefs, String self, String callee, String site) {
        if (VERIFY && callee != null && pending > 0 && key(count + pending - 1) != callee) {
            throw passedThroughUnrewritten(callee, site);
        }
        int f = count + pending;
        // Pending frames follow one another: the previous one's data ends where its pushes stopped.
        int primBase = pending == 0 ? primTop : primAt;
        int refBase = pending == 0 ? refTop : refAt;
        if ((f + 1) * META > meta.length) {
            meta = Arrays.copyOf(meta, grown(meta.length, (f + 1) * META));
        }
        if (primBase + nPrims > prims.length) {
            prims = Arrays.copyOf(prims, grown(prims.length, primBase + nPrims));
        }
        if (refBase + 1 + nRefs > refs.length) {
            refs = Arrays.copyOf(refs, grown(refs.length, refBase + 1 + nRefs));
        }
        int m = f * META;
        meta[m + PC] = pc;
        meta[m + PRIM_BASE] = primBase;
        meta[m + REF_BASE] = refBase;
        refs[refBase] = self;
        primAt = primBase;
        refAt = refBase + 1;
        pending++;
    }

    /** Capacity for {@code needed}: exact at first, then growing by half so saves stay amortised O(1). */
    private static int grown(int length, int needed) {
        return Math.max(needed, length + (length >> 1));
    }

    public void pushInt(int v) {
        prims[primAt++] = v;
    }

    public void pushFloat(float v) {
        prims[primAt++] = Float.floatToRawIntBits(v);
    }

    public void pushLong(long v) {
        prims[primAt++] = v;
    }

    public void pushDouble(double v) {
        prims[primAt++] = Double.doubleToRawLongBits(v);
    }

    public void pushRef(Object v) {
        refs[refAt++] = v;
    }

    /**
     * Unwinding reached a frame that was re-entered on resume and has not run since: it and
     * every frame below it are still saved. The deepest such frame commits the new frames
     * above it; the ones below find the work done.
     */
    public void keep(int index, String callee, String site) {
        if (committed) {
            return;
        }
        if (VERIFY && callee != null && pending > 0 && key(count + pending - 1) != callee) {
            throw passedThroughUnrewritten(callee, site);
        }
        commit(index + 1);
    }

    /**
     * Verification, after a call of a method that is not suspendable returned with a suspension
     * in progress (or a resumption unfinished): that method was not rewritten.
     */
    public RuntimeException passedThrough(String site) {
        boolean resuming = status == RESUMING;
        String suspendedIn = pending > 0 ? display(key(count + pending - 1)) : "a runtime call";
        String target = site.substring(site.lastIndexOf(" calling ") + " calling ".length());
        String reason = Refusals.reasonFor(site, null);
        if (resuming) {
            discard();
        } else {
            abandonUnwind();
        }
        return new IllegalStateException("a green thread " + (resuming ? "resumed through " : "suspended in " + suspendedIn
                + " and the suspension passed through ") + target + ", called at " + site.substring(0, site.lastIndexOf(" calling "))
                + ", which is not suspendable and so was not rewritten"
                + (reason != null ? " (" + reason + ")" : "") + ". Mark " + target
                + " @Suspendable (or name its package with the agent option include=...); JDK methods such as"
                + " List.forEach cannot suspend: use a plain loop");
    }

    /** Rewritten code at a call site that must not suspend (monitor held, constructor, initialiser). */
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

    /** The key ("name(desc)") of frame {@code f}, stored before its references. */
    private String key(int f) {
        return (String) refs[meta[f * META + REF_BASE]];
    }

    /** Places the pending frames in order at index {@code at}, their data right after the kept frames'. */
    private void commit(int at) {
        int n = pending, from = count;
        int keptPrims = at < count ? meta[at * META + PRIM_BASE] : primTop;
        int keptRefs = at < count ? meta[at * META + REF_BASE] : refTop;
        int newPrims = pending == 0 ? primTop : primAt, newRefs = pending == 0 ? refTop : refAt;
        int oldRefEnd = Math.max(refTop, newRefs);
        // Reverse the pending data as a whole, then each frame's block: the blocks come out
        // outermost first, each in its own order. Then slide them down onto the kept data.
        reverse(prims, null, primTop, newPrims);
        reverse(null, refs, refTop, newRefs);
        for (int k = 0; k < n; k++) {
            int m = (from + k) * META;
            int primEnd = k == n - 1 ? newPrims : meta[m + META + PRIM_BASE];
            int refEnd = k == n - 1 ? newRefs : meta[m + META + REF_BASE];
            int primStart = primTop + (newPrims - primEnd), refStart = refTop + (newRefs - refEnd);
            reverse(prims, null, primStart, primStart + primEnd - meta[m + PRIM_BASE]);
            reverse(null, refs, refStart, refStart + refEnd - meta[m + REF_BASE]);
            meta[m + PRIM_BASE] = keptPrims + (primStart - primTop);
            meta[m + REF_BASE] = keptRefs + (refStart - refTop);
        }
        System.arraycopy(prims, primTop, prims, keptPrims, newPrims - primTop);
        System.arraycopy(refs, refTop, refs, keptRefs, newRefs - refTop);
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            for (int c = 0; c < META; c++) {
                int t = meta[(from + i) * META + c];
                meta[(from + i) * META + c] = meta[(from + j) * META + c];
                meta[(from + j) * META + c] = t;
            }
        }
        System.arraycopy(meta, from * META, meta, at * META, n * META);
        primTop = keptPrims + (newPrims - primTop);
        refTop = keptRefs + (newRefs - refTop);
        Arrays.fill(refs, refTop, oldRefEnd, null);
        count = at + n;
        pending = 0;
        committed = true;
    }

    private static void reverse(long[] longs, Object[] objects, int from, int to) {
        for (int i = from, j = to - 1; i < j; i++, j--) {
            if (longs != null) {
                long t = longs[i];
                longs[i] = longs[j];
                longs[j] = t;
            } else {
                Object t = objects[i];
                objects[i] = objects[j];
                objects[j] = t;
            }
        }
    }

    private RuntimeException passedThroughUnrewritten(String callee, String site) {
        String suspendedIn = key(count + pending - 1);
        String reason = Refusals.reasonFor(site, callee);
        abandonUnwind();
        return new IllegalStateException("a green thread suspended in " + display(suspendedIn)
                + " and the suspension passed through a method that was not rewritten: "
                + site + " expected a frame of " + display(callee) + ". "
                + (reason != null ? "The agent refused to rewrite it: " + reason + ". " : "")
                + "Mark that method @Suspendable (and every method between it and the suspension), or name its package"
                + " with the agent option include=...");
    }

    private RuntimeException continuedAfterSuspension(String self) {
        String suspendedIn = pending > 0 ? key(count + pending - 1) : "a runtime call";
        abandonUnwind();
        String culprit = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .skip(2)
                .filter(f -> !isRewritten(f))
                .findFirst()
                .map(f -> f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")")
                .orElse("an unknown caller"));
        return new IllegalStateException("a green thread suspended in " + display(suspendedIn)
                + " but the suspension returned into " + culprit
                + ", which was not rewritten and went on running until it called " + display(self)
                + ". Mark it @Suspendable (or name its package with the agent option include=...);"
                + " JDK methods such as List.forEach cannot suspend: use a plain loop");
    }

    private RuntimeException desynchronised(String self) {
        String expected = cursor < count ? display(key(cursor)) : "no further frame";
        List<String> saved = savedFrames().stream().map(FrameStack::display).collect(Collectors.toList());
        discard();
        return new IllegalStateException("resuming a green thread re-entered " + display(self) + " where "
                + expected + " was saved (saved frames, outermost first: " + saved + "). A method between them"
                + " was not rewritten, or the code was changed while the thread was suspended");
    }

    private void abandonUnwind() {
        if (pending > 0) {
            Arrays.fill(refs, refTop, refAt, null);
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
