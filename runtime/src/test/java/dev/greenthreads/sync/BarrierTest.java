package dev.greenthreads.sync;

import static dev.greenthreads.sync.SyncTesting.runAll;
import static dev.greenthreads.sync.SyncTesting.twoCarriers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenCancelledException;
import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.greenthreads.testing.Await;

@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BarrierTest {

    /** The lecture's phases: nobody starts phase p+1 before everyone finished phase p; one serial thread per cycle. */
    @Test
    void barrierPhasesKeepThreadsInStepWithOneSerialThreadPerCycle() {
        int threads = 8, phases = 50;
        Barrier barrier = new Barrier(threads);
        AtomicIntegerArray finished = new AtomicIntegerArray(phases);
        AtomicIntegerArray serial = new AtomicIntegerArray(phases);
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, threads, i -> {
                for (int p = 0; p < phases; p++) {
                    if (p > 0) {
                        assertEquals(threads, finished.get(p - 1), "phase " + p + " began before phase " + (p - 1) + " ended");
                    }
                    if ((i + p) % 3 == 0) {
                        GreenThread.yield();
                    }
                    finished.incrementAndGet(p);
                    if (barrier.await()) {
                        serial.incrementAndGet(p);
                    }
                }
            }));
        }
        for (int p = 0; p < phases; p++) {
            assertEquals(1, serial.get(p), "serial threads in cycle " + p);
        }
    }

    @Test
    void greenAndPlatformThreadsMeetAtOneBarrier() throws Exception {
        int cycles = 500;
        Barrier barrier = new Barrier(3);
        AtomicIntegerArray serial = new AtomicIntegerArray(1);
        Thread p = new Thread(() -> {
            for (int c = 0; c < cycles; c++) {
                if (barrier.await()) {
                    serial.incrementAndGet(0);
                }
            }
        });
        p.start();
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, 2, i -> {
                for (int c = 0; c < cycles; c++) {
                    if (barrier.await()) {
                        serial.incrementAndGet(0);
                    }
                }
            }));
        }
        p.join();
        assertEquals(cycles, serial.get(0));
    }

    @Test
    void aBarrierOfOneNeverWaits() {
        Barrier barrier = new Barrier(1);
        assertTrue(barrier.await());
        assertTrue(barrier.await());
    }

    /** A cancelled waiter withdraws its arrival: the cycle still needs as many arrivals, and the barrier stays usable. */
    @Test
    void barrierAwaitThrowsWhenCancelledAndWithdrawsItsArrival() {
        Barrier barrier = new Barrier(2);
        GreenThread<Boolean> cancelled = GreenThread.start(barrier::await);
        Await.until(() -> barrier.queueLength() == 1);
        cancelled.cancel();
        CancellationException e = assertThrows(CancellationException.class, cancelled::join);
        assertTrue(e.getCause() instanceof GreenCancelledException);
        assertEquals(0, barrier.queueLength());
        GreenThread<Boolean> a = GreenThread.start(barrier::await);
        Await.until(() -> barrier.queueLength() == 1);
        boolean mine = barrier.await();
        boolean theirs = a.join();
        assertTrue(mine ^ theirs, "exactly one serial thread: " + mine + ", " + theirs);
    }

    @Test
    void barrierAwaitActsOnACancellationPendingAtEntry() {
        Barrier barrier = new Barrier(2);
        GreenThread<Boolean> t = GreenThread.start(() -> {
            GreenThread.current().cancel();
            return barrier.await();
        });
        assertThrows(CancellationException.class, t::join);
        assertEquals(0, barrier.queueLength(), "it never arrived");
    }

    @Test
    void anInterruptedPlatformThreadLeavesBarrierAwait() throws Exception {
        Barrier barrier = new Barrier(2);
        AtomicReference<String> outcome = new AtomicReference<>();
        Thread p = new Thread(() -> {
            try {
                outcome.set("returned " + barrier.await());
            } catch (GreenCancelledException e) {
                outcome.set("cancelled");
            }
        });
        p.start();
        Await.until(() -> barrier.queueLength() == 1);
        p.interrupt();
        p.join();
        assertEquals("cancelled", outcome.get());
        assertEquals(0, barrier.queueLength());
    }

    @Test
    void aBarrierNeedsAtLeastOneParty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Barrier(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Barrier(-3));
        assertFalse(new Barrier(2).parties() != 2);
    }
}
