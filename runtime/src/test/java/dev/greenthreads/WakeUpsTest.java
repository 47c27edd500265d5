package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.testing.Await;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scoreboard's idle-carrier wake-ups: making a thread ready wakes at most one idle carrier,
 * and none while a carrier is already looking for work, so a burst of starts from outside the
 * scheduler pays for few kernel wake-ups.
 */
@Timeout(120)
class WakeUpsTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void aThreadStartedFromOutsideWhileEveryCarrierSleepsWakesOneCarrier() throws Exception {
        int rounds = 100;
        try (Scheduler s = Scheduler.builder().name("lone-starts").carriers(2).build()) {
            List<Thread> carriers = carrierThreads("lone-starts-carrier-");
            assertEquals(2, carriers.size());
            long before = wakeUps(s.scoreboardName());
            for (int i = 0; i < rounds; i++) {
                Await.until(() -> "both carriers parked, idle", () -> carriers.stream()
                        .allMatch(c -> c.getState() == Thread.State.WAITING));
                int value = i;
                assertEquals(value, s.start(() -> value).join());
            }
            long wakeUps = wakeUps(s.scoreboardName()) - before;
            assertTrue(wakeUps >= 1 && wakeUps <= rounds,
                    () -> rounds + " threads started one at a time onto sleeping carriers woke carriers " + wakeUps
                            + " times; each should wake one");
        }
    }

    @Test
    void aBurstOfStartsFromOutsideWakesCarriersFarFewerTimesThanItStartsThreads() throws Exception {
        int threads = 20_000;
        try (Scheduler s = Scheduler.builder().name("burst").carriers(2).build()) {
            ObjectName name = s.scoreboardName();
            long before = wakeUps(name);
            @SuppressWarnings("unchecked")
            GreenThread<Integer>[] started = new GreenThread[threads];
            for (int i = 0; i < threads; i++) {
                int value = i;
                started[i] = s.start(() -> value);
            }
            long sum = 0;
            for (GreenThread<Integer> t : started) {
                sum += t.join();
            }
            assertEquals((long) threads * (threads - 1) / 2, sum);
            long perCarrier = 0;
            for (CompositeData c : (CompositeData[]) server.getAttribute(name, "CarrierCounters")) {
                perCarrier += (Long) c.get("wakeUps");
            }
            assertEquals(perCarrier, wakeUps(name), "the total is the carriers' sum");
            long wakeUps = perCarrier - before;
            assertTrue(wakeUps <= threads / 10, () -> threads + " threads started in a burst woke carriers "
                    + wakeUps + " times");
        }
    }

    private long wakeUps(ObjectName name) throws Exception {
        return (Long) server.getAttribute(name, "WakeUps");
    }

    private static List<Thread> carrierThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix))
                .collect(Collectors.toList());
    }
}
