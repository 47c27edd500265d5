package dev.greenthreads.benchmarks;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import java.util.concurrent.TimeUnit;
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

/**
 * One thread yielding {@value #YIELDS} times at a given stack depth: the cost of one switch out
 * and back in, green {@code GreenThread.yield} against a virtual thread's {@code Thread.yield}.
 * Two threads on the green scheduler's carriers and the virtual threads' pool alike, so each
 * yield goes through the run queue and resumes the frames below it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class YieldBenchmark {

    static final int YIELDS = 10_000;

    @Param({"1", "100"})
    public int depth;

    private Scheduler scheduler;

    @Setup(Level.Trial)
    public void setUp() {
        scheduler = Scheduler.builder().name("yield-bench").carriers(1).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scheduler.close();
    }

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

    static int virtualYields(int depth) {
        if (depth > 1) {
            return virtualYields(depth - 1) + 1;
        }
        for (int i = 0; i < YIELDS; i++) {
            Thread.yield();
        }
        return 1;
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int green() {
        return scheduler.run(() -> greenYields(depth));
    }

    @Benchmark
    @OperationsPerInvocation(YIELDS)
    public int virtual() throws InterruptedException {
        int[] result = new int[1];
        Thread t = VirtualThreads.start(() -> result[0] = virtualYields(depth));
        t.join();
        return result[0];
    }
}
