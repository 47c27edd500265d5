package dev.greenthreads;

import dev.greenthreads.sync.Cond;
import dev.greenthreads.sync.Mutex;
import java.io.IOException;

/**
 * A JVM for {@link CommandLineTest} to attach to: with the argument {@code green}, a scheduler
 * "target" with three green threads waiting on a Cond and one sleeping; with {@code plain}, no
 * green thread at all. It prints "ready" once they wait and exits when its standard input closes.
 */
public final class DumpTarget {

    private static final Mutex MUTEX = new Mutex();
    private static final Cond WORK = new Cond();
    private static volatile boolean done;

    private DumpTarget() {
    }

    public static void main(String[] args) throws IOException {
        Scheduler s = null;
        if (args.length > 0 && args[0].equals("green")) {
            s = Scheduler.builder().name("target").carriers(2).build();
            for (int i = 0; i < 3; i++) {
                GreenThread.builder().scheduler(s).name("worker-" + i).start(DumpTarget::waitForWork);
            }
            GreenThread.builder().scheduler(s).name("sleeper").start(() -> GreenThread.sleep(600_000));
            Scheduler target = s;
            while (target.threads().stream().filter(t -> t.state() == GreenThread.State.BLOCKED).count() < 4) {
                Thread.onSpinWait();
            }
        }
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // until the test closes our standard input
        }
        done = true;
        if (s != null) {
            MUTEX.lock();
            try {
                WORK.broadcast();
            } finally {
                MUTEX.unlock();
            }
        }
        System.exit(0);
    }

    @Suspendable
    private static void waitForWork() {
        MUTEX.lock();
        try {
            while (!done) {
                WORK.await(MUTEX);
            }
        } finally {
            MUTEX.unlock();
        }
    }
}
