package dev.greenthreads.benchmarks;

import dev.greenthreads.Suspendable;
import dev.greenthreads.samples.VirtualThreads;
import dev.greenthreads.sync.Mutex;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One thread locks and unlocks a lock nobody else touches, {@value #LOCKS} times: the path every
 * lock takes when there is no contention, a green {@code sync.Mutex} in a green thread against a
 * {@link ReentrantLock} in a virtual and in a platform thread. One operation is one lock, one
 * increment and one unlock. The green path is the one deadlock detection must leave alone: it
 * looks at the wait-for graph only when a lock is contended.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
@State(Scope.Benchmark)
public class UncontendedMutexBenchmark {

    static final int LOCKS = 1 << 16;

    private final Mutex mutex = new Mutex();
    private final ReentrantLock lock = new ReentrantLock();
    private long counter;

    @Suspendable
    private long greenLocks() {
        for (int i = 0; i < LOCKS; i++) {
            mutex.lock();
            try {
                counter++;
            } finally {
                mutex.unlock();
            }
        }
        return counter;
    }

    private long jdkLocks() {
        for (int i = 0; i < LOCKS; i++) {
            lock.lock();
            try {
                counter++;
            } finally {
                lock.unlock();
            }
        }
        return counter;
    }

    @Benchmark
    @OperationsPerInvocation(LOCKS)
    public long green(GreenScheduler s) {
        return checked(s.scheduler.run(this::greenLocks));
    }

    @Benchmark
    @OperationsPerInvocation(LOCKS)
    public long virtual() {
        return checked(VirtualThreads.call(this::jdkLocks));
    }

    @Benchmark
    @OperationsPerInvocation(LOCKS)
    public long platform() {
        return checked(jdkLocks());
    }

    /** The counter only grows, by LOCKS per invocation. */
    private long checked(long after) {
        if (after % LOCKS != 0) {
            throw new IllegalStateException("counter is " + after + ", not a multiple of " + LOCKS + ": an increment was lost");
        }
        return after;
    }
}
