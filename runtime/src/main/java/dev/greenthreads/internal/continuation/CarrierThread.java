package dev.greenthreads.internal.continuation;

/**
 * A kernel thread that runs green threads. Rewritten code finds the running green thread's
 * {@link FrameStack} through this field instead of a {@code ThreadLocal}: one type check and
 * one field read on {@link Thread#currentThread()}.
 */
public class CarrierThread extends Thread {

    /** The frame stack of the green thread running on this carrier, {@link FrameStack#NONE} between them. */
    public FrameStack frames = FrameStack.NONE;

    public CarrierThread(Runnable loop, String name) {
        super(null, loop, name, 0, false);
    }
}
