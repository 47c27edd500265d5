package dev.greenthreads.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Suspendable;
import dev.greenthreads.sync.Mutex;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** {@link ExploreInterleavings} on test methods, run through the JUnit Platform as a build would. */
class ExploreInterleavingsTest {

    /** Tests run by the launcher below, not by the build itself (a nested class that is not {@code @Nested}). */
    static class Examples {
        static final AtomicInteger RUNS = new AtomicInteger();
        static final class Counter {
            int value;
        }

        @ExploreInterleavings(schedules = 1_000, strategy = Strategy.PCT, depth = 3)
        void lostUpdate() {
            RUNS.incrementAndGet();
            Counter c = new Counter();
            Mutex m = new Mutex();
            GreenThread<Void> a = GreenThread.start(() -> increment(c, m));
            GreenThread<Void> b = GreenThread.start(() -> increment(c, m));
            a.join();
            b.join();
            assertEquals(2, c.value);
        }

        @Test
        @ExploreInterleavings(schedules = 500, strategy = Strategy.RANDOM)
        void lockedIncrement() {
            RUNS.incrementAndGet();
            Counter c = new Counter();
            Mutex m = new Mutex();
            GreenThread<Void> a = GreenThread.start(() -> { m.lock(); c.value++; m.unlock(); });
            GreenThread<Void> b = GreenThread.start(() -> { m.lock(); c.value++; m.unlock(); });
            a.join();
            b.join();
            assertEquals(2, c.value);
        }

        @Suspendable
        static void increment(Counter c, Mutex m) {
            m.lock();
            int v = c.value;
            m.unlock();
            m.lock();
            c.value = v + 1;
            m.unlock();
        }
    }

    private static List<Throwable> run(String method, List<String> passed) {
        List<Throwable> failures = new ArrayList<>();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectMethod(Examples.class, method)).build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (!id.isTest()) {
                    return;
                }
                if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                    passed.add(id.getDisplayName());
                }
                result.getThrowable().ifPresent(failures::add);
            }
        });
        return failures;
    }

    @Test
    void aFailingScheduleFailsTheTestWithTheReplayLineAndTheTrace() {
        Examples.RUNS.set(0);
        List<String> passed = new ArrayList<>();
        List<Throwable> failures = run("lostUpdate", passed);
        assertEquals(1, failures.size(), () -> "failures: " + failures + ", passed: " + passed);
        Throwable e = failures.get(0);
        assertInstanceOf(AssertionError.class, e);
        String message = e.getMessage();
        assertTrue(message.startsWith("Examples.lostUpdate failed under schedule "), message);
        assertTrue(message.contains("Replay it with Explorer.replay(\"strategy=PCT depth=3 "), message);
        assertTrue(message.contains("at ExploreInterleavingsTest.java:"), message);
        assertTrue(Examples.RUNS.get() > 1, "the method ran under several schedules: " + Examples.RUNS.get());
        assertInstanceOf(AssertionError.class, e.getCause(), "the cause is what the body threw");
    }

    @Test
    void aCorrectMethodPassesAfterRunningOncePerSchedule() {
        Examples.RUNS.set(0);
        List<String> passed = new ArrayList<>();
        List<Throwable> failures = run("lockedIncrement", passed);
        assertEquals(List.of(), failures);
        assertEquals(List.of("lockedIncrement()"), passed, "with @Test as well, it runs as one test");
        assertEquals(500, Examples.RUNS.get(), "one run per schedule");
    }
}
