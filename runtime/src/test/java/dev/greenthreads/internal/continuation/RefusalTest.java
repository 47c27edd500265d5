package dev.greenthreads.internal.continuation;

import static dev.greenthreads.internal.continuation.Driver.pause;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.Suspendable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where suspension is impossible, it fails at once with an error that names the place and
 * the remedy, and the green thread's own state stays usable.
 */
class RefusalTest {

    private final Driver driver = new Driver();
    private final Object lock = new Object();

    @AfterEach
    void close() {
        driver.close();
    }

    private static String failure(Driver driver, dev.greenthreads.SuspendableRunnable body) {
        return assertThrows(IllegalStateException.class, () -> driver.run(body)).getMessage();
    }

    @Test
    void suspendingInsideASynchronizedBlockNamesTheBlockAndTheRemedy() {
        String message = failure(driver, () -> {
            synchronized (lock) {
                pause();
            }
        });
        assertTrue(message.contains("synchronized block at dev.greenthreads.internal.continuation.RefusalTest.lambda$"), message);
        assertTrue(message.contains("RefusalTest.java:"), message);
        assertTrue(message.contains("Mutex"), message);
    }

    @Suspendable
    private synchronized void synchronizedMethod() {
        pause();
    }

    @Test
    void suspendingInsideASynchronizedMethodNamesIt() {
        String message = failure(driver, this::synchronizedMethod);
        assertTrue(message.contains("synchronized method dev.greenthreads.internal.continuation.RefusalTest.synchronizedMethod(RefusalTest.java:"), message);
    }

    @Test
    void theMonitorIsReleasedAndTheThreadGoesOnAfterARefusedSuspension() throws Exception {
        List<String> seen = new ArrayList<>();
        int suspensions = driver.run(() -> {
            try {
                synchronized (lock) {
                    pause();
                }
            } catch (IllegalStateException expected) {
                seen.add("refused");
            }
            pause();
            seen.add("suspended after");
        });
        assertEquals(List.of("refused", "suspended after"), seen);
        assertEquals(1, suspensions);
        assertTrue(!Thread.holdsLock(lock));
    }

    static final class SuspendsInConstructor {
        SuspendsInConstructor() {
            pause();
        }
    }

    @Test
    void suspendingInsideAConstructorNamesIt() {
        String message = failure(driver, () -> new SuspendsInConstructor());
        assertTrue(message.contains("constructor dev.greenthreads.internal.continuation.RefusalTest$SuspendsInConstructor.<init>(RefusalTest.java:"), message);
        assertTrue(message.contains("factory method"), message);
    }

    static final class SuspendsInStaticInitialiser {
        static final int VALUE;

        static {
            pause();
            VALUE = 1;
        }
    }

