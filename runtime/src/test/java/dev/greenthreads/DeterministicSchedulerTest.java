package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DeterministicSchedulerTest {

    /** Four threads each record five steps, yielding between them; returns the order of the steps. */
    private static List<String> interleaving(long seed) {
        try (Scheduler s = Scheduler.deterministic(seed)) {
            return s.run(() -> {
                List<String> events = new ArrayList<>();
                List<GreenThread<Void>> threads = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    String name = "t" + i;
                    threads.add(GreenThread.start(() -> {
                        for (int step = 0; step < 5; step++) {
                            events.add(name + "." + step);
                            GreenThread.yield();
                        }
                    }));
                }
                for (GreenThread<Void> t : threads) {
                    t.join();
                }
                return events;
            });
        }
    }

    @Test
    void theSameSeedReplaysTheSameInterleaving() {
        for (long seed = 0; seed < 5; seed++) {
            List<String> first = interleaving(seed);
            assertEquals(20, first.size());
            assertEquals(first, interleaving(seed), "seed " + seed);
        }
    }

    @Test
    void differentSeedsGiveDifferentInterleavings() {
        Set<List<String>> distinct = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            distinct.add(interleaving(seed));
        }
        assertTrue(distinct.size() >= 2, "20 seeds gave " + distinct.size() + " interleaving(s)");
    }

    @Test
    void threadsStartedInsideRunOnTheDeterministicScheduler() {
        try (Scheduler s = Scheduler.deterministic(1)) {
            String carrier = s.run(() -> GreenThread.start(() -> Thread.currentThread().getName()).join());
            assertTrue(carrier.startsWith("deterministic-1"), carrier);
        }
    }

    /** A sleeper wakes at the same point of a busy neighbour's work on every replay: time is virtual. */
    private static int stepsBeforeWake(long seed) {
        try (Scheduler s = Scheduler.deterministic(seed)) {
            return s.run(() -> {
                int[] steps = {0};
                boolean[] awake = {false};
                GreenThread<Void> sleeper = GreenThread.start(() -> {
                    GreenThread.sleep(Duration.ofMillis(2));
                    awake[0] = true;
                });
                GreenThread<Void> busy = GreenThread.start(() -> {
                    while (!awake[0]) {
                        steps[0]++;
                        GreenThread.yield();
                    }
                });
                sleeper.join();
                busy.join();
                return steps[0];
            });
        }
    }

    @Test
    void timersFireAtTheSameDispatchOnEveryReplay() {
        int steps = stepsBeforeWake(7);
        assertTrue(steps > 0);
        assertEquals(steps, stepsBeforeWake(7));
        assertEquals(steps, stepsBeforeWake(7));
    }

    @Test
    void timedJoinTimesOutOnTheVirtualClock() {
        try (Scheduler s = Scheduler.deterministic(3)) {
            String outcome = s.run(() -> {
                GreenThread<Void> sleeper = GreenThread.start(() -> GreenThread.sleep(Duration.ofMillis(50)));
                try {
                    sleeper.join(Duration.ofMillis(5));
                    return "joined";
                } catch (TimeoutException e) {
                    sleeper.join();
                    return "timed out, then joined";
                }
            });
            assertEquals("timed out, then joined", outcome);
        }
    }
}
