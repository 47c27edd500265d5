package dev.greenthreads.samples.echo;

import static dev.greenthreads.testing.Await.SETTLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import dev.greenthreads.testing.Await;

/**
 * While well-behaved clients are served, others reset mid-message, half-close, never read, sit
 * idle and send garbage: the well-behaved lose no byte, and the server buffers at most one
 * buffer for the client that never reads. ({@code iterative} is left out: that one bad client
 * stalls it is the flaw it exists to show.)
 */
class MisbehavingClientsTest {

    /** Far more than loopback's socket buffers can hold, so reaching it means the server kept reading. */
    private static final long UNBOUNDED = 256L * 1024 * 1024;

    @ParameterizedTest
    @EnumSource(value = EchoMode.class, names = {"THREADS", "VIRTUAL", "SELECT", "GREEN", "NETTY_NIO", "NETTY_EPOLL"})
    void wellBehavedClientsLoseNoByteWhileOthersMisbehave(EchoMode mode) throws Exception {
        EchoServersTest.assumeAvailable(mode);
        ServerConfig config = EchoTesting.config();
        try (EchoTesting.Running running = EchoTesting.start(mode, config);
             Socket idle = running.connect();
             SocketChannel neverReads = SocketChannel.open(running.address())) {
            long pushed = pushUntilTheServerStopsReading(neverReads);
            assertTrue(pushed < UNBOUNDED, "the server kept reading from a client that never reads");
            ServerStats held = running.server.stats();
            assertTrue(held.bytesRead() - held.bytesWritten() <= config.bufferSize(),
                    () -> "the server holds more than one buffer for the client that never reads: " + held.summary());

            AtomicBoolean done = new AtomicBoolean();
            ExecutorService pests = Executors.newFixedThreadPool(3);
            List<Future<Integer>> rounds = new ArrayList<>();
            try {
                rounds.add(pests.submit(repeat(done, () -> resetMidMessage(running))));
                rounds.add(pests.submit(repeat(done, () -> halfCloseAndReadEverythingBack(running))));
                rounds.add(pests.submit(repeat(done, () -> garbageThenReset(running))));

                LoadGenerator.Result result = LoadGenerator.run(
                        LoadGenerator.Config.messages(running.address(), 10, 512, 300, SETTLE, 2), line -> {});
                done.set(true);
                for (Future<Integer> round : rounds) {
                    assertTrue(round.get(SETTLE.toSeconds(), TimeUnit.SECONDS) >= 1);
                }

                assertEquals(Map.of(), result.errors(), "the well-behaved clients' errors");
                assertEquals(10, result.completed());
                assertEquals(10L * 300 * 512, result.bytesVerified());
            } finally {
                done.set(true);
                pests.shutdownNow();
            }

            Await.until(SETTLE, () -> "only the idle and the never-reading clients should be left: "
                    + running.server.stats().summary(), () -> running.server.stats().open() == 2);
            assertTrue(pushed + pushUntilTheServerStopsReading(neverReads) < UNBOUNDED,
                    "the server went on reading from the client that never reads");
            ServerStats stats = running.server.stats();
            assertFalse(stats.errors().containsKey("server bug"), stats::summary);
        }
    }

    /** Runs {@code round} until {@code done}, at least once; returns how many rounds ran. */
    private static Callable<Integer> repeat(AtomicBoolean done, Callable<Void> round) {
        return () -> {
            int rounds = 0;
            do {
                round.call();
                rounds++;
            } while (!done.get());
            return rounds;
        };
    }

    /** Writes without reading until the socket stays full for 300 ms; returns the bytes written. */
    private static long pushUntilTheServerStopsReading(SocketChannel channel) throws Exception {
        channel.configureBlocking(false);
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        long pushed = 0;
        long fullSince = 0;
        while (pushed < UNBOUNDED) {
            chunk.clear();
            int n = channel.write(chunk);
            pushed += n;
            if (n > 0) {
                fullSince = 0;
                continue;
            }
            long now = System.nanoTime();
            if (fullSince == 0) {
                fullSince = now;
            } else if (now - fullSince > TimeUnit.MILLISECONDS.toNanos(300)) {
                return pushed;
            }
            Thread.sleep(5);
        }
        return pushed;
    }

    private static Void resetMidMessage(EchoTesting.Running running) throws Exception {
        Socket socket = running.connect();
        socket.getOutputStream().write(EchoTesting.pattern(1, 300));
        socket.setSoLinger(true, 0); // close sends RST
        socket.close();
        return null;
    }

    private static Void halfCloseAndReadEverythingBack(EchoTesting.Running running) throws Exception {
        byte[] sent = EchoTesting.pattern(2, 50_000);
        try (Socket socket = running.connect()) {
            socket.getOutputStream().write(sent);
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            byte[] echoed = new byte[sent.length];
            assertEquals(sent.length, EchoTesting.readFully(in, echoed, sent), "bytes echoed after a half-close");
            assertEquals(-1, in.read(), "the server closes once everything is echoed");
        }
        return null;
    }

    private static Void garbageThenReset(EchoTesting.Running running) throws Exception {
        byte[] garbage = new byte[20_000];
        new Random(garbage.length).nextBytes(garbage);
        Socket socket = running.connect();
        OutputStream out = socket.getOutputStream();
        out.write(garbage);
        byte[] echoed = new byte[garbage.length];
        int read = EchoTesting.readFully(socket.getInputStream(), echoed, garbage);
        if (read != garbage.length) {
            fail("garbage came back short: " + read + " of " + garbage.length);
        }
        assertArrayEquals(garbage, echoed);
        out.write(garbage, 0, 777); // and leave mid-stream, rudely
        socket.setSoLinger(true, 0);
        socket.close();
        return null;
    }
}
