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
 * What a switch costs when the threads use thread-locals: two threads each yield
 * {@value #YIELDS} times; with {@code locals=set} each first sets its own value of one
 * {@link ThreadLocal} and reads it back after every yield (a wrong value fails the run). A green
 * thread's thread-locals are its own, so a switch between green threads that have some swaps the
 * carrier's maps; with {@code locals=unused} it must cost nothing more than a plain yield.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
@State(Scope.Benchmark)
public class ThreadLocalSwitchBenchmark {

    static final int YIELDS = 10_000;
    private static final ThreadLocal<Integer> LOCAL = new ThreadLocal<>();

    @Param({"unused", "set"})
    public String locals;

    @Suspendable
    static int greenTurns(Integer me, boolean set) {
        if (set) {
            LOCAL.set(me);
        }
        for (int i = 0; i < YIELDS; i++) {
            GreenThread.yield();
            if (set) {
                checkOwn(me);
            }
        }
        LOCAL.remove();
        return 1;
    }

    static int javaTurns(Integer me, boolean set) {
        if (set) {
            LOCAL.set(me);
        }
        for (int i = 0; i < YIELDS; i++) {
            Thread.yield();
            if (set) {
                checkOwn(me);
            }
        }
        LOCAL.remove();
        return 1;
    }

    private static void checkOwn(Integer me) {
        if (LOCAL.get() != me) {
            throw new IllegalStateException("thread " + me + " read another thread's value: " + LOCAL.get());
        }
    }

    @Benchmark
    @OperationsPerInvocation(2 * YIELDS)
    public int green(GreenScheduler s) {
        boolean set = locals.equals("set");
        return s.scheduler.run(() -> {
            GreenThread<Integer> partner = GreenThread.start(() -> greenTurns(1, set));
            return greenTurns(0, set) + partner.join();
        });
    }

    @Benchmark
    @OperationsPerInvocation(2 * YIELDS)
    public int virtual() {
        boolean set = locals.equals("set");
        return VirtualThreads.call(() -> {
            int[] partnerTurns = new int[1];
            Thread partner = VirtualThreads.start(() -> partnerTurns[0] = javaTurns(1, set));
            int mine = javaTurns(0, set);
            partner.join();
            return mine + partnerTurns[0];
        });
    }

    @Benchmark
    @OperationsPerInvocation(2 * YIELDS)
    public int platform() throws InterruptedException {
        boolean set = locals.equals("set");
        int[] partnerTurns = new int[1];
        Thread partner = new Thread(() -> partnerTurns[0] = javaTurns(1, set));
        partner.start();
        int mine = javaTurns(0, set);
        partner.join();
        return mine + partnerTurns[0];
    }
}
