package dev.greenthreads.benchmarks;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import dev.greenthreads.samples.VirtualThreads;
import dev.greenthreads.sync.Cond;
import dev.greenthreads.sync.Mutex;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * {@code threads} threads update shared fields under one lock, {@value #INCREMENTS} times in
 * all ({@code INCREMENTS / threads} each): a green {@code sync.Mutex} against a
 * {@link ReentrantLock} in virtual and in platform threads. The critical section is what users
 * put there, a few updates of shared fields ({@link Tally#add}: a count, a sum and the last
 * value), the same object in all three. One operation is one lock/update/unlock. The threads are started before the measured part (setup per
 * invocation) and wait at a gate; the measured part opens the gate and joins them all, so a
 * platform thread's creation does not count, and every thread competes from the start.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
@State(Scope.Benchmark)
public class ContendedMutexBenchmark {

    static final int INCREMENTS = 1 << 18;

    /** The shared state the critical section updates. */
    static final class Tally {
        long count;
        long sum;
        int last;

        void add(int value) {
            count++;
            sum += value;
            last = value;
        }

        /** The count, once checked against the sum: the lock let no update be lost. */
        long checked(int threads) {
            long each = INCREMENTS / threads;
            if (sum != threads * (each * (each - 1) / 2)) {
                throw new IllegalStateException("sum is " + sum + " after " + count + " updates: the lock let two threads in");
            }
            return count;
        }
    }

    @Param({"2", "8", "64"})
    public int threads;

    /** Started only for the green variant. */
    private GreenScheduler scheduler;
    private GreenRace green;
    private JdkRace jdk;

    /** Green threads: lock, increment, unlock; they wait at a gate made of a Mutex and a Cond. */
    static final class GreenRace {
        private final Mutex mutex = new Mutex();
        private final Tally tally = new Tally();
        private final int threads;
        private final Mutex gateMutex = new Mutex();
        private final Cond gateOpened = new Cond();
        private boolean open;
        private final GreenThread<?>[] workers;

        GreenRace(Scheduler scheduler, int threads) {
            this.threads = threads;
            int each = INCREMENTS / threads;
            workers = new GreenThread<?>[threads];
            for (int i = 0; i < threads; i++) {
                workers[i] = scheduler.start(() -> {
                    passGate();
                    increment(each);
                });
            }
        }

        @Suspendable
        private void passGate() {
            gateMutex.lock();
            try {
                while (!open) {
                    gateOpened.await(gateMutex);
                }
            } finally {
                gateMutex.unlock();
            }
        }

        @Suspendable
        private void increment(int times) {
            for (int i = 0; i < times; i++) {
                mutex.lock();
                try {
                    tally.add(i);
                } finally {
                    mutex.unlock();
                }
            }
        }

        /** From the benchmark's platform thread: open the gate, join everyone. */
        long run() {
            gateMutex.lock();
            open = true;
            gateOpened.broadcast();
            gateMutex.unlock();
            for (GreenThread<?> w : workers) {
                w.join();
            }
            return tally.checked(threads);
        }
    }

    /** Virtual or platform threads with a {@link ReentrantLock}; the gate is a latch. */
    static final class JdkRace {
        private final ReentrantLock lock = new ReentrantLock();
        private final Tally tally = new Tally();
        private final int threads;
        private final CountDownLatch gate = new CountDownLatch(1);
        private final Thread[] workers;

        JdkRace(boolean virtual, int threads) {
            this.threads = threads;
            int each = INCREMENTS / threads;
            Runnable body = () -> {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < each; i++) {
                    lock.lock();
                    try {
                        tally.add(i);
                    } finally {
                        lock.unlock();
                    }
                }
            };
            workers = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                if (virtual) {
                    workers[i] = VirtualThreads.start(body);
                } else {
                    workers[i] = new Thread(body);
                    workers[i].start();
                }
            }
        }

        long run() {
            gate.countDown();
            for (Thread w : workers) {
                VirtualThreads.join(w);
            }
            return tally.checked(threads);
        }
    }

    @Setup(Level.Trial)
    public void startScheduler(BenchmarkParams params) {
        if (params.getBenchmark().endsWith(".green")) {
            scheduler = new GreenScheduler();
            scheduler.start();
        }
    }

    @TearDown(Level.Trial)
    public void closeScheduler() {
        if (scheduler != null) {
            scheduler.close();
        }
    }

    /** Not measured: creates and starts the threads, which wait at the gate. */
    @Setup(Level.Invocation)
    public void startThreads(BenchmarkParams params) {
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        green = method.equals("green") ? new GreenRace(scheduler.scheduler, threads) : null;
        jdk = method.equals("green") ? null : new JdkRace(method.equals("virtual"), threads);
    }

    @Benchmark
    @OperationsPerInvocation(INCREMENTS)
    public long green() {
        return checked(green.run());
    }

    @Benchmark
    @OperationsPerInvocation(INCREMENTS)
    public long virtual() {
        return checked(jdk.run());
    }

    @Benchmark
    @OperationsPerInvocation(INCREMENTS)
    public long platform() {
        return checked(jdk.run());
    }

    private long checked(long counter) {
        if (counter != INCREMENTS - INCREMENTS % threads) {
            throw new IllegalStateException("counter is " + counter + ", not " + INCREMENTS + ": the lock let two threads in");
        }
        return counter;
    }
}
