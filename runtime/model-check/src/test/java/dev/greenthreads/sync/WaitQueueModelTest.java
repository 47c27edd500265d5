package dev.greenthreads.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.internal.scheduler.ObservedStrand;
import dev.greenthreads.internal.scheduler.Strand;
import java.util.concurrent.atomic.AtomicReference;
import dev.greenthreads.internal.scheduler.Threads;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * The wait queue's protocol, as every primitive of the package uses it, on a resource of
 * {@code permits} guarded by the queue's lock: a waiter that finds none links itself under the
 * lock and parks until its status leaves WAITING; a releaser under the lock either grants the
 * first waiter (unlinking it) or counts the permit, and unparks after the lock. A waiter that
 * gives up unlinks itself under the lock, and if it finds itself already unlinked, it was
 * granted and keeps what it was given. The strands count their unparks.
 */
class WaitQueueModelTest {

    private static final int SCHEDULES = 500;

    @Test
    void aReleasersGrantReachesAParkedWaiter() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Resource resource = new Resource();
            AtomicReference<Strand> waiter = new AtomicReference<>();
            Thread t = Threads.start(() -> {
                Strand w = resource.enqueueUnlessAvailable();
                waiter.set(w);
                if (w != null) {
                    assertEquals(WaitQueue.GRANTED, WaitQueue.await(w, false, false, 0L));
                }
            });
            resource.release();
            Threads.join(t);
            assertEquals(0, resource.permits, "the permit went to the waiter");
            Strand w = waiter.get();
            if (w != null) {
                assertEquals(1, ((ObservedStrand) w).unparks(), "a granted waiter is unparked once");
            }
        });
    }

    @Test
    void grantAllReachesEveryParkedWaiter() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            WaitQueue queue = new WaitQueue();
            Runnable await = () -> {
                Strand w = WaitQueue.waiter(ObservedStrand.ofCurrentThread());
                queue.lock();
                queue.addLast(w);
                queue.unlock();
                assertEquals(WaitQueue.GRANTED, WaitQueue.await(w, false, false, 0L));
            };
            Thread first = Threads.start(await);
            Thread second = Threads.start(await);
            int granted = 0;
            while (granted < 2) {
                queue.lock();
                Strand all = queue.grantAll();
                queue.unlock();
                for (Strand w = all; w != null; w = w.waitNext) {
                    granted++;
                }
                WaitQueue.unparkAll(all);
            }
            Threads.join(first);
            Threads.join(second);
        });
    }

    @Test
    void aWaiterGrantedWhileGivingUpIsNeitherLostNorGrantedTwice() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Resource resource = new Resource();
            boolean[] kept = new boolean[1];
            Thread t = Threads.start(() -> {
                Strand w = resource.enqueueUnlessAvailable();
                if (w == null) {
                    kept[0] = true;
                    return;
                }
                // A deadline that has come: the waiter gives up at once, unless it was granted.
                int status = WaitQueue.await(w, false, true, Strand.nanoTime());
                kept[0] = status == WaitQueue.GRANTED || !resource.leave(w);
            });
            resource.release();
            Threads.join(t);
            assertEquals(1, resource.permits + (kept[0] ? 1 : 0),
                    "the permit is either kept by the waiter or counted, never both or neither");
        });
    }

    @Test
    void aCancelledWaiterGrantedAtTheSameMomentKeepsWhatItWasGiven() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Resource resource = new Resource();
            boolean[] kept = new boolean[1];
            Thread t = Threads.start(() -> {
                Strand w = resource.enqueueUnlessAvailable();
                if (w == null) {
                    kept[0] = true;
                    return;
                }
                int status = WaitQueue.await(w, true, false, 0L);
                kept[0] = status == WaitQueue.GRANTED || !resource.leave(w);
                assertTrue(kept[0] || Thread.currentThread().isInterrupted(),
                        "a waiter returns without the permit only when cancelled");
            });
            resource.release();
            t.interrupt();
            Threads.join(t);
            assertEquals(1, resource.permits + (kept[0] ? 1 : 0),
                    "the permit is either kept by the waiter or counted, never both or neither");
        });
    }

    @Test
    void aWaiterGrantedWithOthersAsItGivesUpIsToldBeforeItWaitsAgain() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            WaitQueue first = new WaitQueue();
            WaitQueue second = new WaitQueue();
            AtomicReference<Strand> waiter = new AtomicReference<>();
            Thread t = Threads.start(() -> {
                Strand w = WaitQueue.waiter(ObservedStrand.ofCurrentThread());
                waiter.set(w);
                first.lock();
                first.addLast(w);
                first.unlock();
                // A deadline that has come: the waiter gives up at once, unless it was granted.
                if (WaitQueue.await(w, false, true, Strand.nanoTime()) == WaitQueue.WAITING) {
                    first.lock();
                    boolean removed = first.remove(w);
                    first.unlock();
                    if (!removed) {
                        assertEquals(WaitQueue.GRANTED, WaitQueue.awaitTold(w), "unlinked by a grant, it is told so");
                    }
                }
                // Its next wait, where nobody grants anything: its node is the same fields.
                second.lock();
                second.addLast(WaitQueue.waiter(w));
                second.unlock();
            });
            first.lock();
            Strand all = first.grantAll();
            first.unlock();
            WaitQueue.unparkAll(all);
            Threads.join(t);
            assertEquals(WaitQueue.WAITING, waiter.get().waitStatus,
                    "the grant of its first wait does not reach its second");
        });
    }

    /** Permits guarded by a wait queue's lock, handed to the first waiter if there is one. */
    private static final class Resource {
        final WaitQueue queue = new WaitQueue();
        int permits;

        /** Takes a permit, or links a waiter for the calling thread and returns it. */
        Strand enqueueUnlessAvailable() {
            Strand w = WaitQueue.waiter(ObservedStrand.ofCurrentThread());
            queue.lock();
            try {
                if (permits > 0) {
                    permits--;
                    return null;
                }
                queue.addLast(w);
                return w;
            } finally {
                queue.unlock();
            }
        }

        void release() {
            Strand w;
            queue.lock();
            try {
                w = queue.pollFirst();
                if (w == null) {
                    permits++;
                    return;
                }
                w.waitStatus = WaitQueue.GRANTED;
            } finally {
                queue.unlock();
            }
            w.unpark();
        }

        /** A waiter that gave up; false if it was granted first. */
        boolean leave(Strand w) {
            queue.lock();
            try {
                return queue.remove(w);
            } finally {
                queue.unlock();
            }
        }
    }
}
