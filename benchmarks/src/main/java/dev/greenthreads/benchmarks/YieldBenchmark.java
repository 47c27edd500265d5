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
 * One thread yielding {@value #YIELDS} times with {@code depth} frames of its own on the stack:
 * the cost of one switch out and back in, {@code GreenThread.yield} in a green thread against
 * {@code Thread.yield} in a virtual thread and in a platform thread. The thread is alone on its
 * scheduler, so each green or virtual yield goes through the run queue, unmounts the frames
 * and mounts them again; a platform thread's yield is a {@code sched_yield} system call. Depth
 * matters to a continuation that resumes frame by frame, not to a kernel thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
@State(Scope.Benchmark)
public class YieldBenchmark {

    static final int YIELDS = 10_000;

    @Param({"1", "10", "100"})
    public int depth;

    @Suspendable
    static int greenYields(int depth) {
        if (depth > 1) {
            return greenYields(depth - 1) + 1;
        }
        for (int i = 0; i < YIELDS; i++) {
            GreenThread.yield();
        }
        return 1;
    }

    static int javaYields(int depth) {
        if (depth > 1) {
            return javaYields(depth - 1) + 1;
        }
        for (int i = 0; i < YIELDS; i++) {
            Thread.yield();
        }
        return 1;
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int green(GreenScheduler s) {
        int d = depth;
        return s.scheduler.run(() -> greenYields(d));
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int virtual() {
        int d = depth;
        return VirtualThreads.call(() -> javaYields(d));
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int platform() {
        return javaYields(depth);
    }
}
