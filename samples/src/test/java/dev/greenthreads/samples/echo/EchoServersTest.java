package dev.greenthreads.samples.echo;

import static dev.greenthreads.testing.Await.SETTLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.greenthreads.samples.Main;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import dev.greenthreads.testing.Await;

/** Every in-process mode echoes, verified byte for byte, and enforces --max-connections. */
class EchoServersTest {

    static void assumeAvailable(EchoMode mode) {
        assumeTrue(mode.unavailableReason() == null, () -> mode.label() + ": " + mode.unavailableReason());
        assumeTrue(mode != EchoMode.GREEN || Main.agentLoaded(), "green: the samples' tests run without"
                + " -javaagent:greenthreads-agent.jar (the surefire argLine of samples/pom.xml), so GreenEchoServer"
                + " is not rewritten and cannot park");
    }

    @ParameterizedTest
    @EnumSource(value = EchoMode.class, names = {"ITERATIVE", "THREADS", "VIRTUAL", "SELECT", "GREEN", "NETTY_NIO", "NETTY_EPOLL"})
    void servesTenConcurrentClientsWithEveryByteVerified(EchoMode mode) throws Exception {
        assumeAvailable(mode);
        try (EchoTesting.Running running = EchoTesting.start(mode, EchoTesting.config())) {
            LoadGenerator.Config load = LoadGenerator.Config.messages(running.address(), 10, 100, 200, SETTLE, 2);
            if (mode == EchoMode.ITERATIVE) {
                load = load.withoutPriming(); // it answers the next client only once the last has left
            }
            LoadGenerator.Result result = LoadGenerator.run(load, line -> {});

            assertEquals(Map.of(), result.errors());
            assertEquals(10, result.completed(), "connections that had all 200 messages echoed");
            assertEquals(10 * 200 * 100, result.bytesVerified());
            Await.until(SETTLE, () -> "server still has connections open: " + running.server.stats().summary(),
                    () -> running.server.stats().open() == 0);
            ServerStats stats = running.server.stats();
            assertEquals(10, stats.accepted());
            assertEquals(10 * 200 * 100, stats.bytesWritten());
            assertEquals(0, stats.errorCount());
        }
    }

    /** Messages of 200 KB against an 8 KiB buffer: partial writes, OP_WRITE, backpressure on every message. */
    @ParameterizedTest
    @EnumSource(value = EchoMode.class, names = {"THREADS", "VIRTUAL", "SELECT", "GREEN", "NETTY_NIO", "NETTY_EPOLL"})
    void echoesMessagesMuchLargerThanItsBuffer(EchoMode mode) throws Exception {
        assumeAvailable(mode);
        try (EchoTesting.Running running = EchoTesting.start(mode, EchoTesting.config())) {
            LoadGenerator.Result result = LoadGenerator.run(
                    LoadGenerator.Config.messages(running.address(), 4, 200_000, 5, SETTLE, 2), line -> {});

            assertEquals(Map.of(), result.errors());
            assertEquals(4, result.completed());
            assertEquals(4L * 5 * 200_000, result.bytesVerified());
        }
    }

    @ParameterizedTest
    @EnumSource(value = EchoMode.class, names = {"THREADS", "VIRTUAL", "SELECT", "GREEN", "NETTY_NIO", "NETTY_EPOLL"})
    void refusesConnectionsPastTheLimitWithALogLineAndAdmitsOnceOneCloses(EchoMode mode) throws Exception {
        assumeAvailable(mode);
        try (EchoTesting.Running running = EchoTesting.start(mode, EchoTesting.config().withMaxConnections(3))) {
            List<Socket> admitted = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket socket = running.connect();
                    admitted.add(socket);
                    EchoTesting.echoOnce(socket, EchoTesting.pattern(i, 10));
                }
                for (int i = 0; i < 2; i++) {
                    try (Socket excess = running.connect()) {
                        assertClosedByServer(excess);
                    }
                }

                assertEquals(2, running.server.stats().refused());
                assertTrue(running.log.stream().anyMatch(line -> line.contains("refused a connection from")
                                && line.contains("3 connections are open, the limit set by --max-connections")),
                        () -> "no refusal line in the log: " + running.log);
                assertTrue(running.log.size() <= 2, () -> "a line per refusal at most: " + running.log);

                admitted.remove(0).close();
                Await.until(SETTLE, () -> "the server did not notice a closed connection",
                        () -> running.server.stats().open() == 2);
                try (Socket again = running.connect()) {
                    EchoTesting.echoOnce(again, EchoTesting.pattern(7, 10));
                }
            } finally {
                for (Socket socket : admitted) {
                    socket.close();
                }
            }
        }
    }

    /** A refused connection is accepted, then closed at once: the client reads end of stream (or a reset). */
    private static void assertClosedByServer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            socket.getOutputStream().write(1);
            assertEquals(-1, in.read(), "a refused connection must not be served");
        } catch (java.net.SocketException e) {
            assertTrue(String.valueOf(e.getMessage()).toLowerCase().contains("reset"), () -> "unexpected: " + e);
        }
    }

    @Test
    void virtualModeSaysWhichJdkItNeeds() {
        if (Runtime.version().feature() >= 21) {
            assertEquals(null, EchoMode.VIRTUAL.unavailableReason());
        } else {
            assertEquals("virtual threads need JDK 21+; this is JDK " + Runtime.version().feature(),
                    EchoMode.VIRTUAL.unavailableReason());
        }
    }

    @Test
    void idleConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        for (EchoMode mode : List.of(EchoMode.THREADS, EchoMode.SELECT, EchoMode.GREEN)) {
            if (mode == EchoMode.GREEN && !Main.agentLoaded()) {
                continue; // see assumeAvailable
            }
            try (EchoTesting.Running running = EchoTesting.start(mode,
                    EchoTesting.config().withIdleTimeout(Duration.ofSeconds(1)));
                 Socket idle = running.connect()) {
                EchoTesting.echoOnce(idle, EchoTesting.pattern(0, 10));
                assertEquals(-1, idle.getInputStream().read(), mode.label() + ": the server closes an idle connection");
                Await.until(SETTLE, () -> mode.label() + ": idle close not counted",
                        () -> running.server.stats().idleClosed() == 1);
                assertEquals(0, running.server.stats().errorCount());
            }
        }
    }
}
