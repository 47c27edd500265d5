package dev.greenthreads.internal.scheduler;

/** Starting and joining the threads of a model-checked race. */
final class Race {

    private Race() {
    }

    static Thread start(Runnable body) {
        Thread t = new Thread(body);
        t.start();
        return t;
    }

    static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError("interrupted while joining " + t, e);
        }
    }
}
