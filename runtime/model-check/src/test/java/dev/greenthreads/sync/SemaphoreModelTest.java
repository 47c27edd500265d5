package dev.greenthreads.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.greenthreads.GreenCancelledException;
import dev.greenthreads.internal.scheduler.Threads;
import java.util.concurrent.atomic.AtomicInteger;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * {@link Semaphore} from platform threads: the WAITERS bit, the hand-off under the queue's lock
 * and a waiter's leaving, racing releases. A waiter gives up by being interrupted, a platform
 * thread's cancellation: the model checker freezes {@code System.nanoTime()}, so a timeout never
 * expires under it, but a timed-out waiter leaves by the same path as a cancelled one. In every
 * schedule, each permit released ends up with exactly one acquirer or in the count.
 */
class SemaphoreModelTest {

    private static final int SCHEDULES = 500;

    @Test
    void releaseReachesAParkedAcquirer() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Semaphore semaphore = new Semaphore(0);
            Thread waiter = Threads.start(semaphore::acquire);
            semaphore.release();
            Threads.join(waiter);
            assertEquals(0, semaphore.availablePermits());
        });
    }

    @Test
    void aCancelledAcquireGrantedAtTheSameMomentKeepsThePermit() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Semaphore semaphore = new Semaphore(0);
            AtomicInteger acquired = new AtomicInteger();
            Thread waiter = Threads.start(() -> {
                try {
                    semaphore.acquire();
                    acquired.incrementAndGet();
                } catch (GreenCancelledException e) {
                    // cancelled without the permit
                }
            });
            semaphore.release();
            waiter.interrupt();
            Threads.join(waiter);
            assertEquals(1, acquired.get() + semaphore.availablePermits(), "the permit is neither lost nor doubled");
        });
    }

    /**
     * A release that saw WAITERS but, under the lock, finds the waiter gone (cancelled) must not
     * write the count: another release may have counted its permit in meanwhile.
     */
    @Test
    void releaseKeepsConcurrentPermitsWhenItsWaiterGaveUp() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Semaphore semaphore = new Semaphore(0);
            AtomicInteger acquired = new AtomicInteger();
            Thread waiter = Threads.start(() -> {
                try {
                    semaphore.acquire();
                    acquired.incrementAndGet();
                } catch (GreenCancelledException e) {
                    // cancelled without a permit
                }
            });
            Thread releaser = Threads.start(semaphore::release);
            waiter.interrupt();
            semaphore.release();
            Threads.join(waiter);
            Threads.join(releaser);
            assertEquals(2, acquired.get() + semaphore.availablePermits(), "two permits released, none lost");
        });
    }
}
