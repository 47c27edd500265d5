package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.internal.scheduler.Dispatcher;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Time slices: a green thread spinning in rewritten code yields at a loop's check once it has
 * run for its slice while another waits; one spinning where there is no check loses its carrier
 * thread's place instead; with {@code Duration.ZERO} scheduling is cooperative. Every spin is
 * bounded, so a failure fails instead of hanging.
 */
@Timeout(60)
class TimeSliceTest {

    private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(20);

    @Test
    void aThreadSpinningOnAFlagDoesNotStarveTheThreadThatSetsItOnOneCarrier() {
        try (Scheduler s = Scheduler.builder().name("slices").carriers(1).build()) {
            AtomicBoolean spinning = new AtomicBoolean(), flag = new AtomicBoolean();
            boolean sawFlag = s.run(() -> spinnerAndSetter(spinning, flag, BOUND_NANOS));
            assertTrue(sawFlag, "the spinner never saw the flag: the thread that sets it never ran");
            Dispatcher d = s.dispatcher();
            assertTrue(d.sliceExpirations() >= 1, "the spinner yielded at no check; slices expired: " + d.sliceExpirations());
        }
    }

    /**
     * The shape: a thread computing for long does not hold up a hundred short ones that
     * arrive meanwhile on its carrier by more than a few slices. Counted in slices, not time: a
     * preempted thread goes behind every ready one, so its first expired slice lets them all run.
     */
    @Test
    void aLongComputationDelaysAHundredShortThreadsByAFewSlicesAtMost() {
        int shortThreads = 100;
        try (Scheduler s = Scheduler.builder().name("crowd").carriers(1).build()) {
            java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
            AtomicBoolean spinning = new AtomicBoolean();
            boolean allDoneWhileSpinning = s.run(() -> {
                GreenThread<Boolean> spinner = GreenThread.start(() -> {
                    spinning.set(true);
                    long until = System.nanoTime() + BOUND_NANOS;
                    int i = 0;
                    while (done.get() < shortThreads) {
                        if ((++i & 0xFFFF) == 0 && System.nanoTime() - until > 0) {
                            return false;
                        }
                    }
                    return true;
                });
                while (!spinning.get()) {
                    GreenThread.yield();
                }
                for (int i = 0; i < shortThreads; i++) {
                    GreenThread.start(() -> {
                        GreenThread.yield();
                        done.incrementAndGet();
                    });
                }
                return spinner.join();
            });
            assertTrue(allDoneWhileSpinning, "only " + done.get() + " of " + shortThreads
                    + " short threads ran while the spinner computed");
            long slices = s.dispatcher().sliceExpirations();
            assertTrue(slices >= 1 && slices <= 5, "the short threads waited " + slices + " expired slices of the spinner");
        }
    }

    private static volatile boolean stop;

    /** The plainest spin: a lambda reading a field, calling nothing that could suspend. */
    @Test
    void aLambdaSpinningOnAVolatileFieldYieldsToTheThreadThatSetsIt() {
        stop = false;
        try (Scheduler s = Scheduler.builder().name("field").carriers(1).build()) {
            AtomicBoolean spinning = new AtomicBoolean();
            boolean sawStop = s.run(() -> {
                GreenThread<Boolean> spinner = GreenThread.start(() -> {
                    spinning.set(true);
                    long until = System.nanoTime() + BOUND_NANOS;
                    int i = 0;
                    while (!stop) {
                        if ((++i & 0xFFFF) == 0 && System.nanoTime() - until > 0) {
                            return false;
                        }
                    }
                    return true;
                });
                GreenThread<Void> setter = GreenThread.start(() -> {
                    while (!spinning.get()) {
                        GreenThread.yield();
                    }
                    stop = true;
                });
                setter.join();
                return spinner.join();
            });
            assertTrue(sawStop, "the thread that sets the field never ran");
            assertTrue(s.dispatcher().sliceExpirations() >= 1, "the spinner yielded at no check");
        }
    }

    /**
     * With time slices off, the spinner keeps the only carrier until it gives up (its bound),
     * and only then does the thread that sets the flag run: scheduling is cooperative.
     */
    @Test
    void withTimeSlicesOffASpinningThreadKeepsItsCarrierUntilItStops() {
        try (Scheduler s = Scheduler.builder().name("no-slices").carriers(1).timeSlice(Duration.ZERO).build()) {
            AtomicBoolean spinning = new AtomicBoolean(), flag = new AtomicBoolean();
            boolean sawFlag = s.run(() -> spinnerAndSetter(spinning, flag, TimeUnit.MILLISECONDS.toNanos(300)));
            assertFalse(sawFlag, "the flag was set while the spinner held the only carrier");
            assertTrue(flag.get(), "the setter ran after the spinner gave up");
            assertEquals(0, s.dispatcher().sliceExpirations());
            assertEquals(0, s.dispatcher().handOffs());
        }
    }

    @Test
    void aThreadThatLoopsForLessThanItsSliceIsNotMadeToYield() {
        try (Scheduler s = Scheduler.builder().name("brief").carriers(1).build()) {
            boolean otherRanMeanwhile = s.run(() -> {
                AtomicBoolean otherRan = new AtomicBoolean();
                GreenThread<Void> other = GreenThread.start(() -> otherRan.set(true)); // ready throughout
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
                long iterations = 0;
                while (System.nanoTime() - until < 0) {
                    iterations++; // each iteration passes the loop's check
                }
                boolean ran = otherRan.get();
                other.join();
                return ran && iterations > 0;
            });
            assertFalse(otherRanMeanwhile, "the loop yielded before its slice was over");
            assertEquals(0, s.dispatcher().sliceExpirations());
        }
    }

