package dev.greenthreads.benchmarks;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Suspendable;
import dev.greenthreads.samples.VirtualThreads;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A server's day: {@value #THREADS} threads, each {@value #ROUNDS} times sleeping 1 ms with
 * {@code Thread.sleep} (a call to a backend, a timer) and then computing for about
 * {@value #WORK_ITERATIONS} iterations of a hash (some tens of microseconds). One operation is
 * one round of one thread, so the score is the wall time the crowd needs per round: the lower,
 * the more rounds per second.
 *
 * <ul>
 *   <li>{@code green}: the sleep is in rewritten code, which the agent points at the green
 *       sleep: only the green thread waits.</li>
 *   <li>{@code greenBlocking}: the same sleep inside a library method that is not rewritten, so
 *       it blocks its carrier thread; the scheduler's monitor hands the carrier's place to
 *       another carrier thread (up to {@code maxCarriers}), the elastic pool at work.</li>
 *   <li>{@code virtual}: virtual threads, whose {@code Thread.sleep} unmounts wherever it is
 *       called.</li>
 *   <li>{@code platform}: a platform thread each.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(2)
public class MixedSleepBenchmark {

    static final int THREADS = 64;
    static final int ROUNDS = 5;
    static final int WORK_ITERATIONS = 20_000;

    /** Written so that the JIT keeps the work. */
    static volatile long sink;

    @Benchmark
    @OperationsPerInvocation(THREADS * ROUNDS)
    public long green(GreenScheduler s) {
        return s.scheduler.run(() -> {
            @SuppressWarnings("unchecked")
            GreenThread<Long>[] threads = new GreenThread[THREADS];
            for (int i = 0; i < THREADS; i++) {
                threads[i] = GreenThread.start(MixedSleepBenchmark::rewrittenRounds);
            }
            return joinAll(threads);
        });
    }

    @Benchmark
    @OperationsPerInvocation(THREADS * ROUNDS)
    public long greenBlocking(GreenScheduler s) {
        return s.scheduler.run(() -> {
            @SuppressWarnings("unchecked")
            GreenThread<Long>[] threads = new GreenThread[THREADS];
            for (int i = 0; i < THREADS; i++) {
                threads[i] = GreenThread.start(MixedSleepBenchmark::libraryRounds);
            }
            return joinAll(threads);
        });
    }

    @Benchmark
    @OperationsPerInvocation(THREADS * ROUNDS)
    public long virtual() throws Exception {
        return VirtualThreads.call(() -> {
            long[] results = new long[THREADS];
            Thread[] threads = new Thread[THREADS];
            for (int i = 0; i < THREADS; i++) {
                int id = i;
                threads[i] = VirtualThreads.start(() -> results[id] = libraryRounds());
            }
            long sum = 0;
            for (int i = 0; i < THREADS; i++) {
                VirtualThreads.join(threads[i]);
                sum += results[i];
            }
            return sum;
        });
    }

    @Benchmark
    @OperationsPerInvocation(THREADS * ROUNDS)
    public long platform() throws InterruptedException {
        long[] results = new long[THREADS];
        Thread[] threads = new Thread[THREADS];
        for (int i = 0; i < THREADS; i++) {
            int id = i;
            threads[i] = new Thread(() -> results[id] = libraryRounds());
            threads[i].start();
        }
        long sum = 0;
        for (int i = 0; i < THREADS; i++) {
            threads[i].join();
            sum += results[i];
        }
        return sum;
    }

    @Suspendable
    private static long joinAll(GreenThread<Long>[] threads) {
        long sum = 0;
        for (GreenThread<Long> t : threads) {
            sum += t.join();
        }
        return sum;
    }

    /** Rewritten: its {@code Thread.sleep} parks only the green thread. */
    @Suspendable
    private static long rewrittenRounds() throws InterruptedException {
        long h = 0;
        for (int r = 0; r < ROUNDS; r++) {
            Thread.sleep(1);
            h += work(r);
        }
        return h;
    }

    /** Not suspendable, so not rewritten: as a library's code, its {@code Thread.sleep} is the JDK's. */
    private static long libraryRounds() {
        long h = 0;
        for (int r = 0; r < ROUNDS; r++) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            h += work(r);
        }
        return h;
    }

    private static long work(int seed) {
        long h = seed;
        for (int i = 0; i < WORK_ITERATIONS; i++) {
            h = h * 31 + i;
        }
        sink = h;
        return h;
    }
}
