package dev.greenthreads.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.greenthreads.GreenDeadlockException;
import dev.greenthreads.GreenThread;
import dev.greenthreads.Suspendable;
import dev.greenthreads.SuspendableRunnable;
import dev.greenthreads.sync.Mutex;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Suspendable
class ExplorerTest {

    /** Schedules within which each buggy program must fail, for either strategy. */
    static final int BUDGET = 1_000;
    /** Schedules each correct twin must pass. */
    static final int CLEAN = 10_000;

    static Stream<Arguments> programsAndStrategies() {
        List<Arguments> all = new ArrayList<>();
        for (BugPrograms.Pair p : BugPrograms.all()) {
            for (Strategy s : Strategy.values()) {
                all.add(Arguments.of(p, s));
            }
        }
        return all.stream();
    }

    /**
     * EXHAUSTIVE finds within the budget only the bugs of programs small enough: its order tries
     * every variation of a schedule's end before it changes the beginning, and the consumers'
     * and philosophers' programs have too many steps for 1,000 schedules (their correct twins
     * have more than 10,000 schedules).
     */
    static Stream<Arguments> programsAndStrategiesWithinBudget() {
        return programsAndStrategies().filter(a -> a.get()[1] != Strategy.EXHAUSTIVE
                || !java.util.Set.of("if instead of while", "dining philosophers").contains(a.get()[0].toString()));
    }

