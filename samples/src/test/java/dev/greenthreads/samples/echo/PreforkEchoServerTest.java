package dev.greenthreads.samples.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;
import dev.greenthreads.testing.Await;

/** The prefork parent starts workers that share the port, and restarts one that is killed. */
class PreforkEchoServerTest {

    /** Starting JVMs on a loaded two-core machine can be slow. */
    private static final Duration JVM_START = Duration.ofSeconds(60);

    @Test
    void restartsAKilledWorkerAndKeepsServing() throws Exception {
        EchoServersTest.assumeAvailable(EchoMode.PREFORK);
        ServerConfig config = EchoTesting.config().withWorkers(2, EchoMode.THREADS);
        long[] firstPids;
        try (EchoTesting.Running running = EchoTesting.start(EchoMode.PREFORK, config)) {
            PreforkEchoServer prefork = (PreforkEchoServer) running.server;
            firstPids = prefork.workerPids();
            assertEquals(2, firstPids.length);
            assertTrue(Arrays.stream(firstPids).allMatch(pid -> pid > 0 && pid != ProcessHandle.current().pid()));
            serveTenClients(running);

            long killed = firstPids[0];
            ProcessHandle.of(killed).ifPresent(ProcessHandle::destroyForcibly);

            Await.until(JVM_START, () -> "worker 0 was not restarted:\n" + prefork.scoreboard(),
                    () -> prefork.restarts(0) == 1 && prefork.workerState(0) == PreforkEchoServer.State.READY);
            assertNotEquals(killed, prefork.workerPids()[0]);
            assertEquals(firstPids[1], prefork.workerPids()[1], "the other worker was left alone");
            assertTrue(running.log.stream().anyMatch(line -> line.contains("pid " + killed + ") exited")),
                    () -> "no log line about the dead worker: " + running.log);
            assertTrue(prefork.scoreboard().contains("1 restart"), prefork::scoreboard);

            serveTenClients(running);
            Await.until(JVM_START, () -> "the workers' counters did not arrive: " + prefork.stats().summary(),
                    () -> prefork.stats().accepted() >= 10 && prefork.stats().open() == 0);
        }
        long[] pids = firstPids;
        Await.until(JVM_START, () -> "a worker outlived the server's close", () -> Arrays.stream(pids)
                .mapToObj(ProcessHandle::of).noneMatch(p -> p.map(ProcessHandle::isAlive).orElse(false)));
    }

    @Test
    void aWorkerThatCannotStartFailsTheStartWithAClearMessage() throws Exception {
        EchoServersTest.assumeAvailable(EchoMode.PREFORK);
        // Workers started by a java that is not there never listen.
        EchoServer server = new PreforkEchoServer(EchoTesting.config().withWorkers(1, EchoMode.THREADS)
                .withLog(line -> {}), new PreforkWorker.Launch("/nonexistent/bin/java", null));
        try {
            IOException e = assertThrows(IOException.class, () -> server.start(0));
            assertTrue(e.getMessage().contains("exited before it listened"), e::getMessage);
        } finally {
            server.close();
        }
    }

    private static void serveTenClients(EchoTesting.Running running) throws Exception {
        LoadGenerator.Result result = LoadGenerator.run(
                LoadGenerator.Config.messages(running.address(), 10, 100, 100, JVM_START, 2), line -> {});
        assertEquals(Map.of(), result.errors());
        assertEquals(10, result.completed());
    }
}
