package dev.greenthreads.benchmarks;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Suspendable;
import dev.greenthreads.samples.VirtualThreads;
import dev.greenthreads.sync.Cond;
import dev.greenthreads.sync.Mutex;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Two threads take turns through a mutex and a condition variable: each locks, waits until it
 * is its turn, passes the turn, signals and unlocks. One operation is a round trip (two
 * passes, two wake-ups). Green threads use {@code sync.Mutex} and {@code sync.Cond}; virtual and
 * platform threads {@link ReentrantLock} and its {@link Condition}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
public class MutexCondPingPongBenchmark {

    static final int ROUNDS = 10_000;
    /** Fewer: each platform pass wakes a kernel thread. */
    static final int PLATFORM_ROUNDS = 1_000;

    /** The turn and its mutex and condition, green flavour. */
    static final class GreenTable {
        private final Mutex mutex = new Mutex();
        private final Cond turnChanged = new Cond();
        private int turn;
        private int passes;

        @Suspendable
        void play(int me, int rounds) {
            for (int i = 0; i < rounds; i++) {
                mutex.lock();
                try {
                    while (turn != me) {
                        turnChanged.await(mutex);
                    }
                    turn = 1 - me;
                    passes++;
                    turnChanged.signal();
                } finally {
                    mutex.unlock();
                }
            }
        }
    }

    /** The same with {@code java.util.concurrent}. */
    static final class JdkTable {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition turnChanged = lock.newCondition();
        private int turn;
        private int passes;

        void play(int me, int rounds) {
            for (int i = 0; i < rounds; i++) {
                lock.lock();
                try {
                    while (turn != me) {
                        turnChanged.awaitUninterruptibly();
                    }
                    turn = 1 - me;
                    passes++;
                    turnChanged.signal();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(ROUNDS)
    public int green(GreenScheduler s) {
        return checked(s.scheduler.run(() -> {
            GreenTable table = new GreenTable();
            GreenThread<Void> partner = GreenThread.start(() -> table.play(1, ROUNDS));
            table.play(0, ROUNDS);
            partner.join();
            return table.passes;
        }), ROUNDS);
    }

    @Benchmark
    @OperationsPerInvocation(ROUNDS)
    public int virtual() {
        return checked(VirtualThreads.call(() -> {
            JdkTable table = new JdkTable();
            Thread partner = VirtualThreads.start(() -> table.play(1, ROUNDS));
            table.play(0, ROUNDS);
            partner.join();
            return table.passes;
        }), ROUNDS);
    }

    @Benchmark
    @OperationsPerInvocation(PLATFORM_ROUNDS)
    public int platform() throws InterruptedException {
        JdkTable table = new JdkTable();
        Thread partner = new Thread(() -> table.play(1, PLATFORM_ROUNDS));
        partner.start();
        table.play(0, PLATFORM_ROUNDS);
        partner.join();
        return checked(table.passes, PLATFORM_ROUNDS);
    }

    static int checked(int passes, int rounds) {
        if (passes != 2 * rounds) {
            throw new IllegalStateException(passes + " passes instead of " + 2 * rounds);
        }
        return passes;
    }
}
