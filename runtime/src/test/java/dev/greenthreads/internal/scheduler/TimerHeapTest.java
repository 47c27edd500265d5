package dev.greenthreads.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class TimerHeapTest {

    /** A timer heap member with nothing else to it; also IdleCarriersTest's stand-in for a green thread. */
    static final class Timer implements TimerHeap.Member {
        final long deadline;
        final int order;
        int index = -1;

        Timer(long deadline, int order) {
            this.deadline = deadline;
            this.order = order;
        }

        @Override
        public int heapIndex() {
            return index;
        }

        @Override
        public void heapIndex(int i) {
            index = i;
        }

        @Override
        public String toString() {
            return deadline + "#" + order;
        }
    }

    @Test
    void pollsDueTimersEarliestFirst() {
        TimerHeap<Timer> heap = new TimerHeap<>();
        long[] deadlines = {50, 10, 40, 30, 20};
        for (int i = 0; i < deadlines.length; i++) {
            heap.add(new Timer(deadlines[i], i), deadlines[i]);
        }
        assertEquals(10, heap.earliestDeadline());
        assertNull(heap.pollDue(9));
        for (long expected = 10; expected <= 50; expected += 10) {
            Timer t = heap.pollDue(100);
            assertEquals(expected, t.deadline);
            assertEquals(-1, t.index);
        }
        assertTrue(heap.isEmpty());
    }

    @Test
    void equalDeadlinesFireInInsertionOrder() {
        TimerHeap<Timer> heap = new TimerHeap<>();
        for (int i = 0; i < 100; i++) {
            heap.add(new Timer(7, i), 7);
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(i, heap.pollDue(7).order);
        }
    }

    @Test
    void addReportsWhetherTheTimerIsNowTheEarliest() {
        TimerHeap<Timer> heap = new TimerHeap<>();
        assertTrue(heap.add(new Timer(100, 0), 100));
        assertFalse(heap.add(new Timer(200, 1), 200));
        assertTrue(heap.add(new Timer(50, 2), 50));
        assertFalse(heap.add(new Timer(50, 3), 50));
    }

    @Test
    void removeTakesATimerOutOfTheMiddle() {
        TimerHeap<Timer> heap = new TimerHeap<>();
        List<Timer> timers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Timer t = new Timer(i * 10L, i);
            timers.add(t);
            heap.add(t, t.deadline);
        }
        assertTrue(heap.remove(timers.get(7)));
        assertFalse(heap.remove(timers.get(7)));
        assertEquals(-1, timers.get(7).index);
        assertEquals(19, heap.size());
        for (int i = 0; i < 20; i++) {
            if (i != 7) {
                assertSame(timers.get(i), heap.pollDue(Long.MAX_VALUE / 2));
            }
        }
    }

    @Test
    void aTimerCannotBeInTheHeapTwice() {
        TimerHeap<Timer> heap = new TimerHeap<>();
        Timer t = new Timer(1, 0);
        heap.add(t, 1);
        assertThrows(IllegalStateException.class, () -> heap.add(t, 1));
    }

    @Test
    void deadlinesCompareAcrossLongOverflow() {
        TimerHeap<Timer> heap = new TimerHeap<>();
        long late = Long.MIN_VALUE + 10;   // after MAX_VALUE - 10 on a wrapping clock
        long early = Long.MAX_VALUE - 10;
        heap.add(new Timer(late, 0), late);
        heap.add(new Timer(early, 1), early);
        assertEquals(early, heap.pollDue(early).deadline);
        assertNull(heap.pollDue(early));
        assertEquals(late, heap.pollDue(late).deadline);
    }

    @Test
    void randomAddsAndRemovesMatchASortedReference() {
        Random random = new Random(42);
        TimerHeap<Timer> heap = new TimerHeap<>();
        TreeSet<Timer> reference = new TreeSet<>(Comparator.<Timer>comparingLong(t -> t.deadline).thenComparingInt(t -> t.order));
        List<Timer> live = new ArrayList<>();
        for (int op = 0; op < 20_000; op++) {
            int what = random.nextInt(3);
            if (what == 0 || live.isEmpty()) {
                Timer t = new Timer(random.nextInt(1000), op);
                heap.add(t, t.deadline);
                reference.add(t);
                live.add(t);
            } else if (what == 1) {
                Timer t = live.remove(random.nextInt(live.size()));
                assertTrue(heap.remove(t));
                reference.remove(t);
            } else {
                long now = random.nextInt(1000);
                Timer expected = !reference.isEmpty() && reference.first().deadline <= now ? reference.pollFirst() : null;
                Timer actual = heap.pollDue(now);
                assertSame(expected, actual);
                live.remove(actual);
            }
            assertEquals(reference.size(), heap.size());
        }
    }
}
