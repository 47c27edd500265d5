package dev.greenthreads.internal.continuation;

/**
 * A kernel thread that runs green threads. Rewritten code finds the {@link FrameStack} that
 * the running green thread is mounted on through this field instead of a {@code ThreadLocal}:
 * one type check and one field read on {@link Thread#currentThread()}.
 */
public class CarrierThread extends Thread {

    /** This carrier's frame stack: the running green thread's frames are mounted on it. */
    public final FrameStack frames = new FrameStack();

    public CarrierThread(Runnable loop, String name) {
        super(null, loop, name, 0, false);
    }
}
