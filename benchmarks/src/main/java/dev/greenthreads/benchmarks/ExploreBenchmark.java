package dev.greenthreads.benchmarks;

import dev.greenthreads.SuspendableRunnable;
import dev.greenthreads.explore.ExploreOptions;
import dev.greenthreads.explore.ExploreResult;
import dev.greenthreads.explore.Explorer;
import dev.greenthreads.explore.Strategy;
import dev.greenthreads.explore.SwitchPoints;
import dev.greenthreads.samples.ThreeCounters;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The interleaving explorer's speed: time per schedule of {@link ThreeCounters} (3 threads, 20
 * switch points each) explored with PCT, with SYNC switch points ({@code green}) and with
 * SHARED_FIELDS as well ({@code greenSharedFields}), against one run of the same program on
 * three platform threads created for it ({@code platform}): what one schedule costs a tool that
 * must drive kernel threads, before it controls anything. The forks load the agent (from the
 * repository root, where the suite runs), which rewrites {@link ThreeCounters}, with the option
 * {@code fields} for {@code greenSharedFields}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsPrepend = "-javaagent:agent/target/greenthreads-agent.jar")
@State(Scope.Benchmark)
public class ExploreBenchmark {

    static final int SCHEDULES = 1_000;
    private static final SuspendableRunnable PROGRAM = ThreeCounters::green;

    private static int explore(SwitchPoints... points) {
        ExploreResult r = Explorer.explore(ExploreOptions.defaults().strategy(Strategy.PCT).depth(3)
                .schedules(SCHEDULES).switchPoints(points), PROGRAM);
        if (r.failed() || r.schedulesRun() != SCHEDULES) {
            throw new IllegalStateException("the correct program failed: " + r);
        }
        return r.schedulesRun();
    }

    @Benchmark
    @OperationsPerInvocation(SCHEDULES)
    public int green() {
        return explore(SwitchPoints.SYNC);
    }

    @Benchmark
    @OperationsPerInvocation(SCHEDULES)
    @Fork(value = 2, jvmArgsPrepend = "-javaagent:agent/target/greenthreads-agent.jar=fields")
    public int greenSharedFields() {
        return explore(SwitchPoints.SYNC, SwitchPoints.SHARED_FIELDS);
    }

    @Benchmark
    public void platform() throws InterruptedException {
        ThreeCounters.platform();
    }
}
