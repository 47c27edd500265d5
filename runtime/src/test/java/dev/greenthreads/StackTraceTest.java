package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.sync.Cond;
import dev.greenthreads.sync.Mutex;
import dev.greenthreads.testing.Await;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link GreenThread#stackTrace()}: a parked thread's stack is rebuilt from its saved frames with
 * each frame's class, method, file and line, the primitive it parked in on top; a running
 * thread shows its live stack; a thread that has not started or has ended shows none.
 */
@Timeout(60)
class StackTraceTest {

    private static final String ME = StackTraceTest.class.getName();
    private static final String FILE = "StackTraceTest.java";

    private final Scheduler scheduler = Scheduler.builder().name("stacks").carriers(2).build();
    private final Mutex mutex = new Mutex();
    private final Cond cond = new Cond();
    private volatile boolean released;
    private volatile boolean waiting;
    /** Source lines of the calls each test's thread makes, recorded on the line of the call itself. */
    private final int[] lines = new int[8];
    private final AtomicInteger depthLine = new AtomicInteger();

    @AfterEach
    void close() {
        release();
        scheduler.close();
    }

    /** The line this is called on. */
    private static int line() {
        return new Throwable().getStackTrace()[1].getLineNumber();
    }

    @Test
    void aThreadParkedOnACondAtDepthThreeShowsTheCondAndEachCallerWithItsLine() {
        GreenThread<Void> t = scheduler.start(() -> { lines[0] = line(); level1(); });
        StackTraceElement[] trace = parked(t);

        assertFrame(trace[0], Cond.class.getName(), "await", "Cond.java", -1);
        assertFrame(trace[1], ME, "level3", FILE, lines[3]);
        assertFrame(trace[2], ME, "level2", FILE, lines[2]);
        assertFrame(trace[3], ME, "level1", FILE, lines[1]);
        assertFrame(trace[4], ME, null, FILE, lines[0]);
        assertTrue(trace[4].getMethodName().startsWith("lambda$"), () -> Arrays.toString(trace));
        assertEquals(5, trace.length, () -> Arrays.toString(trace));
        release();
        t.join();
    }

    @Test
    void aThreadParkedAtDepthOneHundredShowsEveryFrame() {
        GreenThread<Void> t = scheduler.start(() -> deep(100));
        StackTraceElement[] trace = parked(t);

        assertFrame(trace[0], Cond.class.getName(), "await", "Cond.java", -1);
        assertFrame(trace[1], ME, "deep", FILE, lines[4]);
        for (int i = 2; i <= 100; i++) {
            assertFrame(trace[i], ME, "deep", FILE, depthLine.get());
        }
        assertEquals(102, trace.length, () -> Arrays.toString(trace));
        release();
        t.join();
    }

    @Test
    void afterSuspensionsAtOtherSitesTheStackShowsTheLatestOne() {
        AtomicInteger yields = new AtomicInteger();
        GreenThread<Void> t = scheduler.start(() -> {
            for (int i = 0; i < 3; i++) {
                lines[5] = line(); GreenThread.yield();
                yields.incrementAndGet();
            }
            GreenThread.sleep(1);
            level1();
        });
        StackTraceElement[] trace = parked(t);
        assertEquals(3, yields.get());
        assertFrame(trace[1], ME, "level3", FILE, lines[3]);
        assertTrue(Arrays.stream(trace).noneMatch(e -> e.getLineNumber() == lines[5]), () -> Arrays.toString(trace));
        release();
        t.join();
    }

    @Test
    void aLambdaThatParksItselfIsItsOwnTopFrame() {
        GreenThread<Void> t = scheduler.start(() -> {
            mutex.lock();
            try {
                waiting = true;
                while (!released) {
                    lines[6] = line(); cond.await(mutex);
                }
            } finally {
                mutex.unlock();
            }
        });
        StackTraceElement[] trace = parked(t);
        assertFrame(trace[0], Cond.class.getName(), "await", "Cond.java", -1);
        assertFrame(trace[1], ME, null, FILE, lines[6]);
        assertTrue(trace[1].getMethodName().startsWith("lambda$"), () -> Arrays.toString(trace));
        assertEquals(2, trace.length, () -> Arrays.toString(trace));
        release();
        t.join();
    }

    @Test
    void aThreadJoiningShowsTheJoin() {
        GreenThread<Void> waiter = scheduler.start(() -> level1());
        Await.until(() -> waiting);
        GreenThread<Void> joiner = scheduler.start(() -> { lines[7] = line(); waiter.join(); });
        Await.until(() -> "the joiner parked", () -> joiner.state() == GreenThread.State.BLOCKED
                && joiner.stackTrace().length > 0);
        StackTraceElement[] trace = joiner.stackTrace();
        assertFrame(trace[0], GreenThread.class.getName(), "join", "GreenThread.java", -1);
        assertFrame(trace[1], ME, null, FILE, lines[7]);
        release();
        joiner.join();
    }

