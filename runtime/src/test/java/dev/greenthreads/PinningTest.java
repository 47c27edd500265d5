package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.internal.continuation.PinnedSites;
import dev.greenthreads.sync.Semaphore;
import dev.greenthreads.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A suspension where the stack cannot unwind (inside {@code synchronized}, a constructor, a static
 * initialiser, a lambda that JDK code calls back) pins: the green thread blocks its carrier until
 * it is woken, the others go on on another carrier, and each site is reported once. With
 * {@code pinned=fail} it is refused with the place in the message.
 */
@Timeout(60)
class PinningTest {

    /** Held strongly: java.util.logging keeps its loggers weakly. */
    private final Logger pinnedLog = Logger.getLogger(PinnedSites.LOGGER);
    private final List<String> reports = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel() == Level.WARNING) {
                reports.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Object lock = new Object();

    @BeforeEach
    void captureReports() {
        pinnedLog.addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        pinnedLog.removeHandler(capture);
        System.clearProperty("greenthreads.pinned");
    }

    private List<String> reportsOf(String site) {
        return reports.stream().filter(r -> r.contains(site)).collect(Collectors.toList());
    }

    @Test
    void aThreadPinnedInSynchronizedWaitingForAnotherOnOneCarrierFinishes() {
        try (Scheduler s = Scheduler.builder().name("pin-one-carrier").carriers(1).build()) {
            Semaphore released = new Semaphore(0);
            int value = s.run(() -> {
                synchronized (lock) {
                    GreenThread<Void> other = GreenThread.start(released::release);
                    released.acquire(); // pins: the other can run only once the monitor hands the core on
                    other.join();
                    assertTrue(Thread.holdsLock(lock), "still the same carrier, still holding the monitor");
                }
                return 42;
            });
            assertEquals(42, value);
            assertTrue(s.dispatcher().handOffs() >= 1, "the pinned carrier's core went to another carrier thread");
            assertTrue(s.dispatcher().carriersAdded() >= 1);
        }
    }

    @Test
    void thePinnedThreadShowsBlockedAndTheOthersKeepRunningOnACompensatingCarrier() {
        try (Scheduler s = Scheduler.builder().name("pin-others-run").carriers(1).build()) {
            Semaphore go = new Semaphore(0);
            AtomicInteger pinned = new AtomicInteger();
            GreenThread<Void> waiter = s.start(() -> {
                synchronized (lock) {
                    pinned.incrementAndGet();
                    go.acquire();
                }
            });
            Await.until(() -> pinned.get() == 1 && waiter.state() == GreenThread.State.BLOCKED);
            AtomicInteger ran = new AtomicInteger();
            List<GreenThread<Void>> others = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                others.add(s.start(() -> {
                    GreenThread.yield();
                    ran.incrementAndGet();
                }));
            }
            for (GreenThread<Void> t : others) {
                t.join();
            }
            assertEquals(20, ran.get());
            assertEquals(GreenThread.State.BLOCKED, waiter.state(), "nothing woke it yet");
            s.start(go::release).join();
            waiter.join();
        }
    }

    @Test
    void eachSiteIsReportedOnceWithTheRemedyAndTheStack() {
        try (Scheduler s = Scheduler.builder().name("pin-report").carriers(2).build()) {
            s.run(() -> {
                for (int i = 0; i < 3; i++) {
                    synchronized (lock) {
                        GreenThread.sleep(1);
                    }
                }
                synchronized (lock) {
                    GreenThread.yield();
                }
            });
        }
        List<String> first = reportsOf("a synchronized block at dev.greenthreads.PinningTest.lambda$eachSiteIsReportedOnce");
        assertEquals(2, first.size(), "one report for each of the two sites, however often it pinned: " + reports);
        String report = first.get(0);
        assertTrue(report.startsWith("green thread \""), report);
        assertTrue(report.contains("pinned its carrier inside a synchronized block at"), report);
        assertTrue(report.contains("(PinningTest.java:"), report);
        assertTrue(report.contains("dev.greenthreads.sync.Mutex instead of synchronized"), report);
        assertTrue(report.contains("\tat dev.greenthreads.GreenThread.sleep"), "the stack, from the suspending call: " + report);
    }

    @Test
    void aPinnedSleepBlocksForItsDurationAndAPinnedYieldReturns() {
        try (Scheduler s = Scheduler.builder().name("pin-sleep").carriers(1).build()) {
            long elapsed = s.run(() -> {
                long start = System.nanoTime();
                synchronized (lock) {
                    GreenThread.sleep(Duration.ofMillis(30));
                    GreenThread.yield();
                }
                return System.nanoTime() - start;
            });
            assertTrue(elapsed >= 30_000_000L, "slept " + elapsed + " ns");
        }
    }

    @Test
    void cancellingAPinnedThreadWakesItAtItsCancellationPoint() {
        try (Scheduler s = Scheduler.builder().name("pin-cancel").carriers(2).build()) {
            Semaphore never = new Semaphore(0);
            GreenThread<Void> t = s.start(() -> {
                synchronized (lock) {
                    never.acquire();
                }
            });
            Await.until(() -> t.state() == GreenThread.State.BLOCKED);
            t.cancel();
            assertThrows(CancellationException.class, t::join);
        }
    }

    @Test
    void pinnedFailRefusesASuspensionInsideSynchronizedWithThePlace() {
        System.setProperty("greenthreads.pinned", "fail");
        try (Scheduler s = Scheduler.builder().name("pin-fail").carriers(1).build()) {
            GreenThreadException e = assertThrows(GreenThreadException.class, () -> s.run(() -> {
                synchronized (lock) {
                    GreenThread.yield();
                }
            }));
            IllegalStateException refusal = assertInstanceOf(IllegalStateException.class, e.getCause());
            String message = refusal.getMessage();
            assertTrue(message.startsWith("a green thread cannot suspend inside a synchronized block at"
                    + " dev.greenthreads.PinningTest.lambda$pinnedFail"), message);
            assertTrue(message.contains("(PinningTest.java:"), message);
            assertTrue(message.contains("pinned=fail"), message);
            assertTrue(message.contains("Mutex"), "the remedy: " + message);
            assertEquals(List.of(), reportsOf("PinningTest.lambda$pinnedFail"), "a refusal is no pinning to report");
        }
    }

    @Suspendable
    private synchronized int sleepSynchronized() {
        GreenThread.sleep(1);
        return 3;
    }

    @Test
    void aSuspensionInASynchronizedMethodPinsAndIsRefusedUnderPinnedFail() {
        try (Scheduler s = Scheduler.builder().name("pin-synchronized-method").carriers(1).build()) {
            assertEquals(3, s.run(this::sleepSynchronized));
            System.setProperty("greenthreads.pinned", "fail");
            GreenThreadException e = assertThrows(GreenThreadException.class, () -> s.run(this::sleepSynchronized));
            assertTrue(e.getCause().getMessage().startsWith("a green thread cannot suspend inside the synchronized method"
                    + " dev.greenthreads.PinningTest.sleepSynchronized(PinningTest.java:"), e.getCause().getMessage());
        }
    }

    static final class RefusedInStaticInitialiser {
        static final int VALUE;

        static {
            GreenThread.sleep(1);
            VALUE = 8;
        }
    }

    @Test
    void aSuspensionInAStaticInitialiserIsRefusedUnderPinnedFail() {
        System.setProperty("greenthreads.pinned", "fail");
        try (Scheduler s = Scheduler.builder().name("pin-initialiser-fail").carriers(1).build()) {
            GreenThreadException e = assertThrows(GreenThreadException.class, () -> s.run(() -> RefusedInStaticInitialiser.VALUE));
            Throwable refusal = assertInstanceOf(ExceptionInInitializerError.class, e.getCause()).getCause();
            assertTrue(refusal.getMessage().startsWith("a green thread cannot suspend inside the static initialiser"
                    + " dev.greenthreads.PinningTest$RefusedInStaticInitialiser.<clinit>(PinningTest.java:"), refusal.getMessage());
        }
    }

    static final class SleepsInConstructor {
        final int slept;

        SleepsInConstructor(int millis) {
            GreenThread.sleep(millis);
            slept = millis;
        }
    }

    @Test
    void aSuspensionInAConstructorPins() {
        try (Scheduler s = Scheduler.builder().name("pin-constructor").carriers(1).build()) {
            assertEquals(5, s.run(() -> new SleepsInConstructor(5).slept));
        }
        assertEquals(1, reportsOf("the constructor dev.greenthreads.PinningTest$SleepsInConstructor.<init>").size(),
                reports.toString());
    }

    @Test
    void aSuspensionInAConstructorIsRefusedUnderPinnedFail() {
        System.setProperty("greenthreads.pinned", "fail");
        try (Scheduler s = Scheduler.builder().name("pin-constructor-fail").carriers(1).build()) {
            GreenThreadException e = assertThrows(GreenThreadException.class, () -> s.run(() -> new SleepsInConstructor(1)));
            assertTrue(e.getCause().getMessage().startsWith("a green thread cannot suspend inside the constructor"
                    + " dev.greenthreads.PinningTest$SleepsInConstructor.<init>(PinningTest.java:"), e.getCause().getMessage());
        }
    }

    static final class SleepsInStaticInitialiser {
        static final int VALUE;

        static {
            GreenThread.sleep(1);
            VALUE = 7;
        }
    }

    @Test
    void aSuspensionInAStaticInitialiserPins() {
        try (Scheduler s = Scheduler.builder().name("pin-initialiser").carriers(1).build()) {
            assertEquals(7, s.run(() -> SleepsInStaticInitialiser.VALUE));
        }
        assertEquals(1, reportsOf("the static initialiser dev.greenthreads.PinningTest$SleepsInStaticInitialiser.<clinit>")
                .size(), reports.toString());
    }

    @Test
    void aSuspendingLambdaThatForEachCallsBackPins() {
        try (Scheduler s = Scheduler.builder().name("pin-foreach").carriers(1).build()) {
            List<Integer> seen = s.run(() -> {
                List<Integer> out = new ArrayList<>();
                List.of(1, 2, 3).forEach(i -> {
                    GreenThread.sleep(1);
                    out.add(i);
                });
                return out;
            });
            assertEquals(List.of(1, 2, 3), seen);
        }
        List<String> site = reportsOf("a lambda implementing java.util.function.Consumer at"
                + " dev.greenthreads.PinningTest.lambda$aSuspendingLambdaThatForEachCallsBackPins");
        assertEquals(1, site.size(), reports.toString());
    }

    @Test
    void suspendingLambdasThatComputeIfAbsentAndAStreamCallBackPin() {
        try (Scheduler s = Scheduler.builder().name("pin-callbacks").carriers(1).build()) {
            String result = s.run(() -> {
                Map<String, Integer> lengths = new ConcurrentHashMap<>();
                int computed = lengths.computeIfAbsent("four", k -> {
                    GreenThread.sleep(1);
                    return k.length();
                });
                List<Integer> doubled = Stream.of(1, 2).map(i -> {
                    GreenThread.yield();
                    return 2 * i;
                }).collect(Collectors.toList());
                return computed + " " + doubled;
            });
            assertEquals("4 [2, 4]", result);
        }
        assertEquals(2, reportsOf("a lambda implementing java.util.function.Function at"
                + " dev.greenthreads.PinningTest.lambda$suspendingLambdasThatComputeIfAbsentAndAStreamCallBackPin").size(),
                "the two lambdas, each once: " + reports);
    }

    @Test
    void aSuspendingLambdaThatForEachCallsBackIsRefusedUnderPinnedFail() {
        System.setProperty("greenthreads.pinned", "fail");
        try (Scheduler s = Scheduler.builder().name("pin-foreach-fail").carriers(1).build()) {
            GreenThreadException e = assertThrows(GreenThreadException.class, () -> s.run(() -> {
                List.of(1, 2, 3).forEach(i -> GreenThread.sleep(1));
            }));
            assertTrue(e.getCause().getMessage().startsWith("a green thread cannot suspend inside a lambda implementing"
                    + " java.util.function.Consumer at dev.greenthreads.PinningTest.lambda$"), e.getCause().getMessage());
            assertTrue(e.getCause().getMessage().contains("a plain loop instead of forEach"), e.getCause().getMessage());
        }
    }

    @Suspendable
    private static void sleepOne(int unused) {
        GreenThread.sleep(1);
    }

    /** A method reference names a method that other code calls directly: it is not pinned, and verification says why. */
    @Test
    void aSuspendableMethodReferenceThatForEachCallsBackStillFailsClearly() {
        try (Scheduler s = Scheduler.builder().name("pin-method-ref").carriers(1).build()) {
            GreenThreadException e = assertThrows(GreenThreadException.class, () -> s.run(() -> {
                List.of(1, 2, 3).forEach(PinningTest::sleepOne);
            }));
            String message = e.getCause().getMessage();
            assertTrue(message.contains("the nearest caller of sleepOne(int) that was not rewritten is java.lang.Iterable.forEach"),
                    message);
            assertTrue(message.contains("call it from a plain loop"), message);
        }
    }

    @Test
    void aPinnedParkUnderTheDeterministicSchedulerIsRefusedAndAPinnedYieldIsNot() {
        try (Scheduler s = Scheduler.deterministic(1)) {
            assertEquals(1, s.run(() -> {
                synchronized (lock) {
                    GreenThread.yield();
                }
                return 1;
            }));
            GreenThreadException e = assertThrows(GreenThreadException.class, () -> s.run(() -> {
                synchronized (lock) {
                    GreenThread.sleep(1);
                }
            }));
            assertTrue(e.getCause().getMessage().contains("under Scheduler.deterministic"), e.getCause().getMessage());
        }
    }

    @Test
    void eachPinnedParkIsAFlightRecorderEventWithItsSiteAndDuration() throws Exception {
        Path file = Files.createTempFile("pinned", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("dev.greenthreads.Pinned").withThreshold(Duration.ZERO).withStackTrace();
            recording.start();
            try (Scheduler s = Scheduler.builder().name("pin-jfr").carriers(1).build()) {
                s.run(() -> {
                    for (int i = 0; i < 2; i++) {
                        synchronized (lock) {
                            GreenThread.sleep(20);
                        }
                    }
                });
            }
            recording.stop();
            recording.dump(file);
            List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("dev.greenthreads.Pinned"))
                    .filter(e -> e.getString("site").contains("PinningTest.lambda$eachPinnedParkIsAFlightRecorderEvent"))
                    .collect(Collectors.toList());
            assertEquals(2, events.size(), "one per pinned park: " + events);
            for (RecordedEvent e : events) {
                assertTrue(e.getDuration().toMillis() >= 15, "about the 20 ms it slept: " + events);
                assertTrue(e.getString("site").startsWith("a synchronized block at"), e.toString());
                assertTrue(e.getStackTrace() != null);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
