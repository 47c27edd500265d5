package dev.greenthreads.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
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

    private static final int SCHEDULES = 2_000;

    @Test
    void stealRacingTheOwnersPollOfTheLastItemTakesItOnce() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            RunQueue<Integer> victim = holding(1);
            Taken taken = new Taken();
            Thread thief = Threads.start(() -> taken.stealFrom(victim));
            taken.add(victim.poll());
            Threads.join(thief);
            taken.assertEachOnce(1);
        });
    }

    @Test
    void twoThievesRacingTheOwnerTakeEachItemOnce() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            RunQueue<Integer> victim = holding(3);
            Taken taken = new Taken();
            Thread first = Threads.start(() -> taken.stealFrom(victim));
            Thread second = Threads.start(() -> taken.stealFrom(victim));
            taken.add(victim.poll());
            taken.add(victim.poll());
            Threads.join(first);
            Threads.join(second);
            taken.drain(victim);
            taken.assertEachOnce(3);
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

    /** Everything taken from a queue, by anyone. */
    private static final class Taken {
        private final List<Integer> items = Collections.synchronizedList(new ArrayList<>());

        void add(Integer item) {
            if (item != null) {
                items.add(item);
            }
        }

        void stealFrom(RunQueue<Integer> victim) {
            items.addAll(Thief.stealFrom(victim));
        }

        void drain(RunQueue<Integer> queue) {
            for (Integer item; (item = queue.poll()) != null; ) {
                items.add(item);
            }
        }

        void assertEachOnce(int n) {
            List<Integer> sorted = new ArrayList<>(items);
            Collections.sort(sorted);
            assertEquals(IntStream.rangeClosed(1, n).boxed().collect(Collectors.toList()), sorted,
                    "each item is taken exactly once");
        }
    }
}
