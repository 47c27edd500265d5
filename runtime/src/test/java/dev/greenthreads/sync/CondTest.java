package dev.greenthreads.sync;

import static dev.greenthreads.sync.SyncTesting.assertEachOnce;
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
import dev.greenthreads.SuspendableRunnable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.greenthreads.testing.Await;

@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CondTest {

    // ------------------------------------------------------------------------------------
    // The lecture's bounded buffer

    @Test
    void boundedBufferPassesEveryItemExactlyOnceBetweenGreenProducersAndConsumers() {
        int producers = 4, consumers = 4, perProducer = 2000;
        SyncTesting.BoundedBuffer buffer = new SyncTesting.BoundedBuffer(8);
        AtomicIntegerArray seen = new AtomicIntegerArray(producers * perProducer);
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, producers + consumers, i -> {
                if (i < producers) {
                    for (int k = 0; k < perProducer; k++) {
                        buffer.put(i * perProducer + k);
                    }
                } else {
                    for (int k = 0; k < perProducer * producers / consumers; k++) {
                        seen.incrementAndGet(buffer.take());
                    }
                }
            }));
        }
        assertEachOnce(toArray(seen));
    }

    @Test
    void boundedBufferWorksBetweenPlatformProducersAndGreenConsumersAndBack() throws Exception {
        int items = 5000;
        SyncTesting.BoundedBuffer toGreen = new SyncTesting.BoundedBuffer(4);
        SyncTesting.BoundedBuffer toPlatform = new SyncTesting.BoundedBuffer(4);
        AtomicIntegerArray seen = new AtomicIntegerArray(items);
        Thread producer = new Thread(() -> {
            for (int k = 0; k < items; k++) {
                toGreen.put(k);
            }
        });
        Thread consumer = new Thread(() -> {
            for (int k = 0; k < items; k++) {
                seen.incrementAndGet(toPlatform.take());
            }
        });
        producer.start();
        consumer.start();
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, 2, i -> {
                for (int k = 0; k < items / 2; k++) {
                    toPlatform.put(toGreen.take());
                }
            }));
        }
        producer.join();
        consumer.join();
        assertEachOnce(toArray(seen));
    }

    // ------------------------------------------------------------------------------------
    // Signal, broadcast, timeout

    @Test
    void signalWakesTheLongestWaitingThreadAndBroadcastWakesTheRest() {
        Mutex m = new Mutex();
        Cond c = new Cond();
        List<Integer> woken = new ArrayList<>();
        List<GreenThread<Void>> waiters = new ArrayList<>();
        List<Integer> wokenBySignal;
        int stillWaiting;
        try (Scheduler s = twoCarriers()) {
            for (int i = 0; i < 3; i++) {
                int index = i;
                waiters.add(s.start(() -> {
                    m.lock();
                    try {
                        c.await(m);
                        woken.add(index);
                    } finally {
                        m.unlock();
                    }
                }));
                Await.until(() -> c.queueLength() == index + 1);
            }
            c.signal();
            waiters.get(0).join();
            m.lock();
            wokenBySignal = List.copyOf(woken);
            stillWaiting = c.queueLength();
            m.unlock();
            c.broadcast();
            waiters.get(1).join();
            waiters.get(2).join();
        }
        assertEquals(List.of(0), wokenBySignal);
        assertEquals(2, stillWaiting);
        assertEquals(3, woken.size());
    }

    @Test
    void aSignalWithNoWaiterIsNotKept() {
        Mutex m = new Mutex();
        Cond c = new Cond();
        c.signal();
        c.broadcast();
        m.lock();
        assertFalse(c.await(m, Duration.ofMillis(2)), "nobody signalled after the wait began");
        assertTrue(m.isHeldByCurrentThread());
        m.unlock();
    }

    @Test
    void timedAwaitReturnsFalseOnTimeoutHoldingTheMutexAgain() {
        Mutex m = new Mutex();
        Cond c = new Cond();
        boolean[] result = GreenThread.start(() -> {
            m.lock();
            try {
                boolean signalled = c.await(m, Duration.ofMillis(3));
                boolean zero = c.await(m, Duration.ZERO);
                return new boolean[] {signalled, zero, m.isHeldByCurrentThread()};
            } finally {
                m.unlock();
            }
        }).join();
        assertFalse(result[0]);
        assertFalse(result[1]);
        assertTrue(result[2]);
        assertEquals(0, c.queueLength(), "a waiter that timed out left the queue");
    }

    @Test
    void timedAwaitReturnsTrueWhenSignalledInTime() {
        Mutex m = new Mutex();
        Cond c = new Cond();
        GreenThread<Boolean> t = GreenThread.start(() -> {
            m.lock();
            try {
                return c.await(m, Duration.ofMinutes(1));
            } finally {
                m.unlock();
            }
        });
        Await.until(() -> c.queueLength() == 1);
        m.lock();
        c.signal();
        m.unlock();
        assertTrue(t.join());
    }

    @Test
    void awaitWithARecursiveMutexReleasesEveryLevelAndRestoresThem() {
        Mutex m = new Mutex(Mutex.Type.RECURSIVE);
        Cond c = new Cond();
        AtomicBoolean ready = new AtomicBoolean();
        GreenThread<Void> t = GreenThread.start(() -> {
            m.lock();
            m.lock();
            while (!ready.get()) {
                c.await(m);
            }
            m.unlock();
            assertTrue(m.isHeldByCurrentThread(), "two levels restored: one unlock leaves one");
            m.unlock();
            assertFalse(m.isHeldByCurrentThread());
        });
        Await.until(() -> c.queueLength() == 1);
        m.lock(); // possible only because await released both levels
        ready.set(true);
        c.signal();
        m.unlock();
        t.join();
    }

    // ------------------------------------------------------------------------------------
    // Cancellation

    @Test
    void condAwaitReacquiresMutexWhenCancelled() {
        Mutex m = new Mutex();
        Cond c = new Cond();
        AtomicReference<Boolean> heldInFinally = new AtomicReference<>();
        GreenThread<Void> t = GreenThread.start(() -> {
            m.lock();
            try {
                c.await(m);
            } finally {
                heldInFinally.set(m.isHeldByCurrentThread());
                m.unlock();
            }
        });
        Await.until(() -> c.queueLength() == 1);
        m.lock(); // the waiter released it; now it cannot re-acquire until we let go
        t.cancel();
        Await.until(() -> m.queueLength() == 1); // woken at once, without a signal, and queued for the mutex
        assertEquals(null, heldInFinally.get(), "it did not throw before re-acquiring");
        m.unlock();
        CancellationException e = assertThrows(CancellationException.class, t::join);
        assertInstanceOf(GreenCancelledException.class, e.getCause());
        assertEquals(Boolean.TRUE, heldInFinally.get());
        assertEquals(0, c.queueLength());
    }

    @Test
    void condAwaitActsOnACancellationPendingAtEntry() {
        Mutex m = new Mutex();
        Cond c = new Cond();
        AtomicReference<Boolean> heldInFinally = new AtomicReference<>();
        GreenThread<Void> t = GreenThread.start(() -> {
            GreenThread.current().cancel();
            m.lock();
            try {
                c.await(m);
            } finally {
                heldInFinally.set(m.isHeldByCurrentThread());
                m.unlock();
            }
        });
        assertThrows(CancellationException.class, t::join);
        assertEquals(Boolean.TRUE, heldInFinally.get());
        assertEquals(0, c.queueLength());
    }

    @Test
    void timedCondAwaitIsACancellationPointToo() {
        Mutex m = new Mutex();
        Cond c = new Cond();
        GreenThread<Boolean> t = GreenThread.start(() -> {
            m.lock();
            try {
                return c.await(m, Duration.ofHours(1));
            } finally {
                m.unlock();
            }
        });
        Await.until(() -> c.queueLength() == 1);
        t.cancel();
        assertThrows(CancellationException.class, t::join);
    }

    /**
     * Cancellation and signal race: the signal comes just after the cancelled waiter wakes, at
     * distances swept across its give-up. Two threads wait for one token; one of them is
     * cancelled as the token is signalled. A
     * cancelled waiter that was signalled must not swallow the signal: the token is consumed
     * exactly once, by it or by the other waiter, which would otherwise wait for ever (here: five
     * seconds, far beyond any wake-up latency, then the round counts as broken).
     */
    @Test
    void aCancellationRacingASignalNeverLosesIt() {
        int rounds = 3000;
        int broken = 0;
        try (Scheduler s = twoCarriers()) {
            for (int r = 0; r < rounds; r++) {
                Mutex m = new Mutex();
                Cond c = new Cond();
                int[] tokens = {0};
                int[] consumed = {0};
                SuspendableRunnable consumer = () -> {
                    m.lock();
                    try {
                        while (tokens[0] == 0) {
                            if (!c.await(m, Duration.ofSeconds(5))) {
                                return;
                            }
                        }
                        tokens[0]--;
                        consumed[0]++;
                    } finally {
                        m.unlock();
                    }
                };
                GreenThread<Void> cancelled = s.start(consumer);
                GreenThread<Void> other = s.start(consumer);
                Await.until(() -> c.queueLength() == 2);
                cancelled.cancel();
                SyncTesting.awaitRunning(cancelled); // woken by the cancellation: now inside its give-up
                SyncTesting.spinNanos((r % 40) * 25L);
                m.lock();
                tokens[0]++;
                c.signal();
                m.unlock();
                boolean cancelledTookIt;
                try {
                    cancelled.join();
                    cancelledTookIt = true;
                } catch (CancellationException e) {
                    cancelledTookIt = false;
                }
                if (cancelledTookIt) {
                    m.lock();
                    tokens[0]++;
                    c.signal();
                    m.unlock();
                }
                other.join();
                m.lock();
                broken += tokens[0] == 0 && consumed[0] == (cancelledTookIt ? 2 : 1) ? 0 : 1;
                m.unlock();
            }
        }
        assertEquals(0, broken, "rounds where a signal was lost");
    }

    @Test
    void anInterruptedPlatformThreadLeavesCondAwaitHoldingTheMutex() throws Exception {
        Mutex m = new Mutex();
        Cond c = new Cond();
        AtomicReference<String> outcome = new AtomicReference<>();
        Thread p = new Thread(() -> {
            m.lock();
            try {
                c.await(m);
                outcome.set("returned");
            } catch (GreenCancelledException e) {
                outcome.set("cancelled, held=" + m.isHeldByCurrentThread()
                        + ", interrupted=" + Thread.currentThread().isInterrupted());
            } finally {
                m.unlock();
            }
        });
        p.start();
        Await.until(() -> c.queueLength() == 1);
        p.interrupt();
        p.join();
        assertEquals("cancelled, held=true, interrupted=true", outcome.get());
    }

    // ------------------------------------------------------------------------------------
    // Misuse

    @Test
    void awaitWithoutHoldingTheMutexThrows() {
        Mutex m = new Mutex();
        Cond c = new Cond();
        IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, () -> c.await(m));
        assertTrue(e.getMessage().contains("lock it first"), e.getMessage());
        assertThrows(IllegalMonitorStateException.class, () -> c.await(m, Duration.ofSeconds(1)));
        assertEquals(0, c.queueLength());
    }

    @Test
    void awaitWithAMutexHeldByAnotherThreadThrows() {
        Mutex m = new Mutex();
        Cond c = new Cond();
        m.lock();
        Throwable t = GreenThread.start(() -> {
            try {
                c.await(m);
                return null;
            } catch (IllegalMonitorStateException e) {
                return e;
            }
        }).join();
        assertInstanceOf(IllegalMonitorStateException.class, t);
        assertTrue(m.isHeldByCurrentThread());
        m.unlock();
    }

    @Test
    void waitingWithTwoMutexesAtOnceOnOneCondThrows() {
        Mutex a = new Mutex();
        Mutex b = new Mutex();
        Cond c = new Cond();
        GreenThread<Void> first = GreenThread.start(() -> {
            a.lock();
            try {
                c.await(a);
            } finally {
                a.unlock();
            }
        });
        Await.until(() -> c.queueLength() == 1);
        b.lock();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.await(b));
        assertTrue(e.getMessage().contains("one mutex at a time"), e.getMessage());
        assertTrue(b.isHeldByCurrentThread());
        b.unlock();
        a.lock();
        c.signal();
        a.unlock();
        first.join();
    }

    private static int[] toArray(AtomicIntegerArray a) {
        int[] r = new int[a.length()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i);
        }
        return r;
    }
}
