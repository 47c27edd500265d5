package dev.greenthreads.samples.echo;

import static dev.greenthreads.testing.Await.SETTLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The load generator notices what a bad server does, and keeps an open-loop schedule. */
class LoadGeneratorTest {

    /** A one-connection server that echoes, but does {@code damage} to the byte at offset 1,000. */
    private interface Damage {
        /** Returns the byte to send back, or -1 to close the connection instead. */
        int apply(long offset, int b);
    }

    private static Map<String, Long> errorsAgainst(Damage damage) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket socket = listener.accept()) {
                    InputStream in = socket.getInputStream();
                    OutputStream out = socket.getOutputStream();
                    long offset = 0;
                    int b;
                    while ((b = in.read()) >= 0) {
                        int reply = damage.apply(offset++, b);
                        if (reply < 0) {
                            return;
                        }
                        out.write(reply);
                    }
                } catch (IOException e) {
                    // the client gave up on us: expected
                }
            }, "bad-echo-server");
            server.setDaemon(true);
            server.start();
            LoadGenerator.Result result = LoadGenerator.run(LoadGenerator.Config.messages(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 1, 100, 50,
                    SETTLE, 1), line -> {});
            server.join(SETTLE.toMillis());
            return result.errors();
        }
    }

    @Test
    void countsAFlippedByteAsAMismatch() throws Exception {
        assertEquals(Map.of("byte mismatch", 1L),
                errorsAgainst((offset, b) -> offset == 1_000 ? b ^ 0x20 : b));
    }

    @Test
    void countsAServerThatHangsUpEarly() throws Exception {
        assertEquals(Map.of("closed by server", 1L), errorsAgainst((offset, b) -> offset == 1_000 ? -1 : b));
    }

    @Test
    void countsARefusedConnection() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        LoadGenerator.Result result = LoadGenerator.run(LoadGenerator.Config.messages(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 3, 10, 1, SETTLE, 1), line -> {});
        assertEquals(0, result.connected());
        assertEquals(Map.of("connect refused", 3L), result.errors());
    }

    @Test
    void openLoopSendsOnSchedule() throws Exception {
        try (EchoTesting.Running running = EchoTesting.start(EchoMode.SELECT, EchoTesting.config())) {
            // 1,000 msg/s over 10 connections for 1 s, after 0.2 s of warm-up.
            LoadGenerator.Config config = new LoadGenerator.Config(running.address(), 10, 64, 0,
                    Duration.ofMillis(200), Duration.ofSeconds(1), 1_000, 1, SETTLE, true);
            LoadGenerator.Result result = LoadGenerator.run(config, line -> {});
            assertEquals(Map.of(), result.errors());
            assertEquals(10, result.served());
            // The schedule, not the echoes, sets the pace: never more than it released, and on an
            // unloaded machine all of it; a busy one may lose some of the window to a stall.
            assertTrue(result.messages() <= 1_000 + 10, () -> "more than scheduled: " + result.messages());
            assertTrue(result.messages() >= 300, () -> "far fewer than scheduled: " + result.messages());
        }
    }
}
