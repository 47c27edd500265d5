package dev.greenthreads.samples.echo;

import static dev.greenthreads.testing.Await.SETTLE;
import static dev.greenthreads.testing.Resources.liveThreads;
import static dev.greenthreads.testing.Resources.openFileDescriptors;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Socket;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import dev.greenthreads.testing.Await;

/**
 * 1,000 connect / echo / disconnect cycles leave no file descriptor and no thread behind, and
 * closing the server gives back everything it took.
 */
class ConnectionChurnTest {

    private static final int CYCLES = 1_000;

    @ParameterizedTest
    @EnumSource(value = EchoMode.class, names = {"ITERATIVE", "THREADS", "VIRTUAL", "SELECT", "GREEN", "NETTY_NIO", "NETTY_EPOLL"})
    void connectDisconnectCyclesLeaveNoDescriptorOrThreadBehind(EchoMode mode) throws Exception {
        EchoServersTest.assumeAvailable(mode);
        // Virtual threads run on the JDK's carrier pool, which grows and shrinks as it likes.
        int carrierSlack = mode == EchoMode.VIRTUAL ? Runtime.getRuntime().availableProcessors() : 0;
        byte[] message = EchoTesting.pattern(3, 16);

        EchoTesting.Running running = EchoTesting.start(mode, EchoTesting.config());
        try {
            for (int i = 0; i < 20; i++) { // warm up whatever the JDK opens lazily
                cycle(running, message);
            }
            Await.until(SETTLE, () -> "warm-up connections still open", () -> running.server.stats().open() == 0);
            long fds = openFileDescriptors();
            int threads = liveThreads();

            for (int i = 0; i < CYCLES; i++) {
                cycle(running, message);
            }

            Await.until(SETTLE, () -> mode.label() + ": connections still open: " + running.server.stats().summary(),
                    () -> running.server.stats().open() == 0);
            Await.until(SETTLE, () -> mode.label() + ": " + (openFileDescriptors() - fds) + " file descriptors"
                    + " left over after " + CYCLES + " cycles", () -> openFileDescriptors() <= fds);
            Await.until(SETTLE, () -> mode.label() + ": " + (liveThreads() - threads) + " threads left over after "
                    + CYCLES + " cycles", () -> liveThreads() <= threads + carrierSlack);
            ServerStats stats = running.server.stats();
            assertEquals(CYCLES + 20, stats.accepted());
            assertEquals(stats.accepted(), stats.closed());
            assertEquals(0, stats.errorCount(), stats::summary);
        } finally {
            running.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = EchoMode.class, names = {"ITERATIVE", "THREADS", "VIRTUAL", "SELECT", "GREEN", "NETTY_NIO", "NETTY_EPOLL"})
    void closingTheServerGivesBackItsDescriptorsAndThreads(EchoMode mode) throws Exception {
        EchoServersTest.assumeAvailable(mode);
        int carrierSlack = mode == EchoMode.VIRTUAL ? Runtime.getRuntime().availableProcessors() + 2 : 0;
        // Let the JDK (virtual) or the runtime (green: the default scheduler's carriers, the I/O poller)
        // start their carriers and pollers before counting; they stay for the JVM's life.
        if (mode == EchoMode.VIRTUAL || mode == EchoMode.GREEN) {
            try (EchoTesting.Running warm = EchoTesting.start(mode, EchoTesting.config());
                 Socket socket = warm.connect()) {
                EchoTesting.echoOnce(socket, EchoTesting.pattern(4, 8));
            }
        }
        long fds = openFileDescriptors();
        int threads = liveThreads();

        EchoTesting.Running running = EchoTesting.start(mode, EchoTesting.config());
        Socket[] open = new Socket[mode == EchoMode.ITERATIVE ? 1 : 20];
        for (int i = 0; i < open.length; i++) {
            open[i] = running.connect();
            EchoTesting.echoOnce(open[i], EchoTesting.pattern(i, 8));
        }
        running.close(); // with every connection still open
        for (Socket socket : open) {
            assertEquals(-1, socket.getInputStream().read(), "the server closed its side");
            socket.close();
        }

        Await.until(SETTLE, () -> mode.label() + ": " + (openFileDescriptors() - fds) + " file descriptors left"
                + " after close", () -> openFileDescriptors() <= fds);
        Await.until(SETTLE, () -> mode.label() + ": " + (liveThreads() - threads) + " threads left after close",
                () -> liveThreads() <= threads + carrierSlack);
    }

    private static void cycle(EchoTesting.Running running, byte[] message) throws Exception {
        try (Socket socket = running.connect()) {
            EchoTesting.echoOnce(socket, message);
        }
    }
}
