package dev.greenthreads.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import dev.greenthreads.SuspendableCallable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import dev.greenthreads.testing.Await;

/** What the tests of this package share: schedulers, waiting for an event, the lecture's bounded buffer. */
final class SyncTesting {

    /** Seeds each deterministic program is run with. */
    static final int SEEDS = 1000;

    private SyncTesting() {
    }

    /** A work-stealing scheduler with two carriers, so that green threads really run in parallel. */
    static Scheduler twoCarriers() {
        return Scheduler.builder().carriers(2).name("sync-test").build();
    }

    /** Runs {@code body} as a green thread of a fresh deterministic scheduler seeded with {@code seed}. */
    static <V> V deterministic(long seed, SuspendableCallable<V> body) {
        try (Scheduler s = Scheduler.deterministic(seed)) {
            return s.run(body);
        }
    }

    /** Busy-waits about {@code nanos}: a controlled distance between two racing actions, not a wait for an event. */
    static void spinNanos(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }

    /** Spins until {@code t} is running or has ended: the moment to race it. */
    static void awaitRunning(GreenThread<?> t) {
        for (GreenThread.State st; (st = t.state()) != GreenThread.State.RUNNING && st != GreenThread.State.TERMINATED; ) {
            Thread.onSpinWait();
        }
    }

    /** Waits until {@code t} has ended (without joining it, so its outcome stays unexamined). */
    static void awaitEnded(GreenThread<?> t) {
        Await.until(() -> t.state() == GreenThread.State.TERMINATED);
    }

    /** Starts {@code n} green threads on {@code s}, the i-th running {@code body.run(i)}, and joins them all. */
    @Suspendable
    static void runAll(Scheduler s, int n, IndexedBody body) {
        List<GreenThread<Void>> threads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            threads.add(s == null ? GreenThread.start(() -> body.run(index)) : s.start(() -> body.run(index)));
        }
        for (GreenThread<Void> t : threads) {
            t.join();
        }
    }

    /** A thread body that knows its index; suspendable like the bodies it is called from. */
    @FunctionalInterface
    @Suspendable
    interface IndexedBody {
        void run(int index) throws Exception;
    }

    /** The lecture's bounded buffer: one mutex, two condition variables. */
    static final class BoundedBuffer {
        private final Mutex mutex = new Mutex();
        private final Cond notFull = new Cond();
        private final Cond notEmpty = new Cond();
        private final int[] items;
        private int head, count;

        BoundedBuffer(int capacity) {
            items = new int[capacity];
        }

        @Suspendable
        void put(int item) {
            mutex.lock();
            try {
                while (count == items.length) {
                    notFull.await(mutex);
                }
                items[(head + count) % items.length] = item;
                count++;
                notEmpty.signal();
            } finally {
                mutex.unlock();
            }
        }

        @Suspendable
        int take() {
            mutex.lock();
            try {
                while (count == 0) {
                    notEmpty.await(mutex);
                }
                int item = items[head];
                head = (head + 1) % items.length;
                count--;
                notFull.signal();
                return item;
            } finally {
                mutex.unlock();
            }
        }
    }

    /** Asserts every value in [0, n) was seen exactly once. */
    static void assertEachOnce(int[] seen) {
        for (int v = 0; v < seen.length; v++) {
            assertEquals(1, seen[v], "item " + v + " taken " + seen[v] + " times");
        }
        assertTrue(seen.length > 0);
    }
}
