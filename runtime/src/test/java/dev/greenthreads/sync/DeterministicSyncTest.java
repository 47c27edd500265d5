package dev.greenthreads.sync;

import static dev.greenthreads.sync.SyncTesting.SEEDS;
import static dev.greenthreads.sync.SyncTesting.assertEachOnce;
import static dev.greenthreads.sync.SyncTesting.deterministic;
import static dev.greenthreads.sync.SyncTesting.runAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lecture's programs, tiny, each under {@code Scheduler.deterministic(seed)} for
 * {@value SyncTesting#SEEDS} seeds: every seed is one interleaving, replayable by its number.
 * Each run checks the program's invariant; a hang would be caught by the timeout.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeterministicSyncTest {

    /** Bounds the busy loops of the starvation programs, far beyond what a fair primitive needs. */
    private static final int GIVE_UP_CYCLES = 10_000;

    @Test
    void mutexCounterIsExactUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int total = deterministic(seed, () -> {
                Mutex m = new Mutex();
                int[] t = {0};
                runAll(null, 3, i -> {
                    for (int k = 0; k < 3; k++) {
                        m.lock();
                        int v = t[0];
                        GreenThread.yield();
                        t[0] = v + 1;
                        m.unlock();
                    }
                });
                return t[0];
            });
            assertEquals(9, total, "seed " + seed);
        }
    }

    /** Without the mutex the same program loses updates under some seeds: the interleavings really differ. */
    @Test
    void counterWithoutMutexLosesUpdatesUnderSomeSeeds() {
        Set<Integer> totals = new HashSet<>();
        for (long seed = 0; seed < 50; seed++) {
            totals.add(deterministic(seed, () -> {
                int[] t = {0};
                runAll(null, 3, i -> {
                    for (int k = 0; k < 3; k++) {
                        int v = t[0];
                        GreenThread.yield();
                        t[0] = v + 1;
                    }
                });
                return t[0];
            }));
        }
        assertTrue(totals.stream().anyMatch(t -> t < 9), "totals seen: " + totals);
    }

    /** The barger relocks at once and switches only while holding the mutex; it gives up after 10,000 cycles, failing rather than hanging. */
    @Test
    void mutexWaiterIsNotStarvedUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int cycles = deterministic(seed, () -> {
                Mutex m = new Mutex();
                boolean[] done = {false};
                GreenThread<Integer> barger = GreenThread.start(() -> {
                    int n = 0;
                    for (; !done[0] && n < GIVE_UP_CYCLES; n++) {
                        m.lock();
                        GreenThread.yield();
                        m.unlock();
                    }
                    return n;
                });
                GreenThread<Void> waiter = GreenThread.start(() -> {
                    m.lock();
                    done[0] = true;
                    m.unlock();
                });
                waiter.join();
                return barger.join();
            });
            assertTrue(cycles < GIVE_UP_CYCLES, "seed " + seed + ": the waiter starved until the barger gave up");
        }
    }

    @Test
    void boundedBufferPassesEveryItemOnceUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int[] seen = deterministic(seed, () -> {
                SyncTesting.BoundedBuffer buffer = new SyncTesting.BoundedBuffer(1);
                int[] s = new int[6];
                runAll(null, 4, i -> {
                    for (int k = 0; k < 3; k++) {
                        if (i < 2) {
                            buffer.put(i * 3 + k);
                        } else {
                            s[buffer.take()]++;
                        }
                    }
                });
                return s;
            });
            assertEachOnce(seen);
        }
    }

    @Test
    void readersAndWritersKeepTheirInvariantUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int violations = deterministic(seed, () -> {
                RwLock lock = new RwLock();
                int[] pair = {0, 0};
                int[] readers = {0};
                int[] bad = {0};
                runAll(null, 4, i -> {
                    for (int k = 0; k < 2; k++) {
                        if (i < 2) {
                            lock.writeLock();
                            if (readers[0] != 0) {
                                bad[0]++;
                            }
                            pair[0]++;
                            GreenThread.yield();
                            pair[1]++;
                            lock.writeUnlock();
                        } else {
                            lock.readLock();
                            readers[0]++;
                            int a = pair[0];
                            GreenThread.yield();
                            if (pair[1] != a) {
                                bad[0]++;
                            }
                            readers[0]--;
                            lock.readUnlock();
                        }
                    }
                });
                return bad[0] + (pair[0] == 4 && pair[1] == 4 ? 0 : 100);
            });
            assertEquals(0, violations, "seed " + seed);
        }
    }

    /** The readers' holds always overlap, which would starve a reader-preferring writer; they give up after 10,000 cycles. */
    @Test
    void aWriterIsNotStarvedByReadersUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            boolean starved = deterministic(seed, () -> {
                RwLock lock = new RwLock();
                boolean[] written = {false};
                boolean[] gaveUp = {false};
                runAll(null, 3, i -> {
                    if (i == 0) {
                        lock.writeLock();
                        written[0] = true;
                        lock.writeUnlock();
                    } else {
                        for (int n = 0; !written[0]; n++) {
                            if (n == GIVE_UP_CYCLES) {
                                gaveUp[0] = true;
                                return;
                            }
                            lock.readLock();
                            GreenThread.yield();
                            lock.readUnlock();
                        }
                    }
                });
                return gaveUp[0];
            });
            assertTrue(!starved, "seed " + seed + ": the writer starved until the readers gave up");
        }
    }

    @Test
    void barrierPhasesStayInStepUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int errors = deterministic(seed, () -> {
                Barrier barrier = new Barrier(3);
                int[] finished = new int[3];
                int[] serial = new int[3];
                int[] bad = {0};
                runAll(null, 3, i -> {
                    for (int p = 0; p < 3; p++) {
                        if (p > 0 && finished[p - 1] != 3) {
                            bad[0]++;
                        }
                        finished[p]++;
                        if (barrier.await()) {
                            serial[p]++;
                        }
                    }
                });
                for (int p = 0; p < 3; p++) {
                    bad[0] += serial[p] == 1 ? 0 : 1;
                }
                return bad[0];
            });
            assertEquals(0, errors, "seed " + seed);
        }
    }

    @Test
    void semaphoreBoundsConcurrencyUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int[] result = deterministic(seed, () -> {
                Semaphore sem = new Semaphore(2);
                int[] inside = {0, 0}; // now, max
                runAll(null, 4, i -> {
                    for (int k = 0; k < 2; k++) {
                        sem.acquire();
                        inside[1] = Math.max(inside[1], ++inside[0]);
                        GreenThread.yield();
                        inside[0]--;
                        sem.release();
                    }
                });
                return new int[] {inside[1], sem.availablePermits()};
            });
            assertTrue(result[0] <= 2, "seed " + seed + ": " + result[0] + " inside at once");
            assertEquals(2, result[1], "seed " + seed);
        }
    }

    @Test
    void onceRunsOneBodyUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int[] result = deterministic(seed, () -> {
                Once once = new Once();
                int[] runs = {0};
                boolean[] ready = {false};
                int[] early = {0};
                runAll(null, 3, i -> {
                    once.run(() -> {
                        runs[0]++;
                        GreenThread.yield();
                        ready[0] = true;
                    });
                    if (!ready[0]) {
                        early[0]++;
                    }
                });
                return new int[] {runs[0], early[0]};
            });
            assertEquals(1, result[0], "seed " + seed);
            assertEquals(0, result[1], "seed " + seed);
        }
    }

    /** Signal, cancel and wait race in every order: the waiter always ends holding the mutex, and nothing hangs. */
    @Test
    void condCancellationRacingASignalUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            String outcome = deterministic(seed, () -> {
                Mutex m = new Mutex();
                Cond c = new Cond();
                boolean[] flag = {false};
                boolean[] heldInFinally = {false};
                GreenThread<Void> waiter = GreenThread.start(() -> {
                    m.lock();
                    try {
                        while (!flag[0]) {
                            c.await(m);
                        }
                    } finally {
                        heldInFinally[0] = m.isHeldByCurrentThread();
                        m.unlock();
                    }
                });
                GreenThread<Void> signaller = GreenThread.start(() -> {
                    m.lock();
                    flag[0] = true;
                    c.signal();
                    m.unlock();
                });
                GreenThread.start(waiter::cancel).join();
                signaller.join();
                String how;
                try {
                    waiter.join();
                    how = "returned";
                } catch (CancellationException e) {
                    how = "cancelled";
                }
                return heldInFinally[0] && c.queueLength() == 0 && m.tryLock() ? how : "broken";
            });
            assertTrue(outcome.equals("returned") || outcome.equals("cancelled"), "seed " + seed + ": " + outcome);
        }
    }

    /** A permit released to a waiter that is cancelled at the same moment is never lost. */
    @Test
    void semaphoreCancellationRacingAReleaseLosesNoPermitUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int permits = deterministic(seed, () -> {
                Semaphore sem = new Semaphore(0);
                GreenThread<Void> waiter = GreenThread.start(sem::acquire);
                GreenThread<Void> releaser = GreenThread.start(sem::release);
                GreenThread.start(waiter::cancel).join();
                releaser.join();
                int taken;
                try {
                    waiter.join();
                    taken = 1;
                } catch (CancellationException e) {
                    taken = 0;
                }
                return taken + sem.availablePermits() + sem.queueLength() * 10;
            });
            assertEquals(1, permits, "seed " + seed + ": the one permit is held or available, exactly once");
        }
    }

    /** A waiter cancelled at a barrier withdraws, so a replacement completes the cycle; exactly one serial thread. */
    @Test
    void barrierCancellationRacingArrivalsUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            int serials = deterministic(seed, () -> {
                Barrier barrier = new Barrier(2);
                GreenThread<Boolean> a = GreenThread.start(barrier::await);
                GreenThread<Boolean> b = GreenThread.start(barrier::await);
                GreenThread.start(a::cancel).join();
                int count = 0;
                try {
                    count += a.join() ? 1 : 0;
                } catch (CancellationException e) {
                    count += barrier.await() ? 1 : 0; // a withdrew: take its place
                }
                count += b.join() ? 1 : 0;
                return count;
            });
            assertEquals(1, serials, "seed " + seed);
        }
    }

    /** Timeouts run on the virtual clock: a timed lock gives up while the holder sleeps longer, and succeeds when it sleeps less. */
    @Test
    void timedWaitsUseTheVirtualClockUnderEverySeed() {
        for (long seed = 0; seed < SEEDS; seed++) {
            String outcome = deterministic(seed, () -> {
                Mutex m = new Mutex();
                Cond c = new Cond();
                boolean[] locked = {false};
                GreenThread<Void> holder = GreenThread.start(() -> {
                    m.lock();
                    locked[0] = true;
                    GreenThread.sleep(Duration.ofMillis(1));
                    m.unlock();
                });
                while (!locked[0]) {
                    GreenThread.yield();
                }
                boolean early = m.tryLock(Duration.ofNanos(100_000));
                boolean later = m.tryLock(Duration.ofSeconds(10));
                boolean signalled = c.await(m, Duration.ofNanos(50_000));
                m.unlock();
                holder.join();
                return early + " " + later + " " + signalled;
            });
            assertEquals("false true false", outcome, "seed " + seed);
        }
    }
}
