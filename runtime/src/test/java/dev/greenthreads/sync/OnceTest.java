package dev.greenthreads.sync;

import static dev.greenthreads.sync.SyncTesting.runAll;
import static dev.greenthreads.sync.SyncTesting.twoCarriers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.greenthreads.testing.Await;

@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OnceTest {

    /** Exactly one body runs; every caller returns only after it finished, even though the body switches. */
    @Test
    void exactlyOneBodyRunsAndEveryCallerSeesItFinished() {
        Once once = new Once();
        AtomicInteger runs = new AtomicInteger();
        AtomicBoolean initialised = new AtomicBoolean();
        AtomicInteger sawUninitialised = new AtomicInteger();
        try (Scheduler s = twoCarriers()) {
            s.run(() -> runAll(s, 50, i -> {
                once.run(() -> {
                    runs.incrementAndGet();
                    GreenThread.yield();
                    GreenThread.yield();
                    initialised.set(true);
                });
                if (!initialised.get()) {
                    sawUninitialised.incrementAndGet();
                }
            }));
        }
        assertEquals(1, runs.get());
        assertEquals(0, sawUninitialised.get());
        assertTrue(once.isDone());
    }

    @Test
    void aBodyThatThrowsLeavesTheOnceNotDoneAndTheNextCallRunsItsBody() {
        Once once = new Once();
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> once.run(() -> {
            throw boom;
        }));
        assertSame(boom, thrown, "a runtime exception reaches the caller as it is");
        assertFalse(once.isDone());
        CompletionException wrapped = assertThrows(CompletionException.class, () -> once.run(() -> {
            throw new IOException("disk");
        }));
        assertInstanceOf(IOException.class, wrapped.getCause());
        AtomicInteger runs = new AtomicInteger();
        once.run(runs::incrementAndGet);
        once.run(runs::incrementAndGet);
        assertEquals(1, runs.get());
        assertTrue(once.isDone());
    }

    /** Waiters of a body that throws are not failed with it: one of them runs its own body (as after a cancelled pthread_once). */
    @Test
    void aWaiterRunsItsOwnBodyWhenTheRunningOneThrows() {
        Once once = new Once();
        AtomicBoolean mayFail = new AtomicBoolean();
        AtomicInteger waiterRuns = new AtomicInteger();
        GreenThread<Void> first = GreenThread.start(() -> once.run(() -> {
            while (!mayFail.get()) {
                GreenThread.yield();
            }
            throw new IllegalStateException("first body fails");
        }));
        Await.until(() -> once.toString().contains("running"));
        GreenThread<Void> second = GreenThread.start(() -> once.run(waiterRuns::incrementAndGet));
        Await.until(() -> once.queueLength() == 1);
        mayFail.set(true);
        assertThrows(RuntimeException.class, first::join);
        second.join();
        assertEquals(1, waiterRuns.get());
        assertTrue(once.isDone());
    }

    @Test
    void aCancelledBodyLeavesTheOnceNotDone() {
        Once once = new Once();
        AtomicBoolean entered = new AtomicBoolean();
        GreenThread<Void> t = GreenThread.start(() -> once.run(() -> {
            entered.set(true);
            while (true) {
                GreenThread.yield(); // a cancellation point
            }
        }));
        Await.until(entered::get);
        t.cancel();
        assertThrows(CancellationException.class, t::join);
        assertFalse(once.isDone());
        AtomicInteger runs = new AtomicInteger();
        once.run(runs::incrementAndGet);
        assertEquals(1, runs.get());
    }

    @Test
    void callingRunFromInsideItsOwnBodyThrowsInsteadOfDeadlocking() {
        Once once = new Once();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> once.run(() -> once.run(() -> { })));
        assertTrue(e.getMessage().contains("inside the body"), e.getMessage());
        assertFalse(once.isDone(), "the outer body ended by throwing");
    }

    @Test
    void platformAndGreenThreadsShareOneOnce() throws Exception {
        Once once = new Once();
        AtomicInteger runs = new AtomicInteger();
        Thread p = new Thread(() -> once.run(runs::incrementAndGet));
        p.start();
        GreenThread.start(() -> once.run(runs::incrementAndGet)).join();
        p.join();
        assertEquals(1, runs.get());
    }
}
