package dev.greenthreads.io;

import static dev.greenthreads.io.IoTesting.anyLoopbackPort;
import static dev.greenthreads.io.IoTesting.awaitBlocked;
import static dev.greenthreads.io.IoTesting.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenCancelledException;
import dev.greenthreads.GreenThread;
import dev.greenthreads.GreenThreadException;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.greenthreads.testing.Await;

@Timeout(60)
class GreenSocketTest {

    private static Scheduler scheduler;

    @BeforeAll
    static void startScheduler() {
        scheduler = IoTesting.twoCarriers("io-test");
    }

    @AfterAll
    static void closeScheduler() throws InterruptedException {
        IoTesting.closeOrFail(scheduler);
    }

    // ------------------------------------------------------------------------------------
    // Echo

    @Test
    void echoesBetweenGreenThreadsEveryByteInOrder() throws Exception {
        byte[] sent = pattern(1, 3_000_000); // far more than loopback buffers: both sides wait for writability
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            GreenThread<Void> echo = scheduler.start(() -> echoOneConnection(server));
            byte[] received = scheduler.run(() -> {
                try (GreenSocket client = GreenSocket.connect(server.localAddress())) {
                    GreenThread<Void> writer = GreenThread.start(() -> {
                        client.write(sent, 0, sent.length);
                        client.shutdownOutput();
                    });
                    byte[] back = readToEnd(client, sent.length);
                    writer.join();
                    return back;
                }
            });
            echo.join();
            assertArrayEquals(sent, received);
        }
    }

    @Test
    void greenServerEchoesToAPlatformClient() throws Exception {
        byte[] sent = pattern(2, 100_000);
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            GreenThread<Void> echo = scheduler.start(() -> echoOneConnection(server));
            try (Socket client = new Socket()) {
                client.connect(server.localAddress());
                client.setSoTimeout((int) Await.SETTLE.toMillis());
                AtomicReference<Throwable> writeFailure = new AtomicReference<>();
                Thread writer = new Thread(() -> {
                    try {
                        OutputStream out = client.getOutputStream();
                        out.write(sent);
                        client.shutdownOutput();
                    } catch (Throwable e) {
                        writeFailure.set(e);
                    }
                });
                writer.start();
                byte[] received = client.getInputStream().readAllBytes();
                writer.join();
                assertEquals(null, writeFailure.get());
                assertArrayEquals(sent, received);
            }
            echo.join();
        }
    }

    @Test
    void platformThreadsUseGreenSocketsByBlocking() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            GreenThread<Void> echo = scheduler.start(() -> echoOneConnection(server));
            try (GreenSocket client = GreenSocket.connect(server.localAddress())) { // on this platform thread
                assertEquals(server.localAddress(), client.remoteAddress());
                byte[] message = pattern(3, 5_000);
                for (int round = 0; round < 20; round++) {
                    client.write(ByteBuffer.wrap(message));
                    ByteBuffer back = ByteBuffer.allocate(message.length);
                    while (back.hasRemaining()) {
                        assertTrue(client.read(back) > 0);
                    }
                    assertArrayEquals(message, back.array());
                }
            }
            echo.join();
        }
    }

    // ------------------------------------------------------------------------------------
    // End of stream, half-close

    @Test
    void readReturnsMinusOneAtEndOfStreamAndKeepsReturningIt() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            GreenThread<Void> sender = scheduler.start(() -> {
                try (GreenSocket s = server.accept()) {
                    s.write("hello".getBytes(StandardCharsets.US_ASCII));
                }
            });
            scheduler.run(() -> {
                try (GreenSocket client = GreenSocket.connect(server.localAddress())) {
                    assertEquals("hello", new String(readToEnd(client, 5), StandardCharsets.US_ASCII));
                    byte[] b = new byte[10];
                    assertEquals(-1, client.read(b, 0, b.length));
                    assertEquals(-1, client.read(ByteBuffer.allocate(4)));
                    assertEquals(0, client.read(b, 0, 0), "a read of nothing returns 0 at once");
                }
            });
            sender.join();
        }
    }

    @Test
    void shutdownOutputHalfClosesThePeerStillAnswers() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            GreenThread<Integer> counter = scheduler.start(() -> {
                try (GreenSocket s = server.accept()) {
                    int total = readToEnd(s, 1 << 16).length; // until the client's FIN
                    s.write(("got " + total).getBytes(StandardCharsets.US_ASCII));
                    return total;
                }
            });
            String answer = scheduler.run(() -> {
                try (GreenSocket client = GreenSocket.connect(server.localAddress())) {
                    client.write(pattern(4, 12_345));
                    client.shutdownOutput();
                    try {
                        client.write(new byte[1]);
                        throw new AssertionError("a write after shutdownOutput went through");
                    } catch (SocketException e) {
                        assertTrue(e.getMessage().contains("output is shutdown"), e::getMessage);
                    }
                    return new String(readToEnd(client, 64), StandardCharsets.US_ASCII);
                }
            });
            assertEquals(12_345, counter.join());
            assertEquals("got 12345", answer);
        }
    }

    // ------------------------------------------------------------------------------------
    // Timeouts

    @Test
    void aReadThatWaitsLongerThanTheTimeoutThrowsAndTheSocketStaysUsable() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            GreenThread<Void> peer = scheduler.start(() -> {
                try (GreenSocket s = server.accept()) {
                    byte[] go = new byte[1];
                    if (s.read(go, 0, 1) == 1) { // sends nothing until the client's read has timed out
                        s.write(new byte[] {42});
                    }
                }
            });
            scheduler.run(() -> {
                try (GreenSocket client = GreenSocket.connect(server.localAddress())) {
                    client.setReadTimeout(Duration.ofMillis(100));
                    assertEquals(Duration.ofMillis(100), client.readTimeout());
                    long start = System.nanoTime();
                    SocketTimeoutException timedOut = null;
                    try {
                        client.read(new byte[1], 0, 1); // not inside assertThrows: its lambda could not park
                    } catch (SocketTimeoutException e) {
                        timedOut = e;
                    }
                    long waitedMillis = (System.nanoTime() - start) / 1_000_000;
                    assertTrue(timedOut != null, "the read did not time out");
                    assertEquals("Read timed out", timedOut.getMessage());
                    assertTrue(waitedMillis >= 95, "timed out after " + waitedMillis + " ms, before the 100 ms");

                    client.write(new byte[] {1});
                    client.setReadTimeout(Duration.ZERO);
                    byte[] b = new byte[1];
                    assertEquals(1, client.read(b, 0, 1));
                    assertEquals(42, b[0]);
                }
            });
            peer.join();
        }
    }

    @Test
    void anAcceptThatWaitsLongerThanTheTimeoutThrows() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            server.setAcceptTimeout(Duration.ofMillis(50));
            GreenThread<Void> acceptor = scheduler.start(() -> {
                server.accept();
            });
            GreenThreadException e = assertThrows(GreenThreadException.class, acceptor::join);
            assertInstanceOf(SocketTimeoutException.class, e.getCause());
        }
    }

    @Test
    void negativeTimeoutsAreRefused() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            assertThrows(IllegalArgumentException.class, () -> server.setAcceptTimeout(Duration.ofMillis(-1)));
        }
    }

    // ------------------------------------------------------------------------------------
    // Close and cancel wake a waiter

    @Test
    void closeWakesAParkedReaderWithSocketClosed() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort());
             Socket peer = new Socket()) {
            peer.connect(server.localAddress());
            GreenSocket accepted = scheduler.run(server::accept);
            GreenThread<Integer> reader = scheduler.start(() -> accepted.read(new byte[8], 0, 8));
            awaitBlocked(reader);

            accepted.close();

            GreenThreadException e = assertThrows(GreenThreadException.class, reader::join);
            assertInstanceOf(SocketException.class, e.getCause());
            assertEquals("Socket closed", e.getCause().getMessage());
            assertTrue(accepted.isClosed());
            accepted.close(); // idempotent
            assertThrows(SocketException.class, () -> accepted.read(new byte[1], 0, 1));
            assertEquals(-1, peer.getInputStream().read(), "the peer sees the close");
        }
    }

    @Test
    void closeWakesAParkedAcceptor() throws Exception {
        GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort());
        GreenThread<GreenSocket> acceptor = scheduler.start(server::accept);
        awaitBlocked(acceptor);

        server.close();

        GreenThreadException e = assertThrows(GreenThreadException.class, acceptor::join);
        assertInstanceOf(SocketException.class, e.getCause());
        assertTrue(server.isClosed());
    }

    @Test
    void cancelWakesAParkedReaderAndRunsItsFinally() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort());
             Socket peer = new Socket()) {
            peer.connect(server.localAddress());
            GreenSocket accepted = scheduler.run(server::accept);
            AtomicBoolean closedInFinally = new AtomicBoolean();
            GreenThread<Integer> reader = scheduler.start(() -> {
                try {
                    return accepted.read(new byte[8], 0, 8);
                } finally {
                    accepted.close();
                    closedInFinally.set(true);
                }
            });
            awaitBlocked(reader);

            reader.cancel();

            CancellationException e = assertThrows(CancellationException.class, reader::join);
            assertInstanceOf(GreenCancelledException.class, e.getCause());
            assertTrue(closedInFinally.get());
            assertEquals(-1, peer.getInputStream().read());
        }
    }

    @Test
    void cancelWakesAParkedAcceptorAndTheServerSocketStaysUsable() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            GreenThread<GreenSocket> acceptor = scheduler.start(server::accept);
            awaitBlocked(acceptor);

            acceptor.cancel();

            CancellationException e = assertThrows(CancellationException.class, acceptor::join);
            assertInstanceOf(GreenCancelledException.class, e.getCause());
            try (Socket client = new Socket()) {
                client.connect(server.localAddress());
                scheduler.run(() -> server.accept().close());
            }
        }
    }

    @Test
    void interruptingAPlatformThreadWakesItsRead() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort());
             GreenSocket client = GreenSocket.connect(server.localAddress());
             GreenSocket accepted = server.accept()) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                try {
                    client.read(new byte[1], 0, 1);
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            reader.start();
            Await.until(() -> "the platform reader never blocked",
                    () -> reader.getState() == Thread.State.WAITING);
            reader.interrupt();
            reader.join();
            assertInstanceOf(GreenCancelledException.class, thrown.get());
            assertFalse(client.isClosed(), "a cancelled read leaves the socket open");
            accepted.write(new byte[] {7});
            byte[] b = new byte[1];
            assertEquals(1, client.read(b, 0, 1));
            assertEquals(7, b[0]);
        }
    }

    // ------------------------------------------------------------------------------------
    // Connecting

    @Test
    void connectingToAPortNobodyListensOnIsRefused() throws Exception {
        // A port bound but not listening: refused for certain. (A port merely closed could be
        // picked as the connecting socket's own ephemeral port, and loopback would connect it to itself.)
        try (Socket bound = new Socket()) {
            bound.bind(anyLoopbackPort());
            InetSocketAddress address = (InetSocketAddress) bound.getLocalSocketAddress();
            GreenThread<GreenSocket> connector = scheduler.start(() -> GreenSocket.connect(address));
            GreenThreadException e = assertThrows(GreenThreadException.class, connector::join);
            assertInstanceOf(ConnectException.class, e.getCause());
        }
    }

    @Test
    void addressesAndOptionsAreThoseOfTheChannel() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort());
             GreenSocket client = GreenSocket.connect(server.localAddress());
             GreenSocket accepted = server.accept()) {
            assertEquals(client.localAddress(), accepted.remoteAddress());
            assertEquals(client.remoteAddress(), accepted.localAddress());
            assertEquals(((InetSocketAddress) server.localAddress()).getPort(), server.localPort());
            client.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            assertTrue(client.getOption(java.net.StandardSocketOptions.TCP_NODELAY));
            assertTrue(server.getOption(java.net.StandardSocketOptions.SO_REUSEADDR));
        }
    }

    @Test
    void twoSocketsBoundWithASharedPortBothListenOnIt() throws Exception {
        try (GreenServerSocket first = GreenServerSocket.bindSharedPort(anyLoopbackPort(), 0);
             GreenServerSocket second = GreenServerSocket.bindSharedPort(first.localAddress(), 0)) {
            assertEquals(first.localPort(), second.localPort());
            assertTrue(second.getOption(java.net.StandardSocketOptions.SO_REUSEPORT));
            // The kernel gives a connection to one of the two, by a hash of the addresses.
            AtomicInteger accepted = new AtomicInteger();
            GreenThread<Void> onFirst = scheduler.start(() -> acceptOne(first, accepted));
            GreenThread<Void> onSecond = scheduler.start(() -> acceptOne(second, accepted));
            try (Socket client = new Socket()) {
                client.connect(first.localAddress());
                Await.until(Await.SETTLE, () -> "no socket accepted the connection", () -> accepted.get() == 1);
            }
            first.close(); // wakes the acceptor that got nothing
            second.close();
            onFirst.join();
            onSecond.join();
            assertEquals(1, accepted.get());
        }
        try (GreenServerSocket plain = GreenServerSocket.bind(anyLoopbackPort())) {
            assertThrows(IOException.class, () -> GreenServerSocket.bind(plain.localAddress()).close(),
                    "without a shared port, a second bind of the same port is refused");
        }
    }

    // ------------------------------------------------------------------------------------

    /** Accepts one connection and counts it, or returns when the socket is closed. */
    @Suspendable
    static void acceptOne(GreenServerSocket server, AtomicInteger accepted) throws IOException {
        try (GreenSocket s = server.accept()) {
            accepted.incrementAndGet();
        } catch (SocketException closed) {
            // the other socket got the connection
        }
    }

    /** Accepts one connection and echoes it until the peer's end of stream, then closes. */
    @Suspendable
    static void echoOneConnection(GreenServerSocket server) throws IOException {
        try (GreenSocket s = server.accept()) {
            byte[] buffer = new byte[8192];
            int n;
            while ((n = s.read(buffer, 0, buffer.length)) >= 0) {
                s.write(buffer, 0, n);
            }
            s.shutdownOutput();
        }
    }

    /** Reads until end of stream. */
    @Suspendable
    static byte[] readToEnd(GreenSocket s, int expected) throws IOException {
        byte[] all = new byte[Math.max(expected, 16)];
        int total = 0;
        for (;;) {
            if (total == all.length) {
                all = java.util.Arrays.copyOf(all, all.length * 2);
            }
            int n = s.read(all, total, all.length - total);
            if (n < 0) {
                return java.util.Arrays.copyOf(all, total);
            }
            total += n;
        }
    }
}
