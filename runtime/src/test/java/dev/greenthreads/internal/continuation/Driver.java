package dev.greenthreads.internal.continuation;

import dev.greenthreads.Suspendable;
import dev.greenthreads.SuspendableRunnable;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs a body as a continuation without a scheduler, the way a carrier's runner does: call it,
 * and after each suspension call it again, on whichever of two carrier threads is free, so
 * frames saved on one kernel thread are resumed on another.
 */
final class Driver implements AutoCloseable {

    private final ExecutorService carriers = Executors.newFixedThreadPool(2, r -> new CarrierThread(r, "driver"));

    /** The suspension the tests use: the one primitive, behind a suspendable method. */
    @Suspendable
    static void pause() {
        FrameStack.suspend();
    }

    /** Runs {@code body} to its end and returns how many times it suspended. */
    int run(SuspendableRunnable body) throws Exception {
        Frames frames = new Frames();
        int suspensions = 0;
        while (slice(frames, body)) {
            suspensions++;
        }
        return suspensions;
    }

    private boolean slice(Frames frames, SuspendableRunnable body) throws Exception {
        try {
            return carriers.submit(new Slice(frames, body, this)).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception) {
                throw (Exception) e.getCause();
            }
            throw (Error) e.getCause();
        }
    }

    /**
     * One run of the body: the runner, where the unwinding ends. A class rather than a lambda:
     * the agent pins a lambda of a JDK interface (here {@code Callable}) that calls suspendable
     * code, since JDK code calling it back could never be unwound.
     */
    private static final class Slice implements Callable<Boolean> {
        private final Frames frames;
        private final SuspendableRunnable body;
        private final Object owner;

        Slice(Frames frames, SuspendableRunnable body, Object owner) {
            this.frames = frames;
            this.body = body;
            this.owner = owner;
        }

        @Override
        public Boolean call() throws Exception {
            FrameStack stack = ((CarrierThread) Thread.currentThread()).frames;
            stack.mount(frames, owner);
            try {
                body.run();
                return stack.suspendedAfterRun();
            } catch (Throwable t) {
                stack.discard();
                throw t;
            } finally {
                stack.unmount();
            }
        }
    }

    @Override
    public void close() {
        carriers.shutdownNow();
    }
}