    @Test
    void suspendingInsideAStaticInitialiserNamesIt() {
        Throwable e = assertThrows(ExceptionInInitializerError.class, () -> driver.run(() -> {
            int unused = SuspendsInStaticInitialiser.VALUE;
        }));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("static initialiser dev.greenthreads.internal.continuation.RefusalTest$SuspendsInStaticInitialiser.<clinit>"),
                e.getCause().getMessage());
    }

    static void notMarked() {
        pause();
    }

    @Test
    void suspendingThroughAMethodThatWasNotRewrittenNamesItAndWhyItWasNot() {
        String message = failure(driver, () -> notMarked());
        assertTrue(message.contains("passed through dev.greenthreads.internal.continuation.RefusalTest.notMarked"), message);
        assertTrue(message.contains("RefusalTest.java:"), message);
        assertTrue(message.contains("not suspendable itself although it calls the suspendable"), message);
        assertTrue(message.contains("@Suspendable"), message);
    }

    @Test
    void suspendingThroughAJdkMethodIsReportedBeforeItGoesOn() {
        List<Integer> ran = new ArrayList<>();
        String message = failure(driver, () -> List.of(1, 2, 3).forEach(i -> {
            ran.add(i);
            pause();
        }));
        assertTrue(message.contains("forEach"), message);
        assertTrue(ran.size() <= 2, "the JDK method was stopped at its next call into suspendable code: " + ran);
    }

    /** A rewritten implementation of a JDK interface, as a library's lazy view is under include=. */
    static final class SuspendingIterator implements java.util.Iterator<Integer> {
        @Override
        public boolean hasNext() {
            return true;
        }

        @Suspendable
        @Override
        public Integer next() {
            pause();
            return 1;
        }
    }

    @Test
    void suspendingThroughAJdkInterfaceSaysTheJdkCannotBeRewrittenAndWhatToDoInstead() {
        java.util.Iterator<Integer> iterator = new SuspendingIterator();
        String message = failure(driver, () -> iterator.next());
        assertTrue(message.contains("passed through java.util.Iterator.next, called at"), message);
        assertTrue(message.contains("which is JDK code"), message);
        assertTrue(message.contains("Call the suspendable code directly instead of through java.util.Iterator.next"), message);
        assertFalse(message.contains("Mark java.util.Iterator.next"), "a remedy that cannot work: " + message);
    }

    /** JUnit's {@code Executable}: an application's interface, not the JDK's (a JDK interface's lambda is pinned). */
    interface Executable {
        void execute();
    }

    /** Like JUnit's assertThrows: runs {@code r}, which it expects to throw; not suspendable, so not rewritten. */
    static void failUnlessItThrows(Executable r) {
        r.execute();
        throw new AssertionError("expected an exception");
    }

    /**
     * The unwinding stops at a lambda that is not rewritten, and an exception then skips the
     * status check that would have caught it: the error, raised at the next suspendable call,
     * names the last frame that saved itself, whose caller is the culprit, and not that call.
     */
    @Test
    void aSuspensionOvertakenByAnExceptionNamesTheFrameWhoseCallerWasNotRewritten() {
        String message = failure(driver, () -> {
            try {
                failUnlessItThrows(() -> pause());
            } catch (AssertionError expected) {
                // the lambda returned when pause() unwound, as if it had ended
            }
            pause();
        });
        assertTrue(message.contains("suspended in pause(), and the unwinding saved the frames up to pause() but no further"), message);
        assertTrue(message.contains("the method that called pause() was not rewritten"), message);
        assertTrue(message.contains("assertThrows"), message);
    }

    @Test
    void suspendingOutsideAGreenThreadIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class, Driver::pause);
        assertTrue(e.getMessage().contains("only a green thread can suspend"), e.getMessage());
    }

    /** The classes below whose static initialiser ran. */
    private static final List<String> INITIALISED = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A method the agent would have marked; never called, and its class never initialised. */
    static final class MarkedByTheAgent {
        static {
            INITIALISED.add("MarkedByTheAgent");
        }

        @Refused("it was marked for this test")
        static void refused(int unused) {
        }

        static void notRefused() {
        }
    }

    @Test
    void theReasonIsReadFromTheRefusedMethodWithoutInitialisingItsClass() {
        String target = "dev/greenthreads/internal/continuation/RefusalTest$MarkedByTheAgent.refused";
        assertEquals("it was marked for this test", Refusals.reasonFor(target, null));
        assertEquals("it was marked for this test", Refusals.reasonFor(target, "refused(I)V"));
        assertEquals(null, Refusals.reasonFor(target, "refused(J)V"), "another overload has no reason");
        assertEquals(List.of(), INITIALISED);
    }

    @Test
    void aMethodWithoutTheMarkOrAClassTheCallSiteCannotFindHasNoReason() {
        assertEquals(null, Refusals.reasonFor("dev/greenthreads/internal/continuation/RefusalTest$MarkedByTheAgent.notRefused", null));
        assertEquals(null, Refusals.reasonFor("com/example/Missing.method", null));
        assertEquals(List.of(), INITIALISED);
    }
}
