package dev.greenthreads.io;

import static dev.greenthreads.io.IoTesting.anyLoopbackPort;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.Suspendable;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The echo server's tail: a thousand green echo handlers on one carrier, each driven by a
 * closed-loop client (the next byte goes out when the last one came back), so every handler is
 * woken by the poller over and over while the carrier stays busy with the others. A fair
 * scheduler serves them in turns; one that runs what a poll woke before threads that have been
 * waiting longer leaves some connections behind for many turns of the others.
 *
 * <p>The test counts round trips, not time: it stops when the connections together made
 * {@link #ROUND_TRIPS_EACH} per connection, and then asks that none was left far behind. A load
 * on the machine slows every connection alike.
 */
@Timeout(120)
class PollWakeupFairnessTest {

    private static final int CONNECTIONS = 1_000;
    private static final int ROUND_TRIPS_EACH = 40;
    /** The least share of the mean a connection may get; a starved connection gets a handful of turns at most. */
    /** Iterations of {@link #work} per message: some microseconds. */
    private static final int WORK = 20_000;
    private static final double FLOOR = 0.25;

    @Test
    void connectionsWokenByThePollerAreServedInTurns() throws Exception {
        try (Scheduler one = Scheduler.builder().carriers(1).name("io-poll-fair").build();
             GreenServerSocket server = GreenServerSocket.bind(anyLoopbackPort());
             Selector selector = Selector.open()) {
            List<GreenThread<Void>> handlers = new ArrayList<>();
            GreenThread<Void> acceptor = one.start(() -> {
                for (int i = 0; i < CONNECTIONS; i++) {
                    GreenSocket socket = server.accept();
                    handlers.add(one.start(() -> echo(socket)));
                }
            });
            List<SocketChannel> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    SocketChannel c = SocketChannel.open(server.localAddress());
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    c.configureBlocking(false);
                    c.register(selector, SelectionKey.OP_READ, i);
                    clients.add(c);
                }
                acceptor.join();
                long[] trips;
                try {
                    trips = driveClosedLoops(selector, clients);
                } catch (AssertionError e) {
                    for (GreenThread<Void> h : handlers) {
                        if (h.state() == GreenThread.State.TERMINATED) {
                            h.join(); // throws what ended the handler
                        }
                    }
                    throw e;
                }

                long total = Arrays.stream(trips).sum();
                double mean = (double) total / CONNECTIONS;
                int worst = 0;
                for (int i = 1; i < CONNECTIONS; i++) {
                    if (trips[i] < trips[worst]) {
                        worst = i;
                    }
                }
                assertTrue(trips[worst] >= FLOOR * mean, "connection " + worst + " made " + trips[worst]
                        + " round trips while the connections made " + String.format("%.1f", mean)
                        + " on average (" + total + " in all): what the poller woke was not served in turns");
            } finally {
                for (SocketChannel c : clients) {
                    c.close();
                }
            }
        }
    }

    @Suspendable
    private static void echo(GreenSocket socket) throws IOException {
        try (socket) {
            byte[] b = new byte[64];
            for (int n; (n = socket.read(b, 0, b.length)) > 0; ) {
                b[0] = work(b[0]);
                socket.write(b, 0, n);
            }
        }
    }

    /** A server's work per message, so that the carrier, not the client, is the bottleneck and is always busy. */
    private static byte work(byte seed) {
        int h = seed;
        for (int i = 0; i < WORK; i++) {
            h = h * 31 + i;
        }
        return (byte) (h == 42 ? seed + 1 : seed);
    }

    /**
     * Sends one byte on every connection, then one more each time its echo comes back, until the
     * echoes number {@code ROUND_TRIPS_EACH} per connection; returns each connection's count.
     */
    private static long[] driveClosedLoops(Selector selector, List<SocketChannel> clients) throws IOException {
        long[] trips = new long[CONNECTIONS];
        ByteBuffer one = ByteBuffer.allocate(1);
        for (SocketChannel c : clients) {
            send(c, one);
        }
        long goal = (long) ROUND_TRIPS_EACH * CONNECTIONS, done = 0;
        ByteBuffer in = ByteBuffer.allocate(64);
        while (done < goal) {
            selector.select();
            for (SelectionKey key : selector.selectedKeys()) {
                SocketChannel c = (SocketChannel) key.channel();
                in.clear();
                int n = c.read(in);
                assertTrue(n >= 0, "the server closed connection " + key.attachment() + " early");
                assertTrue(n <= 1, "connection " + key.attachment() + " got " + n + " bytes for one sent");
                if (n == 1) {
                    trips[(Integer) key.attachment()]++;
                    done++;
                    send(c, one);
                }
            }
            selector.selectedKeys().clear();
        }
        return trips;
    }

    private static void send(SocketChannel c, ByteBuffer one) throws IOException {
        one.clear();
        one.put((byte) 1).flip();
        while (one.hasRemaining()) {
            c.write(one);
        }
    }
}
