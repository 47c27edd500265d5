package dev.greenthreads.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The park/unpark primitive, between green and platform threads, as the sync package uses it. */
@Timeout(60)
class StrandTest {

    @Test
    void anUnparkBeforeParkIsKeptAsThePermit() {
        boolean green = Scheduler.defaultScheduler().run(() -> {
            Strand me = Strand.current();
            me.unpark();
            me.unpark(); // the permit does not count
            Strand.park(); // returns at once
            return me.isGreen();
        });
        assertTrue(green);
    }

    @Test
    void aPlatformThreadUnparksAParkedGreenThread() throws Exception {
        AtomicBoolean go = new AtomicBoolean();
        AtomicReference<Strand> waiter = new AtomicReference<>();
        CountDownLatch registered = new CountDownLatch(1);
        GreenThread<Integer> t = GreenThread.start(() -> {
            waiter.set(Strand.current());
            registered.countDown();
            int parks = 0;
            while (!go.get()) {
                Strand.park();
                parks++;
            }
            return parks;
        });
        registered.await();
        go.set(true);
        waiter.get().unpark();
        assertTrue(t.join() >= 0);
    }

    @Test
    void aGreenThreadUnparksAParkedPlatformThread() {
        Strand main = Strand.current();
        assertFalse(main.isGreen());
        assertSame(main, Strand.current());
        AtomicBoolean go = new AtomicBoolean();
        GreenThread.start(() -> {
            GreenThread.yield();
            go.set(true);
            main.unpark();
        });
        while (!go.get()) {
            Strand.park();
        }
    }

    /**
     * {@link #aGreenThreadUnparksAParkedPlatformThread}'s case ten thousand times in a row: each
     * thread is started from outside onto carriers that have often just gone idle, yields, and
     * wakes the platform thread. A start whose wake-up is lost leaves the thread unrun and this
     * test waiting until the timeout.
     */
    @Test
    void everyGreenThreadStartedFromAParkedPlatformThreadRuns() {
        Strand main = Strand.current();
        for (int i = 0; i < 10_000; i++) {
            AtomicBoolean ran = new AtomicBoolean();
            GreenThread.start(() -> {
                GreenThread.yield();
                ran.set(true);
                main.unpark();
            });
            while (!ran.get()) {
                Strand.park();
            }
        }
    }

    @Test
    void pingPongBetweenTwoGreenThreadsHandsOverEveryTurn() {
        int rounds = 10_000;
        AtomicInteger turn = new AtomicInteger();
        AtomicReference<Strand> ping = new AtomicReference<>();
        AtomicReference<Strand> pong = new AtomicReference<>();
        GreenThread<Void> a = GreenThread.start(() -> {
            ping.set(Strand.current());
            while (pong.get() == null) {
                GreenThread.yield();
            }
            for (int i = 0; i < rounds; i++) {
                while (turn.get() != 2 * i) {
                    Strand.park();
                }
                turn.incrementAndGet();
                pong.get().unpark();
            }
        });
        GreenThread<Void> b = GreenThread.start(() -> {
            pong.set(Strand.current());
            while (ping.get() == null) {
                GreenThread.yield();
            }
            for (int i = 0; i < rounds; i++) {
                while (turn.get() != 2 * i + 1) {
                    Strand.park();
                }
                turn.incrementAndGet();
                ping.get().unpark();
            }
        });
        a.join();
        b.join();
        assertEquals(2 * rounds, turn.get());
    }

    @Test
    void aTimedParkReturnsOnceItsDeadlinePassed() {
        long waited = Scheduler.defaultScheduler().run(() -> {
            long start = Strand.nanoTime();
            long deadline = start + Duration.ofMillis(20).toNanos();
            while (Strand.nanoTime() - deadline < 0) {
                Strand.parkUntil(deadline);
            }
            Strand.parkNanos(1);
            return Strand.nanoTime() - start;
        });
        assertTrue(waited >= Duration.ofMillis(20).toNanos());
    }

    @Test
    void cancellingAParkedThreadUnparksItWithTheRequestPending() throws Exception {
        CountDownLatch parked = new CountDownLatch(1);
        GreenThread<Boolean> t = GreenThread.start(() -> {
            parked.countDown();
            while (!Strand.cancelRequested()) {
                Strand.park();
            }
            return true;
        });
        parked.await();
        t.cancel();
        assertTrue(t.join());
    }

    @Test
    void theUnparkOfAWakerOnAnotherCarrierIsNeverLost() {
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            for (int round = 0; round < 2000; round++) {
                AtomicBoolean flag = new AtomicBoolean();
                AtomicReference<Strand> sleeper = new AtomicReference<>();
                CountDownLatch ready = new CountDownLatch(1);
                GreenThread<Void> waiter = s.start(() -> {
                    sleeper.set(Strand.current());
                    ready.countDown();
                    while (!flag.get()) {
                        Strand.park();
                    }
                });
                s.run(() -> {
                    while (ready.getCount() > 0) {
                        GreenThread.yield();
                    }
                    flag.set(true);
                    sleeper.get().unpark();
                });
                waiter.join();
            }
        }
    }
}
