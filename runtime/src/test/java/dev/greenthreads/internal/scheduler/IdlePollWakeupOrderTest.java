package dev.greenthreads.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What an idle carrier's poll wakes runs in the order the poll reported it. A poll can wake
 * hundreds of threads at once (the echo server at 1,000 connections); pushed onto the carrier's
 * own LIFO slot and run queue, the newest would run first and the oldest half would overflow
 * into the global queue, read one thread per tick, so some connections would wait many turns
 * of the others. Here a poller stand-in wakes more threads than a run queue holds, in a known
 * order, from inside an idle carrier's poll, as the selector's reports do.
 */
@Timeout(60)
class IdlePollWakeupOrderTest {

    /** More than a core's run queue holds ({@link RunQueue#CAPACITY}). */
    private static final int BATCH = 600;
    /**
     * How many threads reported after one may run before it: a carrier takes one thread from the
     * global queue's head every {@link StealingDispatcher#FAIRNESS_TICK}th dispatch, ahead of
     * the batch it copied from there before.
     */
    private static final int LATENESS = BATCH / StealingDispatcher.FAIRNESS_TICK + 1;

    @Test
    void threadsAnIdleCarriersPollWakesRunInTheOrderReported() throws Exception {
        Dispatcher.IdlePoller installed = Dispatcher.idlePoller;
        ReportingPoller poller = new ReportingPoller();
        Dispatcher.installIdlePoller(poller);
        try (Scheduler one = Scheduler.builder().carriers(1).name("idle-poll-order").build()) {
            Queue<Integer> order = new ConcurrentLinkedQueue<>();
            List<GreenThread<Void>> threads = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                int me = i;
                threads.add(one.start(() -> {
                    poller.waiting.set(me, GreenThread.current());
                    poller.parked.incrementAndGet();
                    while (poller.reported.get(me) == 0) {
                        Strand.park();
                    }
                    order.add(me);
                }));
            }
            for (GreenThread<Void> t : threads) {
                t.join();
            }
            List<Integer> ran = new ArrayList<>(order);
            assertEquals(BATCH, ran.size());
            for (int position = 0; position < BATCH; position++) {
                int lateness = position - ran.get(position);
                assertTrue(lateness <= LATENESS, "the thread reported at " + ran.get(position) + " ran at "
                        + position + ", after " + lateness + " reported later (order of running: " + ran + ")");
            }
        } finally {
            Dispatcher.installIdlePoller(installed);
        }
    }

    /**
     * Once all {@link #BATCH} threads are parked, the next idle carrier's poll reports each one's
     * channel ready, in index order, and unparks its thread, as the I/O poller does; every
     * other poll finds nothing and returns at once (the carrier then parks).
     */
    private static final class ReportingPoller implements Dispatcher.IdlePoller {
        final AtomicReferenceArray<GreenThread<?>> waiting = new AtomicReferenceArray<>(BATCH);
        final AtomicIntegerArray reported = new AtomicIntegerArray(BATCH);
        final AtomicInteger parked = new AtomicInteger();
        private boolean done; // only the polling carrier reads and writes it

        @Override
        public boolean poll(boolean timed, long deadline) {
            if (done || parked.get() < BATCH) {
                return false;
            }
            done = true;
            for (int i = 0; i < BATCH; i++) {
                reported.set(i, 1);
                waiting.get(i).unpark();
            }
            return true;
        }

        @Override
        public void pollNow() {
        }

        @Override
        public void pollDeferred() {
        }

        @Override
        public void wakeup() {
        }

        @Override
        public boolean watching() {
            return true; // its threads wait for this poller, not for each other
        }

        @Override
        public void watch() {
        }
    }
}
