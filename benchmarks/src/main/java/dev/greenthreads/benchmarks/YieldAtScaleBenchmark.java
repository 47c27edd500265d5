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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Yield at scale: many threads yielding round-robin, {@value #TOTAL} yields in all, so that what
 * grows with the number of threads shows in the cost of one yield (run queue length, cache
 * misses on frames, the global queue). {@link YieldBenchmark} yields one thread alone. Each
 * invocation starts the threads, lets each yield its share, and joins them; the start and join
 * are part of the figure (a few per cent at 100,000 threads). Platform threads run 1,000
 * threads in both cases (100,000 kernel threads do not fit a default machine), and
 * {@value #PLATFORM_TOTAL} yields in all.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 6, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
@State(Scope.Benchmark)
public class YieldAtScaleBenchmark {

    static final int TOTAL = 2_000_000;
    static final int PLATFORM_THREADS = 1_000;
    /** Fewer: a platform thread's yield is a system call of microseconds. */
    static final int PLATFORM_TOTAL = 100_000;

    @Param({"1000", "100000"})
    public int crowd;

    @Benchmark
    @OperationsPerInvocation(TOTAL)
    public long green(GreenScheduler s) {
        int n = crowd;
        int each = TOTAL / n;
        return s.scheduler.run(() -> {
            @SuppressWarnings("unchecked")
            GreenThread<Void>[] all = new GreenThread[n];
            for (int i = 0; i < n; i++) {
                all[i] = GreenThread.start(() -> greenYields(each));
            }
            for (GreenThread<Void> t : all) {
                t.join();
            }
            return (long) n * each;
        });
    }

    @Benchmark
    @OperationsPerInvocation(TOTAL)
    public long virtual() {
        int n = crowd;
        int each = TOTAL / n;
        return VirtualThreads.call(() -> {
            Thread[] all = new Thread[n];
            for (int i = 0; i < n; i++) {
                all[i] = VirtualThreads.start(() -> javaYields(each));
            }
            for (Thread t : all) {
                VirtualThreads.join(t);
            }
            return (long) n * each;
        });
    }

    @Benchmark
    @OperationsPerInvocation(PLATFORM_TOTAL)
    public long platform() {
        int each = PLATFORM_TOTAL / PLATFORM_THREADS;
        Thread[] all = new Thread[PLATFORM_THREADS];
        for (int i = 0; i < PLATFORM_THREADS; i++) {
            all[i] = new Thread(() -> javaYields(each));
            all[i].start();
        }
        for (Thread t : all) {
            VirtualThreads.join(t);
        }
        return (long) PLATFORM_THREADS * each;
    }

    @Suspendable
    static void greenYields(int n) {
        for (int i = 0; i < n; i++) {
            GreenThread.yield();
        }
    }

    static void javaYields(int n) {
        for (int i = 0; i < n; i++) {
            Thread.yield();
        }
    }
}
