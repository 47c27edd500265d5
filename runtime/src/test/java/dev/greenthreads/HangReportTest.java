package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.sync.Cond;
import dev.greenthreads.sync.Mutex;
import dev.greenthreads.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A scheduler whose green threads all wait for ever says so, once; a close that waits says for what. */
@Timeout(60)
class HangReportTest {

    /** Where the waiters wait: Cond.await(Mutex), as its saved frame names it. */
    private static final String AWAIT = "await(Ldev/greenthreads/sync/Mutex;)V";

    private final Mutex mutex = new Mutex();
    private final Cond cond = new Cond();
    private final AtomicBoolean released = new AtomicBoolean();

    @Test
    void threadsThatAllWaitOnACondNobodySignalsAreReportedOnceWithWhatTheyWaitIn() {
        List<Throwable> reports = new CopyOnWriteArrayList<>();
        try (Scheduler s = Scheduler.builder().name("hanging").carriers(2)
                .uncaughtExceptionHandler((t, e) -> reports.add(e)).build()) {
            GreenThread<Void> a = GreenThread.builder().scheduler(s).name("waiter-a").start(this::awaitRelease);
            GreenThread<Void> b = GreenThread.builder().scheduler(s).name("waiter-b").start(this::awaitRelease);
            try {
                Await.until(() -> "a hang report", () -> !reports.isEmpty());
            } finally {
                release();
            }
            a.join();
            b.join();
        }
        String report = reports.get(0).getMessage();
        assertTrue(report.contains("scheduler \"hanging\" hangs"), report);
        assertTrue(report.contains("\"waiter-a\"") && report.contains("\"waiter-b\""), report);
        assertTrue(report.contains("BLOCKED, waiting in ") && report.contains(AWAIT), report);
        assertEquals(1, reports.size(), () -> "reports: " + reports);
    }

    @Test
    void closeThatWaitsSaysForWhichThreads() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        Scheduler s = Scheduler.builder().name("closing-late").carriers(2)
                .uncaughtExceptionHandler((t, e) -> { }).build();
        GreenThread.builder().scheduler(s).name("late-waiter").detached(true).start(this::awaitRelease);
        Thread closer = new Thread(s::close, "closer");
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            closer.start();
            Await.until(() -> "close to say what it waits for",
                    () -> err.toString(StandardCharsets.UTF_8).contains("late-waiter"));
        } finally {
            System.setErr(saved);
            release();
        }
        closer.join();
        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("close() of scheduler \"closing-late\" has waited"), said);
        assertTrue(said.contains("\"late-waiter\"") && said.contains(AWAIT), said);
        assertTrue(s.toString().contains("closed"));
    }

    @Suspendable
    private void awaitRelease() {
        mutex.lock();
        try {
            while (!released.get()) {
                cond.await(mutex);
            }
        } finally {
            mutex.unlock();
        }
    }

    private void release() {
        mutex.lock();
        try {
            released.set(true);
            cond.broadcast();
        } finally {
            mutex.unlock();
        }
    }
}
