package dev.greenthreads.internal.scheduler;

/** Starting and joining the threads of a model-checked test. */
public final class Threads {

    private Threads() {
    }

    public static Thread start(Runnable body) {
        Thread t = new Thread(body);
        t.start();
        return t;
    }

    public static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError("interrupted while joining " + t, e);
        }
    }
}
