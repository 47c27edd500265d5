package dev.greenthreads.benchmarks;

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
 * method costs when it does not suspend (the entry check, and a field read and a branch after
 * each call). Two workloads: recursion, where nearly every instruction is a call (the worst
 * case), and a loop over an array that calls a small method per element.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(3)
@State(Scope.Benchmark)
public class RewriteOverheadBenchmark {

    @Param({"fib", "checksum"})
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
        return workload.equals("fib") ? Plain.fib(22) : Plain.checksum(data);
    }

    @Benchmark
    public long rewritten() {
        return workload.equals("fib") ? Rewritten.fib(22) : Rewritten.checksum(data);
    }

    /** Not suspendable: left as javac wrote it. */
    static final class Plain {
        static long fib(int n) {
            return n < 2 ? n : fib(n - 1) + fib(n - 2);
        }

        static long checksum(int[] a) {
            long sum = 0;
            for (int x : a) {
                sum = mix(sum, x);
            }
            return sum;
        }

        static long mix(long sum, int x) {
            return sum * 31 + (x ^ (x >>> 3));
        }
    }

    /** The same code, suspendable: rewritten by the agent. */
    @Suspendable
    static final class Rewritten {
        static long fib(int n) {
            return n < 2 ? n : fib(n - 1) + fib(n - 2);
        }

        static long checksum(int[] a) {
            long sum = 0;
            for (int x : a) {
                sum = mix(sum, x);
            }
            return sum;
        }

        static long mix(long sum, int x) {
            return sum * 31 + (x ^ (x >>> 3));
        }
    }
}
