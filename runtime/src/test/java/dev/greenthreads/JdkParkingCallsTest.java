package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.sync.Semaphore;
import dev.greenthreads.testing.Await;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * In rewritten code, LockSupport's parks act on the green thread, which GreenThread.unpark()
 * wakes; its interrupt status is its own.
 */
@Timeout(60)
class JdkParkingCallsTest {

    private static final long AN_HOUR = TimeUnit.HOURS.toNanos(1);

    private static void awaitBlocked(GreenThread<?> t) {
        // A carrier blocked in the JDK's park would leave its green thread RUNNING.
        Await.until(() -> "the parked thread is " + t.state(), () -> t.state() == GreenThread.State.BLOCKED);
    }

    @Test
    void parkParksOnlyTheGreenThreadUntilItIsUnparked() {
        try (Scheduler one = Scheduler.builder().carriers(1).name("jdk-park").build()) {
            AtomicBoolean go = new AtomicBoolean();
            GreenThread<String> parked = one.start(() -> {
                while (!go.get()) {
                    LockSupport.park(go);
                }
                return "unparked";
            });
            awaitBlocked(parked);
            assertEquals("ran", one.start(() -> "ran").join(), "the only carrier runs others meanwhile");
            go.set(true);
            parked.unpark();
            assertEquals("unparked", parked.join());
        }
    }

    @Test
    void timedParksEndOnTheirOwnOrWhenUnparked() {
        GreenThread<String> shortParks = GreenThread.start(() -> {
            long start = System.nanoTime();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            LockSupport.parkNanos("blocker", TimeUnit.MILLISECONDS.toNanos(5));
            LockSupport.parkUntil(System.currentTimeMillis() + 5);
            LockSupport.parkUntil("blocker", System.currentTimeMillis() + 5);
            return System.nanoTime() - start > 0 ? "all four ended" : "clock went back";
        });
        assertEquals("all four ended", shortParks.join());

        GreenThread<Void> longNanos = GreenThread.start(() -> LockSupport.parkNanos("blocker", AN_HOUR));
        GreenThread<Void> longUntil = GreenThread.start(() -> LockSupport.parkUntil(System.currentTimeMillis() + 3_600_000));
        awaitBlocked(longNanos);
        awaitBlocked(longUntil);
        longNanos.unpark();
        longUntil.unpark();
        longNanos.join();
        longUntil.join();
    }

    @Test
    void anUnparkBeforeTheParkMakesItReturnAtOnce() {
        GreenThread<String> t = GreenThread.start(() -> {
            GreenThread.current().unpark();
            LockSupport.park(); // the JDK's would wait for ever: the carrier's permit was never given
            return "returned";
        });
        assertEquals("returned", t.join());
    }

    @Test
    void cancellingAParkedThreadMakesItsParkReturn() {
        GreenThread<Void> t = GreenThread.start(() -> {
            LockSupport.park();
            GreenThread.testCancel();
        });
        awaitBlocked(t);
        t.cancel();
        CancellationException e = assertThrows(CancellationException.class, t::join);
        assertInstanceOf(GreenCancelledException.class, e.getCause());
    }

    @Suspendable
    static void parkWithThePermitOfThisThread() {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        LockSupport.unpark(Thread.currentThread()); // the JDK's permit, which only the JDK's park consumes
        LockSupport.park();
    }

    @Test
    void onAPlatformThreadTheyAreTheJdksCalls() {
        parkWithThePermitOfThisThread();
    }

    @Test
    void anInterruptStaysWithTheGreenThreadThatSetItAcrossASwitch() {
        try (Scheduler one = Scheduler.builder().carriers(1).name("jdk-interrupt").build()) {
            Semaphore interruptSet = new Semaphore(0), othersLooked = new Semaphore(0);
            GreenThread<Boolean> interrupting = one.start(() -> {
                Thread.currentThread().interrupt();
                interruptSet.release();
                othersLooked.acquire();
                return Thread.interrupted();
            });
            GreenThread<Boolean> other = one.start(() -> {
                interruptSet.acquire();
                boolean seen = Thread.currentThread().isInterrupted();
                othersLooked.release();
                return seen;
            });
            assertFalse(other.join(), "another green thread of the same carrier is not interrupted");
            assertTrue(interrupting.join(), "the thread that interrupted itself still is");
            assertFalse(one.start(() -> Thread.currentThread().isInterrupted()).join(), "nor is the carrier afterwards");
        }
    }
}
