package dev.greenthreads.internal.continuation;

import dev.greenthreads.internal.sync.SpinLock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The saved frames of one green thread: what a suspended thread keeps on the heap. Everything an unwinding or a resumption needs only while it runs (cursors, the frames
 * being saved, pins) lives in the carrier's {@link FrameStack}, which this is mounted on while
 * the thread runs. The layout is described there.
 *
 * <p>The readers here ({@link #methods()}, {@link #places()}) run on other threads, for
 * diagnostics, without synchronising with the thread's carrier. They are correct while the
 * thread stays suspended, which the caller checks around the read (a volatile state read before
 * and after); should the thread run meanwhile, they may see a mix of two suspensions, so they
 * check every index and type and stop at the first thing that does not fit rather than fail.
 *
 * <p>A green thread's strand is its frames (the scheduler's {@code Strand} extends this), so that
 * they cost no object of their own; a platform thread's strand keeps them empty. This class
 * extends {@link SpinLock} only so that {@code Strand} can still be one: Java has one superclass.
 */
public class Frames extends SpinLock {

    static final int[] NO_INTS = {};
    static final Object[] NO_REFS = {};
    /** References in a frame's header: the method's key and the place of the call it suspended in. */
    static final int HEADER_REFS = 2;

    /** Frames whose resume point is below this, and whose slots and references are each below {@link #SMALL_SIZE}, have a one-int header. */
    static final int SMALL_PC = 1 << 11;
    static final int SMALL_SIZE = 1 << 10;

    /**
     * Per frame: its header, then its primitive slots. The header is one int, {@code pc << 20 |
     * slots << 10 | references} (non-negative), when the frame is small (see {@link #SMALL_PC}),
     * which nearly every frame is; else two ints, {@code -1 - pc} (negative), then
     * {@code slots << 16 | references}. Read it with the methods below.
     */
    int[] prims = NO_INTS;
    /** Per frame: the method's key, the call's place, then its references. */
    Object[] refs = NO_REFS;
    /** Saved frames, outermost first; their data ends at primTop and refTop. A suspended thread has at least one. */
    int count, primTop, refTop;

    public Frames() {
    }

    /**
     * The saved frames' methods, innermost first, as "name(desc)": where a suspended thread
     * waits, for diagnostics. Read it only while the thread stays suspended.
     */
    public List<String> methods() {
        List<String> keys = new ArrayList<>();
        walk(keys, 0);
        return keys;
    }

    /**
     * The saved frames' places, innermost first: per frame the class, method, file and line of
     * the call it is suspended in, "com.example.C.m(C.java:42)", the interned constant the agent
     * wrote (so equal places are the same string). Read it only while the thread stays
     * suspended; empty for a thread that has no saved frame.
     */
    public List<String> places() {
        List<String> places = new ArrayList<>(Math.max(count, 0));
        walk(places, 1);
        return places;
    }

    /** Adds header reference {@code which} of each frame to {@code out}, innermost first. */
    private void walk(List<String> out, int which) {
        int[] prims = this.prims;
        Object[] refs = this.refs;
        int n = count;
        for (int f = 0, r = 0, p = 0; f < n && r + which < refs.length; f++) {
            if (p >= prims.length || prims[p] < 0 && p + 1 >= prims.length || !(refs[r + which] instanceof String)) {
                break;
            }
            out.add((String) refs[r + which]);
            r += HEADER_REFS + refCount(prims, p);
            p += headerInts(prims[p]) + slots(prims, p);
        }
        Collections.reverse(out);
    }

    /** Ints in the header whose first int is {@code first}. */
    static int headerInts(int first) {
        return first >= 0 ? 1 : 2;
    }

    /** The primitive slots of the frame whose header starts at {@code p}. */
    static int slots(int[] prims, int p) {
        int h = prims[p];
        return h >= 0 ? h >>> 10 & (SMALL_SIZE - 1) : prims[p + 1] >>> 16;
    }

    /** The references (besides the header's) of the frame whose header starts at {@code p}. */
    static int refCount(int[] prims, int p) {
        int h = prims[p];
        return h >= 0 ? h & (SMALL_SIZE - 1) : prims[p + 1] & 0xFFFF;
    }

    /** Ints the frame whose header starts at {@code p} takes in prims. */
    static int primLength(int[] prims, int p) {
        return headerInts(prims[p]) + slots(prims, p);
    }

    /** Parses what the agent writes for a call site: "com.example.C.method(C.java:42)", "(Unknown Source)" without a file. */
    public static StackTraceElement element(String place) {
        int open = place.lastIndexOf('(');
        int dot = open < 0 ? -1 : place.lastIndexOf('.', open);
        if (dot < 0 || !place.endsWith(")")) {
            return new StackTraceElement("?", place, null, -1);
        }
        String where = place.substring(open + 1, place.length() - 1);
        String file = where;
        int line = -1;
        int colon = where.lastIndexOf(':');
        if (colon >= 0) {
            try {
                line = Integer.parseInt(where.substring(colon + 1));
                file = where.substring(0, colon);
            } catch (NumberFormatException e) {
                line = -1;
            }
        }
        if (file.equals("Unknown Source")) {
            file = null;
        } else if (file.equals("Native Method")) {
            file = null;
            line = -2;
        }
        return new StackTraceElement(place.substring(0, dot), place.substring(dot + 1, open), file, line);
    }
}
