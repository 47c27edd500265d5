package dev.greenthreads.samples.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.testing.Await;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code inetd}: a process per connection that echoes over the socket it was handed and exits
 * when its client leaves, under a real inetd (fetched if none is installed; skipped, saying
 * why, where none can be had) and under our launcher.
 */
class InetdEchoServerTest {

    @Test
    void aRealInetdStartsAProcessPerConnectionThatEndsWithItsClient() throws Exception {
        try {
            Inetd.locate(Inetd.defaultCache(), System.out::println);
        } catch (Inetd.Unavailable e) {
            Assumptions.abort("no inetd can be had here: " + e.getMessage());
        }
        List<String> log = new CopyOnWriteArrayList<>();
        InetdEchoServer server = new InetdEchoServer(EchoTesting.config().withLog(log::add),
                PreforkWorker.Launch.here(), Inetd.defaultCache());
        try {
            server.start(0);
            assertTrue(server.realInetd(), server.how());
            assertTrue(server.inetd().isAlive());
            servesTwoConnectionsEachByItsOwnProcess(server);
        } finally {
            server.close();
        }
        assertFalse(server.inetd().isAlive(), "inetd is left running after close");
    }

    @Test
    void ourLauncherServesTheSameWayAndSaysItPipes() throws Exception {
        InetdEchoServer server = new InetdEchoServer(EchoTesting.config(), PreforkWorker.Launch.here(), null);
        try {
            server.start(0);
            assertFalse(server.realInetd());
            assertTrue(server.how().contains("pipes each socket"), server.how());
            servesTwoConnectionsEachByItsOwnProcess(server);
        } finally {
            server.close();
        }
    }

    private static void servesTwoConnectionsEachByItsOwnProcess(InetdEchoServer server) throws Exception {
        EchoTesting.Running running = new EchoTesting.Running(server, List.of());
        try (Socket first = running.connect(); Socket second = running.connect()) {
            EchoTesting.echoOnce(first, EchoTesting.pattern(1, 100));
            EchoTesting.echoOnce(second, EchoTesting.pattern(2, 10_000));
            EchoTesting.echoOnce(first, EchoTesting.pattern(3, 5));
            // a real inetd's fork and exec are counted from its log, which may come a little after the echo
            Await.until(Await.SETTLE, () -> "two service processes, one per open connection: " + server.stats().summary(),
                    () -> server.stats().accepted() == 2 && server.stats().open() == 2);
        }
        Await.until(Await.SETTLE, () -> "service processes still running after their clients left: "
                + server.stats().summary(), () -> server.stats().closed() == 2);
        assertEquals(0, server.stats().errorCount(), server.stats()::summary);
    }
}
