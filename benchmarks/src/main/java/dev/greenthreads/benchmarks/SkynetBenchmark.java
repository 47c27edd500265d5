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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Skynet: every thread starts ten children and returns the sum of what they return; the
 * {@code 10^levels} leaves return their own number. With the default six levels that is
 * 1,111,111 threads, a million of them leaves, up to about a million alive at once. One
 * operation is the whole tree.
 *
 * <p>Platform threads build a tree of at most {@value #PLATFORM_LEVELS} levels (11,111
 * threads): a million platform threads is not feasible here (each reserves a native stack and
 * costs tens of microseconds and a kernel task to create; the kernel's thread limit on this
 * machine is below a million). Compare per thread ({@link #threads(int)}), as the report does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(2)
@State(Scope.Benchmark)
public class SkynetBenchmark {

    static final int FANOUT = 10;
    static final int PLATFORM_LEVELS = 4;

    @Param({"6"})
    public int levels;

    /** Threads in a tree of {@code levels} levels below the root: 1 + 10 + ... + 10^levels. */
    static long threads(int levels) {
        long n = 0;
        for (long level = 1, i = 0; i <= levels; i++, level *= FANOUT) {
            n += level;
        }
        return n;
    }

    static int platformLevels(int levels) {
        return Math.min(levels, PLATFORM_LEVELS);
    }

    @Suspendable
    static long greenTree(long number, long leaves) {
        if (leaves == 1) {
            return number;
        }
        long sub = leaves / FANOUT;
        @SuppressWarnings("unchecked")
        GreenThread<Long>[] children = (GreenThread<Long>[]) new GreenThread<?>[FANOUT];
        for (int i = 0; i < FANOUT; i++) {
            long first = number + i * sub;
            children[i] = GreenThread.start(() -> greenTree(first, sub));
        }
        long sum = 0;
        for (GreenThread<Long> child : children) {
            sum += child.join();
        }
        return sum;
    }

    static long javaTree(long number, long leaves, boolean virtual) {
        if (leaves == 1) {
            return number;
        }
        long sub = leaves / FANOUT;
        long[] sums = new long[FANOUT];
        Thread[] children = new Thread[FANOUT];
        for (int i = 0; i < FANOUT; i++) {
            long first = number + i * sub;
            int slot = i;
            Runnable child = () -> sums[slot] = javaTree(first, sub, virtual);
            if (virtual) {
                children[i] = VirtualThreads.start(child);
            } else {
                children[i] = new Thread(child);
                children[i].start();
            }
        }
        long sum = 0;
        for (int i = 0; i < FANOUT; i++) {
            VirtualThreads.join(children[i]);
            sum += sums[i];
        }
        return sum;
    }

    @Benchmark
    public long green(GreenScheduler s) {
        long leaves = leaves(levels);
        return checked(s.scheduler.run(() -> greenTree(0, leaves)), leaves);
    }

    @Benchmark
    public long virtual() {
        long leaves = leaves(levels);
        return checked(VirtualThreads.call(() -> javaTree(0, leaves, true)), leaves);
    }

    @Benchmark
    public long platform() {
        long leaves = leaves(platformLevels(levels));
        return checked(javaTree(0, leaves, false), leaves);
    }

    static long leaves(int levels) {
        long n = 1;
        for (int i = 0; i < levels; i++) {
            n *= FANOUT;
        }
        return n;
    }

    private static long checked(long sum, long leaves) {
        if (sum != leaves * (leaves - 1) / 2) {
            throw new IllegalStateException("skynet sum " + sum + " is wrong for " + leaves + " leaves");
        }
        return sum;
    }
}
