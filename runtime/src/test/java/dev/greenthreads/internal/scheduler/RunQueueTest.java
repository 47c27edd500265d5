package dev.greenthreads.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RunQueueTest {

    @Test
    void ownerPollsInFifoOrder() {
        RunQueue<Integer> q = new RunQueue<>();
        for (int i = 0; i < 10; i++) {
            assertTrue(q.offer(i));
        }
        assertEquals(10, q.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(i, q.poll());
        }
        assertNull(q.poll());
        assertTrue(q.isEmpty());
    }

    @Test
    void offerFailsWhenTheRingIsFull() {
        RunQueue<Integer> q = new RunQueue<>();
        for (int i = 0; i < RunQueue.CAPACITY; i++) {
            assertTrue(q.offer(i));
        }
        assertFalse(q.offer(-1));
        assertEquals(0, q.poll());
        assertTrue(q.offer(RunQueue.CAPACITY));
    }

    @Test
    void wrapsAroundTheRingManyTimes() {
        RunQueue<Integer> q = new RunQueue<>();
        int next = 0;
        for (int round = 0; round < 10 * RunQueue.CAPACITY; round++) {
            assertTrue(q.offer(round));
            if (round % 3 != 0 || q.size() > 200) {
                assertEquals(next++, q.poll());
            }
        }
        while (q.poll() != null) {
            next++;
        }
        assertEquals(10 * RunQueue.CAPACITY, next);
    }

    @Test
    void overflowMovesTheOlderHalfOfAFullRing() {
        RunQueue<Integer> q = new RunQueue<>();
        for (int i = 0; i < RunQueue.CAPACITY; i++) {
            q.offer(i);
        }
        Object[] out = new Object[RunQueue.CAPACITY / 2];
        int n = q.drainHalf(out);
        assertEquals(RunQueue.CAPACITY / 2, n);
        for (int i = 0; i < n; i++) {
            assertEquals(i, out[i]);
        }
        assertEquals(RunQueue.CAPACITY / 2, q.size());
        assertEquals(RunQueue.CAPACITY / 2, q.poll());
        assertTrue(q.offer(-1));
    }

    @Test
    void overflowDeclinesWhenTheRingIsNoLongerFull() {
        RunQueue<Integer> q = new RunQueue<>();
        for (int i = 0; i < 10; i++) {
            q.offer(i);
        }
        assertEquals(0, q.drainHalf(new Object[RunQueue.CAPACITY / 2]));
        assertEquals(10, q.size());
    }

    @Test
    void stealTakesTheOlderHalfRoundedUp() {
        RunQueue<Integer> victim = new RunQueue<>();
        RunQueue<Integer> thief = new RunQueue<>();
        for (int i = 0; i < 7; i++) {
            victim.offer(i);
        }
        Integer first = thief.stealHalfFrom(victim);
        // 4 of 7 move: 0, 1, 2 queued at the thief, 3 returned to run now.
        assertEquals(3, first);
        assertEquals(3, thief.size());
        assertEquals(0, thief.poll());
        assertEquals(1, thief.poll());
        assertEquals(2, thief.poll());
        assertEquals(3, victim.size());
        assertEquals(4, victim.poll());
    }

    @Test
    void stealOfASingleItemTakesIt() {
        RunQueue<Integer> victim = new RunQueue<>();
        RunQueue<Integer> thief = new RunQueue<>();
        victim.offer(42);
        assertEquals(42, thief.stealHalfFrom(victim));
        assertTrue(victim.isEmpty());
        assertTrue(thief.isEmpty());
    }

    @Test
    void stealFromAnEmptyQueueFindsNothing() {
        assertNull(new RunQueue<Integer>().stealHalfFrom(new RunQueue<>()));
    }

    @Test
    void stealOfAFullRingMovesHalf() {
        RunQueue<Integer> victim = new RunQueue<>();
        RunQueue<Integer> thief = new RunQueue<>();
        for (int i = 0; i < RunQueue.CAPACITY; i++) {
            victim.offer(i);
        }
        assertEquals(RunQueue.CAPACITY / 2 - 1, thief.stealHalfFrom(victim));
        assertEquals(RunQueue.CAPACITY / 2 - 1, thief.size());
        assertEquals(RunQueue.CAPACITY / 2, victim.size());
    }

    /** One owner pushing and popping, two thieves stealing: every item is taken exactly once. */
    @Test
    @Timeout(60)
    void everyItemIsTakenExactlyOnceUnderConcurrentStealing() throws Exception {
        int items = 500_000;
        RunQueue<Integer> owner = new RunQueue<>();
        ConcurrentLinkedQueue<Integer> taken = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch thievesDone = new CountDownLatch(2);
        List<Thread> thieves = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            Thread t = new Thread(() -> {
                RunQueue<Integer> mine = new RunQueue<>();
                List<Integer> local = new ArrayList<>();
                while (!done.get() || !owner.isEmpty()) {
                    Integer x = mine.stealHalfFrom(owner);
                    if (x != null) {
                        local.add(x);
                        for (Integer y; (y = mine.poll()) != null; ) {
                            local.add(y);
                        }
                    } else {
                        Thread.yield(); // two cores: let the owner run
                    }
                }
                taken.addAll(local);
                thievesDone.countDown();
            });
            thieves.add(t);
            t.start();
        }
        List<Integer> ownerTook = new ArrayList<>();
        Object[] overflow = new Object[RunQueue.CAPACITY / 2];
        for (int i = 0; i < items; i++) {
            while (!owner.offer(i)) {
                int n = owner.drainHalf(overflow);
                for (int j = 0; j < n; j++) {
                    ownerTook.add((Integer) overflow[j]);
                    overflow[j] = null;
                }
            }
            if (i % 3 == 0) {
                Integer x = owner.poll();
                if (x != null) {
                    ownerTook.add(x);
                }
            }
        }
        for (Integer x; (x = owner.poll()) != null; ) {
            ownerTook.add(x);
        }
        done.set(true);
        thievesDone.await();
        taken.addAll(ownerTook);

        BitSet seen = new BitSet(items);
        for (Integer x : taken) {
            assertFalse(seen.get(x), "item " + x + " taken twice");
            seen.set(x);
        }
        assertEquals(items, seen.cardinality(), "items lost");
    }
}
