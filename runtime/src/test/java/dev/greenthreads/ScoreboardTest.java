package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.sync.Semaphore;
import dev.greenthreads.testing.Await;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each scheduler's MXBean, as JConsole and the CLI see it through the platform MBean server. */
@Timeout(60)
class ScoreboardTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void aSchedulerIsRegisteredWhenBuiltAndUnregisteredWhenClosed() throws Exception {
        ObjectName name = new ObjectName("dev.greenthreads:type=Scheduler,name=\"registered\"");
        Scheduler s = Scheduler.builder().name("registered").carriers(2).build();
        try {
            assertEquals(name, s.scoreboardName());
            assertTrue(server.isRegistered(name));
            assertEquals("registered", server.getAttribute(name, "Name"));
            assertEquals(2, server.getAttribute(name, "Carriers"));
            assertEquals(2, server.getAttribute(name, "CarrierThreads"));
        } finally {
            s.close();
        }
        assertFalse(server.isRegistered(name));
    }

    @Test
    void twoSchedulersOfOneNameGetTwoNames() {
        try (Scheduler a = Scheduler.builder().name("twin").carriers(1).build();
             Scheduler b = Scheduler.builder().name("twin").carriers(1).build()) {
            assertNotEquals(a.scoreboardName(), b.scoreboardName());
            assertTrue(server.isRegistered(a.scoreboardName()) && server.isRegistered(b.scoreboardName()));
            assertTrue(b.scoreboardName().getKeyProperty("name").startsWith("\"twin#"), b.scoreboardName()::toString);
        }
    }

    @Test
    void theCountersMoveAsWorkRunsAndTheStatesAreCounted() throws Exception {
        Semaphore gate = new Semaphore(0);
        try (Scheduler s = Scheduler.builder().name("counted").carriers(2).build()) {
            ObjectName name = s.scoreboardName();
            long dispatchesBefore = (Long) server.getAttribute(name, "Dispatches");
            long parksBefore = (Long) server.getAttribute(name, "Parks");
            List<GreenThread<Void>> threads = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                threads.add(s.start(() -> {
                    for (int k = 0; k < 10; k++) {
                        GreenThread.sleep(0);
                        GreenThread.yield();
                    }
                    gate.acquire();
                }));
            }
            Await.until(() -> "the 50 threads parked on the gate", () -> blocked(name) == 50);
            assertEquals(50, server.getAttribute(name, "LiveThreads"));
            assertEquals(0, server.getAttribute(name, "RunningThreads"));
            assertTrue((Long) server.getAttribute(name, "Dispatches") >= dispatchesBefore + 50 * 11);
            assertTrue((Long) server.getAttribute(name, "Parks") >= parksBefore + 50);

            CompositeData[] carriers = (CompositeData[]) server.getAttribute(name, "CarrierCounters");
            assertEquals(2, carriers.length);
            long perCarrier = 0;
            for (CompositeData c : carriers) {
                perCarrier += (Long) c.get("dispatches");
                assertTrue(((String) c.get("thread")).startsWith("counted-carrier-"), c::toString);
                assertEquals(0L, c.get("slicesExpired"));
            }
            assertTrue(perCarrier >= 50 * 11, () -> "per-carrier dispatches: " + carriers[0] + carriers[1]);

            String dump = (String) server.invoke(name, "dump", new Object[0], new String[0]);
            assertTrue(dump.contains("50 green threads BLOCKED with this stack"), dump);
            String json = (String) server.invoke(name, "dumpJson", new Object[0], new String[0]);
            assertTrue(json.contains("\"states\":{\"BLOCKED\":50}"), json);

            for (int i = 0; i < 50; i++) {
                gate.release();
            }
            for (GreenThread<Void> t : threads) {
                t.join();
            }
        }
    }

    @Test
    void aCarrierBlockedInAGreenThreadIsCountedAndCompensated() throws Exception {
        try (Scheduler s = Scheduler.builder().name("blocking").carriers(1).build()) {
            ObjectName name = s.scoreboardName();
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            GreenThread<Void> blocker = s.start(() -> release.await());
            GreenThread<Void> other = s.start(() -> { });
            try {
                Await.until(() -> "the other thread ran on a compensating carrier", () -> other.state() == GreenThread.State.TERMINATED);
                assertTrue((Long) server.getAttribute(name, "BlockedDetections") >= 1);
                assertTrue((Long) server.getAttribute(name, "CompensatingCarriersStarted") >= 1);
                assertTrue((Integer) server.getAttribute(name, "CarrierThreads") >= 2);
            } finally {
                release.countDown();
            }
            blocker.join();
            other.join();
        }
    }

    private int blocked(ObjectName name) {
        try {
            return (Integer) server.getAttribute(name, "BlockedThreads");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
