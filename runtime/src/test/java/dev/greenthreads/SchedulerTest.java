package dev.greenthreads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.sync.Semaphore;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SchedulerTest {

    @Test
    void defaultSchedulerHasOneCarrierPerProcessorUnlessTheProperty() {
        String property = System.getProperty(Scheduler.CARRIERS_PROPERTY);
        int expected = property != null ? Integer.parseInt(property) : Runtime.getRuntime().availableProcessors();
        assertEquals(expected, Scheduler.defaultScheduler().carriers());
        assertSame(Scheduler.defaultScheduler(), Scheduler.defaultScheduler());
    }

    @Test
    void runReturnsTheValueAndRethrowsAsJoinDoes() {
        try (Scheduler s = Scheduler.builder().carriers(2).build()) {
            assertEquals("done", s.run(() -> {
                GreenThread.yield();
                return "done";
            }));
            AtomicBoolean ran = new AtomicBoolean();
            s.run(() -> ran.set(true));
            assertTrue(ran.get());
            IllegalArgumentException boom = new IllegalArgumentException("boom");
            GreenThreadException e = assertThrows(GreenThreadException.class, () -> s.run(() -> {
                throw boom;
            }));
            assertSame(boom, e.getCause());
        }
    }

    @Test
    void closeWaitsForTheGreenThreadsThenRefusesNewOnes() {
        Scheduler s = Scheduler.builder().name("closing").carriers(2).build();
        AtomicBoolean finished = new AtomicBoolean();
        s.start(() -> {
            GreenThread.sleep(20);
            GreenThread.start(() -> GreenThread.sleep(5)).join(); // its own threads may still start others
            finished.set(true);
        });
        s.close();
        assertTrue(finished.get());
        assertThrows(IllegalStateException.class, () -> s.start(() -> { }));
        s.close();
    }

    @Test
    void closeStopsTheCarriers() throws Exception {
        Scheduler s = Scheduler.builder().name("stopping").carriers(3).build();
        s.run(() -> GreenThread.yield());
        s.close();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertTrue(!t.getName().startsWith("stopping-carrier") || !t.isAlive(), t + " is still alive");
        }
    }

    @Test
    void aGreenThreadCannotCloseItsOwnScheduler() {
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            GreenThreadException e = assertThrows(GreenThreadException.class, () -> s.run(s::close));
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
    }

    @Test
    void closingTheDefaultSchedulerDoesNothing() {
        Scheduler.defaultScheduler().close();
        assertEquals(3, GreenThread.start(() -> 3).join());
    }

    @Test
    void anExceptionEscapingADetachedThreadGoesToTheUncaughtHandler() throws Exception {
        CountDownLatch handled = new CountDownLatch(1);
        AtomicReference<String> thread = new AtomicReference<>();
        AtomicReference<Throwable> exception = new AtomicReference<>();
        IllegalStateException boom = new IllegalStateException("boom");
        try (Scheduler s = Scheduler.builder().uncaughtExceptionHandler((t, e) -> {
            thread.set(t.name());
            exception.set(e);
            handled.countDown();
        }).build()) {
            GreenThread.builder().scheduler(s).name("doomed").detached(true).start(() -> {
                GreenThread.yield();
                throw boom;
            });
            assertTrue(handled.await(30, TimeUnit.SECONDS));
        }
        assertEquals("doomed", thread.get());
        assertSame(boom, exception.get());
    }

    @Test
    void detachingAThreadThatAlreadyFailedReportsItsException() throws Exception {
        CountDownLatch handled = new CountDownLatch(1);
        AtomicReference<Throwable> exception = new AtomicReference<>();
        RuntimeException boom = new RuntimeException("boom");
        try (Scheduler s = Scheduler.builder().uncaughtExceptionHandler((t, e) -> {
            exception.set(e);
            handled.countDown();
        }).build()) {
            GreenThread<Object> t = s.start(() -> {
                throw boom;
            });
            assertThrows(GreenThreadException.class, t::join);
            assertEquals(1, handled.getCount(), "a joinable thread's failure is kept for its joiners");
            t.detach();
            assertTrue(handled.await(30, TimeUnit.SECONDS));
        }
        assertSame(boom, exception.get());
    }

    @Test
    void theDefaultUncaughtHandlerPrintsTheThreadNameToStandardError() throws Exception {
        CountDownLatch printed = new CountDownLatch(1);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public synchronized void write(int b) {
                captured.write(b);
                check();
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                check();
            }

            private void check() {
                String text = captured.toString(StandardCharsets.UTF_8);
                if (text.contains("Exception in green thread \"printer\"") && text.contains("printed failure")) {
                    printed.countDown();
                }
            }
        }, true, StandardCharsets.UTF_8));
        try (Scheduler s = Scheduler.builder().carriers(1).build()) {
            GreenThread.builder().scheduler(s).name("printer").detached(true).start(() -> {
                throw new IllegalStateException("printed failure");
            });
            assertTrue(printed.await(30, TimeUnit.SECONDS), "printed: " + captured);
        } finally {
            System.setErr(original);
        }
    }

    @Test
    void cancelledDetachedThreadsAreNotReported() throws Exception {
        AtomicReference<Throwable> reported = new AtomicReference<>();
        CountDownLatch sleeping = new CountDownLatch(1);
        try (Scheduler s = Scheduler.builder().uncaughtExceptionHandler((t, e) -> reported.set(e)).build()) {
            GreenThread<Void> t = GreenThread.builder().scheduler(s).detached(true).start(() -> {
                sleeping.countDown();
                GreenThread.sleep(60_000);
            });
            sleeping.await();
            t.cancel();
        }
        assertEquals(null, reported.get());
    }

    /** A busy thread's child must not wait for it: an idle carrier is woken and steals the child. */
    @Test
    void anIdleCarrierRunsWhatABusyCarrierQueued() {
        try (Scheduler two = Scheduler.builder().carriers(2).build()) {
            String parentCarrier = two.run(() -> {
                AtomicBoolean childRan = new AtomicBoolean();
                AtomicReference<String> childCarrier = new AtomicReference<>();
                GreenThread.start(() -> {
                    childCarrier.set(Thread.currentThread().getName());
                    childRan.set(true);
                });
                while (!childRan.get()) {
                    Thread.onSpinWait(); // holds this carrier: only the other one can run the child
                }
                assertNotEquals(Thread.currentThread().getName(), childCarrier.get());
                return Thread.currentThread().getName();
            });
            assertTrue(parentCarrier.contains("-carrier-"));
        }
    }

    /**
     * The same once the other carrier has given up searching and parked: the child, taken into
     * the busy carrier's LIFO slot, must still get that carrier woken. The parent first spins
     * well past the other carrier's search, so that it is parked when the child starts; the
     * wait for the child is bounded, so a failure fails instead of hanging.
     */
    @Test
    void anIdleCarrierIsWokenForAChildThatABusyParentStarted() {
        try (Scheduler two = Scheduler.builder().carriers(2).build()) {
            boolean childRan = two.run(() -> {
                spinFor(TimeUnit.MILLISECONDS.toNanos(5), () -> false);
                AtomicBoolean ran = new AtomicBoolean();
                GreenThread.start(() -> ran.set(true));
                return spinFor(TimeUnit.SECONDS.toNanos(10), ran::get); // holds this carrier: only the other one can run the child
            });
            assertTrue(childRan, "the child waited behind its busy parent while the other carrier slept");
        }
    }

    /** Likewise for a thread woken by a busy one: it must not wait in the waker's LIFO slot while a carrier sleeps. */
    @Test
    void anIdleCarrierIsWokenForAThreadThatABusyThreadUnparked() {
        try (Scheduler two = Scheduler.builder().carriers(2).build()) {
            boolean wokenRan = two.run(() -> {
                Semaphore permit = new Semaphore(0);
                AtomicBoolean woken = new AtomicBoolean();
                GreenThread<Void> waiter = GreenThread.start(() -> {
                    permit.acquire();
                    woken.set(true);
                });
                spinFor(TimeUnit.SECONDS.toNanos(10), () -> waiter.state() == GreenThread.State.BLOCKED);
                spinFor(TimeUnit.MILLISECONDS.toNanos(5), () -> false); // the other carrier stops searching and parks
                permit.release();
                boolean ran = spinFor(TimeUnit.SECONDS.toNanos(10), woken::get); // holds this carrier
                waiter.join();
                return ran;
            });
            assertTrue(wokenRan, "the woken thread waited behind its busy waker while the other carrier slept");
        }
    }

    /** Spins, holding the carrier, until {@code done} or {@code nanos} pass; returns {@code done}'s last answer. */
    private static boolean spinFor(long nanos, java.util.function.BooleanSupplier done) {
        long until = System.nanoTime() + nanos;
        while (!done.getAsBoolean() && System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
        return done.getAsBoolean();
    }

    @Test
    void workSpreadsOverAllCarriers() throws Exception {
        int carriers = 2;
        try (Scheduler s = Scheduler.builder().carriers(carriers).build()) {
            CountDownLatch allBusy = new CountDownLatch(carriers);
            List<GreenThread<String>> threads = new ArrayList<>();
            for (int i = 0; i < carriers; i++) {
                threads.add(s.start(() -> {
                    allBusy.countDown();
                    while (allBusy.getCount() > 0) {
                        Thread.onSpinWait(); // each holds a carrier until all are running at once
                    }
                    return Thread.currentThread().getName();
                }));
            }
            assertTrue(allBusy.await(30, TimeUnit.SECONDS));
            assertNotEquals(threads.get(0).join(), threads.get(1).join());
        }
    }
}
