package dev.greenthreads.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.SuspendableRunnable;
import dev.greenthreads.sync.Mutex;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SwitchPoints#SHARED_FIELDS}: the lecture's TouchCount, whose threads add their counts
 * to a shared total with {@code total += count} and no lock at all. Runs in the surefire
 * execution whose agent has the option {@code fields} (runtime/pom.xml).
 */
class SharedFieldsTest {

    static final int BUDGET = 1_000;
    static final int CLEAN = 10_000;

    static final class TouchCount {
        int total;
    }

    @BeforeEach
    void needsTheAgentOption() {
        assumeTrue(Boolean.getBoolean("greenthreads.fields"), "runs in the surefire execution with the agent option fields");
    }

    /** Three threads each count the touched cells of their third of the grid and add the count to the total. */
    private static SuspendableRunnable touchCount(boolean locked) {
        return () -> {
            int[] grid = {1, 0, 1, 1, 0, 1, 1, 1, 0};
            TouchCount tc = new TouchCount();
            Mutex m = new Mutex();
            List<GreenThread<Void>> counters = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int from = t * 3;
                counters.add(GreenThread.start(() -> {
                    int count = 0;
                    for (int i = from; i < from + 3; i++) {
                        if (grid[i] != 0) {
                            count++;
                        }
                    }
                    if (locked) {
                        m.lock();
                    }
                    tc.total += count;
                    if (locked) {
                        m.unlock();
                    }
                }));
            }
            for (GreenThread<Void> c : counters) {
                c.join();
            }
            assertEquals(6, tc.total, "touched cells");
        };
    }

    private static ExploreOptions options(Strategy strategy, int schedules, SwitchPoints... points) {
        return ExploreOptions.defaults().strategy(strategy).schedules(schedules).seed(1).switchPoints(points);
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void theLostUpdateOfTotalIsFoundWithSharedFieldsAndReplayed(Strategy strategy) {
        ExploreResult r = Explorer.explore(options(strategy, BUDGET, SwitchPoints.SHARED_FIELDS), touchCount(false));
        System.out.println("explorer: TouchCount with SHARED_FIELDS, " + strategy + ": found in schedule "
                + (r.failed() ? r.failure().schedule() : "none") + " of " + BUDGET);
        assertTrue(r.failed(), "TouchCount's lost update not found in " + BUDGET + " schedules");
        Failure f = r.failure();
        assertTrue(f.error() instanceof AssertionError, String.valueOf(f.error()));
        assertTrue(f.replay().contains("switchPoints=SYNC,SHARED_FIELDS"), f.replay());
        assertTrue(f.trace().contains("read TouchCount.total") && f.trace().contains("write TouchCount.total"), f.trace());

        ExploreResult again = Explorer.replay(f.replay(), touchCount(false));
        assertTrue(again.failed());
        assertEquals(f.trace(), again.failure().trace());
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void withSyncSwitchPointsOnlyTheRaceIsInvisible(Strategy strategy) {
        ExploreResult r = Explorer.explore(options(strategy, CLEAN), touchCount(false));
        assertFalse(r.failed(), () -> "no switch point lies between the read and the write of total: " + r.failure());
    }

    @ParameterizedTest
    @EnumSource(Strategy.class)
    void withAMutexTheTotalIsRightInEverySchedule(Strategy strategy) {
        ExploreResult r = Explorer.explore(options(strategy, CLEAN, SwitchPoints.SHARED_FIELDS), touchCount(true));
        assertFalse(r.failed(), () -> String.valueOf(r.failure()));
        assertEquals(CLEAN, r.schedulesRun());
    }
}
