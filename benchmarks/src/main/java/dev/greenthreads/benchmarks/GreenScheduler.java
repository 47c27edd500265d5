package dev.greenthreads.benchmarks;

import dev.greenthreads.Scheduler;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The scheduler a green benchmark runs on: one per trial (per fork), closed at its end. As
 * many carriers as processors, which is also the parallelism of the JDK's virtual-thread
 * scheduler, so green and virtual variants have the same number of kernel threads to run on.
 * Benchmark methods that take this state are the only ones that start carriers.
 */
@State(Scope.Benchmark)
public class GreenScheduler {

    static final int CARRIERS = Runtime.getRuntime().availableProcessors();

    Scheduler scheduler;

    @Setup(Level.Trial)
    public void start() {
        scheduler = Scheduler.builder().name("bench").carriers(CARRIERS).build();
    }

    @TearDown(Level.Trial)
    public void close() {
        scheduler.close();
    }
}
