package dev.greenthreads.sync;

import static dev.greenthreads.sync.SyncTesting.SEEDS;
import static dev.greenthreads.sync.SyncTesting.deterministic;
import static dev.greenthreads.sync.SyncTesting.runAll;
import static dev.greenthreads.sync.SyncTesting.twoCarriers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import dev.greenthreads.testing.Await;

@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MutexTest {

    /** Bounds the busy loops of the starvation tests: far beyond what a fair mutex needs, short of the test timeout. */
    static final Duration BARGER_GIVES_UP_AFTER = Duration.ofSeconds(10);

    // ------------------------------------------------------------------------------------
    // The lecture's shared counter

    /**
     * {@code total += 1} as a read, a yield and a write, by many green threads on two carriers,
     * without a mutex. Every thread reads before any writes (each yields until all have read),
     * so the outcome is certain, not a matter of luck: every update but one is lost.
     */
    @Test
    void sharedCounterLosesUpdatesWithoutAMutex() {
        int n = 200;
        int[] total = {0};
        AtomicInteger haveRead = new AtomicInteger();
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, n, i -> {
                int v = total[0];
                haveRead.incrementAndGet();
                while (haveRead.get() < n) {
                    GreenThread.yield();
                }
                total[0] = v + 1;
            }));
        }
        assertEquals(1, total[0], "all " + n + " threads read 0, so all wrote 1");
    }

    @Test
    void sharedCounterLosesNoUpdateWithAMutex() {
        int n = 1000;
        int[] total = {0};
        Mutex m = new Mutex();
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, n, i -> {
                m.lock();
                try {
                    int v = total[0];
                    GreenThread.yield();
                    total[0] = v + 1;
                } finally {
                    m.unlock();
                }
            }));
        }
        assertEquals(n, total[0]);
    }

    @Test
    void hundredThousandGreenThreadsContendingOneMutexCountExactly() {
        int n = 100_000;
        int[] total = {0};
        Mutex m = new Mutex();
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, n, i -> {
                m.lock();
                try {
                    int v = total[0];
                    if ((i & 7) == 0) {
                        GreenThread.yield(); // holds the mutex across a switch: the others queue
                    }
                    total[0] = v + 1;
                } finally {
                    m.unlock();
                }
            }));
        }
        assertEquals(n, total[0]);
    }

    @Test
    void greenAndPlatformThreadsShareOneMutex() throws Exception {
        int platforms = 3, greens = 40, rounds = 2000;
        long[] total = {0};
        Mutex m = new Mutex();
        try (Scheduler s = twoCarriers()) {
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < platforms; p++) {
                threads.add(new Thread(() -> {
                    for (int r = 0; r < rounds; r++) {
                        m.lock();
                        try {
                            total[0]++;
                        } finally {
                            m.unlock();
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            s.run(() -> runAll(s, greens, i -> {
                for (int r = 0; r < rounds; r++) {
                    m.lock();
                    try {
                        long v = total[0];
                        if ((r & 63) == 0) {
                            GreenThread.yield();
                        }
                        total[0] = v + 1;
                    } finally {
                        m.unlock();
                    }
                }
            }));
            for (Thread t : threads) {
                t.join();
            }
        }
        assertEquals((long) (platforms + greens) * rounds, total[0]);
    }

    // ------------------------------------------------------------------------------------
    // Fairness

    /**
     * A barger that unlocks and relocks at once, switching only while it holds the mutex, would
     * starve a purely barging mutex: the waiter would find it held every time it runs. Bounded
     * bypass hands the mutex to the waiter after it has been passed over once. The barger gives
     * up after {@link #BARGER_GIVES_UP_AFTER}, so a starving mutex fails this test rather than hanging it.
     */
    @Test
    void aWaiterIsNotStarvedByAThreadThatRelocksAtOnce() {
        Mutex m = new Mutex();
        AtomicBoolean waiterGotIt = new AtomicBoolean();
        AtomicBoolean bargerGaveUp = new AtomicBoolean();
        // One carrier: the waiter can run only while the barger is switched out, i.e. holding the mutex.
        try (Scheduler s = Scheduler.builder().carriers(1).name("one-carrier").build()) {
            s.run(() -> {
                long giveUp = System.nanoTime() + BARGER_GIVES_UP_AFTER.toNanos();
                GreenThread<Void> barger = GreenThread.start(() -> {
                    while (!waiterGotIt.get()) {
                        if (System.nanoTime() - giveUp > 0) {
                            bargerGaveUp.set(true);
                            return;
                        }
                        m.lock();
                        GreenThread.yield();
                        m.unlock();
                    }
                });
                GreenThread<Void> waiter = GreenThread.start(() -> {
                    m.lock();
                    waiterGotIt.set(true);
                    m.unlock();
                });
                waiter.join();
                barger.join();
            });
        }
        assertFalse(bargerGaveUp.get(), "the waiter got the mutex only after the barger stopped contending");
    }

    @Test
    void aGreenWaiterIsNotStarvedByAPlatformThreadThatRelocksAtOnce() throws Exception {
        Mutex m = new Mutex();
        AtomicBoolean waiterGotIt = new AtomicBoolean();
        AtomicBoolean bargerGaveUp = new AtomicBoolean();
        long giveUp = System.nanoTime() + BARGER_GIVES_UP_AFTER.toNanos();
        Thread barger = new Thread(() -> {
            while (!waiterGotIt.get()) {
                if (System.nanoTime() - giveUp > 0) {
                    bargerGaveUp.set(true);
                    return;
                }
                m.lock();
                Thread.onSpinWait();
                m.unlock();
            }
        });
        barger.start();
        try (Scheduler s = twoCarriers()) {
            s.run(() -> {
                m.lock();
                waiterGotIt.set(true);
                m.unlock();
            });
        }
        barger.join();
        assertFalse(bargerGaveUp.get(), "the waiter got the mutex only after the barger stopped contending");
    }

    /**
     * The guarantee of bounded bypass, exactly: the waiter at the head is passed over
     * {@link Mutex#BYPASS_LIMIT} times, and the next unlock hands it the mutex. One carrier runs
     * the program, so an unlock that wakes the waiter and the barger's tryLock right after it
     * happen before the waiter runs: the barger wins each race it can win, and the count it
     * reaches is the limit, under every seed.
     */
    @Test
    void aWaiterPassedOverTheBypassLimitIsHandedTheMutexAtTheNextUnlockUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int[] passedOver = deterministic(seed, () -> {
                Mutex m = new Mutex();
                m.lock();
                GreenThread<Boolean> waiter = GreenThread.start(() -> {
                    m.lock();
                    boolean held = m.isHeldByCurrentThread();
                    m.unlock();
                    return held;
                });
                int barged = 0;
                boolean handedOver = false;
                while (barged <= 10 * Mutex.BYPASS_LIMIT) {
                    while (m.queueLength() == 0) {
                        GreenThread.yield(); // the waiter runs: it queues, or finds the mutex taken and queues again
                    }
                    m.unlock();
                    if (!m.tryLock()) {
                        handedOver = m.toString().contains("held by green thread");
                        break;
                    }
                    barged++;
                }
                if (m.isHeldByCurrentThread()) {
                    m.unlock(); // the bound failed: let the waiter finish
                }
                return new int[] {barged, waiter.join() ? 1 : 0, handedOver ? 1 : 0};
            });
            assertEquals(Mutex.BYPASS_LIMIT, passedOver[0], "seed " + seed + ": times the barger took the mutex from the woken waiter");
            assertEquals(1, passedOver[1], "seed " + seed + ": the waiter returned from lock() holding it");
            assertEquals(1, passedOver[2], "seed " + seed + ": the refused tryLock found the mutex handed to the waiter");
        }
    }

    /**
     * While a woken waiter is on its way, an unlock wakes nobody else: the second waiter stays
     * queued through any number of unlocks by a thread that relocks at once.
     */
    @Test
    void unlocksWakeNobodyElseWhileAWokenWaiterIsOnItsWayUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int queued = deterministic(seed, () -> {
                Mutex m = new Mutex();
                m.lock();
                List<GreenThread<Void>> waiters = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    int expected = i + 1;
                    waiters.add(GreenThread.start(() -> {
                        m.lock();
                        m.unlock();
                    }));
                    while (m.queueLength() < expected) {
                        GreenThread.yield();
                    }
                }
                int least = Integer.MAX_VALUE;
                for (int k = 0; k < 5; k++) {
                    m.unlock(); // the first wakes the head; the others find it on its way
                    least = Math.min(least, m.queueLength());
                    m.lock();
                }
                m.unlock();
                for (GreenThread<Void> w : waiters) {
                    w.join();
                }
                return least;
            });
            assertEquals(1, queued, "seed " + seed + ": waiters left in the queue while the first was woken");
        }
    }

    /**
     * Waiters that time out, woken or queued, strand nobody: two threads lock, two poll with short
     * timed tryLocks, each holding the mutex across a yield, until each has had it five times.
     * A waiter that gave up while the woken one's wake-up was pending would leave the others
     * parked for ever, and the run would not end.
     */
    @Test
    void timedOutWaitersStrandNobodyUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int total = deterministic(seed, () -> {
                Mutex m = new Mutex();
                int[] t = {0};
                runAll(null, 4, i -> {
                    for (int got = 0; got < 5; ) {
                        if (i < 2) {
                            m.lock();
                        } else if (!m.tryLock(Duration.ofNanos(1 + i * 1_000L))) {
                            continue;
                        }
                        int v = t[0];
                        GreenThread.yield();
                        t[0] = v + 1;
                        m.unlock();
                        got++;
                    }
                });
                return t[0];
            });
            assertEquals(20, total, "seed " + seed);
        }
    }

    /**
     * Eight green threads on two carriers lock in a loop until each has held the mutex
     * {@value #EACH_AT_LEAST} times; a waiter that starved would keep the others looping until
     * they give up after {@value #GIVE_UP_ACQUISITIONS} acquisitions in all. Counted in
     * acquisitions, not time: a loaded machine slows every thread alike.
     */
    @Test
    void everyThreadOfEightOnTwoCarriersKeepsAcquiring() {
        int threads = 8;
        Mutex m = new Mutex();
        int[] counts = new int[threads];
        long[] total = {0};
        boolean[] over = {false};
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(null, threads, i -> {
                while (true) {
                    m.lock();
                    try {
                        if (over[0]) {
                            return;
                        }
                        counts[i]++;
                        total[0]++;
                        if (total[0] >= GIVE_UP_ACQUISITIONS || Arrays.stream(counts).allMatch(c -> c >= EACH_AT_LEAST)) {
                            over[0] = true;
                        }
                    } finally {
                        m.unlock();
                    }
                }
            }));
        }
        assertTrue(Arrays.stream(counts).allMatch(c -> c >= EACH_AT_LEAST),
                "acquisitions per thread after " + total[0] + " in all: " + Arrays.toString(counts));
    }

    static final int EACH_AT_LEAST = 200;
    static final long GIVE_UP_ACQUISITIONS = 50_000_000L;

    /** With nobody barging, waiters acquire in the order they queued. */
    @Test
    void waitersAcquireInArrivalOrderWhenNobodyBarges() throws Exception {
        Mutex m = new Mutex();
        List<Integer> order = new ArrayList<>();
        m.lock();
        List<GreenThread<Void>> waiters = new ArrayList<>();
        try (Scheduler s = twoCarriers()) {
            for (int i = 0; i < 5; i++) {
                int index = i;
                waiters.add(s.start(() -> {
                    m.lock();
                    order.add(index);
                    m.unlock();
                }));
                Await.until(() -> m.queueLength() == index + 1);
            }
            m.unlock();
            for (GreenThread<Void> t : waiters) {
                t.join();
            }
        }
        assertEquals(List.of(0, 1, 2, 3, 4), order);
    }

    // ------------------------------------------------------------------------------------
    // Types, ownership and misuse

    @Test
    void aNewMutexIsNormalAndUnlocked() {
        Mutex m = new Mutex();
        assertEquals(Mutex.Type.NORMAL, m.type());
        assertFalse(m.isHeldByCurrentThread());
        assertTrue(m.tryLock());
        assertTrue(m.isHeldByCurrentThread());
        m.unlock();
        assertFalse(m.isHeldByCurrentThread());
    }

    @Test
    void aRecursiveMutexIsReleasedByAsManyUnlocksAsLocks() throws Exception {
        Mutex m = new Mutex(Mutex.Type.RECURSIVE);
        m.lock();
        m.lock();
        assertTrue(m.tryLock());
        assertTrue(m.tryLock(Duration.ofSeconds(1)));
        for (int i = 0; i < 3; i++) {
            m.unlock();
            assertTrue(m.isHeldByCurrentThread(), "still held after " + (i + 1) + " unlocks of 4");
        }
        m.unlock();
        assertFalse(m.isHeldByCurrentThread());
        assertTrue(GreenThread.start(() -> m.tryLock()).join(), "released for other threads after the last unlock");
    }

    @ParameterizedTest
    @EnumSource(Mutex.Type.class)
    void unlockingAnUnlockedMutexThrows(Mutex.Type type) {
        Mutex m = new Mutex(type);
        IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, m::unlock);
        assertTrue(e.getMessage().contains("does not hold"), e.getMessage());
        assertTrue(m.tryLock(), "the failed unlock left the mutex usable");
        m.unlock();
    }

    @ParameterizedTest
    @EnumSource(Mutex.Type.class)
    void unlockingAMutexHeldByAnotherThreadThrowsAndLeavesItHeld(Mutex.Type type) {
        Mutex m = new Mutex(type);
        m.lock();
        Throwable fromGreen = GreenThread.start(() -> {
            try {
                m.unlock();
                return null;
            } catch (IllegalMonitorStateException e) {
                return e;
            }
        }).join();
        assertTrue(fromGreen instanceof IllegalMonitorStateException, String.valueOf(fromGreen));
        assertTrue(fromGreen.getMessage().contains("held by platform thread"), fromGreen.getMessage());
        assertTrue(m.isHeldByCurrentThread());
        assertFalse(GreenThread.start(() -> m.tryLock()).join(), "still held by the caller");
        m.unlock();
    }

    @Test
    void relockingAnErrorcheckMutexThrows() {
        Mutex m = new Mutex(Mutex.Type.ERRORCHECK);
        m.lock();
        IllegalStateException e = assertThrows(IllegalStateException.class, m::lock);
        assertTrue(e.getMessage().contains("EDEADLK"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> m.tryLock(Duration.ofMillis(1)));
        assertFalse(m.tryLock(), "trylock by the owner is EBUSY");
        assertTrue(m.isHeldByCurrentThread());
        m.unlock();
        assertThrows(IllegalMonitorStateException.class, m::unlock, "held once, so released by the first unlock");
    }

    @Test
    void relockingANormalMutexThrowsInsteadOfDeadlocking() {
        Mutex m = new Mutex(Mutex.Type.NORMAL);
        m.lock();
        IllegalStateException e = assertThrows(IllegalStateException.class, m::lock);
        assertTrue(e.getMessage().contains("RECURSIVE"), "says what to do: " + e.getMessage());
        assertFalse(m.tryLock());
        assertFalse(m.tryLock(Duration.ofHours(1)), "returns at once: nothing could release it meanwhile");
        m.unlock();
        assertFalse(m.isHeldByCurrentThread());
    }

    @Test
    void relockingFromAGreenThreadThrowsToo() {
        Mutex m = new Mutex(Mutex.Type.ERRORCHECK);
        Throwable t = GreenThread.start(() -> {
            m.lock();
            try {
                m.lock();
                return null;
            } catch (IllegalStateException e) {
                return e;
            } finally {
                m.unlock();
            }
        }).join();
        assertTrue(t instanceof IllegalStateException && t.getMessage().contains("green thread"), String.valueOf(t));
    }

    // ------------------------------------------------------------------------------------
    // Timed lock, cancellation, interrupts

    @Test
    void timedTryLockTimesOutWhileAnotherThreadHoldsIt() {
        Mutex m = new Mutex();
        m.lock();
        assertFalse(GreenThread.start(() -> m.tryLock(Duration.ofMillis(5))).join());
        assertFalse(GreenThread.start(() -> m.tryLock(Duration.ZERO)).join());
        assertEquals(0, m.queueLength(), "a waiter that timed out left the queue");
        m.unlock();
        assertTrue(GreenThread.start(() -> {
            boolean got = m.tryLock(Duration.ofMillis(5));
            m.unlock();
            return got;
        }).join());
    }

    @Test
    void timedTryLockSucceedsWhenTheMutexIsReleasedInTime() {
        Mutex m = new Mutex();
        m.lock();
        GreenThread<Boolean> t = GreenThread.start(() -> {
            boolean got = m.tryLock(Duration.ofMinutes(1));
            if (got) {
                m.unlock();
            }
            return got;
        });
        Await.until(() -> m.queueLength() == 1);
        m.unlock();
        assertTrue(t.join());
    }

    @Test
    void mutexLockIsNotACancellationPoint() {
        Mutex m = new Mutex();
        AtomicBoolean acquired = new AtomicBoolean();
        m.lock();
        GreenThread<Void> t = GreenThread.start(() -> {
            m.lock();
            acquired.set(true);
            m.unlock();
            GreenThread.testCancel();
        });
        Await.until(() -> m.queueLength() == 1);
        t.cancel();
        m.unlock();
        assertThrows(CancellationException.class, t::join, "the cancellation acted at the next cancellation point");
        assertTrue(acquired.get(), "lock() went on waiting and acquired the mutex");
    }

    @Test
    void anInterruptedPlatformThreadWaitsForTheMutexAndStaysInterrupted() throws Exception {
        Mutex m = new Mutex();
        AtomicReference<String> outcome = new AtomicReference<>();
        m.lock();
        Thread p = new Thread(() -> {
            Thread.currentThread().interrupt();
            m.lock();
            outcome.set("interrupted=" + Thread.currentThread().isInterrupted());
            m.unlock();
        });
        p.start();
        Await.until(() -> m.queueLength() == 1);
        p.interrupt();
        assertEquals(null, outcome.get(), "an interrupt does not end Mutex.lock");
        m.unlock();
        p.join();
        assertEquals("interrupted=true", outcome.get());
    }
}