    private static ExploreOptions options(Strategy strategy, int schedules) {
        return ExploreOptions.defaults().strategy(strategy).depth(3).schedules(schedules).seed(1);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("programsAndStrategies")
    void findsTheBugWithinItsBudgetAndReplaysIt(BugPrograms.Pair program, Strategy strategy) {
        ExploreResult r = Explorer.explore(options(strategy, BUDGET), program.buggy);
        System.out.println("explorer: " + program + ", " + strategy + ": found in schedule "
                + (r.failed() ? r.failure().schedule() : "none") + " of " + BUDGET);
        assertTrue(r.failed(), program + " not found in " + BUDGET + " schedules of " + strategy);
        Failure f = r.failure();
        assertEquals(r.schedulesRun(), f.schedule());
        assertEquals(program.deadlocks, f.deadlock(), () -> "deadlock() for " + program + ": " + f);
        if (program.deadlocks) {
            assertInstanceOf(GreenDeadlockException.class, f.error());
        }
        assertTrue(f.trace().contains(f.replay()), f::trace);

        ExploreResult again = Explorer.replay(f.replay(), program.buggy);
        assertTrue(again.failed(), () -> "replay of \"" + f.replay() + "\" did not fail");
        assertEquals(1, again.schedulesRun());
        assertEquals(f.schedule(), again.failure().schedule());
        assertEquals(f.error().getClass(), again.failure().error().getClass());
        assertEquals(f.deadlock(), again.failure().deadlock());
        assertEquals(f.trace(), again.failure().trace(), "a replay reports the very same trace");
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("programsAndStrategies")
    void neverReportsTheCorrectTwin(BugPrograms.Pair program, Strategy strategy) {
        ExploreResult r = Explorer.explore(options(strategy, CLEAN), program.correct);
        assertFalse(r.failed(), () -> "false alarm for the correct " + program + ":\n" + r.failure());
        assertNull(r.failure());
        if (strategy == Strategy.EXHAUSTIVE) {
            // Fewer schedules than the budget: all of them were run, a proof for these switch points.
            System.out.println("explorer: correct " + program + ", EXHAUSTIVE: " + r.schedulesRun() + " schedules in all");
            assertTrue(r.schedulesRun() <= CLEAN);
        } else {
            assertEquals(CLEAN, r.schedulesRun());
        }
    }

    @Test
    void theTraceShowsEachThreadsOperationsWithSourceLinesAndSwitches() {
        Failure f = Explorer.explore(options(Strategy.PCT, BUDGET), BugPrograms::lostUpdate).failure();
        String trace = f.trace();
        assertTrue(trace.contains("main:"), trace);
        assertTrue(trace.contains("T1:") && trace.contains("T2:"), trace);
        assertTrue(trace.contains("lock Mutex#1"), trace);
        assertTrue(trace.contains("at BugPrograms.java:"), trace);
        assertTrue(trace.contains("<- T"), trace);
        assertTrue(trace.contains("ended by org.opentest4j.AssertionFailedError"), trace);
    }

    @Test
    void aDeadlockReportsTheWaitForCycleAndTheStacks() {
        Failure f = Explorer.explore(options(Strategy.PCT, BUDGET), BugPrograms::diningPhilosophers).failure();
        assertTrue(f.deadlock());
        assertTrue(f.trace().contains("waits for mutex Mutex#") && f.trace().contains("held by \"T"), f.trace());
        Failure missed = Explorer.explore(options(Strategy.RANDOM, BUDGET), BugPrograms::missedSignal).failure();
        assertTrue(missed.deadlock());
        assertTrue(missed.trace().contains("Stacks of the threads that did not end"), missed.trace());
        assertTrue(missed.trace().contains("await Cond#"), missed.trace());
        assertTrue(missed.trace().contains("BugPrograms.lambda$missedSignal$"), missed.trace());
    }

    @Test
    void theSameSeedGivesTheSameSequenceOfSchedules() {
        assertEquals(schedules(42), schedules(42));
    }

    /** What order the threads of each of 50 schedules ran their increments in. */
    private static List<String> schedules(long seed) {
        List<String> seen = new ArrayList<>();
        ExploreResult r = Explorer.explore(ExploreOptions.defaults().strategy(Strategy.RANDOM).schedules(50).seed(seed),
                () -> {
                    StringBuilder order = new StringBuilder();
                    Mutex m = new Mutex();
                    List<GreenThread<Void>> ts = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        char name = (char) ('a' + i);
                        ts.add(GreenThread.start(() -> {
                            for (int j = 0; j < 3; j++) {
                                m.lock();
                                order.append(name);
                                m.unlock();
                            }
                        }));
                    }
                    for (GreenThread<Void> t : ts) {
                        t.join();
                    }
                    seen.add(order.toString());
                });
        assertFalse(r.failed());
        assertEquals(50, seen.size());
        return seen;
    }

    @Test
    void exhaustiveRunsEveryInterleavingOnceAndStops() {
        java.util.Set<String> orders = new java.util.TreeSet<>();
        int[] runs = {0};
        int budget = 200_000;
        ExploreResult r = Explorer.explore(ExploreOptions.defaults().strategy(Strategy.EXHAUSTIVE).schedules(budget), () -> {
            runs[0]++;
            StringBuilder order = new StringBuilder();
            Mutex m = new Mutex();
            List<GreenThread<Void>> ts = new ArrayList<>();
            for (char name : new char[] {'a', 'b'}) {
                ts.add(GreenThread.start(() -> {
                    for (int j = 0; j < 2; j++) {
                        m.lock();
                        order.append(name);
                        m.unlock();
                    }
                }));
            }
            for (GreenThread<Void> t : ts) {
                t.join();
            }
            orders.add(order.toString());
        });
        assertFalse(r.failed());
        assertEquals(runs[0], r.schedulesRun());
        System.out.println("explorer: EXHAUSTIVE ran out of schedules after " + r.schedulesRun());
        assertTrue(r.schedulesRun() < budget, "it ran out of schedules: " + r.schedulesRun());
        assertEquals(java.util.Set.of("aabb", "abab", "abba", "baab", "baba", "bbaa"), orders,
                "every order of two threads' two critical sections");
    }

    @Test
    void theSameSeedFindsTheSameFailure() {
        Failure a = Explorer.explore(options(Strategy.RANDOM, BUDGET), BugPrograms::ifInsteadOfWhile).failure();
        Failure b = Explorer.explore(options(Strategy.RANDOM, BUDGET), BugPrograms::ifInsteadOfWhile).failure();
        assertEquals(a.schedule(), b.schedule());
        assertEquals(a.replay(), b.replay());
        assertEquals(a.trace(), b.trace());
    }

    @Test
    void timeIsVirtualSoAnHourOfSleepTakesNoTime() throws Exception {
        long start = System.nanoTime();
        AtomicInteger timedOut = new AtomicInteger();
        ExploreResult r = Explorer.explore(ExploreOptions.defaults().schedules(20), () -> {
            GreenThread<Void> sleeper = GreenThread.start(() -> GreenThread.sleep(Duration.ofHours(1)));
            try {
                sleeper.join(Duration.ofMinutes(1));
            } catch (TimeoutException expected) {
                timedOut.incrementAndGet();
            }
            sleeper.join();
        });
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertFalse(r.failed(), () -> String.valueOf(r.failure()));
        assertEquals(20, timedOut.get(), "a one-minute join of a thread sleeping an hour times out, in every schedule");
        assertTrue(seconds < 30, "20 schedules of an hour's sleep took " + seconds + " s of real time");
    }

    @Test
    void aTryLockThatFindsTheMutexHeldIsFound() {
        ExploreResult r = Explorer.explore(ExploreOptions.defaults().strategy(Strategy.RANDOM).schedules(BUDGET), () -> {
            Mutex m = new Mutex();
            GreenThread<Void> holder = GreenThread.start(() -> {
                m.lock();
                m.unlock();
            });
            GreenThread<Void> trier = GreenThread.start(() -> {
                if (!m.tryLock()) {
                    throw new IllegalStateException("tryLock found the mutex held");
                }
                m.unlock();
            });
            holder.join();
            trier.join();
        });
        assertTrue(r.failed());
        assertEquals("tryLock found the mutex held", r.failure().error().getMessage());
    }

    @Test
    void aScheduleLongerThanMaxStepsIsALivelock() {
        ExploreResult r = Explorer.explore(ExploreOptions.defaults().maxSteps(1_000).schedules(10), () -> {
            BugPrograms.Box flag = new BugPrograms.Box();
            GreenThread<Void> spinner = GreenThread.start(() -> {
                while (!flag.ready) {
                    GreenThread.yield();
                }
            });
            spinner.join();
        });
        assertTrue(r.failed());
        assertEquals(1, r.failure().schedule());
        assertFalse(r.failure().deadlock());
        assertTrue(r.failure().error().getMessage().startsWith("livelock"), r.failure().error().getMessage());
    }

    @Test
    void aSpinWaitOnAnotherThreadIsNoLivelock() {
        ExploreResult r = Explorer.explore(ExploreOptions.defaults().maxSteps(1_000).schedules(CLEAN / 10), () -> {
            BugPrograms.Box flag = new BugPrograms.Box();
            Mutex m = new Mutex();
            GreenThread<Void> spinner = GreenThread.start(() -> {
                while (!flag.ready) {
                    GreenThread.yield();
                }
            });
            m.lock();
            flag.ready = true;
            m.unlock();
            spinner.join();
        });
        assertFalse(r.failed(), () -> String.valueOf(r.failure()));
    }

    /**
     * PCT's guarantee: a bug of depth d in a program of n threads and k steps shows in a schedule
     * with probability at least 1 / (n k^(d-1)). The lost update has depth 2 (the second thread
     * must read before the first writes, and write after it), n = 3 (main and two workers);
     * maxSteps bounds k, as the correct twin passes under it.
     */
    @Test
    void pctFindsADepthTwoBugAtLeastAsOftenAsItsBoundSays() {
        int k = 40;
        assertFalse(Explorer.explore(options(Strategy.PCT, 1_000).maxSteps(k), BugPrograms::lostUpdateFixed).failed(),
                "the program has at most " + k + " steps");
        AtomicInteger lost = new AtomicInteger();
        int schedules = 3_000;
        ExploreResult r = Explorer.explore(ExploreOptions.defaults().strategy(Strategy.PCT).depth(2).schedules(schedules)
                .seed(5).maxSteps(k), () -> {
                    try {
                        BugPrograms.lostUpdate();
                    } catch (AssertionError e) {
                        lost.incrementAndGet();
                    }
                });
        assertFalse(r.failed());
        double bound = 1.0 / (3.0 * k);
        System.out.println("explorer: PCT depth 2 showed the lost update in " + lost.get() + " of " + schedules
                + " schedules; bound " + bound * schedules);
        assertTrue(lost.get() >= bound * schedules, lost.get() + " of " + schedules + " schedules, bound " + bound);
    }

    @Test
    void sharedFieldsWithoutTheAgentOptionFailsAtOnceSayingHowToTurnItOn() {
        assumeFalse(Boolean.getBoolean("greenthreads.fields"), "the agent runs with fields: nothing to refuse");
        SuspendableRunnable body = () -> { };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Explorer.explore(
                ExploreOptions.defaults().switchPoints(SwitchPoints.SYNC, SwitchPoints.SHARED_FIELDS), body));
        assertTrue(e.getMessage().startsWith("switchPoints(SHARED_FIELDS) needs the agent option \"fields\""),
                e.getMessage());
        assertTrue(e.getMessage().contains("-javaagent:greenthreads-agent.jar=fields"), e.getMessage());
    }

    @Test
    void aBadReplayLineIsRefusedSayingWhichPart() {
        SuspendableRunnable body = () -> { };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Explorer.replay("strategy=PCT depth=3 k=4 seed=1 schedule=x switchPoints=SYNC maxSteps=9", body));
        assertTrue(e.getMessage().contains("schedule=x is not a number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Explorer.replay("strategy=FAST seed=1", body));
        assertTrue(e.getMessage().contains("strategy=FAST is not one of [RANDOM, PCT"), e.getMessage());
    }
}
