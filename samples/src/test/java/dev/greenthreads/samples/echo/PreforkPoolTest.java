package dev.greenthreads.samples.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.testing.Await;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * An elastic prefork pool at small scale: it grows when a connection leaves no worker idle,
 * replaces a worker that is killed, and shrinks back to MaxSpareServers once the load is gone;
 * the connection it carried all along echoes every byte.
 */
class PreforkPoolTest {

    @Test
    void growsUnderLoadReplacesAKilledWorkerAndShrinksAfter() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        ServerConfig config = EchoTesting.config().withWorkers(1, EchoMode.THREADS).withLog(line -> {
            log.add(line);
            System.out.println("[server log] " + line);
        });
        PreforkEchoServer.Pool pool = new PreforkEchoServer.Pool(1, 1, 2, Duration.ofMillis(100));
        PreforkEchoServer server = new PreforkEchoServer(config, PreforkWorker.Launch.here(), pool);
        try {
            server.start(0);
            assertEquals(1, server.runningWorkers());
            EchoTesting.Running running = new EchoTesting.Running(server, log);
            try (Socket held = running.connect()) {
                EchoTesting.echoOnce(held, EchoTesting.pattern(1, 1000));
                Await.until(Await.SETTLE, () -> "the pool did not grow while its one worker was busy: "
                        + server.scoreboardLine(), () -> server.runningWorkers() == 2 && server.idleWorkers() == 1);

                int idleSlot = server.workerState(0) == PreforkEchoServer.State.READY ? 0 : 1;
                int busySlot = 1 - idleSlot;
                long pid = server.workerPids()[idleSlot];
                ProcessHandle.of(pid).orElseThrow().destroyForcibly();
                Await.until(Await.SETTLE, () -> "killed worker " + idleSlot + " (pid " + pid + ") was not replaced: "
                        + server.scoreboardLine(), () -> server.restarts(idleSlot) == 1
                        && server.workerState(idleSlot) == PreforkEchoServer.State.READY);
                assertEquals(2, server.runningWorkers(), "MaxRequestWorkers is 2: " + server.scoreboardLine());
                assertEquals(PreforkEchoServer.State.BUSY, server.workerState(busySlot), server::scoreboardLine);

                EchoTesting.echoOnce(held, EchoTesting.pattern(2, 100_000));
            }
            Await.until(Await.SETTLE, () -> "the pool did not shrink to MaxSpareServers after the load: "
                    + server.scoreboardLine(), () -> server.runningWorkers() == 1 && server.idleWorkers() == 1);
            assertTrue(log.stream().anyMatch(line -> line.contains("retired")), "a retirement is logged");
            assertTrue(log.stream().anyMatch(line -> line.startsWith("prefork scoreboard: ")), "the scoreboard is logged");
            Await.until(Await.SETTLE, () -> "the connection is not counted closed: " + server.stats().summary(),
                    () -> server.stats().closed() == 1);
            ServerStats stats = server.stats();
            assertEquals(1, stats.accepted(), stats::summary);
            assertEquals(101_000, stats.bytesWritten(), stats::summary);
            assertEquals(0, stats.errorCount(), stats::summary);
        } finally {
            server.close();
        }
    }
}