    @Test
    void aRunningThreadShowsItsLiveStack() {
        GreenThread<Void> t = scheduler.start(() -> spin());
        Await.until(() -> "the thread spinning", () -> waiting && t.state() == GreenThread.State.RUNNING);
        StackTraceElement[] trace = t.stackTrace();
        assertTrue(Arrays.stream(trace).anyMatch(e -> e.getMethodName().equals("spin") && e.getClassName().equals(ME)),
                () -> Arrays.toString(trace));
        assertTrue(trace[trace.length - 1].getMethodName().startsWith("lambda$"), () -> Arrays.toString(trace));
        assertTrue(Arrays.stream(trace).noneMatch(e -> e.getClassName().startsWith("dev.greenthreads.internal.")),
                () -> Arrays.toString(trace));
        release();
        t.join();
    }

    @Test
    void aThreadAskingForItsOwnStackSeesItsCallerOnTop() {
        StackTraceElement[] trace = scheduler.run(() -> { lines[0] = line(); return GreenThread.current().stackTrace(); });
        assertFrame(trace[0], ME, null, FILE, lines[0]);
        assertEquals(1, trace.length, () -> Arrays.toString(trace));
    }

    @Test
    void aThreadThatHasNotStartedOrHasEndedHasNoStack() {
        GreenThread<Void> t = GreenThread.builder().scheduler(scheduler).unstarted(() -> { });
        assertEquals(0, t.stackTrace().length);
        t.start();
        t.join();
        Await.until(() -> t.state() == GreenThread.State.TERMINATED);
        assertEquals(0, t.stackTrace().length);
    }

    // ------------------------------------------------------------------------------------

    @Suspendable
    private void level1() {
        lines[1] = line(); level2();
    }

    @Suspendable
    private void level2() {
        lines[2] = line(); level3();
    }

    @Suspendable
    private void level3() {
        mutex.lock();
        try {
            waiting = true;
            while (!released) {
                lines[3] = line(); cond.await(mutex);
            }
        } finally {
            mutex.unlock();
        }
    }

    @Suspendable
    private void deep(int n) {
        if (n > 1) {
            depthLine.set(line()); deep(n - 1);
            return;
        }
        mutex.lock();
        try {
            waiting = true;
            while (!released) {
                lines[4] = line(); cond.await(mutex);
            }
        } finally {
            mutex.unlock();
        }
    }

    private void spin() {
        waiting = true;
        while (!released) {
            Thread.onSpinWait();
        }
    }

    private StackTraceElement[] parked(GreenThread<?> t) {
        Await.until(() -> "the thread parked on the cond", () -> waiting && t.state() == GreenThread.State.BLOCKED
                && t.stackTrace().length > 0 && t.stackTrace()[0].getClassName().equals(Cond.class.getName()));
        return t.stackTrace();
    }

    private void release() {
        released = true;
        mutex.lock();
        try {
            cond.broadcast();
        } finally {
            mutex.unlock();
        }
    }

    /** {@code line} -1: any line (the runtime's own); {@code method} null: any (a lambda's). */
    /**
     * An exception thrown after the thread was resumed, several times and at different depths,
     * shows the frames it really ran through, each at the line it is at: the resumption re-enters
     * them and nothing of that machinery (no frame of the continuation's code) shows between them.
     */
    @Test
    void anExceptionThrownAfterResumingShowsTheFramesItRanThroughWithTheirLines() {
        GreenThread<Void> t = scheduler.start(() -> { lines[0] = line(); failAfterYields(3); });
        GreenThreadException e = assertThrows(GreenThreadException.class, t::join);
        StackTraceElement[] trace = e.getCause().getStackTrace();
        assertEquals("failed after resuming", e.getCause().getMessage());
        assertFrame(trace[0], ME, "failAfterYields", FILE, lines[5]);
        for (int i = 1; i <= 3; i++) {
            assertFrame(trace[i], ME, "failAfterYields", FILE, lines[4]);
        }
        assertFrame(trace[4], ME, null, FILE, lines[0]);
        assertTrue(trace[4].getMethodName().startsWith("lambda$"), () -> Arrays.toString(trace));
        assertTrue(Arrays.stream(trace).noneMatch(f -> f.getClassName().contains("continuation")), () -> Arrays.toString(trace));
    }

    @Suspendable
    private void failAfterYields(int depth) {
        GreenThread.yield();
        if (depth > 0) {
            lines[4] = line(); failAfterYields(depth - 1);
            return;
        }
        GreenThread.yield();
        lines[5] = line(); throw new IllegalStateException("failed after resuming");
    }

    private static void assertFrame(StackTraceElement e, String className, String method, String file, int line) {
        assertEquals(className, e.getClassName(), e::toString);
        if (method != null) {
            assertEquals(method, e.getMethodName(), e::toString);
        }
        assertEquals(file, e.getFileName(), e::toString);
        if (line != -1) {
            assertEquals(line, e.getLineNumber(), e::toString);
        } else {
            assertTrue(e.getLineNumber() > 0, e::toString);
        }
    }
}
