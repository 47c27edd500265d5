package dev.greenthreads.samples;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Suspendable;
import dev.greenthreads.SuspendableRunnable;
import dev.greenthreads.explore.ExploreOptions;
import dev.greenthreads.explore.ExploreResult;
import dev.greenthreads.explore.Explorer;
import dev.greenthreads.explore.Failure;
import dev.greenthreads.explore.Strategy;
import dev.greenthreads.explore.SwitchPoints;
import dev.greenthreads.sync.Mutex;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code touch-count}: the lecture's heisenbug, found, replayed and fixed. Three green threads
 * each count the touched cells of their row of a grid and add the count to a shared total with
 * {@code total += count}, no lock: two threads can read the same old total, and one update is
 * lost, in some schedules only. Re-running the program may never show it; the interleaving
 * explorer tries schedule after schedule until one does, prints what each thread did, replays
 * that schedule, then explores the version with a {@link Mutex} and finds nothing.
 *
 * <p>Needs the agent option {@code fields}, which puts a switch point before every field access:
 * {@code java -javaagent:agent/target/greenthreads-agent.jar=fields -jar samples/target/greenthreads-samples.jar touch-count}.
 */
public final class TouchCount {

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: touch-count [--strategy PCT|RANDOM] [--schedules N] [--seed S]",
            "  --strategy   how the explorer picks the next thread (default PCT)",
            "  --schedules  schedules to try at most, for the race and for the fix (default 10000)",
            "  --seed       the explorer's seed: the same seed finds the same schedule (default 1)",
            "  runs under the agent with the option fields:",
            "  java -javaagent:agent/target/greenthreads-agent.jar=fields -jar samples/target/greenthreads-samples.jar"
                    + " touch-count");

    /** A 3 x 3 grid; 1 is a touched cell. */
    static final int[][] GRID = {{1, 0, 1}, {1, 0, 1}, {1, 1, 0}};
    static final int TOUCHED = 6;

    /** The shared counter. */
    static final class Counter {
        int total;
    }

    record Options(Strategy strategy, int schedules, long seed) {}

    private TouchCount() {
    }

    static int run(String[] args) throws Exception {
        return CommandLine.run("touch-count", USAGE, args, TouchCount::parse, TouchCount::run);
    }

    static Options parse(String[] args) throws CommandLine.UsageException {
        CommandLine cl = CommandLine.parse(args, Set.of("--strategy", "--schedules", "--seed"), Set.of());
        String s = cl.string("--strategy", "PCT").toUpperCase(Locale.ROOT);
        Strategy strategy;
        try {
            strategy = Strategy.valueOf(s);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.UsageException("--strategy " + s + " is not one of PCT, RANDOM");
        }
        return new Options(strategy, cl.integer("--schedules", 10_000, 1), cl.longValue("--seed", 1, Long.MIN_VALUE));
    }

    /** The program under test: three threads, one row each; {@code locked} puts a mutex around the update. */
    static SuspendableRunnable program(boolean locked) {
        return () -> {
            Counter counter = new Counter();
            Mutex mutex = new Mutex();
            List<GreenThread<Void>> threads = new ArrayList<>();
            for (int[] row : GRID) {
                threads.add(GreenThread.start(() -> countRow(row, counter, locked ? mutex : null)));
            }
            for (GreenThread<Void> t : threads) {
                t.join();
            }
            if (counter.total != TOUCHED) {
                throw new AssertionError("the total is " + counter.total + ", not " + TOUCHED + ": an update was lost");
            }
        };
    }

    @Suspendable
    static void countRow(int[] row, Counter counter, Mutex mutex) {
        int count = 0;
        for (int cell : row) {
            count += cell;
        }
        if (mutex != null) {
            mutex.lock();
        }
        counter.total += count; // read total, add, write total: another thread may write in between
        if (mutex != null) {
            mutex.unlock();
        }
    }

    private static int run(Options o) {
        if (!Boolean.getBoolean("greenthreads.fields")) {
            System.err.println("touch-count: the agent option fields is off, so there is no switch point inside"
                    + " total += count and no schedule can show the race. Run with");
            System.err.println("  java -javaagent:agent/target/greenthreads-agent.jar=fields"
                    + " -jar samples/target/greenthreads-samples.jar touch-count");
            return 2;
        }
        ExploreOptions options = ExploreOptions.defaults().strategy(o.strategy()).depth(3).schedules(o.schedules())
                .seed(o.seed()).switchPoints(SwitchPoints.SYNC, SwitchPoints.SHARED_FIELDS);
        System.out.println("touch-count: 3 green threads each count the touched cells of one row of the grid");
        System.out.println("and add their count to a shared total with  total += count  (no lock). Right answer: "
                + TOUCHED + ".");
        System.out.println();
        System.out.println("1. Exploring: " + options);
        ExploreResult race = Explorer.explore(options, program(false));
        if (!race.failed()) {
            System.out.println("   no schedule of " + race.schedulesRun() + " lost an update (try more --schedules)");
            return 1;
        }
        Failure f = race.failure();
        System.out.println("   schedule " + f.schedule() + " failed: " + f.error().getMessage());
        System.out.println("   Below, each thread's operations in the order they ran (#n). Look for two threads");
        System.out.println("   that both read Counter.total before either wrote it back: one write is lost.");
        System.out.println();
        System.out.println(f.trace().indent(3).stripTrailing());
        System.out.println();
        System.out.println("2. Replaying that one schedule from its line: " + f.replay());
        ExploreResult again = Explorer.replay(f.replay(), program(false));
        System.out.println(again.failed()
                ? "   the same failure, first try: " + again.failure().error().getMessage()
                : "   it did not fail again: the program depends on something the explorer does not control");
        System.out.println();
        System.out.println("3. The fix: a Mutex around total += count. Exploring " + o.schedules() + " schedules...");
        ExploreResult fixed = Explorer.explore(options, program(true));
        if (fixed.failed()) {
            System.out.println("   still failing: " + fixed.failure());
            return 1;
        }
        System.out.println("   " + fixed.schedulesRun() + " schedules, no lost update: the mutex makes the"
                + " read-add-write of total one step that no other thread can split.");
        return again.failed() ? 0 : 1;
    }
}