    /** Code without checks (here a method that is not rewritten) runs on, and its carrier thread loses its place. */
    @Test
    void aThreadSpinningWhereThereIsNoCheckLosesItsCarrierThreadsPlace() {
        try (Scheduler s = Scheduler.builder().name("unchecked").carriers(1).build()) {
            AtomicBoolean spinning = new AtomicBoolean(), flag = new AtomicBoolean();
            boolean sawFlag = s.run(() -> {
                GreenThread<Boolean> spinner = GreenThread.start(() -> {
                    spinning.set(true);
                    return spinUnrewritten(flag, BOUND_NANOS);
                });
                GreenThread<Void> setter = GreenThread.start(() -> setWhenSpinning(spinning, flag));
                setter.join();
                return spinner.join();
            });
            assertTrue(sawFlag, "the thread that sets the flag never ran");
            Dispatcher d = s.dispatcher();
            assertTrue(d.handOffs() >= 1, "cores handed over: " + d.handOffs());
            assertEquals(0, d.sliceExpirations(), "no check ran, so none yielded");
        }
    }

    /** A check under a {@code synchronized} caller cannot yield (the monitor belongs to the carrier): it runs on. */
    @Test
    void aCheckInsideASynchronizedCallerDoesNotYieldAndTheOthersStillRun() {
        try (Scheduler s = Scheduler.builder().name("pinned").carriers(1).build()) {
            AtomicBoolean spinning = new AtomicBoolean(), flag = new AtomicBoolean();
            Object lock = new Object();
            boolean sawFlag = s.run(() -> {
                GreenThread<Boolean> spinner = GreenThread.start(() -> {
                    synchronized (lock) {
                        spinning.set(true);
                        return spin(flag, BOUND_NANOS);
                    }
                });
                GreenThread<Void> setter = GreenThread.start(() -> setWhenSpinning(spinning, flag));
                setter.join();
                return spinner.join();
            });
            assertTrue(sawFlag, "the thread that sets the flag never ran");
            assertEquals(0, s.dispatcher().sliceExpirations(), "a pinned check must not yield");
        }
    }

    @Test
    void aNegativeTimeSliceIsRefusedWithTheRemedy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Scheduler.builder().timeSlice(Duration.ofMillis(-1)));
        assertTrue(e.getMessage().startsWith("timeSlice must not be negative, not PT-0.001S"), e.getMessage());
        assertTrue(e.getMessage().contains("Duration.ZERO turns time slices off"), e.getMessage());
    }

    @Test
    void theTimeSlicePropertyIsReadAndAWrongOneSaysHowToWriteIt() {
        String before = System.getProperty(Scheduler.TIME_SLICE_PROPERTY);
        try {
            System.setProperty(Scheduler.TIME_SLICE_PROPERTY, "ten");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Scheduler.builder().build());
            assertTrue(e.getMessage().startsWith("system property greenthreads.timeSlice must be a duration"), e.getMessage());
            assertTrue(e.getMessage().contains("10ms"), e.getMessage());
            System.setProperty(Scheduler.TIME_SLICE_PROPERTY, "-5ms");
            assertThrows(IllegalStateException.class, () -> Scheduler.builder().build());

            System.setProperty(Scheduler.TIME_SLICE_PROPERTY, "0");
            try (Scheduler s = Scheduler.builder().name("property-off").carriers(1).build()) {
                AtomicBoolean spinning = new AtomicBoolean(), flag = new AtomicBoolean();
                assertFalse(s.run(() -> spinnerAndSetter(spinning, flag, TimeUnit.MILLISECONDS.toNanos(100))),
                        "greenthreads.timeSlice=0 turns time slices off");
            }
        } finally {
            if (before == null) {
                System.clearProperty(Scheduler.TIME_SLICE_PROPERTY);
            } else {
                System.setProperty(Scheduler.TIME_SLICE_PROPERTY, before);
            }
        }
    }

    /**
     * Starts a spinner, which spins in rewritten code until the flag is set or {@code bound}
     * passes, and a setter, which yields until the spinner spins and then sets the flag; returns
     * whether the spinner saw the flag.
     */
    @Suspendable
    private static boolean spinnerAndSetter(AtomicBoolean spinning, AtomicBoolean flag, long bound) {
        GreenThread<Boolean> spinner = GreenThread.start(() -> {
            spinning.set(true);
            return spin(flag, bound);
        });
        GreenThread<Void> setter = GreenThread.start(() -> setWhenSpinning(spinning, flag));
        setter.join();
        return spinner.join();
    }

    @Suspendable
    private static void setWhenSpinning(AtomicBoolean spinning, AtomicBoolean flag) {
        while (!spinning.get()) {
            GreenThread.yield();
        }
        flag.set(true);
    }

    /**
     * Spins until {@code flag} or {@code bound} nanoseconds; returns whether it saw the flag.
     * The clock is read rarely, so that the monitor seldom finds the thread in a native method
     * (which it takes for a blocked one).
     */
    @Suspendable
    private static boolean spin(AtomicBoolean flag, long bound) {
        long until = System.nanoTime() + bound;
        for (int i = 1; !flag.get(); i++) {
            if ((i & 0xFFFF) == 0 && System.nanoTime() - until > 0) {
                return false;
            }
        }
        return true;
    }

    /** The same, not suspendable: the agent leaves it as it is, without checks. */
    private static boolean spinUnrewritten(AtomicBoolean flag, long bound) {
        long until = System.nanoTime() + bound;
        for (int i = 1; !flag.get(); i++) {
            if ((i & 0xFFFF) == 0 && System.nanoTime() - until > 0) {
                return false;
            }
        }
        return true;
    }
}
