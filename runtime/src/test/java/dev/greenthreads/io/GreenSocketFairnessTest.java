package dev.greenthreads.io;

import static dev.greenthreads.io.IoTesting.anyLoopbackPort;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * On one carrier, a green thread whose socket is always ready never waits, so without the
 * operation budget it would never give the carrier up. Each test runs such a thread next to one
 * that only yields a few times and then says it is done: the busy one stops as soon as the
 * other is done, which it can only be if the busy one's socket calls yielded.
 */
@Timeout(60)
class GreenSocketFairnessTest {

    /** The yielding thread's turns; it needs the carrier this many times plus one. */
    private static final int YIELDS = 5;
    /** A bound for the starving case, so that a failure is a failed assertion rather than a hang. */
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(5);

    @Test
    void anAlwaysReadableSocketDoesNotStarveAYieldingThread() throws Exception {
        try (Scheduler one = Scheduler.builder().carriers(1).name("io-fair-read").build();
             GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort());
             Socket feeder = new Socket()) {
            feeder.connect(server.localAddress());
            GreenSocket socket = server.accept();
            AtomicBoolean stop = new AtomicBoolean();
            Thread feeding = new Thread(() -> { // keeps the green reader's socket readable
                try {
                    OutputStream out = feeder.getOutputStream();
                    byte[] chunk = new byte[64 * 1024];
                    while (!stop.get()) {
                        out.write(chunk);
                    }
                } catch (Exception e) {
                    // the green side closed: done
                }
            });
            feeding.start();
            try {
                long[] reads = new long[1];
                boolean otherFinished = one.run(() -> {
                    byte[] b = new byte[1];
                    socket.read(b, 0, 1); // the first read may wait for the feeder; from here on none does
                    AtomicBoolean done = startYielder();
                    long giveUp = System.nanoTime() + GIVE_UP_NANOS;
                    while (!done.get() && System.nanoTime() - giveUp < 0) {
                        socket.read(b, 0, 1);
                        reads[0]++;
                    }
                    return done.get();
                });
                assertTrue(otherFinished, "the yielding green thread never ran while the reader read " + reads[0]
                        + " times from an always-readable socket");
                assertTrue(reads[0] <= (YIELDS + 2) * (long) Registration.OPERATION_BUDGET,
                        "the reader read " + reads[0] + " times before the other thread finished its " + YIELDS
                                + " yields: more than the budget allows");
            } finally {
                stop.set(true);
                socket.close();
                feeding.join();
            }
        }
    }

    @Test
    void anAlwaysWritableSocketDoesNotStarveAYieldingThread() throws Exception {
        try (Scheduler one = Scheduler.builder().carriers(1).name("io-fair-write").build();
             GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort());
             Socket drain = new Socket()) {
            drain.connect(server.localAddress());
            GreenSocket socket = server.accept();
            Thread draining = new Thread(() -> { // keeps the green writer's socket writable
                try {
                    InputStream in = drain.getInputStream();
                    byte[] chunk = new byte[64 * 1024];
                    while (in.read(chunk) >= 0) {
                        // discard
                    }
                } catch (Exception e) {
                    // closed: done
                }
            });
            draining.start();
            try {
                long[] writes = new long[1];
                boolean otherFinished = one.run(() -> {
                    byte[] b = {1};
                    AtomicBoolean done = startYielder();
                    long giveUp = System.nanoTime() + GIVE_UP_NANOS;
                    while (!done.get() && System.nanoTime() - giveUp < 0) {
                        socket.write(b, 0, 1);
                        writes[0]++;
                    }
                    return done.get();
                });
                assertTrue(otherFinished, "the yielding green thread never ran while the writer wrote " + writes[0]
                        + " times to an always-writable socket");
            } finally {
                socket.close();
                drain.close();
                draining.join();
            }
        }
    }

    /**
     * Starts, on the caller's carrier, a green thread that yields {@link #YIELDS} times and then
     * sets the flag it returns. It runs only when the caller lets the carrier go.
     */
    private static AtomicBoolean startYielder() {
        AtomicBoolean done = new AtomicBoolean();
        GreenThread.start(() -> {
            for (int i = 0; i < YIELDS; i++) {
                GreenThread.yield();
            }
            done.set(true);
        });
        return done;
    }
}
