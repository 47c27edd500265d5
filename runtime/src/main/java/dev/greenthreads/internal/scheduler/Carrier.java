package dev.greenthreads.internal.scheduler;

import dev.greenthreads.internal.continuation.CarrierThread;
import dev.greenthreads.internal.continuation.FrameStack;

/**
 * A kernel thread that runs green threads: it asks its dispatcher for the next ready one and
 * runs it until it ends or suspends (the <em>runner</em>, {@link #runSlice}). The work-stealing
 * dispatcher keeps its scheduling state in the {@link Core} the carrier holds, if any
 * (package-info, "Cores and carrier threads").
 */
final class Carrier extends CarrierThread {

    final Dispatcher dispatcher;
    final int index;

    /** The core it holds (work-stealing dispatcher only), or null; written only by this thread. */
    Core core;
    /** Whether it is inside {@link #runSlice}'s run of a body; this thread's only. */
    boolean inSlice;
    /** Whether it is polling for I/O readiness between two slices; this thread's only. */
    boolean polling;
    /** Whether the thread it runs yields because its time slice expired ({@link TimeSlice}); this thread's only. */
    boolean preempted;
    /** A core the monitor hands to this carrier, parked as a spare. */
    volatile Core handoff;
    /** This thread's own ThreadLocal maps while a green thread's are mounted ({@link ThreadLocalMaps}). */
    Object ownThreadLocals, ownInheritableThreadLocals;

    Carrier(Dispatcher dispatcher, int index, String name) {
        super(null, name);
        this.dispatcher = dispatcher;
        this.index = index;
        setDaemon(true);
    }

    @Override
    public void run() {
        while (runNext()) {
            // one slice per call, so that no local of this frame holds the last thread while parked in next()
        }
    }

    private boolean runNext() {
        GreenStrand t = dispatcher.next(this);
        if (t == null) {
            return false;
        }
        runSlice(t);
        return true;
    }

    /**
     * The runner: runs or resumes {@code t} until its body returns, suspends or throws. After a
     * suspension the recorded after-unwind action is carried out only now (the after-unwind rule
     * of {@link dev.greenthreads.internal.continuation}).
     */
    private void runSlice(GreenStrand t) {
        t.beforeResume();
        FrameStack f = frames;
        f.mount(t, t);
        ThreadLocalMaps.mount(this, t);
        // The interrupt status follows the green thread as its thread-locals do, so that one that
        // re-asserts an interrupt (catch InterruptedException, interrupt()) keeps it, and no other
        // green thread of this carrier finds its JDK calls interrupted.
        if (t.interrupted) {
            t.interrupted = false;
            interrupt();
        }
        Object value = null;
        Throwable error = null;
        boolean suspended = false;
        dispatcher.sliceStarts(this);
        try {
            value = t.runBody();
            suspended = f.suspendedAfterRun();
        } catch (Throwable e) {
            f.discard();
            error = e;
        } finally {
            t.interrupted = Thread.interrupted();
            ThreadLocalMaps.unmount(this, t);
            f.unmount();
            dispatcher.sliceEnded(this);
        }
        try {
            if (suspended) {
                t.afterUnwind(this);
            } else {
                t.terminate(value, error);
            }
        } catch (Throwable e) {
            dispatcher.internalError("internal error in " + getName() + " after running green thread \""
                    + t.name() + "\"", e);
        }
    }
}
