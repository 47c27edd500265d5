package dev.greenthreads.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.greenthreads.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How the monitor tells a thread blocked in the kernel from one that computes. */
@Timeout(60)
class CarrierMonitorTest {

    @Test
    void aThreadInASleepOrAJdkWaitIsBlocked() throws Exception {
        CountDownLatch latch = new CountDownLatch(1);
        Thread sleeper = start(() -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // ended by the test
            }
        });
        Thread waiter = start(() -> {
            try {
                latch.await();
            } catch (InterruptedException e) {
                // ended by the test
            }
        });
        Await.until(() -> CarrierMonitor.blocked(sleeper) && CarrierMonitor.blocked(waiter));
        sleeper.interrupt();
        latch.countDown();
        sleeper.join();
        waiter.join();
    }

    @Test
    void aThreadInAPlainSocketReadIsBlocked() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
                Socket peer = server.accept()) {
            InputStream in = client.getInputStream();
            Thread reader = start(() -> {
                try {
                    in.read();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Await.until(() -> "the reader is seen blocked in its read", () -> CarrierMonitor.blocked(reader));
            peer.getOutputStream().write(1);
            reader.join();
        }
    }

    @Test
    void aThreadThatComputesIsNotBlocked() throws Exception {
        AtomicBoolean running = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        long[] sink = new long[1];
        Thread spinner = start(() -> {
            running.set(true);
            long x = 1;
            while (!stop.get()) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            sink[0] = x;
        });
        Await.until(running::get);
        for (int i = 0; i < 20; i++) {
            assertFalse(CarrierMonitor.blocked(spinner));
        }
        stop.set(true);
        spinner.join();
    }

    private static Thread start(Runnable body) {
        Thread t = new Thread(body, "watched");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
