package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.sync.Mutex;
import dev.greenthreads.testing.Await;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import jdk.jfr.Configuration;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runtime's flight-recorder events, recorded with the profile in the runtime jar
 * ({@code dev/greenthreads/greenthreads.jfc}) and with the JDK's default settings.
 */
@Timeout(120)
class FlightRecorderTest {

    private final List<RecordedEvent> events = new CopyOnWriteArrayList<>();

    @Test
    void theProfileRecordsEveryEvent() throws Exception {
        try (RecordingStream rs = new RecordingStream(profile())) {
            rs.onEvent(e -> {
                if (e.getEventType().getName().startsWith("dev.greenthreads.")) {
                    events.add(e);
                }
            });
            rs.startAsync();
            try (Scheduler s = Scheduler.builder().name("recorded").carriers(1).spareIdleTimeout(Duration.ofMillis(50)).build()) {
                warmUp(s);
                GreenThread<Void> sleeper = GreenThread.builder().scheduler(s).name("sleeper")
                        .start(() -> GreenThread.sleep(60));
                sleeper.join();
                await("a start, an end and a long park of \"sleeper\"", () -> has("ThreadStart", "sleeper")
                        && has("ThreadEnd", "sleeper") && has("Park", "sleeper"));
                RecordedEvent park = only("Park", "sleeper");
                assertTrue(park.getDuration().toMillis() >= 20, park::toString);
                assertTrue(park.getString("site").startsWith("dev.greenthreads.GreenThread.sleep(GreenThread.java:"), park::toString);
                assertTrue(park.getString("stack").contains("FlightRecorderTest.lambda$"), park::toString);
                assertEquals("returned", only("ThreadEnd", "sleeper").getString("outcome"));

                CountDownLatch release = new CountDownLatch(1);
                GreenThread<Void> blocker = GreenThread.builder().scheduler(s).name("blocker").start(() -> release.await());
                GreenThread<Void> other = s.start(() -> { });
                try {
                    await("a blocked carrier and a compensating one", () -> any("CarrierBlocked")
                            && any("CompensatingCarrierStarted"));
                } finally {
                    release.countDown();
                }
                blocker.join();
                other.join();
                RecordedEvent blocked = events.stream().filter(e -> name(e).equals("CarrierBlocked")).findFirst().get();
                assertEquals("blocker", blocked.getString("greenThread"), blocked::toString);
                assertTrue(blocked.getString("stack").contains("java.util.concurrent.CountDownLatch.await"), blocked::toString);
                await("a compensating carrier retired", () -> any("CompensatingCarrierRetired"));

                Mutex m = new Mutex();
                GreenThread<Void> relocker = GreenThread.builder().scheduler(s).name("relocker").start(() -> {
                    m.lock();
                    try {
                        m.lock();
                    } finally {
                        m.unlock();
                    }
                });
                GreenThreadException failed = assertThrows(GreenThreadException.class, relocker::join);
                assertTrue(failed.getCause() instanceof GreenDeadlockException, failed::toString);
                await("a refused deadlock", () -> has("Deadlock", "relocker"));
                assertEquals(failed.getCause().getMessage(), only("Deadlock", "relocker").getString("cycle"));
            }
        }
    }

    @Test
    void theDefaultSettingsRecordLongParksButNotEachStartAndEnd() throws Exception {
        try (RecordingStream rs = new RecordingStream(Configuration.getConfiguration("default"))) {
            rs.onEvent(e -> {
                if (e.getEventType().getName().startsWith("dev.greenthreads.")) {
                    events.add(e);
                }
            });
            rs.startAsync();
            try (Scheduler s = Scheduler.builder().name("defaults").carriers(1).build()) {
                warmUp(s);
                GreenThread<Void> quick = GreenThread.builder().scheduler(s).name("quick").start(() -> GreenThread.sleep(1));
                GreenThread<Void> slow = GreenThread.builder().scheduler(s).name("slow").start(() -> GreenThread.sleep(60));
                quick.join();
                slow.join();
                await("the long park of \"slow\"", () -> has("Park", "slow"));
            }
            assertTrue(events.stream().noneMatch(e -> name(e).equals("ThreadStart") || name(e).equals("ThreadEnd")),
                    this::recorded);
            assertTrue(events.stream().noneMatch(e -> name(e).equals("Park") && "quick".equals(e.getString("greenThread"))),
                    this::recorded);
        }
    }

    /**
     * Parks longer than the threshold until one such park is recorded: the flight recorder sets
     * up an event class when it is first used under a recording, and the event of a park that
     * spans that set-up may be lost or come without its fields.
     */
    private void warmUp(Scheduler s) {
        for (int attempt = 1; ; attempt++) {
            s.run(() -> GreenThread.sleep(25));
            try {
                Await.until(Duration.ofSeconds(5), () -> "a park of the warm-up recorded", () -> any("Park"));
                return;
            } catch (AssertionError e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private static Configuration profile() throws Exception {
        try (Reader r = new InputStreamReader(Scheduler.class.getResourceAsStream("/dev/greenthreads/greenthreads.jfc"),
                StandardCharsets.UTF_8)) {
            return Configuration.create(r);
        }
    }

    private void await(String what, java.util.function.BooleanSupplier event) {
        Await.until(() -> what + "; recorded: " + recorded(), event);
    }

    private static String name(RecordedEvent e) {
        return e.getEventType().getName().substring("dev.greenthreads.".length());
    }

    private boolean any(String event) {
        return events.stream().anyMatch(e -> name(e).equals(event));
    }

    private boolean has(String event, String thread) {
        return events.stream().anyMatch(e -> name(e).equals(event) && thread.equals(e.getString("greenThread")));
    }

    /** The one event of this kind for this thread (a stream may deliver an event twice: told apart by its start). */
    private RecordedEvent only(String event, String thread) {
        Map<java.time.Instant, RecordedEvent> found = new LinkedHashMap<>();
        for (RecordedEvent e : events) {
            if (name(e).equals(event) && thread.equals(e.getString("greenThread"))) {
                found.putIfAbsent(e.getStartTime(), e);
            }
        }
        assertEquals(1, found.size(), this::recorded);
        return found.values().iterator().next();
    }

    private String recorded() {
        return events.stream().map(e -> name(e) + (e.hasField("greenThread") ? "(" + e.getString("greenThread") + ")" : ""))
                .collect(Collectors.joining(", "));
    }
}
