package dev.greenthreads.benchmarks;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import dev.greenthreads.samples.VirtualThreads;
import java.util.concurrent.Callable;
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
 * Spawning in bulk, the shape of a fan-out: start many threads that each return a value, then
 * join them all and sum. {@link StartJoinBenchmark} starts one thread at a time; here they all
 * exist at once, and the starter's path (a burst of submissions) is what is measured.
 *
 * <p>{@code from} is who starts them: {@code platform}, the benchmark's own platform thread
 * (a burst of submissions from outside the scheduler: the main thread of a server, a request
 * pool); {@code own}, a thread of the variant's own kind (a green thread for green, a virtual
 * thread for virtual). A virtual thread returns its value through an array slot, as
 * {@code Thread} has no result. Platform threads are started by the benchmark's platform thread
 * in both cases, and fewer of them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
@State(Scope.Benchmark)
public class BulkStartBenchmark {

    static final int THREADS = 10_000;
    static final int PLATFORM_THREADS = 500;

    @Param({"platform", "own"})
    public String from;

    @Benchmark
    @OperationsPerInvocation(THREADS)
    public long green(GreenScheduler s) throws Exception {
        return from.equals("own") ? s.scheduler.run(() -> fanOutGreen(s.scheduler)) : fanOutGreen(s.scheduler);
    }

    @Benchmark
    @OperationsPerInvocation(THREADS)
    public long virtual() throws Exception {
        Callable<Long> fanOut = () -> {
            long[] values = new long[THREADS];
            Thread[] threads = new Thread[THREADS];
            for (int i = 0; i < THREADS; i++) {
                int id = i;
                threads[i] = VirtualThreads.start(() -> values[id] = id);
            }
            long sum = 0;
            for (int i = 0; i < THREADS; i++) {
                VirtualThreads.join(threads[i]);
                sum += values[i];
            }
            return sum;
        };
        return from.equals("own") ? VirtualThreads.call(fanOut) : fanOut.call();
    }

    @Benchmark
    @OperationsPerInvocation(PLATFORM_THREADS)
    public long platform() throws InterruptedException {
        long[] values = new long[PLATFORM_THREADS];
        Thread[] threads = new Thread[PLATFORM_THREADS];
        for (int i = 0; i < PLATFORM_THREADS; i++) {
            int id = i;
            threads[i] = new Thread(() -> values[id] = id);
            threads[i].start();
        }
        long sum = 0;
        for (int i = 0; i < PLATFORM_THREADS; i++) {
            threads[i].join();
            sum += values[i];
        }
        return sum;
    }

    /** Starts the threads on {@code scheduler} from whatever thread calls it, then joins them all. */
    @Suspendable
    static long fanOutGreen(Scheduler scheduler) {
        @SuppressWarnings("unchecked")
        GreenThread<Long>[] threads = new GreenThread[THREADS];
        for (int i = 0; i < THREADS; i++) {
            long id = i;
            threads[i] = scheduler.start(() -> id);
        }
        long sum = 0;
        for (int i = 0; i < THREADS; i++) {
            sum += threads[i].join();
        }
        return sum;
    }
}
