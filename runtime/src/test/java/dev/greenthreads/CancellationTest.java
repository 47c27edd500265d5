package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CancellationTest {

    @Test
    void cancelWakesASleepingThreadAndRunsItsFinallyBlocks() throws Exception {
        CountDownLatch sleeping = new CountDownLatch(1);
        AtomicBoolean cleanedUp = new AtomicBoolean();
        GreenThread<Void> t = GreenThread.start(() -> {
            try {
                sleeping.countDown();
                GreenThread.sleep(Duration.ofHours(1));
            } finally {
                cleanedUp.set(true);
            }
        });
        sleeping.await();
        t.cancel();
        CancellationException e = assertThrows(CancellationException.class, t::join);
        assertInstanceOf(GreenCancelledException.class, e.getCause());
        assertTrue(cleanedUp.get());
    }

    @Test
    void cancelWakesAThreadParkedInJoin() throws Exception {
        GreenThread<Void> forever = GreenThread.start(() -> GreenThread.sleep(Duration.ofHours(1)));
        CountDownLatch joining = new CountDownLatch(1);
        GreenThread<Void> joiner = GreenThread.start(() -> {
            joining.countDown();
            forever.join();
        });
        joining.await();
        joiner.cancel();
        assertThrows(CancellationException.class, joiner::join);
        assertNotEquals(GreenThread.State.TERMINATED, forever.state(), "cancelling a joiner leaves the joined thread alone");
        forever.cancel();
        assertThrows(CancellationException.class, forever::join);
    }

    @Test
    void cancelEndsAThreadThatYieldsInALoop() throws Exception {
        CountDownLatch looping = new CountDownLatch(1);
        GreenThread<Void> t = GreenThread.start(() -> {
            while (true) {
                looping.countDown();
                GreenThread.yield();
            }
        });
        looping.await();
        t.cancel();
        assertThrows(CancellationException.class, t::join);
    }

    @Test
    void cancelEndsAThreadAtTestCancel() throws Exception {
        CountDownLatch looping = new CountDownLatch(1);
        GreenThread<Void> t = GreenThread.start(() -> {
            while (true) {
                looping.countDown();
                GreenThread.testCancel();
                Thread.onSpinWait();
            }
        });
        looping.await();
        t.cancel();
        assertThrows(CancellationException.class, t::join);
    }

    @Test
    void aCancelledThreadThatReachesNoCancellationPointEndsNormally() {
        GreenThread<Integer> t = GreenThread.builder().unstarted(() -> 42);
        t.cancel();
        t.start();
        assertEquals(42, t.join());
    }

    @Test
    void cancellationActsOnceSoCleanupMayWaitAgain() throws Exception {
        CountDownLatch sleeping = new CountDownLatch(1);
        AtomicBoolean cleanupSlept = new AtomicBoolean();
        GreenThread<Void> t = GreenThread.start(() -> {
            try {
                sleeping.countDown();
                GreenThread.sleep(Duration.ofHours(1));
            } finally {
                GreenThread.sleep(1);
                GreenThread.yield();
                cleanupSlept.set(true);
            }
        });
        sleeping.await();
        t.cancel();
        assertThrows(CancellationException.class, t::join);
        assertTrue(cleanupSlept.get());
    }

    @Test
    void aBodyThatCatchesCancellationGoesOnAndEndsNormally() throws Exception {
        CountDownLatch sleeping = new CountDownLatch(1);
        GreenThread<String> t = GreenThread.start(() -> {
            try {
                sleeping.countDown();
                GreenThread.sleep(Duration.ofHours(1));
                return "slept";
            } catch (GreenCancelledException e) {
                GreenThread.yield();
                return "cancelled and recovered";
            }
        });
        sleeping.await();
        t.cancel();
        assertEquals("cancelled and recovered", t.join());
    }

    @Test
    void cancellingAnEndedThreadDoesNothing() {
        GreenThread<Integer> t = GreenThread.start(() -> 1);
        assertEquals(1, t.join());
        t.cancel();
        assertEquals(1, t.join());
    }

    @Test
    void aCancelledThreadCanBeCancelledFromItself() {
        AtomicReference<String> reached = new AtomicReference<>("nothing");
        GreenThread<Void> t = GreenThread.start(() -> {
            GreenThread.current().cancel();
            reached.set("before the cancellation point");
            GreenThread.yield();
            reached.set("after it");
        });
        assertThrows(CancellationException.class, t::join);
        assertEquals("before the cancellation point", reached.get());
    }

    @Test
    void anInterruptedPlatformThreadThrowsAtCancellationPoints() {
        Thread.currentThread().interrupt();
        try {
            assertThrows(GreenCancelledException.class, GreenThread::testCancel);
            assertThrows(GreenCancelledException.class, () -> GreenThread.sleep(10));
            assertThrows(GreenCancelledException.class, GreenThread::yield);
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
        GreenThread.testCancel();
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
