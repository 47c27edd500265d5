package dev.greenthreads.sync;

import static dev.greenthreads.sync.SyncTesting.runAll;
import static dev.greenthreads.sync.SyncTesting.twoCarriers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenCancelledException;
import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.greenthreads.testing.Await;

@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SemaphoreTest {

    @Test
    void atMostPermitsThreadsHoldOneAtATime() {
        Semaphore sem = new Semaphore(3);
        AtomicInteger inside = new AtomicInteger(), maxInside = new AtomicInteger();
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, 20, i -> {
                for (int r = 0; r < 200; r++) {
                    sem.acquire();
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    GreenThread.yield();
                    inside.decrementAndGet();
                    sem.release();
                }
            }));
        }
        assertTrue(maxInside.get() <= 3, "max inside " + maxInside.get());
        assertEquals(3, sem.availablePermits());
    }

    @Test
    void tryAcquireTakesOnlyAvailablePermits() {
        Semaphore sem = new Semaphore(1);
        assertTrue(sem.tryAcquire());
        assertFalse(sem.tryAcquire());
        assertFalse(sem.tryAcquire(Duration.ofMillis(2)));
        assertFalse(sem.tryAcquire(Duration.ZERO));
        sem.release();
        sem.release();
        assertEquals(2, sem.availablePermits(), "permits have no owner and no ceiling but the int range");
        assertTrue(sem.tryAcquire(Duration.ofMillis(2)));
    }

    /** A release while threads wait hands the permit to the longest waiting; tryAcquire cannot take it first. */
    @Test
    void releasedPermitsGoToWaitersInArrivalOrder() {
        Semaphore sem = new Semaphore(0);
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<GreenThread<Void>> waiters = new ArrayList<>();
        boolean stolen;
        try (Scheduler s = twoCarriers()) {
            for (int i = 0; i < 4; i++) {
                int index = i;
                waiters.add(s.start(() -> {
                    sem.acquire();
                    order.add(index);
                }));
                Await.until(() -> sem.queueLength() == index + 1);
            }
            sem.release();
            stolen = sem.tryAcquire();
            if (stolen) {
                sem.release();
            }
            waiters.get(0).join();
            sem.release();
            waiters.get(1).join();
            sem.release();
            sem.release();
            waiters.get(2).join();
            waiters.get(3).join();
        }
        assertFalse(stolen, "the permit was handed to the first waiter, not counted: tryAcquire could not take it");
        assertEquals(List.of(0, 1), order.subList(0, 2));
        assertEquals(0, sem.availablePermits());
    }

    @Test
    void greenAndPlatformThreadsPassPermitsBothWays() throws Exception {
        Semaphore toGreen = new Semaphore(0), toPlatform = new Semaphore(0);
        int rounds = 3000;
        Thread p = new Thread(() -> {
            for (int r = 0; r < rounds; r++) {
                toGreen.release();
                toPlatform.acquire();
            }
        });
        p.start();
        GreenThread.start(() -> {
            for (int r = 0; r < rounds; r++) {
                toGreen.acquire();
                toPlatform.release();
            }
        }).join();
        p.join();
        assertEquals(0, toGreen.availablePermits());
        assertEquals(0, toPlatform.availablePermits());
    }

    // ------------------------------------------------------------------------------------
    // Cancellation

    @Test
    void semaphoreAcquireThrowsWhenCancelledAndTakesNoPermit() {
        Semaphore sem = new Semaphore(0);
        GreenThread<Void> t = GreenThread.start(() -> {
            sem.acquire();
        });
        Await.until(() -> sem.queueLength() == 1);
        t.cancel();
        CancellationException e = assertThrows(CancellationException.class, t::join);
        assertInstanceOf(GreenCancelledException.class, e.getCause());
        assertEquals(0, sem.queueLength());
        sem.release();
        assertEquals(1, sem.availablePermits(), "the release was not handed to the cancelled waiter");
    }

    @Test
    void semaphoreAcquireActsOnACancellationPendingAtEntryEvenWithPermitsAvailable() {
        Semaphore sem = new Semaphore(1);
        GreenThread<Void> t = GreenThread.start(() -> {
            GreenThread.current().cancel();
            sem.acquire();
        });
        assertThrows(CancellationException.class, t::join);
        assertEquals(1, sem.availablePermits());
    }

    @Test
    void timedAcquireIsACancellationPointToo() {
        Semaphore sem = new Semaphore(0);
        GreenThread<Boolean> t = GreenThread.start(() -> sem.tryAcquire(Duration.ofHours(1)));
        Await.until(() -> sem.queueLength() == 1);
        t.cancel();
        assertThrows(CancellationException.class, t::join);
    }

    /**
     * Cancellation and release race on two carriers: the release comes just after the cancelled
     * waiter wakes, at distances swept across its give-up. Whichever wins, the one permit ends up
     * taken or available, exactly once. (The deterministic scheduler cannot interleave inside the
     * waiter's give-up; real carriers can.)
     */
    @Test
    void aCancellationRacingAReleaseNeverLosesThePermit() {
        int rounds = 3000;
        int broken = 0, taken = 0;
        try (Scheduler s = twoCarriers()) {
            for (int r = 0; r < rounds; r++) {
                Semaphore sem = new Semaphore(0);
                GreenThread<Void> waiter = s.start(() -> sem.acquire());
                Await.until(() -> sem.queueLength() == 1);
                waiter.cancel();
                SyncTesting.awaitRunning(waiter); // woken by the cancellation: now inside its give-up
                SyncTesting.spinNanos((r % 40) * 25L);
                sem.release();
                int got;
                try {
                    waiter.join();
                    got = 1;
                } catch (CancellationException e) {
                    got = 0;
                }
                taken += got;
                broken += got + sem.availablePermits() == 1 && sem.queueLength() == 0 ? 0 : 1;
            }
        }
        assertEquals(0, broken, "rounds where the permit was lost or doubled (" + taken + " of " + rounds + " taken)");
    }

    @Test
    void anInterruptedPlatformThreadLeavesAcquire() throws Exception {
        Semaphore sem = new Semaphore(0);
        AtomicReference<String> outcome = new AtomicReference<>();
        Thread p = new Thread(() -> {
            try {
                sem.acquire();
                outcome.set("acquired");
            } catch (GreenCancelledException e) {
                outcome.set("cancelled, interrupted=" + Thread.currentThread().isInterrupted());
            }
        });
        p.start();
        Await.until(() -> sem.queueLength() == 1);
        p.interrupt();
        p.join();
        assertEquals("cancelled, interrupted=true", outcome.get());
    }

    // ------------------------------------------------------------------------------------
    // Misuse

    @Test
    void negativePermitsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Semaphore(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertEquals(0, new Semaphore(0).availablePermits());
    }

    @Test
    void releasingBeyondTheIntRangeIsRefused() {
        Semaphore sem = new Semaphore(Integer.MAX_VALUE);
        assertThrows(IllegalStateException.class, sem::release);
        assertEquals(Integer.MAX_VALUE, sem.availablePermits());
    }
}
