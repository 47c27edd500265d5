package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.greenthreads.sync.Barrier;
import dev.greenthreads.testing.Await;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** In rewritten code, Thread.sleep, TimeUnit.sleep and Thread.yield act on the green thread, not its carrier. */
@Timeout(60)
class JdkSleepingCallsTest {

    @Suspendable
    static void sleepAnHourInUnits() throws InterruptedException {
        TimeUnit.HOURS.sleep(1);
    }

    @Suspendable
    static void sleepAnHour() throws InterruptedException {
        Thread.sleep(3_600_000);
    }

    @Test
    void threadSleepParksTheGreenThreadAndIsACancellationPoint() {
        GreenThread<Void> sleeper = GreenThread.start(() -> Thread.sleep(3_600_000));
        // A carrier blocked in the JDK's sleep would leave its green thread RUNNING.
        Await.until(() -> "the sleeper is " + sleeper.state(), () -> sleeper.state() == GreenThread.State.BLOCKED);
        sleeper.cancel();
        CancellationException e = assertThrows(CancellationException.class, sleeper::join);
        assertInstanceOf(GreenCancelledException.class, e.getCause());
    }

    @Test
    void timeUnitSleepInASuspendableMethodParksTheGreenThread() {
        GreenThread<Void> sleeper = GreenThread.start(JdkSleepingCallsTest::sleepAnHourInUnits);
        Await.until(() -> "the sleeper is " + sleeper.state(), () -> sleeper.state() == GreenThread.State.BLOCKED);
        sleeper.cancel();
        assertThrows(CancellationException.class, sleeper::join);
    }

    /**
     * Ten thousand green threads in {@code Thread.sleep} at once on two carriers: every one is
     * parked (a sleep that blocked its carrier would leave its thread RUNNING, and the others
     * waiting to start), and cancelling them ends every sleep.
     */
    @Test
    void tenThousandGreenThreadsSleepAtOnceOnTwoCarriers() {
        int threads = 10_000;
        try (Scheduler two = Scheduler.builder().carriers(2).name("jdk-sleep-10k").build()) {
            List<GreenThread<Void>> sleepers = new ArrayList<>(threads);
            for (int i = 0; i < threads; i++) {
                sleepers.add(two.start(() -> Thread.sleep(3_600_000)));
            }
            Await.until(() -> countIn(sleepers, GreenThread.State.BLOCKED) + " of " + threads + " asleep",
                    () -> countIn(sleepers, GreenThread.State.BLOCKED) == threads);
            sleepers.forEach(GreenThread::cancel);
            for (GreenThread<Void> t : sleepers) {
                CancellationException e = assertThrows(CancellationException.class, t::join);
                assertInstanceOf(GreenCancelledException.class, e.getCause());
            }
        }
    }

    /** And ten thousand short sleeps on two carriers all end (one after the other they would take 17 minutes). */
    @Test
    void tenThousandShortSleepsOnTwoCarriersAllEnd() {
        int threads = 10_000;
        AtomicInteger woke = new AtomicInteger();
        try (Scheduler two = Scheduler.builder().carriers(2).name("jdk-sleep-short").build()) {
            List<GreenThread<Void>> sleepers = new ArrayList<>(threads);
            for (int i = 0; i < threads; i++) {
                sleepers.add(two.start(() -> {
                    Thread.sleep(100);
                    woke.incrementAndGet();
                }));
            }
            sleepers.forEach(GreenThread::join);
        }
        assertEquals(threads, woke.get());
    }

    private static int countIn(List<GreenThread<Void>> threads, GreenThread.State state) {
        int n = 0;
        for (GreenThread<Void> t : threads) {
            if (t.state() == state) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aShortSleepEnds() {
        GreenThread<String> t = GreenThread.start(() -> {
            Thread.sleep(5);
            TimeUnit.MILLISECONDS.sleep(5);
            Thread.sleep(1, 500);
            return "woke";
        });
        assertEquals("woke", t.join());
    }

    @Test
    void threadYieldLetsTheOtherGreenThreadOfItsCarrierRun() {
        try (Scheduler one = Scheduler.builder().carriers(1).name("jdk-yield").build()) {
            StringBuffer order = new StringBuffer();
            Barrier together = new Barrier(2);
            GreenThread<Void> a = one.start(() -> {
                together.await();
                for (int i = 0; i < 3; i++) {
                    order.append('a');
                    Thread.yield();
                }
            });
            GreenThread<Void> b = one.start(() -> {
                together.await();
                for (int i = 0; i < 3; i++) {
                    order.append('b');
                    Thread.yield();
                }
            });
            a.join();
            b.join();
            for (int i = 0; i + 1 < order.length(); i++) {
                assertNotEquals(order.charAt(i), order.charAt(i + 1), "the two alternate: " + order);
            }
        }
    }

    @Test
    void onAPlatformThreadTheyAreTheJdksCalls() {
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, JdkSleepingCallsTest::sleepAnHour);
        assertFalse(Thread.interrupted(), "the JDK's sleep cleared the interrupt as it threw");
        assertThrows(IllegalArgumentException.class, () -> Thread.sleep(-1));
    }
}
