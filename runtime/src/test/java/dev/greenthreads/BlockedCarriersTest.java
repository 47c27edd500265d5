package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.internal.scheduler.Dispatcher;
import dev.greenthreads.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Green threads that block their carrier thread in code that is not rewritten (a sleep, a plain
 * socket read, a {@code java.util.concurrent} wait) do not stop the others: the monitor hands
 * their carrier's core to another carrier thread, and the threads it added end after idling.
 */
@Timeout(60)
class BlockedCarriersTest {

    @Test
    void eightThreadsBlockingTwoCarriersInSleepsAndSocketReadsAllFinish() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
                Scheduler s = Scheduler.builder().name("blocking").carriers(2).build()) {
            List<Socket> clients = new ArrayList<>();
            List<Socket> peers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                clients.add(new Socket(server.getInetAddress(), server.getLocalPort()));
                peers.add(server.accept());
            }
            AtomicInteger started = new AtomicInteger();
            AtomicInteger finished = new AtomicInteger();
            List<GreenThread<Void>> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                InputStream in = clients.get(i).getInputStream();
                threads.add(s.start(() -> {
                    started.incrementAndGet();
                    sleepUnmarked(300);
                    finished.incrementAndGet();
                }));
                threads.add(s.start(() -> {
                    started.incrementAndGet();
                    readUnmarked(in);
                    finished.incrementAndGet();
                }));
            }
            // The readers block until all eight run at once, which two carriers alone cannot do.
            Await.until(() -> "all eight green threads started (" + started.get() + " did)", () -> started.get() == 8);
            for (Socket p : peers) {
                p.getOutputStream().write(1);
            }
            for (GreenThread<Void> t : threads) {
                t.join();
            }
            assertEquals(8, finished.get());
            Dispatcher d = s.dispatcher();
            // Four readers blocked at once on two cores: at least two of them lost their core.
            assertTrue(d.handOffs() >= 2, "cores handed over from blocked carriers: " + d.handOffs());
            assertTrue(d.carriersAdded() >= 1, "carrier threads added: " + d.carriersAdded());
            for (Socket c : clients) {
                c.close();
            }
            for (Socket p : peers) {
                p.close();
            }
        }
    }

    @Test
    void carriersBlockedInAJdkWaitDoNotStopTheGreenThreadThatReleasesThem() {
        try (Scheduler s = Scheduler.builder().name("latch").carriers(2).build()) {
            CountDownLatch latch = new CountDownLatch(1);
            AtomicInteger waiting = new AtomicInteger();
            GreenThread<Void> a = s.start(() -> awaitUnmarked(latch, waiting));
            GreenThread<Void> b = s.start(() -> awaitUnmarked(latch, waiting));
            Await.until(() -> waiting.get() == 2);
            s.start(latch::countDown).join();
            a.join();
            b.join();
            assertTrue(s.dispatcher().handOffs() >= 1, "cores handed over: " + s.dispatcher().handOffs());
        }
    }

    @Test
    void carrierThreadsAddedWhileOthersWereBlockedEndAfterIdling() {
        try (Scheduler s = Scheduler.builder().name("retiring").carriers(2)
                .spareIdleTimeout(Duration.ofMillis(50)).build()) {
            CountDownLatch latch = new CountDownLatch(1);
            AtomicInteger waiting = new AtomicInteger();
            GreenThread<Void> a = s.start(() -> awaitUnmarked(latch, waiting));
            GreenThread<Void> b = s.start(() -> awaitUnmarked(latch, waiting));
            Await.until(() -> waiting.get() == 2);
            s.start(latch::countDown).join();
            a.join();
            b.join();
            Dispatcher d = s.dispatcher();
            assertTrue(d.carriersAdded() >= 1, "carrier threads added: " + d.carriersAdded());
            Await.until(() -> "back to two carrier threads (" + d.carrierThreads() + ", " + d.carriersRetired()
                    + " retired)", () -> d.carrierThreads() == 2);
            assertTrue(d.carriersRetired() >= 1);
            assertEquals(42, s.run(() -> 42), "the carriers left run green threads");
        }
    }

    @Test
    void maxCarriersCapsTheCarrierThreads() {
        try (Scheduler s = Scheduler.builder().name("capped").carriers(1).maxCarriers(2).build()) {
            CountDownLatch latch = new CountDownLatch(1);
            AtomicInteger waiting = new AtomicInteger();
            GreenThread<Void> a = s.start(() -> awaitUnmarked(latch, waiting));
            GreenThread<Void> b = s.start(() -> awaitUnmarked(latch, waiting));
            Await.until(() -> waiting.get() == 2); // one carrier blocked, then the one added
            GreenThread<Void> c = s.start(() -> {
                waiting.incrementAndGet();
            });
            Dispatcher d = s.dispatcher();
            Await.until(() -> d.handOffs() >= 1);
            assertEquals(2, d.carrierThreads());
            assertEquals(2, waiting.get(), "no third carrier thread ran the third green thread");
            latch.countDown();
            a.join();
            b.join();
            c.join();
            assertEquals(3, waiting.get());
        }
    }

    private static void sleepUnmarked(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void readUnmarked(InputStream in) {
        try {
            assertEquals(1, in.read());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitUnmarked(CountDownLatch latch, AtomicInteger waiting) {
        waiting.incrementAndGet();
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
