package dev.greenthreads.benchmarks;

import dev.greenthreads.GreenThread;
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
 * Create, start and join a thread whose body does nothing, one after another: what a thread
 * costs from birth to death. Each variant's driver is a thread of its own kind (green from a
 * green thread, virtual from a virtual thread, platform from the benchmark's platform thread),
 * so a join parks what it would park in an application.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
public class StartJoinBenchmark {

    static final int THREADS = 10_000;
    /** Fewer: a platform thread costs tens of microseconds. */
    static final int PLATFORM_THREADS = 500;

    private static final Runnable NOTHING = () -> {
    };

    @Benchmark
    @OperationsPerInvocation(THREADS)
    public int green(GreenScheduler s) {
        return s.scheduler.run(() -> {
            int joined = 0;
            for (int i = 0; i < THREADS; i++) {
                GreenThread.start(() -> {
                }).join();
                joined++;
            }
            return joined;
        });
    }

    @Benchmark
    @OperationsPerInvocation(THREADS)
    public int virtual() {
        return VirtualThreads.call(() -> {
            int joined = 0;
            for (int i = 0; i < THREADS; i++) {
                VirtualThreads.start(NOTHING).join();
                joined++;
            }
            return joined;
        });
    }

    @Benchmark
    @OperationsPerInvocation(PLATFORM_THREADS)
    public int platform() throws InterruptedException {
        int joined = 0;
        for (int i = 0; i < PLATFORM_THREADS; i++) {
            Thread t = new Thread(NOTHING);
            t.start();
            t.join();
            joined++;
        }
        return joined;
    }
}
