package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.testing.Await;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Agent option {@code monitors} (this class runs in a JVM whose agent has it): {@code synchronized},
 * {@code Object.wait} and {@code notify} in rewritten code park green threads instead of pinning
 * their carriers, with the JVM's semantics, and exclude platform threads running the same code.
 * Every test runs under {@code pinned=fail}, so a suspension that pinned would fail it.
 */
@Timeout(120)
class MonitorsTest {

    MonitorsTest() {
        System.setProperty("greenthreads.pinned", "fail");
    }

    @AfterEach
    void clearPinnedFail() {
        System.clearProperty("greenthreads.pinned");
    }

    /** The textbook bounded buffer. */
    static final class BoundedBuffer {
        private final int[] items;
        private int head, count;

        BoundedBuffer(int capacity) {
            items = new int[capacity];
        }

        @Suspendable
        synchronized void put(int item) throws InterruptedException {
            while (count == items.length) {
                wait();
            }
            items[(head + count++) % items.length] = item;
            notifyAll();
        }

        @Suspendable
        synchronized int take() throws InterruptedException {
            while (count == 0) {
                wait();
            }
            int item = items[head];
            head = (head + 1) % items.length;
            count--;
            notifyAll();
            return item;
        }
    }

    @Test
    void theBoundedBufferDeliversEveryItemOnceBetweenGreenAndPlatformThreads() throws Exception {
        int producers = 6, consumers = 6, perProducer = 2_000;
        BoundedBuffer buffer = new BoundedBuffer(4);
        ConcurrentHashMap<Integer, Integer> seen = new ConcurrentHashMap<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Scheduler s = Scheduler.builder().carriers(2).name("monitors-buffer").build()) {
            List<GreenThread<Void>> green = new ArrayList<>();
            List<Thread> platform = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int base = p * perProducer;
                SuspendableRunnable produce = () -> {
                    for (int i = 0; i < perProducer; i++) {
                        buffer.put(base + i);
                    }
                };
                if (p % 3 == 0) {
                    platform.add(platformThread(() -> produce.run(), failure));
                } else {
                    green.add(s.start(produce));
                }
            }
            int perConsumer = producers * perProducer / consumers;
            for (int c = 0; c < consumers; c++) {
                SuspendableRunnable consume = () -> {
                    for (int i = 0; i < perConsumer; i++) {
                        seen.merge(buffer.take(), 1, Integer::sum);
                    }
                };
                if (c % 3 == 0) {
                    platform.add(platformThread(() -> consume.run(), failure));
                } else {
                    green.add(s.start(consume));
                }
            }
            for (GreenThread<Void> t : green) {
                t.join();
            }
            for (Thread t : platform) {
                t.join();
            }
        }
        assertEquals(null, failure.get());
        assertEquals(producers * perProducer, seen.size());
        seen.forEach((item, times) -> assertEquals(1, times, "item " + item));
    }

    @Test
    void theBoundedBufferDeliversEveryItemOnceUnderManyDeterministicSeeds() {
        for (long seed = 0; seed < 200; seed++) {
            BoundedBuffer buffer = new BoundedBuffer(2);
            int[] seen = new int[60];
            try (Scheduler s = Scheduler.deterministic(seed)) {
                GreenThread<Void> root = s.start(() -> {
                    List<GreenThread<Void>> all = new ArrayList<>();
                    for (int p = 0; p < 3; p++) {
                        int base = p * 20;
                        all.add(GreenThread.start(() -> {
                            for (int i = 0; i < 20; i++) {
                                buffer.put(base + i);
                            }
                        }));
                    }
                    for (int c = 0; c < 3; c++) {
                        all.add(GreenThread.start(() -> {
                            for (int i = 0; i < 20; i++) {
                                seen[buffer.take()]++;
                            }
                        }));
                    }
                    for (GreenThread<Void> t : all) {
                        t.join();
                    }
                });
                root.join();
            }
            for (int item = 0; item < seen.length; item++) {
                assertEquals(1, seen[item], "seed " + seed + ", item " + item);
            }
        }
    }

    private final Object lock = new Object();
    private int inside, maxInside, counter;

    @Test
    void tenThousandGreenThreadsSleepInsideSynchronizedOneAtATimeWithoutPinning() {
        int threads = 10_000;
        try (Scheduler s = Scheduler.builder().carriers(2).name("monitors-10k").build()) {
            List<GreenThread<Void>> all = new ArrayList<>(threads);
            for (int i = 0; i < threads; i++) {
                all.add(s.start(() -> {
                    synchronized (lock) {
                        int now = ++inside;
                        maxInside = Math.max(maxInside, now);
                        GreenThread.sleep(java.time.Duration.ofNanos(50_000));
                        counter++;
                        inside--;
                    }
                }));
            }
            for (GreenThread<Void> t : all) {
                t.join();
            }
        }
        assertEquals(threads, counter);
        assertEquals(1, maxInside);
    }

    static int staticInside, staticMax, staticCount;

    @Suspendable
    static synchronized void staticCritical() {
        staticMax = Math.max(staticMax, ++staticInside);
        GreenThread.yield();
        staticCount++;
        staticInside--;
    }

    @Suspendable
    synchronized void instanceCritical() {
        maxInside = Math.max(maxInside, ++inside);
        GreenThread.yield();
        counter++;
        inside--;
    }

    @Test
    void synchronizedInstanceAndStaticMethodsExcludeAcrossSuspensions() {
        try (Scheduler s = Scheduler.builder().carriers(2).name("monitors-methods").build()) {
            List<GreenThread<Void>> all = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                all.add(s.start(() -> {
                    instanceCritical();
                    staticCritical();
                }));
            }
            for (GreenThread<Void> t : all) {
                t.join();
            }
        }
        assertEquals(200, counter);
        assertEquals(1, maxInside);
        assertEquals(200, staticCount);
        assertEquals(1, staticMax);
    }

    @Test
    void nestedAndReentrantMonitorsAreReleasedInFullAfterSuspendingInside() throws Exception {
        Object a = new Object(), b = new Object();
        GreenThread<String> t = GreenThread.start(() -> {
            synchronized (a) {
                synchronized (b) {
                    synchronized (a) {
                        GreenThread.yield();
                        a.notifyAll(); // owns a, reentrantly: no IllegalMonitorStateException
                    }
                    GreenThread.yield();
                }
                GreenThread.yield();
            }
            return "done";
        });
        assertEquals("done", t.join());
        assertEquals("free", enterBothOnAPlatformThread(a, b));
    }

    /** Enters {@code a} then {@code b} in rewritten code on a platform thread: it would block for ever if either were still held. */
    private static String enterBothOnAPlatformThread(Object a, Object b) throws Exception {
        AtomicReference<String> result = new AtomicReference<>();
        Thread p = new Thread(() -> result.set(enterBoth(a, b)));
        p.start();
        p.join();
        return result.get();
    }

    @Suspendable
    static String enterBoth(Object a, Object b) {
        synchronized (a) {
            synchronized (b) {
                return "free";
            }
        }
    }

    @Suspendable
    static void throwInside(Object o) {
        synchronized (o) {
            GreenThread.yield();
            throw new IllegalStateException("thrown inside");
        }
    }

    @Test
    void anExceptionThrownInsideAfterASuspensionReleasesTheMonitor() throws Exception {
        Object o = new Object();
        GreenThread<Void> t = GreenThread.start(() -> throwInside(o));
        GreenThreadException e = assertThrows(GreenThreadException.class, t::join);
        assertEquals("thrown inside", e.getCause().getMessage());
        assertEquals("free", enterBothOnAPlatformThread(o, new Object()));
        assertEquals("free", GreenThread.start(() -> enterBoth(o, o)).join());
    }

    @Test
    void aTimedWaitReturnsAfterItsTimeoutOnGreenAndPlatformThreads() throws Exception {
        Object o = new Object();
        SuspendableCallable<String> waitBriefly = () -> {
            synchronized (o) {
                o.wait(20);
                o.wait(1, 500);
                o.notify(); // still the owner after waking
            }
            return "returned";
        };
        assertEquals("returned", GreenThread.start(waitBriefly).join());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<String> result = new AtomicReference<>();
        Thread p = platformThread(() -> result.set(waitBriefly.call()), failure);
        p.join();
        assertEquals(null, failure.get());
        assertEquals("returned", result.get());
    }

    @Test
    void waitAndNotifyWithoutTheMonitorThrowIllegalMonitorStateException() {
        Object o = new Object();
        GreenThread<Void> waits = GreenThread.start(() -> o.wait());
        assertInstanceOf(IllegalMonitorStateException.class, assertThrows(GreenThreadException.class, waits::join).getCause());
        GreenThread<Void> notifies = GreenThread.start(() -> o.notify());
        assertInstanceOf(IllegalMonitorStateException.class, assertThrows(GreenThreadException.class, notifies::join).getCause());
        GreenThread<Void> notifiesAll = GreenThread.start(() -> {
            synchronized (new Object()) {
                o.notifyAll();
            }
        });
        assertInstanceOf(IllegalMonitorStateException.class,
                assertThrows(GreenThreadException.class, notifiesAll::join).getCause());
        GreenThread<Void> negative = GreenThread.start(() -> {
            synchronized (o) {
                o.wait(-1);
            }
        });
        assertInstanceOf(IllegalArgumentException.class, assertThrows(GreenThreadException.class, negative::join).getCause());
    }

    @Test
    void aCancelledGreenWaiterOwnsTheMonitorAgainBeforeItThrows() {
        Object o = new Object();
        AtomicInteger state = new AtomicInteger();
        try (Scheduler one = Scheduler.builder().carriers(1).name("monitors-cancel").build()) {
            GreenThread<Void> waiter = one.start(() -> {
                synchronized (o) {
                    try {
                        o.wait();
                    } finally {
                        state.set(1); // runs holding o again
                        GreenThread.yield();
                        state.set(2);
                    }
                }
            });
            Await.until(() -> "the waiter is " + waiter.state(), () -> waiter.state() == GreenThread.State.BLOCKED);
            // The waiter released o: another green thread of its only carrier enters at once.
            assertEquals("free", one.start(() -> enterBoth(o, o)).join());
            waiter.cancel();
            GreenThread<Integer> next = one.start(() -> {
                synchronized (o) {
                    return state.get();
                }
            });
            CancellationException e = assertThrows(CancellationException.class, waiter::join);
            assertInstanceOf(GreenCancelledException.class, e.getCause());
            assertEquals(2, next.join(), "nobody entered while the cancelled waiter held o again");
        }
    }

    @Test
    void anInterruptedGreenThreadsWaitThrowsInterruptedException() {
        Object o = new Object();
        GreenThread<Boolean> t = GreenThread.start(() -> {
            Thread.currentThread().interrupt();
            synchronized (o) {
                try {
                    o.wait();
                    return false;
                } catch (InterruptedException e) {
                    return !Thread.currentThread().isInterrupted();
                }
            }
        });
        assertTrue(t.join(), "InterruptedException, with the status cleared");
    }

    @Test
    void anInterruptedPlatformWaiterThrowsInterruptedExceptionHoldingTheMonitor() throws Exception {
        Object o = new Object();
        AtomicReference<String> result = new AtomicReference<>();
        CountDownLatch waiting = new CountDownLatch(1);
        Thread p = new Thread(() -> result.set(waitUntilInterrupted(o, waiting)));
        p.start();
        waiting.await();
        // The platform waiter released o's green ownership: a green thread enters and notifies nobody.
        assertEquals("free", GreenThread.start(() -> enterBoth(o, o)).join());
        p.interrupt();
        p.join();
        assertEquals("interrupted, owner", result.get());
    }

    @Suspendable
    static String waitUntilInterrupted(Object o, CountDownLatch waiting) {
        synchronized (o) {
            try {
                waiting.countDown();
                while (true) {
                    o.wait();
                }
            } catch (InterruptedException e) {
                o.notifyAll(); // throws IllegalMonitorStateException unless it owns o again
                return "interrupted, owner";
            }
        }
    }

    @Test
    void platformAndGreenThreadsContendingForOneObjectExcludeEachOther() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Scheduler s = Scheduler.builder().carriers(2).name("monitors-mixed").build()) {
            List<GreenThread<Void>> green = new ArrayList<>();
            List<Thread> platform = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                platform.add(platformThread(() -> {
                    for (int k = 0; k < 500; k++) {
                        instanceCritical();
                    }
                }, failure));
                green.add(s.start(() -> {
                    for (int k = 0; k < 500; k++) {
                        instanceCritical();
                    }
                }));
            }
            for (GreenThread<Void> t : green) {
                t.join();
            }
            for (Thread t : platform) {
                t.join();
            }
        }
        assertEquals(null, failure.get());
        assertEquals(4_000, counter);
        assertEquals(1, maxInside);
    }

    @Test
    void aGreenWaiterIsWokenByAPlatformNotifierAndTheOtherWayRound() throws Exception {
        Object o = new Object();
        boolean[] ready = new boolean[2];
        GreenThread<String> green = GreenThread.start(() -> {
            synchronized (o) {
                while (!ready[0]) {
                    o.wait();
                }
                ready[1] = true;
                o.notifyAll();
            }
            return "green woke";
        });
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread p = platformThread(() -> {
            signalAndAwait(o, ready);
        }, failure);
        p.join();
        assertEquals(null, failure.get());
        assertEquals("green woke", green.join());
    }

    @Suspendable
    static void signalAndAwait(Object o, boolean[] ready) throws InterruptedException {
        synchronized (o) {
            ready[0] = true;
            o.notifyAll();
            while (!ready[1]) {
                o.wait();
            }
        }
    }

    interface Body {
        void run() throws Exception;
    }

    private static Thread platformThread(Body body, AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        t.start();
        return t;
    }
}
