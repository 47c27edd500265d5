package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.sync.Cond;
import dev.greenthreads.sync.Mutex;
import dev.greenthreads.sync.Semaphore;
import dev.greenthreads.testing.Await;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Scheduler#threads()}, {@link Scheduler#dump()} and {@link Scheduler#dumpJson()}: every
 * live thread with what it waits on and for how long; identical stacks grouped, so that a
 * hundred thousand parked threads give a short dump, quickly, without holding their stacks.
 */
@Timeout(120)
class DumpTest {

    private final Mutex mutex = new Mutex();
    private final Cond cond = new Cond();
    private volatile boolean released;

    @Test
    void threadsListsTheLiveThreadsAndNotTheEndedOnes() {
        try (Scheduler s = Scheduler.builder().name("listed").carriers(2).build()) {
            GreenThread<Void> ended = s.start(() -> { });
            ended.join();
            Await.until(() -> ended.state() == GreenThread.State.TERMINATED && !s.threads().contains(ended));
            GreenThread<Void> a = GreenThread.builder().scheduler(s).name("a").start(this::awaitRelease);
            GreenThread<Void> b = GreenThread.builder().scheduler(s).name("b").start(this::awaitRelease);
            Set<GreenThread<?>> live = Set.copyOf(s.threads());
            assertTrue(live.contains(a) && live.contains(b), live::toString);
            assertFalse(live.contains(ended), live::toString);
            release();
            a.join();
            b.join();
        }
    }

    @Test
    void theDumpSaysWhatEachThreadWaitsOnForHowLongAndWhere() throws Exception {
        Mutex held = new Mutex();
        Semaphore gate = new Semaphore(0);
        try (Scheduler s = Scheduler.builder().name("dumped").carriers(2).build()) {
            CountDownLatch holding = new CountDownLatch(1);
            GreenThread<Void> holder = GreenThread.builder().scheduler(s).name("holder").start(() -> {
                held.lock();
                try {
                    holding.countDown();
                    gate.acquire();
                } finally {
                    held.unlock();
                }
            });
            holding.await();
            GreenThread<Void> locker = GreenThread.builder().scheduler(s).name("locker").start(() -> {
                held.lock();
                held.unlock();
            });
            GreenThread<Void> joiner = GreenThread.builder().scheduler(s).name("joiner").start(() -> holder.join());
            GreenThread<Void> sleeper = GreenThread.builder().scheduler(s).name("sleeper").start(() -> GreenThread.sleep(60_000));
            GreenThread<Void> waiter = GreenThread.builder().scheduler(s).name("waiter").start(this::awaitRelease);
            Await.until(() -> "all five blocked", () -> s.threads().size() == 5 && s.threads().stream()
                    .allMatch(t -> t.state() == GreenThread.State.BLOCKED && t.stackTrace().length > 0));

            String dump = s.dump();
            assertTrue(dump.startsWith("Scheduler \"dumped\": 2 carriers"), dump);
            assertTrue(dump.contains("5 green threads: 5 BLOCKED"), dump);
            assertTrue(dump.contains("\"holder\" #" + holder.id() + " BLOCKED on Semaphore.acquire, for "), dump);
            assertTrue(dump.contains("\"locker\" #" + locker.id() + " BLOCKED on mutex Mutex@"), dump);
            assertTrue(dump.contains(" held by \"holder\", for "), dump);
            assertTrue(dump.contains("\"joiner\" #" + joiner.id() + " BLOCKED on green thread \"holder\" to end, for "), dump);
            assertTrue(dump.contains("\"sleeper\" #" + sleeper.id() + " BLOCKED on GreenThread.sleep (timed, "), dump);
            assertTrue(dump.contains("\"waiter\" #" + waiter.id() + " BLOCKED on Cond.await, for "), dump);
            assertTrue(dump.contains("    at dev.greenthreads.sync.Cond.await(Cond.java:"), dump);
            assertTrue(dump.contains("    at dev.greenthreads.DumpTest.awaitRelease(DumpTest.java:"), dump);
            assertTrue(dump.contains("    at dev.greenthreads.DumpTest.lambda$"), dump);

            String json = s.dumpJson();
            assertTrue(json.startsWith("{\"scheduler\":\"dumped\",\"carriers\":2,"), json);
            assertTrue(json.contains("\"states\":{\"BLOCKED\":5}"), json);
            assertTrue(json.contains("{\"name\":\"joiner\",\"id\":" + joiner.id()
                    + ",\"waitsOn\":\"green thread \\\"holder\\\" to end\",\"waitedNanos\":"), json);
            sleeper.cancel();
            release();
            gate.release();
            holder.join();
            locker.join();
            joiner.join();
            waiter.join();
        }
    }

    @Test
    void aHundredThousandParkedThreadsGiveAShortGroupedDumpInUnderASecond() {
        int n = 100_000;
        Semaphore gate = new Semaphore(0);
        try (Scheduler s = Scheduler.builder().name("many").carriers(2).build()) {
            List<GreenThread<Void>> threads = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                threads.add(s.start(() -> parkAt(gate)));
            }
            GreenThread<Void> last = threads.get(n - 1);
            Await.until(() -> "every thread parked", () -> last.state() == GreenThread.State.BLOCKED
                    && s.threads().stream().allMatch(t -> t.state() == GreenThread.State.BLOCKED));
            try {
                assertShortGroupedDump(s, n);
            } finally {
                for (int i = 0; i < n; i++) {
                    gate.release();
                }
            }
            for (GreenThread<Void> t : threads) {
                t.join();
            }
        }
    }

    private static void assertShortGroupedDump(Scheduler s, int n) {
        s.dump(); // classes loaded, code warm
        // Timed by the CPU time of the thread taking it, the best of three: the machine may be busy with others.
        com.sun.management.ThreadMXBean meter = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String dump = null;
        long millis = Long.MAX_VALUE, allocated = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long allocatedBefore = meter.getCurrentThreadAllocatedBytes();
            long cpuBefore = meter.getCurrentThreadCpuTime();
            dump = s.dump();
            millis = Math.min(millis, (meter.getCurrentThreadCpuTime() - cpuBefore) / 1_000_000);
            allocated = Math.min(allocated, meter.getCurrentThreadAllocatedBytes() - allocatedBefore);
        }
        String text = dump;
        long took = millis, bytes = allocated;

        assertTrue(text.contains(n + " green threads BLOCKED with this stack, the longest waiting for "), text);
        assertTrue(text.contains("  ... and " + (n - 10) + " more\n"), text);
        assertTrue(text.contains("    at dev.greenthreads.DumpTest.parkAt(DumpTest.java:"), text);
        assertEquals(10, text.lines().filter(l -> l.startsWith("  \"")).count(), text);
        assertTrue(text.length() < 4_000, () -> text.length() + " chars: " + text);
        assertTrue(took < 1_000, () -> "the dump took " + took + " ms of CPU");
        // No copy of a stack per thread: what it allocates is transient, a few hundred bytes per thread.
        assertTrue(bytes < 500L * n, () -> "the dump allocated " + bytes + " bytes");
    }

    @Suspendable
    private static void parkAt(Semaphore gate) {
        gate.acquire();
    }

    @Suspendable
    private void awaitRelease() {
        mutex.lock();
        try {
            while (!released) {
                cond.await(mutex);
            }
        } finally {
            mutex.unlock();
        }
    }

    private void release() {
        released = true;
        mutex.lock();
        try {
            cond.broadcast();
        } finally {
            mutex.unlock();
        }
    }

}
