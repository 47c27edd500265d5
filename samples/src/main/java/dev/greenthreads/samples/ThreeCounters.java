package dev.greenthreads.samples;

import dev.greenthreads.GreenThread;
import dev.greenthreads.SuspendableRunnable;
import dev.greenthreads.sync.Mutex;

/**
 * The program the benchmarks' {@code ExploreBenchmark} explores: three threads each increment a shared counter
 * {@value #ROUNDS} times under a mutex, 20 SYNC switch points per thread (before and after each
 * lock); with the agent option {@code fields}, 50 more (five field accesses a round: the mutex
 * twice, the counter, its value read and written).
 *
 * <p>It lives here because the samples, unlike the benchmarks, are not rewritten at build time:
 * the agent of the benchmark's fork rewrites it as it loads, with or without {@code fields}.
 */
public final class ThreeCounters {

    public static final int THREADS = 3;
    public static final int ROUNDS = 10;

    private int value;

    private ThreeCounters() {
    }

    /** As a green thread: starts the three, joins them, checks the count. */
    public static void green() {
        ThreeCounters c = new ThreeCounters();
        Mutex m = new Mutex();
        GreenThread<?>[] threads = new GreenThread<?>[THREADS];
        for (int t = 0; t < THREADS; t++) {
            threads[t] = GreenThread.start(new Incrementer(c, m));
        }
        for (GreenThread<?> t : threads) {
            t.join();
        }
        check(c.value);
    }

    private static final class Incrementer implements SuspendableRunnable {
        private final ThreeCounters counter;
        private final Mutex mutex;

        Incrementer(ThreeCounters counter, Mutex mutex) {
            this.counter = counter;
            this.mutex = mutex;
        }

        @Override
        public void run() {
            for (int i = 0; i < ROUNDS; i++) {
                mutex.lock();
                counter.value++;
                mutex.unlock();
            }
        }
    }

    /** The same on platform threads, created and joined: the Mutex blocks them as a pthread mutex would. */
    public static void platform() throws InterruptedException {
        ThreeCounters c = new ThreeCounters();
        Mutex m = new Mutex();
        Thread[] threads = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < ROUNDS; i++) {
                    m.lock();
                    c.value++;
                    m.unlock();
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        check(c.value);
    }

    private static void check(int value) {
        if (value != THREADS * ROUNDS) {
            throw new IllegalStateException("counted " + value + ", not " + THREADS * ROUNDS);
        }
    }
}
