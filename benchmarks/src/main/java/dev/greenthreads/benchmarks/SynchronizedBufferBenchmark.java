package dev.greenthreads.benchmarks;

import dev.greenthreads.samples.SynchronizedBuffer;
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
 * The textbook bounded buffer ({@code synchronized}, {@code wait}, {@code notifyAll}; 16 slots)
 * between 4 producers and 4 consumers, one operation per item passed: green threads under the
 * agent option {@code monitors} ({@code green}), virtual threads (JDK 21+; JDK 24+ for monitors
 * that do not pin) and platform threads, all running {@link SynchronizedBuffer}'s same bytes (a samples class, rewritten as it loads). Then
 * the uncontended cost of entering and leaving a monitor in rewritten code, with the option
 * ({@code uncontendedMonitors}) and without ({@code uncontendedJvm}: the JVM's monitor alone).
 * The forks load the agent from the repository root, where the suite runs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
public class SynchronizedBufferBenchmark {

    static final int PAIRS = 4, ITEMS = 5_000, UNCONTENDED = 100_000;
    private static final String MONITORS = "-javaagent:agent/target/greenthreads-agent.jar=monitors";
    private static final String PINNING = "-javaagent:agent/target/greenthreads-agent.jar";

    static long checked(long sum) {
        long expected = (long) PAIRS * ITEMS * (ITEMS + 1) / 2;
        if (sum != expected) {
            throw new IllegalStateException("took " + sum + " in all instead of " + expected);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS * ITEMS)
    @Fork(value = 2, jvmArgsPrepend = MONITORS)
    public long green(GreenScheduler s) {
        return checked(SynchronizedBuffer.green(s.scheduler, PAIRS, ITEMS));
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS * ITEMS)
    public long virtual() {
        return checked(SynchronizedBuffer.virtual(PAIRS, ITEMS));
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS * ITEMS)
    public long platform() throws InterruptedException {
        return checked(SynchronizedBuffer.platform(PAIRS, ITEMS));
    }

    @Benchmark
    @OperationsPerInvocation(UNCONTENDED)
    @Fork(value = 2, jvmArgsPrepend = MONITORS)
    public long uncontendedMonitors(GreenScheduler s) {
        return SynchronizedBuffer.uncontended(s.scheduler, UNCONTENDED);
    }

    @Benchmark
    @OperationsPerInvocation(UNCONTENDED)
    @Fork(value = 2, jvmArgsPrepend = PINNING)
    public long uncontendedJvm(GreenScheduler s) {
        return SynchronizedBuffer.uncontended(s.scheduler, UNCONTENDED);
    }
}
