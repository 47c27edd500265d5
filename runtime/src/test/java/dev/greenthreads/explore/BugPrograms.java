package dev.greenthreads.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Suspendable;
import dev.greenthreads.SuspendableRunnable;
import dev.greenthreads.sync.Cond;
import dev.greenthreads.sync.Mutex;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One buggy program per class of concurrency bug, each with a correct twin. Under
 * {@link SwitchPoints#SYNC} only synchronisation operations are switch points, so each race
 * here lies between two of them (read a shared value, lock/unlock, write it back); races on
 * plain fields with no lock at all are {@code SharedFieldsTest}'s.
 */
@Suspendable
final class BugPrograms {

    private BugPrograms() {
    }

    /** A buggy program and its correct twin. */
    static final class Pair {
        final String name;
        final SuspendableRunnable buggy;
        final SuspendableRunnable correct;
        /** Whether the buggy program fails by a deadlock rather than an exception. */
        final boolean deadlocks;

        Pair(String name, SuspendableRunnable buggy, SuspendableRunnable correct, boolean deadlocks) {
            this.name = name;
            this.buggy = buggy;
            this.correct = correct;
            this.deadlocks = deadlocks;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Pair> all() {
        List<Pair> all = new ArrayList<>();
        all.add(new Pair("lost update", BugPrograms::lostUpdate, BugPrograms::lostUpdateFixed, false));
        all.add(new Pair("ABBA deadlock", BugPrograms::abba, BugPrograms::abbaFixed, true));
        all.add(new Pair("order violation", BugPrograms::orderViolation, BugPrograms::orderViolationFixed, false));
        all.add(new Pair("atomicity violation", BugPrograms::atomicityViolation, BugPrograms::atomicityViolationFixed,
                false));
        all.add(new Pair("missed signal", BugPrograms::missedSignal, BugPrograms::missedSignalFixed, true));
        all.add(new Pair("if instead of while", BugPrograms::ifInsteadOfWhile, BugPrograms::ifInsteadOfWhileFixed,
                false));
        all.add(new Pair("dining philosophers", BugPrograms::diningPhilosophers, BugPrograms::diningPhilosophersFixed,
                true));
        all.add(new Pair("torn publication", BugPrograms::tornPublication, BugPrograms::tornPublicationFixed, false));
        return all;
    }

    static final class Box {
        int value;
        String text;
        Point point;
        boolean ready;
    }

    static final class Point {
        int x;
        int y;
    }

    // ------------------------------------------------------------------------------------
    // Lost update: read, release, write back what was read plus one.

    static void lostUpdate() throws Exception {
        Box c = new Box();
        Mutex m = new Mutex();
        SuspendableRunnable increment = () -> {
            m.lock();
            int v = c.value;
            m.unlock();
            m.lock();
            c.value = v + 1;
            m.unlock();
        };
        GreenThread<Void> a = GreenThread.start(increment);
        GreenThread<Void> b = GreenThread.start(increment);
        a.join();
        b.join();
        assertEquals(2, c.value, "an increment was lost");
    }

    static void lostUpdateFixed() throws Exception {
        Box c = new Box();
        Mutex m = new Mutex();
        SuspendableRunnable increment = () -> {
            m.lock();
            c.value = c.value + 1;
            m.unlock();
        };
        GreenThread<Void> a = GreenThread.start(increment);
        GreenThread<Void> b = GreenThread.start(increment);
        a.join();
        b.join();
        assertEquals(2, c.value, "an increment was lost");
    }

    // ------------------------------------------------------------------------------------
    // ABBA: two threads take two mutexes in opposite orders.

    static void abba() throws Exception {
        Mutex a = new Mutex();
        Mutex b = new Mutex();
        GreenThread<Void> t1 = GreenThread.start(() -> lockBoth(a, b));
        GreenThread<Void> t2 = GreenThread.start(() -> lockBoth(b, a));
        t1.join();
        t2.join();
    }

    static void abbaFixed() throws Exception {
        Mutex a = new Mutex();
        Mutex b = new Mutex();
        GreenThread<Void> t1 = GreenThread.start(() -> lockBoth(a, b));
        GreenThread<Void> t2 = GreenThread.start(() -> lockBoth(a, b));
        t1.join();
        t2.join();
    }

    static void lockBoth(Mutex first, Mutex second) {
        first.lock();
        try {
            second.lock();
            second.unlock();
        } finally {
            first.unlock();
        }
    }

    // ------------------------------------------------------------------------------------
    // Order violation: the worker uses what main sets up only after starting it.

    static void orderViolation() throws Exception {
        Box shared = new Box();
        Mutex m = new Mutex();
        GreenThread<Void> worker = GreenThread.start(() -> {
            m.lock();
            String t = shared.text;
            m.unlock();
            assertNotNull(t, "the worker ran before main set the text up");
        });
        m.lock();
        shared.text = "set up";
        m.unlock();
        worker.join();
    }

    static void orderViolationFixed() throws Exception {
        Box shared = new Box();
        Mutex m = new Mutex();
        m.lock();
        shared.text = "set up";
        m.unlock();
        GreenThread<Void> worker = GreenThread.start(() -> {
            m.lock();
            String t = shared.text;
            m.unlock();
            assertNotNull(t, "the worker ran before main set the text up");
        });
        worker.join();
    }

    // ------------------------------------------------------------------------------------
    // Atomicity violation: check, release, act on what was checked.

    static void atomicityViolation() throws Exception {
        Box shared = new Box();
        shared.text = "x";
        Mutex m = new Mutex();
        GreenThread<Void> user = GreenThread.start(() -> {
            m.lock();
            boolean present = shared.text != null;
            m.unlock();
            if (present) {
                m.lock();
                int n = shared.text.length(); // NullPointerException when the clearer came in between
                m.unlock();
            }
        });
        GreenThread<Void> clearer = GreenThread.start(() -> {
            m.lock();
            shared.text = null;
            m.unlock();
        });
        user.join();
        clearer.join();
    }

    static void atomicityViolationFixed() throws Exception {
        Box shared = new Box();
        shared.text = "x";
        Mutex m = new Mutex();
        GreenThread<Void> user = GreenThread.start(() -> {
            m.lock();
            if (shared.text != null) {
                int n = shared.text.length();
            }
            m.unlock();
        });
        GreenThread<Void> clearer = GreenThread.start(() -> {
            m.lock();
            shared.text = null;
            m.unlock();
        });
        user.join();
        clearer.join();
    }

    // ------------------------------------------------------------------------------------
    // Missed signal: the flag is tested outside the mutex, so the signal can come before the wait.

    static void missedSignal() throws Exception {
        Box shared = new Box();
        Mutex m = new Mutex();
        Cond c = new Cond();
        GreenThread<Void> waiter = GreenThread.start(() -> {
            boolean ready = shared.ready;
            m.lock();
            if (!ready) {
                c.await(m);
            }
            m.unlock();
        });
        GreenThread<Void> signaller = GreenThread.start(() -> {
            m.lock();
            shared.ready = true;
            c.signal();
            m.unlock();
        });
        waiter.join();
        signaller.join();
    }

    static void missedSignalFixed() throws Exception {
        Box shared = new Box();
        Mutex m = new Mutex();
        Cond c = new Cond();
        GreenThread<Void> waiter = GreenThread.start(() -> {
            m.lock();
            while (!shared.ready) {
                c.await(m);
            }
            m.unlock();
        });
        GreenThread<Void> signaller = GreenThread.start(() -> {
            m.lock();
            shared.ready = true;
            c.signal();
            m.unlock();
        });
        waiter.join();
        signaller.join();
    }

    // ------------------------------------------------------------------------------------
    // If instead of while: a woken consumer does not re-check, and another took the item.

    static void ifInsteadOfWhile() throws Exception {
        consumers(false);
    }

    static void ifInsteadOfWhileFixed() throws Exception {
        consumers(true);
    }

    private static void consumers(boolean recheck) throws Exception {
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        Mutex m = new Mutex();
        Cond nonEmpty = new Cond();
        SuspendableRunnable consumer = () -> {
            m.lock();
            try {
                if (recheck) {
                    while (queue.isEmpty()) {
                        nonEmpty.await(m);
                    }
                } else if (queue.isEmpty()) {
                    nonEmpty.await(m);
                }
                queue.remove(); // NoSuchElementException when another consumer took it first
            } finally {
                m.unlock();
            }
        };
        GreenThread<Void> c1 = GreenThread.start(consumer);
        GreenThread<Void> c2 = GreenThread.start(consumer);
        for (int i = 0; i < 2; i++) {
            m.lock();
            queue.add(i);
            nonEmpty.signal();
            m.unlock();
        }
        c1.join();
        c2.join();
    }

    // ------------------------------------------------------------------------------------
    // Dining philosophers: each takes the left fork, then the right one.

    static void diningPhilosophers() throws Exception {
        philosophers(false);
    }

    static void diningPhilosophersFixed() throws Exception {
        philosophers(true);
    }

    private static void philosophers(boolean ordered) throws Exception {
        int n = 3;
        Mutex[] forks = new Mutex[n];
        for (int i = 0; i < n; i++) {
            forks[i] = new Mutex();
        }
        List<GreenThread<Void>> diners = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Mutex left = forks[i];
            Mutex right = forks[(i + 1) % n];
            boolean swap = ordered && i == n - 1; // the last one takes the lower-numbered fork first
            Mutex first = swap ? right : left;
            Mutex second = swap ? left : right;
            diners.add(GreenThread.start(() -> lockBoth(first, second)));
        }
        for (GreenThread<Void> d : diners) {
            d.join();
        }
    }

    // ------------------------------------------------------------------------------------
    // Torn publication: the point is published before its fields are set.

    static void tornPublication() throws Exception {
        publication(false);
    }

    static void tornPublicationFixed() throws Exception {
        publication(true);
    }

    private static void publication(boolean initialiseFirst) throws Exception {
        Box shared = new Box();
        Mutex m = new Mutex();
        GreenThread<Void> writer = GreenThread.start(() -> {
            Point p = new Point();
            if (initialiseFirst) {
                m.lock();
                p.x = 1;
                p.y = 1;
                m.unlock();
            }
            m.lock();
            shared.point = p;
            m.unlock();
            if (!initialiseFirst) {
                m.lock();
                p.x = 1;
                p.y = 1;
                m.unlock();
            }
        });
        GreenThread<Void> reader = GreenThread.start(() -> {
            m.lock();
            Point q = shared.point;
            int x = q == null ? 1 : q.x;
            m.unlock();
            assertEquals(1, x, "the reader saw the point before its fields were set");
        });
        writer.join();
        reader.join();
    }
}
