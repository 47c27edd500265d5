package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class RunBlockingTest {

    @Test
    void aBlockedCallLeavesTheOnlyCarrierToOtherGreenThreads() throws Exception {
        try (Scheduler one = Scheduler.builder().carriers(1).name("run-blocking").build()) {
            CountDownLatch released = new CountDownLatch(1);
            AtomicReference<String> ranOn = new AtomicReference<>();
            GreenThread<String> blocked = one.start(() -> GreenThread.runBlocking(() -> {
                ranOn.set(Thread.currentThread().getName());
                released.await(); // only another green thread of this one-carrier scheduler opens it
                return "done";
            }));
            GreenThread<Void> opener = one.start(released::countDown);
            opener.join();
            assertEquals("done", blocked.join());
            assertTrue(ranOn.get().startsWith("greenthreads-blocking-"), ranOn::get);
        }
    }

    @Test
    void whatTheCallThrowsIsThrownAsIs() {
        IOException thrown = new IOException("disk on fire");
        GreenThread<Object> t = GreenThread.start(() -> GreenThread.runBlocking(() -> {
            throw thrown;
        }));
        GreenThreadException e = assertThrows(GreenThreadException.class, t::join);
        assertSame(thrown, e.getCause());
    }

    @Test
    void cancellingTheGreenThreadInterruptsTheCallAndWaitsForIt() throws Exception {
        CountDownLatch calling = new CountDownLatch(1);
        AtomicReference<Throwable> callSaw = new AtomicReference<>();
        GreenThread<Object> t = GreenThread.start(() -> GreenThread.runBlocking(() -> {
            calling.countDown();
            try {
                new CountDownLatch(1).await(); // forever, unless interrupted
                return null;
            } catch (InterruptedException e) {
                callSaw.set(e);
                throw e;
            }
        }));
        calling.await();
        t.cancel();
        CancellationException e = assertThrows(CancellationException.class, t::join);
        assertInstanceOf(GreenCancelledException.class, e.getCause());
        assertInstanceOf(InterruptedException.class, callSaw.get(), "the call ended before join returned");
    }

    @Test
    void onAPlatformThreadTheCallRunsInPlace() throws Exception {
        Thread caller = Thread.currentThread();
        assertSame(caller, GreenThread.runBlocking(Thread::currentThread));
    }

    @Test
    void manyCallsAtOnceAllComplete() {
        int n = 200; // more than the pool's threads: the rest wait in its queue
        GreenThread<?>[] threads = new GreenThread<?>[n];
        CountDownLatch all = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            int id = i;
            threads[i] = GreenThread.start(() -> GreenThread.runBlocking(() -> {
                all.countDown();
                return id;
            }));
        }
        for (int i = 0; i < n; i++) {
            assertEquals(i, threads[i].join());
        }
        assertEquals(0, all.getCount());
    }
}
