package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class GreenThreadTest {

    @Test
    void tenThousandThreadsYieldingTwentyTimesAllComplete() {
        AtomicInteger yields = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        List<GreenThread<Void>> threads = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            threads.add(GreenThread.start(() -> {
                for (int k = 0; k < 20; k++) {
                    GreenThread.yield();
                    yields.incrementAndGet();
                }
                completed.incrementAndGet();
            }));
        }
        for (GreenThread<Void> t : threads) {
            t.join();
        }
        assertEquals(10_000, completed.get());
        assertEquals(200_000, yields.get());
    }

    @Test
    void joinFromAPlatformThreadReturnsTheBodysValue() {
        GreenThread<String> t = GreenThread.start(() -> {
            GreenThread.yield();
            return "value";
        });
        assertEquals("value", t.join());
        assertEquals("value", t.join(), "a thread can be joined again");
    }

    @Test
    void joinFromAGreenThreadReturnsTheBodysValue() {
        int result = Scheduler.defaultScheduler().run(() -> {
            GreenThread<Integer> child = GreenThread.start(() -> {
                GreenThread.sleep(5);
                return 41;
            });
            return child.join() + 1;
        });
        assertEquals(42, result);
    }

    @Test
    void joinOfARunnableReturnsNull() {
        assertNull(GreenThread.start(() -> GreenThread.yield()).join());
    }

    @Test
    void manyThreadsCanJoinTheSameThread() {
        CountDownLatch release = new CountDownLatch(1);
        GreenThread<Integer> target = GreenThread.start(() -> {
            while (release.getCount() > 0) {
                GreenThread.sleep(1);
            }
            return 7;
        });
        List<GreenThread<Integer>> joiners = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            joiners.add(GreenThread.start(() -> target.join()));
        }
        release.countDown();
        for (GreenThread<Integer> j : joiners) {
            assertEquals(7, j.join());
        }
    }

    @Test
    void joinWithTimeoutThrowsTimeoutExceptionWhileTheThreadRuns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        GreenThread<String> t = GreenThread.start(() -> {
            while (release.getCount() > 0) {
                GreenThread.sleep(1);
            }
            return "late";
        });
        assertThrows(TimeoutException.class, () -> t.join(Duration.ofMillis(20)));
        release.countDown();
        assertEquals("late", t.join(Duration.ofSeconds(30)));
    }

    @Test
    void joinWithTimeoutFromAGreenThreadTimesOutAndTheTargetGoesOn() {
        String outcome = Scheduler.defaultScheduler().run(() -> {
            GreenThread<Void> sleeper = GreenThread.start(() -> GreenThread.sleep(Duration.ofHours(1)));
            try {
                sleeper.join(Duration.ofMillis(10));
                return "no timeout";
            } catch (TimeoutException expected) {
                return sleeper.state() + " after timeout";
            } finally {
                sleeper.cancel();
            }
        });
        assertEquals("BLOCKED after timeout", outcome);
    }

    @Test
    void anExceptionFromTheBodyIsRethrownByJoinAsItsCause() {
        IOException boom = new IOException("boom");
        GreenThread<Object> t = GreenThread.start(() -> {
            GreenThread.yield();
            throw boom;
        });
        GreenThreadException e = assertThrows(GreenThreadException.class, t::join);
        assertSame(boom, e.getCause());
        GreenThreadException again = assertThrows(GreenThreadException.class, t::join);
        assertSame(boom, again.getCause());
    }

    @Test
    void exitEndsTheThreadWithItsValueAndRunsFinallyBlocks() {
        AtomicBoolean finallyRan = new AtomicBoolean();
        GreenThread<Integer> t = GreenThread.start(() -> {
            try {
                exitFromNestedCall(5);
                return 1;
            } finally {
                finallyRan.set(true);
            }
        });
        assertEquals(5, t.join());
        assertTrue(finallyRan.get());
    }

    @Suspendable
    private static void exitFromNestedCall(int value) {
        GreenThread.yield();
        GreenThread.exit(value);
        fail("exit returned");
    }

    @Test
    void exitFromAPlatformThreadIsRefused() {
        assertThrows(IllegalStateException.class, () -> GreenThread.exit(1));
    }

    @Test
    void joiningADetachedThreadIsRefused() {
        GreenThread<Void> detached = GreenThread.builder().detached(true).start(() -> GreenThread.yield());
        assertTrue(detached.isDetached());
        assertThrows(IllegalStateException.class, detached::join);

        GreenThread<Void> later = GreenThread.start(() -> GreenThread.yield());
        later.detach();
        later.detach();
        assertThrows(IllegalStateException.class, later::join);
        assertThrows(IllegalStateException.class, () -> later.join(Duration.ofSeconds(1)));
    }

    @Test
    void joiningItselfIsRefused() {
        GreenThread<Object> t = GreenThread.start(() -> GreenThread.current().join());
        GreenThreadException e = assertThrows(GreenThreadException.class, t::join);
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void aDetachedThreadIsUnreachableOnceItEnds() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        WeakReference<GreenThread<Void>> ref = new WeakReference<>(GreenThread.builder().detached(true).start(() -> {
            GreenThread.sleep(1);
            GreenThread.yield();
            ran.countDown();
        }));
        ran.await();
        long giveUp = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (ref.get() != null && System.nanoTime() < giveUp) {
            System.gc();
            Thread.onSpinWait();
        }
        assertNull(ref.get(), "something still holds the ended detached thread");
    }

    @Test
    void currentIsTheRunningThreadAndNullOutside() {
        assertNull(GreenThread.current());
        AtomicReference<GreenThread<?>> seen = new AtomicReference<>();
        GreenThread<Void> t = GreenThread.start(() -> {
            GreenThread.yield();
            seen.set(GreenThread.current());
        });
        t.join();
        assertSame(t, seen.get());
    }

    @Test
    void namesAndIdsIdentifyThreads() {
        GreenThread<Void> named = GreenThread.builder().name("worker").start(() -> { });
        GreenThread<Void> unnamed = GreenThread.start(() -> { });
        named.join();
        unnamed.join();
        assertEquals("worker", named.name());
        assertEquals("green-" + unnamed.id(), unnamed.name());
        assertNotEquals(named.id(), unnamed.id());
        assertTrue(named.toString().contains("worker"));
    }

    @Test
    void statesGoFromNewThroughReadyRunningBlockedToTerminated() {
        try (Scheduler one = Scheduler.builder().carriers(1).build()) {
            GreenThread<Void> child = GreenThread.builder().scheduler(one).unstarted(() -> GreenThread.sleep(Duration.ofHours(1)));
            assertEquals(GreenThread.State.NEW, child.state());
            List<GreenThread.State> seen = one.run(() -> {
                List<GreenThread.State> states = new ArrayList<>();
                states.add(GreenThread.current().state());
                child.start();
                states.add(child.state()); // our only carrier is busy with us
                while (child.state() != GreenThread.State.BLOCKED) {
                    GreenThread.yield();
                }
                states.add(child.state());
                return states;
            });
            assertEquals(List.of(GreenThread.State.RUNNING, GreenThread.State.READY, GreenThread.State.BLOCKED), seen);
            child.cancel();
            assertThrows(java.util.concurrent.CancellationException.class, child::join);
            assertEquals(GreenThread.State.TERMINATED, child.state());
        }
    }

    @Test
    void anUnstartedThreadStartsOnce() {
        GreenThread<Integer> t = GreenThread.builder().unstarted(() -> 3);
        t.start();
        assertThrows(IllegalStateException.class, t::start);
        assertEquals(3, t.join());
    }

    @Test
    void threadsStartedByAGreenThreadRunOnItsScheduler() {
        try (Scheduler mine = Scheduler.builder().name("mine").carriers(2).build()) {
            Scheduler seen = mine.run(() -> GreenThread.start(() -> GreenThread.current().scheduler()).join());
            assertSame(mine, seen);
        }
        assertSame(Scheduler.defaultScheduler(), GreenThread.start(() -> { }).scheduler());
    }

    @Test
    void sleepLastsAtLeastItsDuration() {
        long took = Scheduler.defaultScheduler().run(() -> {
            long start = System.nanoTime();
            GreenThread.sleep(Duration.ofMillis(30));
            return System.nanoTime() - start;
        });
        assertTrue(took >= Duration.ofMillis(30).toNanos(), "slept only " + took + " ns");
    }

    @Test
    void sleepingThreadsDoNotHoldTheirCarrier() {
        try (Scheduler one = Scheduler.builder().carriers(1).build()) {
            int n = 1000;
            long start = System.nanoTime();
            List<GreenThread<Void>> sleepers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sleepers.add(one.start(() -> GreenThread.sleep(50)));
            }
            for (GreenThread<Void> s : sleepers) {
                s.join();
            }
            long took = System.nanoTime() - start;
            assertTrue(took < Duration.ofSeconds(10).toNanos(), "1000 sleeps of 50 ms on one carrier took " + took + " ns");
        }
    }

    @Test
    void negativeSleepIsRefusedAndZeroSleepReturns() {
        assertThrows(IllegalArgumentException.class, () -> GreenThread.sleep(-1));
        GreenThread.start(() -> {
            GreenThread.sleep(0);
            GreenThread.sleep(Duration.ZERO);
            GreenThread.sleep(Duration.ofMillis(-5));
        }).join();
    }

    @Test
    void yieldAndSleepWorkOnAPlatformThread() {
        GreenThread.yield();
        long start = System.nanoTime();
        GreenThread.sleep(Duration.ofMillis(5));
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(5).toNanos());
    }

    @Test
    void aPlatformThreadInterruptedWhileJoiningGetsGreenCancelledException() {
        CountDownLatch release = new CountDownLatch(1);
        GreenThread<Void> t = GreenThread.start(() -> {
            while (release.getCount() > 0) {
                GreenThread.sleep(1);
            }
        });
        Thread.currentThread().interrupt();
        try {
            assertThrows(GreenCancelledException.class, t::join);
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept");
        } finally {
            Thread.interrupted();
            release.countDown();
        }
        t.join();
        assertFalse(t.isDetached());
    }
}
