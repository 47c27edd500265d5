package dev.greenthreads.sync;

import static dev.greenthreads.sync.SyncTesting.runAll;
import static dev.greenthreads.sync.SyncTesting.twoCarriers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.greenthreads.testing.Await;

@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RwLockTest {

    // ------------------------------------------------------------------------------------
    // The lecture's readers and writers

    /**
     * Writers update two fields with a switch in between; readers check them equal, also
     * switching while they hold the lock. Readers overlap each other; a writer overlaps nobody.
     */
    @Test
    void readersSeeOnlyWholeUpdatesAndWritersExcludeEveryone() {
        RwLock lock = new RwLock();
        int[] pair = {0, 0};
        AtomicInteger readersIn = new AtomicInteger(), writersIn = new AtomicInteger();
        AtomicInteger maxReadersTogether = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, 12, i -> {
                for (int r = 0; r < 300; r++) {
                    if (i < 3) {
                        lock.writeLock();
                        if (writersIn.incrementAndGet() != 1 || readersIn.get() != 0) {
                            violations.incrementAndGet();
                        }
                        pair[0]++;
                        GreenThread.yield();
                        pair[1]++;
                        writersIn.decrementAndGet();
                        lock.writeUnlock();
                    } else {
                        lock.readLock();
                        maxReadersTogether.accumulateAndGet(readersIn.incrementAndGet(), Math::max);
                        if (writersIn.get() != 0) {
                            violations.incrementAndGet();
                        }
                        int a = pair[0];
                        GreenThread.yield();
                        if (pair[1] != a) {
                            violations.incrementAndGet();
                        }
                        readersIn.decrementAndGet();
                        lock.readUnlock();
                    }
                }
            }));
        }
        assertEquals(0, violations.get());
        assertEquals(900, pair[0]);
        assertEquals(900, pair[1]);
        assertTrue(maxReadersTogether.get() >= 1);
    }

    @Test
    void manyReadersHoldTheLockAtOnce() {
        RwLock lock = new RwLock();
        int readers = 5;
        AtomicInteger holding = new AtomicInteger();
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, readers, i -> {
                lock.readLock();
                holding.incrementAndGet();
                while (holding.get() < readers) {
                    GreenThread.yield(); // would never end if readers excluded each other
                }
                lock.readUnlock();
            }));
        }
        assertTrue(lock.tryWriteLock());
    }

    // ------------------------------------------------------------------------------------
    // Fairness

    /** Holder W0; queued R1, W2, R3 in that order. R1 alone goes first, then W2, then R3. */
    @Test
    void theLockIsGrantedInQueueOrderWithReadersBatchedOnlyWhenAdjacent() {
        RwLock lock = new RwLock();
        List<String> order = new CopyOnWriteArrayList<>();
        AtomicBoolean r1MayGo = new AtomicBoolean();
        int queuedWhileR1Reads;
        boolean newcomerGotIn;
        lock.writeLock();
        try (Scheduler s = twoCarriers()) {
            GreenThread<Void> r1 = s.start(() -> {
                lock.readLock();
                order.add("R1");
                while (!r1MayGo.get()) {
                    GreenThread.yield();
                }
                lock.readUnlock();
            });
            Await.until(() -> lock.queueLength() == 1);
            GreenThread<Void> w2 = s.start(() -> {
                lock.writeLock();
                order.add("W2");
                lock.writeUnlock();
            });
            Await.until(() -> lock.queueLength() == 2);
            GreenThread<Void> r3 = s.start(() -> {
                lock.readLock();
                order.add("R3");
                lock.readUnlock();
            });
            Await.until(() -> lock.queueLength() == 3);
            lock.writeUnlock();
            Await.until(() -> order.size() == 1);
            queuedWhileR1Reads = lock.queueLength();
            newcomerGotIn = lock.tryReadLock();
            if (newcomerGotIn) {
                lock.readUnlock();
            }
            r1MayGo.set(true);
            r1.join();
            w2.join();
            r3.join();
        }
        assertEquals(2, queuedWhileR1Reads, "R3 waits behind the queued writer although a reader holds the lock");
        assertFalse(newcomerGotIn, "so does a newcomer");
        assertEquals(List.of("R1", "W2", "R3"), order);
    }

    /** The readers' holds always overlap: a reader-preferring lock would never let the writer in. They give up after 10 s. */
    @Test
    void aWriterIsNotStarvedByAStreamOfReaders() {
        RwLock lock = new RwLock();
        AtomicBoolean written = new AtomicBoolean();
        AtomicBoolean readersGaveUp = new AtomicBoolean();
        long giveUp = System.nanoTime() + MutexTest.BARGER_GIVES_UP_AFTER.toNanos();
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, 5, i -> {
                if (i == 0) {
                    GreenThread.yield();
                    lock.writeLock();
                    written.set(true);
                    lock.writeUnlock();
                } else {
                    while (!written.get()) {
                        if (System.nanoTime() - giveUp > 0) {
                            readersGaveUp.set(true);
                            return;
                        }
                        lock.readLock();
                        GreenThread.yield();
                        lock.readUnlock();
                    }
                }
            }));
        }
        assertFalse(readersGaveUp.get(), "the writer got the lock only after the readers stopped");
    }

    @Test
    void aReaderMayTakeASecondReadLockPastAQueuedWriter() {
        RwLock lock = new RwLock();
        lock.readLock();
        GreenThread<Void> writer = GreenThread.start(() -> {
            lock.writeLock();
            lock.writeUnlock();
        });
        Await.until(() -> lock.queueLength() == 1);
        assertTrue(lock.tryReadLock(), "POSIX lets a reader take several read locks; queueing it would deadlock");
        lock.readLock();
        assertEquals(3, lock.readHoldCount());
        lock.readUnlock();
        lock.readUnlock();
        assertEquals(1, lock.queueLength(), "the writer waits for the last read lock");
        lock.readUnlock();
        writer.join();
    }

    // ------------------------------------------------------------------------------------
    // Timed and mixed

    @Test
    void timedLocksTimeOutAndLeaveTheQueue() {
        RwLock lock = new RwLock();
        lock.writeLock();
        assertFalse(GreenThread.start(() -> lock.tryReadLock(Duration.ofMillis(3))).join());
        assertFalse(GreenThread.start(() -> lock.tryWriteLock(Duration.ofMillis(3))).join());
        assertFalse(GreenThread.start(() -> lock.tryWriteLock(Duration.ZERO)).join());
        assertEquals(0, lock.queueLength());
        lock.writeUnlock();
        assertTrue(GreenThread.start(() -> lock.tryWriteLock(Duration.ofMillis(3))).join());
    }

    @Test
    void aTimedOutWriterAtTheHeadLetsTheReadersBehindItIn() {
        RwLock lock = new RwLock();
        lock.readLock();
        GreenThread<Boolean> writer = GreenThread.start(() -> lock.tryWriteLock(Duration.ofMillis(20)));
        Await.until(() -> lock.queueLength() == 1);
        GreenThread<Void> reader = GreenThread.start(() -> {
            lock.readLock(); // queued behind the writer until it gives up
            lock.readUnlock();
        });
        assertFalse(writer.join());
        reader.join();
        lock.readUnlock();
    }

    @Test
    void greenAndPlatformThreadsShareOneRwLock() throws Exception {
        RwLock lock = new RwLock();
        long[] value = {0};
        Thread platformWriter = new Thread(() -> {
            for (int k = 0; k < 2000; k++) {
                lock.writeLock();
                value[0]++;
                lock.writeUnlock();
            }
        });
        platformWriter.start();
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, 4, i -> {
                for (int k = 0; k < 2000; k++) {
                    if (i == 0) {
                        lock.writeLock();
                        value[0]++;
                        lock.writeUnlock();
                    } else {
                        lock.readLock();
                        long v = value[0];
                        lock.readUnlock();
                        assertTrue(v >= 0);
                    }
                }
            }));
        }
        platformWriter.join();
        assertEquals(4000, value[0]);
    }

    // ------------------------------------------------------------------------------------
    // Misuse

    @Test
    void unlockingWhatOneDoesNotHoldThrows() {
        RwLock lock = new RwLock();
        assertThrows(IllegalMonitorStateException.class, lock::readUnlock);
        assertThrows(IllegalMonitorStateException.class, lock::writeUnlock);
        lock.readLock();
        IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, lock::writeUnlock);
        assertTrue(e.getMessage().contains("readUnlock"), "says what to do: " + e.getMessage());
        lock.readUnlock();
        lock.writeLock();
        e = assertThrows(IllegalMonitorStateException.class, lock::readUnlock);
        assertTrue(e.getMessage().contains("writeUnlock"), "says what to do: " + e.getMessage());
        Throwable fromOther = GreenThread.start(() -> {
            try {
                lock.writeUnlock();
                return null;
            } catch (IllegalMonitorStateException x) {
                return x;
            }
        }).join();
        assertTrue(fromOther instanceof IllegalMonitorStateException, String.valueOf(fromOther));
        assertTrue(lock.isWriteLockedByCurrentThread());
        lock.writeUnlock();
        assertTrue(lock.tryWriteLock(), "misuse left the lock consistent");
    }

    @Test
    void relockingThatWouldDeadlockThrows() {
        RwLock lock = new RwLock();
        lock.writeLock();
        assertThrows(IllegalStateException.class, lock::writeLock);
        assertThrows(IllegalStateException.class, lock::readLock);
        assertThrows(IllegalStateException.class, () -> lock.tryReadLock(Duration.ofSeconds(1)));
        assertFalse(lock.tryReadLock());
        assertFalse(lock.tryWriteLock());
        lock.writeUnlock();
        lock.readLock();
        IllegalStateException e = assertThrows(IllegalStateException.class, lock::writeLock);
        assertTrue(e.getMessage().contains("upgrade"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> lock.tryWriteLock(Duration.ofSeconds(1)));
        assertFalse(lock.tryWriteLock());
        lock.readUnlock();
        assertEquals(0, lock.readHoldCount());
    }
}
