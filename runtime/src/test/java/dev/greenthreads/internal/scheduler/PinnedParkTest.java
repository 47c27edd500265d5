package dev.greenthreads.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.testing.Await;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A green thread parked under a pin blocks its carrier, and every unpark reaches it. */
@Timeout(60)
class PinnedParkTest {

    private final Object lock = new Object();

    /**
     * Ping-pong between a pinned green thread and a platform thread, each parking until the other
     * unparks it: a wake-up lost between the waiter's check of its permit and its block would
     * hang one round.
     */
    @Test
    void noUnparkOfAPinnedParkIsLostAgainstAPlatformThread() throws Exception {
        int rounds = 20_000;
        AtomicInteger turn = new AtomicInteger();
        AtomicReference<Strand> green = new AtomicReference<>();
        Strand platform = Strand.current();
        try (Scheduler s = Scheduler.builder().name("pinned-ping-pong").carriers(1).build()) {
            GreenThread<Void> t = s.start(() -> {
                synchronized (lock) {
                    green.set(Strand.current());
                    for (int i = 0; i < rounds; i++) {
                        while (turn.get() != 2 * i + 1) {
                            Strand.park();
                        }
                        turn.incrementAndGet();
                        platform.unpark();
                    }
                }
            });
            Await.until(() -> green.get() != null);
            for (int i = 0; i < rounds; i++) {
                turn.incrementAndGet();
                green.get().unpark();
                while (turn.get() != 2 * i + 2) {
                    Strand.park();
                }
            }
            t.join();
        }
        assertEquals(2 * rounds, turn.get());
    }

    @Test
    void aThreadParkedPinnedSaysWhereInTheSchedulersDescription() {
        try (Scheduler s = Scheduler.builder().name("pinned-described").carriers(1).build()) {
            AtomicReference<Strand> waiter = new AtomicReference<>();
            AtomicReference<Dispatcher> dispatcher = new AtomicReference<>();
            GreenThread<Void> t = s.start(() -> {
                dispatcher.set(GreenStrand.current().dispatcher);
                synchronized (lock) {
                    waiter.set(Strand.current());
                    while (waiter.get() != null) {
                        Strand.park();
                    }
                }
            });
            Await.until(() -> waiter.get() != null && dispatcher.get().describeThreads().contains("parked pinned"));
            String described = dispatcher.get().describeThreads();
            assertTrue(described.contains(": BLOCKED, parked pinned to its carrier inside a synchronized block at"
                    + " dev.greenthreads.internal.scheduler.PinnedParkTest.lambda$"), described);
            Strand w = waiter.getAndSet(null);
            w.unpark();
            t.join();
            assertTrue(!dispatcher.get().describeThreads().contains("parked pinned"));
        }
    }
}
