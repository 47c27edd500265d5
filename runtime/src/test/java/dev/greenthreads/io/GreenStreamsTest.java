package dev.greenthreads.io;

import static dev.greenthreads.io.IoTesting.anyLoopbackPort;
import static dev.greenthreads.io.IoTesting.awaitBlocked;
import static dev.greenthreads.io.IoTesting.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.GreenThreadException;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** GreenSocket's input and output as streams that park like the socket's own calls. */
@Timeout(60)
class GreenStreamsTest {

    private static Scheduler scheduler;

    @BeforeAll
    static void startScheduler() {
        scheduler = IoTesting.twoCarriers("streams-test");
    }

    @AfterAll
    static void closeScheduler() throws InterruptedException {
        IoTesting.closeOrFail(scheduler);
    }

    /** Echoes through the streams, reading arrays, until the peer shuts its output down. */
    @Suspendable
    private static void echoThroughStreams(GreenServerSocket server) throws IOException {
        try (GreenSocket s = server.accept()) {
            GreenInputStream in = s.inputStream();
            GreenOutputStream out = s.outputStream();
            byte[] buffer = new byte[4096];
            for (int n; (n = in.read(buffer, 0, buffer.length)) >= 0; ) {
                out.write(buffer, 0, n);
            }
            out.flush();
        }
    }

    @Test
    void echoesEveryByteInOrderThroughTheStreams() throws Exception {
        byte[] sent = pattern(3, 1_000_000); // more than loopback buffers: both sides park for writability
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            GreenThread<Void> echo = scheduler.start(() -> echoThroughStreams(server));
            byte[] received = scheduler.run(() -> {
                try (GreenSocket client = GreenSocket.connect(server.localAddress())) {
                    GreenThread<Void> writer = GreenThread.start(() -> {
                        client.outputStream().write(sent);
                        client.shutdownOutput();
                    });
                    byte[] back = client.inputStream().readAllBytes();
                    writer.join();
                    return back;
                }
            });
            echo.join();
            assertArrayEquals(sent, received);
        }
    }

    /** A line of the protocol, read a byte at a time as a hand-written codec would; null at the end. */
    @Suspendable
    private static String readLine(GreenInputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    /** Answers each line "n" with "n+1", and "bye" by closing. */
    @Suspendable
    private static void countingServer(GreenServerSocket server) throws IOException {
        try (GreenSocket s = server.accept()) {
            GreenInputStream in = s.inputStream();
            GreenOutputStream out = s.outputStream();
            for (String line; (line = readLine(in)) != null && !line.equals("bye"); ) {
                byte[] answer = ((Integer.parseInt(line) + 1) + "\n").getBytes(StandardCharsets.UTF_8);
                for (byte b : answer) {
                    out.write(b); // a byte at a time, on purpose: write(int) too must send in order
                }
            }
        }
    }

    @Test
    void aLineBasedProtocolThroughSingleByteReadsAndWrites() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            GreenThread<Void> counter = scheduler.start(() -> countingServer(server));
            List<String> answers = scheduler.run(() -> {
                try (GreenSocket client = GreenSocket.connect(server.localAddress())) {
                    GreenInputStream in = client.inputStream();
                    GreenOutputStream out = client.outputStream();
                    List<String> got = new ArrayList<>();
                    for (int i = 0; i < 200; i += 50) {
                        out.write((i + "\n").getBytes(StandardCharsets.UTF_8));
                        got.add(readLine(in));
                    }
                    out.write("bye\n".getBytes(StandardCharsets.UTF_8));
                    got.add(String.valueOf(readLine(in)));
                    assertEquals(-1, in.read(), "after the end of the stream, read stays at -1");
                    return got;
                }
            });
            counter.join();
            assertEquals(List.of("1", "51", "101", "151", "null"), answers);
        }
    }

    @Test
    void readNBytesAndSkipWaitForTheBytesTheyNeed() throws Exception {
        byte[] sent = pattern(4, 10_000);
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            GreenThread<Void> sender = scheduler.start(() -> {
                try (GreenSocket s = server.accept()) {
                    for (int off = 0; off < sent.length; off += 1_000) {
                        s.outputStream().write(sent, off, 1_000);
                        GreenThread.yield(); // so that the reader finds the bytes in pieces
                    }
                }
            });
            scheduler.run(() -> {
                try (GreenSocket client = GreenSocket.connect(server.localAddress())) {
                    GreenInputStream in = client.inputStream();
                    byte[] first = new byte[2_500];
                    assertEquals(2_500, in.readNBytes(first, 0, first.length));
                    assertArrayEquals(java.util.Arrays.copyOf(sent, 2_500), first);
                    assertEquals(5_000, in.skip(5_000));
                    assertEquals(sent[7_500] & 0xff, in.read());
                    assertEquals(2_499, in.skip(1_000_000), "skip stops at the end of the stream");
                    assertEquals(0, in.readNBytes(first, 0, 10));
                }
            });
            sender.join();
        }
    }

    @Test
    void aReadWaitingOnTheStreamParksAndClosingTheStreamClosesTheSocket() throws Exception {
        try (GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort())) {
            GreenThread<GreenSocket> accepted = scheduler.start(server::accept);
            GreenSocket client = scheduler.run(() -> GreenSocket.connect(server.localAddress()));
            try (GreenSocket peer = accepted.join()) {
                assertSame(client.inputStream(), client.inputStream());
                GreenThread<Integer> reader = scheduler.start(() -> client.inputStream().read());
                awaitBlocked(reader); // a read blocking its carrier would leave it RUNNING
                assertEquals(0, client.inputStream().available());
                client.inputStream().close();
                assertTrue(client.isClosed());
                GreenThreadException e = assertThrows(GreenThreadException.class, reader::join);
                assertTrue(e.getCause() instanceof SocketException, String.valueOf(e.getCause()));
                assertThrows(SocketException.class, () -> client.inputStream().available());
                assertThrows(GreenThreadException.class, () -> scheduler.run(() -> client.outputStream().write(1)));
            }
        }
    }
}
