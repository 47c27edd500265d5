package dev.greenthreads.internal.continuation;

/**
 * The saved frames of one green thread, and nothing else: what a suspended thread keeps on the
 * heap. Everything an unwinding or a resumption needs only while it runs (cursors, the frames
 * being saved, pins) lives in the carrier's {@link FrameStack}, which this is mounted on while
 * the thread runs. The layout is described there.
 */
public final class Frames {

    static final int[] NO_INTS = {};
    static final Object[] NO_REFS = {};

    /** Per frame: resume point, (primitive slots << 16 | references), then the primitive slots. */
    int[] prims = NO_INTS;
    /** Per frame: the method's key, then its references. */
    Object[] refs = NO_REFS;
    /** Saved frames, outermost first; their data ends at primTop and refTop. A suspended thread has at least one. */
    int count, primTop, refTop;

    /**
     * The saved frames' methods, innermost first, as "name(desc)": where a suspended thread
     * waits, for diagnostics. Read it only while the thread stays suspended.
     */
    public java.util.List<String> methods() {
        java.util.ArrayList<String> keys = new java.util.ArrayList<>();
        for (int f = 0, r = 0, p = 0; f < count && p + 1 < prims.length && r < refs.length; f++) {
            keys.add(0, String.valueOf(refs[r]));
            r += 1 + (prims[p + 1] & 0xFFFF);
            p += 2 + (prims[p + 1] >>> 16);
        }
        return keys;
    }
}
