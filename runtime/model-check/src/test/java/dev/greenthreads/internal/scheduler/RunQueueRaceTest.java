package dev.greenthreads.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * The races of a {@link RunQueue} that decide whether an item is lost or run twice: a steal
 * against the owner's poll of the last item, and two thieves against the owner. In every
 * schedule the model checker explores, each item offered is taken exactly once, by the owner
 * or by one thief. (A full ring's {@code drainHalf} against steals is checked by
 * {@link FullRunQueueLinearizabilityTest}: filling a ring is a loop too long for this mode.)
 */
class RunQueueRaceTest {

    private static final int SCHEDULES = 500;

    @Test
    void stealRacingTheOwnersPollOfTheLastItemTakesItOnce() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            RunQueue<Integer> victim = holding(1);
            List<Integer> stolen = new ArrayList<>();
            Thread thief = Threads.start(() -> stolen.addAll(Thief.stealFrom(victim)));
            List<Integer> taken = new ArrayList<>();
            takeOne(victim, taken);
            Threads.join(thief);
            taken.addAll(stolen);
            assertEachOnce(1, taken);
        });
    }

    @Test
    void twoThievesRacingTheOwnerTakeEachItemOnce() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            RunQueue<Integer> victim = holding(3);
            List<Integer> stolenFirst = new ArrayList<>();
            List<Integer> stolenSecond = new ArrayList<>();
            Thread first = Threads.start(() -> stolenFirst.addAll(Thief.stealFrom(victim)));
            Thread second = Threads.start(() -> stolenSecond.addAll(Thief.stealFrom(victim)));
            List<Integer> taken = new ArrayList<>();
            takeOne(victim, taken);
            takeOne(victim, taken);
            Threads.join(first);
            Threads.join(second);
            for (Integer item; (item = victim.poll()) != null; ) {
                taken.add(item);
            }
            taken.addAll(stolenFirst);
            taken.addAll(stolenSecond);
            assertEachOnce(3, taken);
        });
    }

    /** A queue holding 1 .. n, offered by the calling thread, which owns it from then on. */
    private static RunQueue<Integer> holding(int n) {
        RunQueue<Integer> queue = new RunQueue<>();
        for (int i = 1; i <= n; i++) {
            queue.offer(i);
        }
        return queue;
    }

    private static void takeOne(RunQueue<Integer> queue, List<Integer> taken) {
        Integer item = queue.poll();
        if (item != null) {
            taken.add(item);
        }
    }

    private static void assertEachOnce(int n, List<Integer> taken) {
        List<Integer> expected = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            expected.add(i);
        }
        List<Integer> sorted = new ArrayList<>(taken);
        Collections.sort(sorted);
        assertEquals(expected, sorted, "each item is taken exactly once");
    }
}
