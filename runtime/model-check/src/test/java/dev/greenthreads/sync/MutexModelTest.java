package dev.greenthreads.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.greenthreads.internal.scheduler.Threads;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * {@link Mutex} from platform threads: the LOCKED, WAITERS and WOKEN bits, barging against a
 * woken waiter, the woken waiter giving its bit back when it loses, and the hand-off after
 * {@link Mutex#BYPASS_LIMIT} losses. In every schedule explored, mutual exclusion holds, no
 * update is lost and every thread returns. (Lost wake-ups are caught by the runtime's own
 * tests: a woken waiter that kept the WOKEN bit when it lost passed these models but hung
 * {@code MutexTest}.)
 */
class MutexModelTest {

    private static final int SCHEDULES = 500;

    @Test
    void threeThreadsCountExactlyAndNoneIsLeftParked() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Mutex mutex = new Mutex();
            int[] counter = {0};
            Runnable body = () -> {
                for (int i = 0; i < 2; i++) {
                    mutex.lock();
                    counter[0]++;
                    mutex.unlock();
                }
            };
            Thread a = Threads.start(body);
            Thread b = Threads.start(body);
            body.run();
            Threads.join(a);
            Threads.join(b);
            assertEquals(6, counter[0]);
            assertFalse(mutex.toString().contains("with waiters"), mutex.toString());
        });
    }

    /**
     * One thread relocks at once, more times than the bypass limit, while two others wait: the
     * woken waiter loses, gives WOKEN back and is woken again, until it is handed the mutex.
     */
    @Test
    void waitersOfARelockingThreadAllGetTheMutex() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Mutex mutex = new Mutex();
            int[] inside = {0};
            int[] entries = {0};
            Runnable enter = () -> {
                inside[0]++;
                entries[0]++;
                assertEquals(1, inside[0], "two threads hold the mutex");
                inside[0]--;
            };
            Runnable waiter = () -> {
                mutex.lock();
                enter.run();
                mutex.unlock();
            };
            Thread a = Threads.start(waiter);
            Thread b = Threads.start(waiter);
            for (int i = 0; i < Mutex.BYPASS_LIMIT + 2; i++) {
                mutex.lock();
                enter.run();
                mutex.unlock();
            }
            Threads.join(a);
            Threads.join(b);
            assertEquals(Mutex.BYPASS_LIMIT + 4, entries[0]);
        });
    }
}
