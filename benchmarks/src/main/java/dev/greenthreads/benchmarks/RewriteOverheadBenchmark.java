package dev.greenthreads.benchmarks;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Suspendable;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The same code rewritten and not rewritten, running without suspending: what a suspendable
 * method costs when it does not suspend. Three workloads:
 * <ul>
 *   <li>{@code fib}: recursion that cannot reach a suspension, in a {@code @Suspendable} class.
 *       The agent proves it and leaves it as javac wrote it, so this should cost nothing.
 *   <li>{@code fib-may-suspend}: the same recursion with a suspension its leaves could reach
 *       and never do. Every frame is rewritten and nearly every instruction is a call: the
 *       entry check and a status check after each call, the worst case.
 *   <li>{@code checksum}: a loop over an array that calls, per element, a small method that
 *       could suspend and does not: the common case of suspendable code between suspensions.
 * </ul>
 * The plain twins have the same guards, calling {@link Thread#yield()} instead, so the two
 * differ only by the rewrite.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
@State(Scope.Benchmark)
public class RewriteOverheadBenchmark {

    /** Never in {@link #data} and never an argument of fib: the guarded suspensions never happen. */
    static final int NEVER = -1;

    @Param({"fib", "fib-may-suspend", "checksum"})
    public String workload;

    private int[] data;

    @Setup
    public void setUp() {
        data = new int[4096];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 31 + 7;
        }
    }

    @Benchmark
    public long plain() {
        switch (workload) {
            case "fib": return Plain.fib(22);
            case "fib-may-suspend": return Plain.fibMaySuspend(22);
            default: return Plain.checksum(data);
        }
    }

    @Benchmark
    public long rewritten() {
        switch (workload) {
            case "fib": return Rewritten.fib(22);
            case "fib-may-suspend": return Rewritten.fibMaySuspend(22);
            default: return Rewritten.checksum(data);
        }
    }

    /** Not suspendable: left as javac wrote it. */
    static final class Plain {
        static long fib(int n) {
            return n < 2 ? n : fib(n - 1) + fib(n - 2);
        }

        static long fibMaySuspend(int n) {
            if (n < 2) {
                if (n == NEVER) {
                    Thread.yield();
                }
                return n;
            }
            return fibMaySuspend(n - 1) + fibMaySuspend(n - 2);
        }

        static long checksum(int[] a) {
            long sum = 0;
            for (int x : a) {
                sum = mix(sum, x);
            }
            return sum;
        }

        static long mix(long sum, int x) {
            if (x == NEVER) {
                Thread.yield();
            }
            return sum * 31 + (x ^ (x >>> 3));
        }
    }

    /** The same code, suspendable: what can reach {@link GreenThread#yield()} is rewritten by the agent. */
    @Suspendable
    static final class Rewritten {
        static long fib(int n) {
            return n < 2 ? n : fib(n - 1) + fib(n - 2);
        }

        static long fibMaySuspend(int n) {
            if (n < 2) {
                if (n == NEVER) {
                    GreenThread.yield();
                }
                return n;
            }
            return fibMaySuspend(n - 1) + fibMaySuspend(n - 2);
        }

        static long checksum(int[] a) {
            long sum = 0;
            for (int x : a) {
                sum = mix(sum, x);
            }
            return sum;
        }

        static long mix(long sum, int x) {
            if (x == NEVER) {
                GreenThread.yield();
            }
            return sum * 31 + (x ^ (x >>> 3));
        }
    }
}
