package dev.greenthreads.benchmarks;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import dev.greenthreads.samples.VirtualThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a thread that sleeps 1 ms at a time sees while every carrier is taken by a thread that
 * computes: one spinner per carrier, each computing in chunks of {@value #CHUNK_MILLIS} ms with
 * a yield between chunks, and one ticker that sleeps 1 ms {@value #TICKS} times. One operation
 * is one tick: the ticker's wall time per 1 ms sleep, so 1 ms is ideal. With time slices
 * ({@code greenSlices}, the default 10 ms) the spinners yield at their loop's check once the
 * ticker is due, and a tick costs up to a slice; without them ({@code greenNoSlices}) and with
 * virtual threads, whose scheduler does not preempt either, a tick waits for a chunk to end;
 * platform threads are time-sliced by the kernel. A virtual ticker woken from its sleep may
 * wait for as long as the spinners run (the spinners' yields let each other run first): so that
 * an operation ends, every spinner stops after {@value #SPIN_LIMIT_MILLIS} ms.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 4, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(1)
public class SpinnerLatencyBenchmark {

    static final int TICKS = 5;
    static final long CHUNK_MILLIS = 50;
    static final int SPINNERS = GreenScheduler.CARRIERS;
    static final long SPIN_LIMIT_MILLIS = 1000;

    /** A scheduler with the default time slice. */
    @State(Scope.Benchmark)
    public static class Slices {
        Scheduler scheduler;

        @Setup(Level.Trial)
        public void start() {
            scheduler = Scheduler.builder().name("slices").carriers(GreenScheduler.CARRIERS).build();
        }

        @TearDown(Level.Trial)
        public void close() {
            scheduler.close();
        }
    }

    /** The same with time slices off. */
    @State(Scope.Benchmark)
    public static class NoSlices {
        Scheduler scheduler;

        @Setup(Level.Trial)
        public void start() {
            scheduler = Scheduler.builder().name("no-slices").carriers(GreenScheduler.CARRIERS)
                    .timeSlice(Duration.ZERO).build();
        }

        @TearDown(Level.Trial)
        public void close() {
            scheduler.close();
        }
    }

    /** Written to by the spinners so that the JIT keeps their work. */
    static volatile long sink;

    @Benchmark
    @OperationsPerInvocation(TICKS)
    public long greenSlices(Slices s) {
        return green(s.scheduler);
    }

    @Benchmark
    @OperationsPerInvocation(TICKS)
    public long greenNoSlices(NoSlices s) {
        return green(s.scheduler);
    }

    private static long green(Scheduler scheduler) {
        return scheduler.run(() -> {
            AtomicBoolean done = new AtomicBoolean();
            List<GreenThread<Void>> spinners = new ArrayList<>();
            for (int i = 0; i < SPINNERS; i++) {
                spinners.add(GreenThread.start(() -> {
                    long stop = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SPIN_LIMIT_MILLIS);
                    while (!done.get() && System.nanoTime() - stop < 0) {
                        spinChunk(done);
                        GreenThread.yield();
                    }
                }));
            }
            long start = System.nanoTime();
            GreenThread<Void> ticker = GreenThread.start(() -> {
                for (int t = 0; t < TICKS; t++) {
                    GreenThread.sleep(1);
                }
            });
            ticker.join();
            long took = System.nanoTime() - start;
            done.set(true);
            for (GreenThread<Void> t : spinners) {
                t.join();
            }
            return took;
        });
    }

    @Benchmark
    @OperationsPerInvocation(TICKS)
    public long virtual() throws Exception {
        return VirtualThreads.call(() -> {
            AtomicBoolean done = new AtomicBoolean();
            List<Thread> spinners = new ArrayList<>();
            for (int i = 0; i < SPINNERS; i++) {
                spinners.add(VirtualThreads.start(() -> {
                    long stop = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SPIN_LIMIT_MILLIS);
                    while (!done.get() && System.nanoTime() - stop < 0) {
                        spinPlain(done);
                        Thread.yield();
                    }
                }));
            }
            long start = System.nanoTime();
            Thread ticker = VirtualThreads.start(() -> {
                for (int t = 0; t < TICKS; t++) {
                    sleepMillis(1);
                }
            });
            VirtualThreads.join(ticker);
            long took = System.nanoTime() - start;
            done.set(true);
            for (Thread t : spinners) {
                VirtualThreads.join(t);
            }
            return took;
        });
    }

    @Benchmark
    @OperationsPerInvocation(TICKS)
    public long platform() throws InterruptedException {
        AtomicBoolean done = new AtomicBoolean();
        List<Thread> spinners = new ArrayList<>();
        for (int i = 0; i < SPINNERS; i++) {
            Thread t = new Thread(() -> {
                long stop = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SPIN_LIMIT_MILLIS);
                while (!done.get() && System.nanoTime() - stop < 0) {
                    spinPlain(done);
                    Thread.yield();
                }
            });
            t.start();
            spinners.add(t);
        }
        long start = System.nanoTime();
        for (int t = 0; t < TICKS; t++) {
            Thread.sleep(1);
        }
        long took = System.nanoTime() - start;
        done.set(true);
        for (Thread t : spinners) {
            t.join();
        }
        return took;
    }

    /** Computes for {@link #CHUNK_MILLIS} or until done; rewritten, so its loop has a time-slice check. */
    @Suspendable
    static void spinChunk(AtomicBoolean done) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHUNK_MILLIS);
        long x = 0;
        for (int i = 1; ; i++) {
            x = x * 31 + i;
            if ((i & 0x3FF) == 0 && (System.nanoTime() - until > 0 || done.get())) {
                break;
            }
        }
        sink = x;
    }

    /** The same, not rewritten: for virtual and platform threads. */
    static void spinPlain(AtomicBoolean done) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHUNK_MILLIS);
        long x = 0;
        for (int i = 1; ; i++) {
            x = x * 31 + i;
            if ((i & 0x3FF) == 0 && (System.nanoTime() - until > 0 || done.get())) {
                break;
            }
        }
        sink = x;
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
