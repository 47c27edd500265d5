package dev.greenthreads.sync;

import static dev.greenthreads.sync.SyncTesting.SEEDS;
import static dev.greenthreads.sync.SyncTesting.deterministic;
import static dev.greenthreads.sync.SyncTesting.runAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenDeadlockException;
import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import dev.greenthreads.SuspendableCallable;
import dev.greenthreads.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A lock or join that would close a wait-for cycle throws {@link GreenDeadlockException} in the
 * thread that would close it, naming every thread and lock of the cycle and where each waits;
 * a correct program never sees one; a green thread that ends holding a mutex is reported once.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeadlockTest {

    /** Seeds for the cycles; each is one interleaving of who closes the cycle. */
    private static final int CYCLE_SEEDS = 50;
    /** Rounds of a race in parallel. */
    private static final int ROUNDS = 100;

    private static String name(Object lock) {
        return lock.getClass().getSimpleName() + "@" + Integer.toHexString(System.identityHashCode(lock));
    }

    /** The site line of {@code thread} in a deadlock's message: a method of this test class. */
    private static void assertSite(String message, String thread) {
        assertTrue(message.contains("\n  " + thread + " waits at " + DeadlockTest.class.getName() + "."),
                "the site of " + thread + " in: " + message);
    }

    /**
     * Two threads, each holding one lock and going for the other's, meet at a barrier between
     * the two locks: exactly one of them is refused, and the other then gets both.
     */
    @Suspendable
    private static String abba(SuspendableCallable<String> first, SuspendableCallable<String> second) {
        GreenThread<String> a = GreenThread.builder().name("a").start(first);
        GreenThread<String> b = GreenThread.builder().name("b").start(second);
        String ra = a.join(), rb = b.join();
        assertTrue(ra == null ^ rb == null, "exactly one thread is refused: " + ra + " / " + rb);
        return ra != null ? ra : rb;
    }

    /** Takes {@code mine}, meets the other thread, takes {@code theirs}; returns the refusal's message, or null. */
    @Suspendable
    private static String lockBoth(Mutex mine, Barrier met, Mutex theirs) {
        mine.lock();
        try {
            met.await();
            try {
                theirs.lock();
            } catch (GreenDeadlockException e) {
                return e.getMessage();
            }
            theirs.unlock();
            return null;
        } finally {
            mine.unlock();
        }
    }

    @Test
    void abbaBetweenTwoGreenThreadsThrowsInTheThreadThatClosesTheCycle() {
        for (long seed = 0; seed < CYCLE_SEEDS; seed++) {
            Mutex m = new Mutex(), n = new Mutex();
            String message = deterministic(seed, () -> {
                Barrier met = new Barrier(2);
                return abba(() -> lockBoth(m, met, n), () -> lockBoth(n, met, m));
            });
            String first = message.lines().findFirst().orElseThrow();
            boolean aClosed = first.startsWith("deadlock: green thread \"a\" waits for mutex " + name(n));
            String expected = aClosed
                    ? "deadlock: green thread \"a\" waits for mutex " + name(n) + " held by \"b\", which waits for mutex "
                            + name(m) + " held by \"a\""
                    : "deadlock: green thread \"b\" waits for mutex " + name(m) + " held by \"a\", which waits for mutex "
                            + name(n) + " held by \"b\"";
            assertEquals(expected, first, "seed " + seed);
            assertSite(message, "green thread \"a\"");
            assertSite(message, "green thread \"b\"");
        }
    }

    /** Three threads, each holding one mutex and going for the next one's: the cycle is followed through all three. */
    @Test
    void aCycleOfThreeThreadsIsFollowedThroughAll() {
        for (long seed = 0; seed < CYCLE_SEEDS; seed++) {
            Mutex[] locks = {new Mutex(), new Mutex(), new Mutex()};
            List<String> refused = deterministic(seed, () -> {
                Barrier met = new Barrier(3);
                List<GreenThread<String>> threads = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    int me = i;
                    threads.add(GreenThread.builder().name("t" + i).start(() -> lockBoth(locks[me], met, locks[(me + 1) % 3])));
                }
                List<String> messages = new ArrayList<>();
                for (GreenThread<String> t : threads) {
                    String r = t.join();
                    if (r != null) {
                        messages.add(r);
                    }
                }
                return messages;
            });
            assertEquals(1, refused.size(), "seed " + seed + ": exactly one refused: " + refused);
            String message = refused.get(0);
            for (int i = 0; i < 3; i++) {
                assertTrue(message.contains("mutex " + name(locks[i]) + " held by \"t" + i + "\""), "seed " + seed + ": " + message);
                assertSite(message, "green thread \"t" + i + "\"");
            }
        }
    }

    /** In parallel both threads may see the cycle at once: still exactly one is refused. */
    @Test
    void abbaOnTwoCarriersThrowsInOneThread() {
        try (Scheduler s = SyncTesting.twoCarriers()) {
            for (int round = 0; round < ROUNDS; round++) {
                Mutex m = new Mutex(), n = new Mutex();
                String message = s.run(() -> {
                    Barrier met = new Barrier(2);
                    return abba(() -> lockBoth(m, met, n), () -> lockBoth(n, met, m));
                });
                assertTrue(message.contains(name(m)) && message.contains(name(n)), message);
                assertTrue(message.contains("\"a\"") && message.contains("\"b\""), message);
            }
        }
    }

    /** A timed wait ends anyway: it is not refused, and not part of the graph, so the other lock() is not refused either. */
    @Test
    void aTimedLockInACycleIsNotRefusedButTimesOut() {
        for (long seed = 0; seed < CYCLE_SEEDS; seed++) {
            Mutex m = new Mutex(), n = new Mutex();
            boolean[] timedOut = deterministic(seed, () -> {
                Barrier met = new Barrier(2);
                boolean[] out = new boolean[1];
                GreenThread<Void> a = GreenThread.start(() -> {
                    m.lock();
                    try {
                        met.await();
                        n.lock();
                        n.unlock();
                    } finally {
                        m.unlock();
                    }
                });
                GreenThread<Void> b = GreenThread.start(() -> {
                    n.lock();
                    try {
                        met.await();
                        out[0] = !m.tryLock(Duration.ofMillis(5));
                    } finally {
                        n.unlock();
                    }
                });
                a.join();
                b.join();
                return out;
            });
            assertTrue(timedOut[0], "seed " + seed + ": the timed lock gave up, and the other thread went on");
        }
    }

    @Test
    void relockingANormalMutexIsADeadlockOfOne() {
        Mutex m = new Mutex();
        String message = deterministic(0, () -> GreenThread.builder().name("self").start(() -> {
            m.lock();
            try {
                return refusedLock(m);
            } finally {
                m.unlock();
            }
        }).join());
        assertTrue(message.startsWith("deadlock: green thread \"self\" waits for mutex " + name(m) + " held by \"self\"\n"),
                message);
        assertSite(message, "green thread \"self\"");
        assertTrue(message.contains("RECURSIVE"), "says what to do: " + message);
    }

    @Test
    void aJoinCycleThrowsInTheThreadThatClosesIt() {
        for (long seed = 0; seed < CYCLE_SEEDS; seed++) {
            String message = deterministic(seed, () -> {
                Barrier met = new Barrier(2);
                List<GreenThread<String>> t = new ArrayList<>();
                t.add(GreenThread.builder().name("a").unstarted(() -> joinRefused(met, t, 1)));
                t.add(GreenThread.builder().name("b").unstarted(() -> joinRefused(met, t, 0)));
                t.forEach(GreenThread::start);
                String ra = t.get(0).join(), rb = t.get(1).join();
                assertTrue(ra == null ^ rb == null, "exactly one join is refused: " + ra + " / " + rb);
                return ra != null ? ra : rb;
            });
            String first = message.lines().findFirst().orElseThrow();
            assertTrue(first.equals("deadlock: green thread \"a\" waits for green thread \"b\" to end, which waits for green thread \"a\" to end")
                    || first.equals("deadlock: green thread \"b\" waits for green thread \"a\" to end, which waits for green thread \"b\" to end"),
                    "seed " + seed + ": " + first);
            assertSite(message, "green thread \"a\"");
            assertSite(message, "green thread \"b\"");
        }
    }

    @Suspendable
    private static String joinRefused(Barrier met, List<GreenThread<String>> threads, int other) {
        met.await();
        try {
            threads.get(other).join();
            return null;
        } catch (GreenDeadlockException e) {
            return e.getMessage();
        }
    }

    /** The test's platform thread holds m and goes for n, which a green thread holds while it waits for m. */
    @Test
    void aPlatformThreadCountsAsAThreadOfTheCycle() {
        Mutex m = new Mutex(), n = new Mutex();
        try (Scheduler s = SyncTesting.twoCarriers()) {
            m.lock();
            GreenThread<Void> g = s.start(() -> {
                n.lock();
                try {
                    m.lock();
                    m.unlock();
                } finally {
                    n.unlock();
                }
            });
            Await.until(() -> m.queueLength() == 1); // g holds n and waits for m
            String me = Thread.currentThread().getName();
            String message = refusedLock(n);
            m.unlock();
            g.join();
            assertTrue(message.startsWith("deadlock: platform thread \"" + me + "\" waits for mutex " + name(n) + " held by \""
                    + g.name() + "\", which waits for mutex " + name(m) + " held by \"" + me + "\"\n"), message);
            assertSite(message, "platform thread \"" + me + "\"");
            assertSite(message, "green thread \"" + g.name() + "\"");
            assertFalse(m.isHeldByCurrentThread() || n.isHeldByCurrentThread());
        }
    }

    /** The same with the green thread closing it: the platform thread's site comes from its stack. */
    @Test
    void aGreenThreadClosingACycleThroughAPlatformThreadNamesBoth() throws Exception {
        Mutex m = new Mutex(), n = new Mutex();
        AtomicReference<Throwable> platformFailed = new AtomicReference<>();
        Thread p = new Thread(() -> {
            try {
                m.lock();
                try {
                    n.lock();
                    n.unlock();
                } finally {
                    m.unlock();
                }
            } catch (Throwable e) {
                platformFailed.set(e);
            }
        }, "plat");
        try (Scheduler s = SyncTesting.twoCarriers()) {
            String message = s.run(() -> {
                n.lock();
                try {
                    p.start();
                    Await.until(() -> n.queueLength() == 1);
                    return refusedLock(m);
                } finally {
                    n.unlock();
                }
            });
            p.join();
            assertEquals(null, platformFailed.get());
            assertTrue(message.contains("waits for mutex " + name(m) + " held by \"plat\", which waits for mutex " + name(n)),
                    message);
            assertSite(message, "platform thread \"plat\"");
        }
    }

    @Test
    void writeLocksInACycleThrowInOneThread() {
        for (long seed = 0; seed < CYCLE_SEEDS; seed++) {
            RwLock x = new RwLock(), y = new RwLock();
            String message = deterministic(seed, () -> {
                Barrier met = new Barrier(2);
                return abba(() -> writeBoth(x, met, y), () -> writeBoth(y, met, x));
            });
            assertTrue(message.startsWith("deadlock: green thread \""), message);
            assertTrue(message.contains("rwlock " + name(x) + " write-held by") && message.contains("rwlock " + name(y)
                    + " write-held by"), "seed " + seed + ": " + message);
        }
    }

    @Suspendable
    private static String writeBoth(RwLock mine, Barrier met, RwLock theirs) {
        mine.writeLock();
        try {
            met.await();
            try {
                theirs.writeLock();
            } catch (GreenDeadlockException e) {
                return e.getMessage();
            }
            theirs.writeUnlock();
            return null;
        } finally {
            mine.writeUnlock();
        }
    }

    /** A writer waits for the lock's one reader, who waits for a mutex the writer holds. */
    @Test
    void aWriterWaitingForASoleReaderThatWaitsForItIsRefused() {
        for (long seed = 0; seed < CYCLE_SEEDS; seed++) {
            RwLock x = new RwLock();
            Mutex m = new Mutex();
            String message = deterministic(seed, () -> {
                Barrier met = new Barrier(2);
                GreenThread<Void> reader = GreenThread.builder().name("reader").start(() -> {
                    x.readLock();
                    try {
                        met.await();
                        m.lock();
                        m.unlock();
                    } finally {
                        x.readUnlock();
                    }
                });
                GreenThread<String> writer = GreenThread.builder().name("writer").start(() -> {
                    m.lock();
                    try {
                        met.await();
                        while (m.queueLength() == 0) {
                            GreenThread.yield();
                        }
                        return refusedWriteLock(x);
                    } finally {
                        m.unlock();
                    }
                });
                String refused = writer.join();
                reader.join();
                return refused;
            });
            assertTrue(message.startsWith("deadlock: green thread \"writer\" waits for rwlock " + name(x)
                    + " read-held by \"reader\", which waits for mutex " + name(m) + " held by \"writer\"\n"),
                    "seed " + seed + ": " + message);
        }
    }

    /** The message of the deadlock that {@code lock} reports, called from this class so that the site is here. */
    @Suspendable
    private static String refusedLock(Mutex m) {
        try {
            m.lock();
        } catch (GreenDeadlockException e) {
            return e.getMessage();
        }
        m.unlock();
        throw new AssertionError("lock() was not refused");
    }

    /** The message of the deadlock that {@code writeLock} reports, from suspendable code (assertThrows is not). */
    @Suspendable
    private static String refusedWriteLock(RwLock x) {
        try {
            x.writeLock();
        } catch (GreenDeadlockException e) {
            return e.getMessage();
        }
        x.writeUnlock();
        throw new AssertionError("writeLock() was not refused");
    }

    /**
     * Many threads, many locks, always taken in one order, joins down a tree, a rwlock: chains of
     * waits form and break all the time but never close. No seed may report a deadlock.
     */
    @Test
    void heavyContentionWithoutACycleNeverReportsADeadlock() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int total = deterministic(seed, () -> {
                Mutex[] locks = {new Mutex(), new Mutex(), new Mutex(), new Mutex()};
                RwLock table = new RwLock();
                int[] counter = {0};
                runAll(null, 5, i -> {
                    GreenThread<Void> child = GreenThread.start(() -> ordered(locks, (i + 1) % locks.length, counter));
                    for (int k = 0; k < 2; k++) {
                        ordered(locks, i % locks.length, counter);
                        if (i % 2 == 0) {
                            table.writeLock();
                            GreenThread.yield();
                            table.writeUnlock();
                        } else {
                            table.readLock();
                            GreenThread.yield();
                            table.readUnlock();
                        }
                    }
                    child.join();
                });
                return counter[0];
            });
            assertEquals(5 * 3, total, "seed " + seed);
        }
    }

    /** Locks locks[from..] in index order, yielding while holding them, then unlocks in reverse. */
    @Suspendable
    private static void ordered(Mutex[] locks, int from, int[] counter) {
        for (int j = from; j < locks.length; j++) {
            locks[j].lock();
            GreenThread.yield();
        }
        counter[0]++;
        for (int j = locks.length - 1; j >= from; j--) {
            locks[j].unlock();
        }
    }

    /** The leak is reported to the handler of the leaker's scheduler when someone first waits for the mutex. */
    @Test
    void aGreenThreadThatEndsHoldingAMutexIsReportedOnce() {
        Mutex m = new Mutex();
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        try (Scheduler s = Scheduler.builder().name("leak").carriers(1).uncaughtExceptionHandler((t, e) -> {
            threads.add(t.name());
            reported.add(e);
        }).build()) {
            GreenThread<Void> leaker = s.start(() -> m.lock());
            leaker.join();
            assertTrue(reported.isEmpty(), "nobody waited for it yet: " + reported);
            for (int i = 0; i < 2; i++) {
                assertFalse(s.run(() -> m.tryLock(Duration.ofMillis(1))), "nobody can unlock it");
                assertFalse(m.tryLock(Duration.ofMillis(1)), "nor take it from a platform thread");
            }
            assertEquals(List.of(leaker.name()), threads, "reported once");
        }
        Throwable e = reported.get(0);
        assertTrue(e instanceof GreenDeadlockException, e.toString());
        assertEquals("green thread \"" + threads.get(0) + "\" ended holding mutex " + name(m)
                + ": nobody can unlock it now, and whoever locks it waits for ever (unlock in a finally block)", e.getMessage());
        assertEquals(0, e.getStackTrace().length, "one line: no stack trace");
    }

    @Test
    void aThreadThatUnlocksWhatItLockedIsNotReported() {
        Mutex m = new Mutex();
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        try (Scheduler s = Scheduler.builder().name("tidy").carriers(1).uncaughtExceptionHandler((t, e) -> reported.add(e))
                .build()) {
            s.run(() -> {
                m.lock();
                m.unlock();
            });
            Semaphore done = new Semaphore(0);
            GreenThread<Void> holder = s.start(() -> {
                m.lock();
                done.acquire();
                m.unlock();
            });
            Await.until(() -> m.toString().contains("held by")); // the holder is alive and holds it
            GreenThread<Void> waiter = s.start(() -> {
                m.lock();
                m.unlock();
            });
            Await.until(() -> m.queueLength() == 1);
            done.release();
            holder.join();
            waiter.join();
        }
        assertTrue(reported.isEmpty(), reported.toString());
    }
}
