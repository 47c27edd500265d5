package dev.greenthreads.benchmarks;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.scheduler.Strand;
import dev.greenthreads.samples.VirtualThreads;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Two threads hand a turn back and forth with the bare park/unpark primitive and a volatile
 * turn: {@code Strand.park/unpark} for green threads (the primitive under every {@code sync}
 * class), {@link LockSupport} for virtual and platform threads. One operation is a round trip.
 * The difference to {@link MutexCondPingPongBenchmark} is what the locks add.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(2)
public class ParkHandoffBenchmark {

    static final int ROUNDS = 10_000;
    static final int PLATFORM_ROUNDS = 1_000;

    /**
     * The driver plays side 0, the partner side 1. The partner starts with the turn, so it has
     * published its strand before the driver first unparks it.
     */
    static final class GreenBaton {
        private volatile int turn = 1;
        private volatile Strand driver, partner;
        private int passes;

        @Suspendable
        void drive(int rounds) {
            for (int i = 0; i < rounds; i++) {
                while (turn != 0) {
                    Strand.park();
                }
                passes++;
                turn = 1;
                partner.unpark();
            }
        }

        @Suspendable
        void answer(int rounds) {
            partner = Strand.current();
            for (int i = 0; i < rounds; i++) {
                while (turn != 1) {
                    Strand.park();
                }
                passes++;
                turn = 0;
                driver.unpark();
            }
        }
    }

    static final class JdkBaton {
        private volatile int turn = 1;
        private volatile Thread driver, partner;
        private int passes;

        void drive(int rounds) {
            for (int i = 0; i < rounds; i++) {
                while (turn != 0) {
                    LockSupport.park(this);
                }
                passes++;
                turn = 1;
                LockSupport.unpark(partner);
            }
        }

        void answer(int rounds) {
            partner = Thread.currentThread();
            for (int i = 0; i < rounds; i++) {
                while (turn != 1) {
                    LockSupport.park(this);
                }
                passes++;
                turn = 0;
                LockSupport.unpark(driver);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(ROUNDS)
    public int green(GreenScheduler s) {
        return MutexCondPingPongBenchmark.checked(s.scheduler.run(() -> {
            GreenBaton baton = new GreenBaton();
            baton.driver = Strand.current();
            GreenThread<Void> partner = GreenThread.start(() -> baton.answer(ROUNDS));
            baton.drive(ROUNDS);
            partner.join();
            return baton.passes;
        }), ROUNDS);
    }

    @Benchmark
    @OperationsPerInvocation(ROUNDS)
    public int virtual() {
        return MutexCondPingPongBenchmark.checked(VirtualThreads.call(() -> {
            JdkBaton baton = new JdkBaton();
            baton.driver = Thread.currentThread();
            Thread partner = VirtualThreads.start(() -> baton.answer(ROUNDS));
            baton.drive(ROUNDS);
            partner.join();
            return baton.passes;
        }), ROUNDS);
    }

    @Benchmark
    @OperationsPerInvocation(PLATFORM_ROUNDS)
    public int platform() throws InterruptedException {
        JdkBaton baton = new JdkBaton();
        baton.driver = Thread.currentThread();
        Thread partner = new Thread(() -> baton.answer(PLATFORM_ROUNDS));
        partner.start();
        baton.drive(PLATFORM_ROUNDS);
        partner.join();
        return MutexCondPingPongBenchmark.checked(baton.passes, PLATFORM_ROUNDS);
    }
}
