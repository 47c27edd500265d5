package dev.greenthreads.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * The wake protocol ({@link IdleCarriers}) driven as {@link StealingDispatcher} drives it, over
 * the real queues: each core's {@link RunQueue} and LIFO slot, the {@link GlobalQueue}, and
 * {@link Timers}. {@code IdleCarriersModelTest} counts work in one counter, always visible; here
 * work moves, and for a while it is where the re-check before parking ({@code hasWork}) does not
 * look: a batch copied out of the global queue and not yet offered to its taker's run queue,
 * half a run queue on its way to a thief, a LIFO slot's thread displaced into the queue, due
 * timers taken from the heap and not yet queued. Whoever moves work must leave someone to look
 * for it: the property checked is that every piece of work pushed is run.
 *
 * <p>The carriers run {@code Model.carrier}, {@link StealingDispatcher#next}'s order reduced to
 * its moves: fire due timers onto the own queue (and signal); the LIFO slot; the own queue; a
 * batch of two from the global queue (and signal if some of it was queued); then, if
 * {@link IdleCarriers#startSearching} lets it, steal half of another queue, or its LIFO slot
 * (without the grace time: time is frozen), or a batch from the global queue; else idle. They
 * park in {@link LockSupport} as real carriers do. An idle carrier blocks in a stand-in
 * selector when it may ({@link FakePoller}); readiness there readies threads onto its own
 * core, as {@code ready()} does from an idle carrier's poll.
 */
class IdleCarriersWithQueuesModelTest {

    private static final int SCHEDULES = 1_000;

    /** A burst from outside is taken in batches, one carrier copying a batch out while the other looks. */
    @Test
    void aBurstFromOutsideIsRunWhileCarriersTakeBatches() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Model m = new Model(false, 3, true);
            m.startCarriers();
            m.pushFromOutside(3);
            m.finish();
        });
    }

    /** Two outside pushers and two carriers moving their work between the global queue, run queues and each other. */
    @Test
    void twoOutsidePushersAreBothRun() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Model m = new Model(false, 3, true);
            m.startCarriers();
            Thread second = Threads.start(() -> m.pushFromOutside(2));
            m.pushFromOutside(1);
            Threads.join(second);
            m.finish();
        });
    }

    /**
     * A carrier busy in one slice readies two threads (the second displaces the first from its
     * LIFO slot into its queue) and never dispatches again: the other carrier must take both,
     * from the queue and from the LIFO slot, while work also arrives from outside.
     */
    @Test
    void threadsReadiedByABusyCarrierAreRunByTheOther() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Model m = new Model(false, 3, false);
            m.startCarriers(m.cores[1]);
            Thread outside = Threads.start(() -> m.pushFromOutside(1));
            m.pushFromCarrier(m.cores[0]);
            m.pushFromCarrier(m.cores[0]);
            Threads.join(outside);
            m.finish();
        });
    }

    /** Due timers fire onto the firing carrier's queue, from the heap, while a push comes from outside. */
    @Test
    void dueTimersAreFiredAndRun() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Model m = new Model(false, 3, true);
            m.startCarriers();
            Thread second = Threads.start(m::addDueTimer);
            m.addDueTimer();
            m.pushFromOutside(1);
            Threads.join(second);
            m.finish();
        });
    }

    /** An idle carrier blocked in the poller is woken for work pushed from outside. */
    @Test
    void aPushFromOutsideReachesACarrierBlockedInThePoller() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Model m = new Model(true, 2, true);
            m.startCarriers();
            m.pushFromOutside(2);
            m.finish();
        });
    }

    /**
     * Readiness found by the idle carrier that polls readies two threads onto its own core (its
     * LIFO slot, then its queue); they are run, by it or by the other carrier, while a push
     * also comes from outside.
     */
    @Test
    void threadsReadiedByAnIdleCarriersPollAreRun() {
        Lincheck.runConcurrentTest(SCHEDULES, () -> {
            Model m = new Model(true, 3, true);
            m.startCarriers();
            Thread outside = Threads.start(() -> m.pushFromOutside(1));
            m.poller.ready(2);
            Threads.join(outside);
            m.finish();
        });
    }

    /** Two cores, their queues, the protocol, and the carriers that run them. */
    static final class Model {
        final Core[] cores = new Core[2];
        /** Each core's run queue and LIFO slot (the model's threads are numbers, so not {@link Core}'s own fields). */
        @SuppressWarnings("unchecked")
        final RunQueue<Integer>[] queue = new RunQueue[] {new RunQueue<Integer>(), new RunQueue<Integer>()};
        @SuppressWarnings("unchecked")
        final AtomicReference<Integer>[] lifo = new AtomicReference[] {new AtomicReference<Integer>(), new AtomicReference<Integer>()};
        final GlobalQueue<Integer> global = new GlobalQueue<>();
        final Timers<Timer> timers = new Timers<>();
        final IdleCarriers carriers;
        final FakePoller poller;
        /** Pieces of work pushed so far, and run so far (each must be run once). */
        final AtomicInteger pushed = new AtomicInteger();
        final AtomicInteger run = new AtomicInteger();
        private final boolean[] ranAlready = new boolean[8];
        private final int expected;
        private final boolean firstIsLong;
        private volatile boolean stopping;
        private Core[] started = new Core[0];

        /**
         * {@code expected}: the pieces of work the scenario pushes; {@code firstIsLong}: whether the
         * first of them is a long slice (see {@link #ran}).
         */
        Model(boolean withPoller, int expected, boolean firstIsLong) {
            this.expected = expected;
            this.firstIsLong = firstIsLong;
            poller = withPoller ? new FakePoller(this) : null;
            for (int i = 0; i < cores.length; i++) {
                int index = i;
                cores[i] = new Core(i, new Thread(() -> carrier(cores[index])));
            }
            carriers = new IdleCarriers(cores, timers, this::hasWork, new LockSupportParking(poller));
        }

        /** {@link StealingDispatcher#hasWork}, over the model's queues. */
        boolean hasWork() {
            if (global.size() > 0) {
                return true;
            }
            for (int i = 0; i < cores.length; i++) {
                if (!queue[i].isEmpty() || lifo[i].get() != null) {
                    return true;
                }
            }
            return timers.due();
        }

        void startCarriers(Core... running) {
            started = running.length == 0 ? cores : running;
            for (Core c : started) {
                c.thread.start();
            }
        }

        /** {@code n} threads made ready from outside the carriers. */
        void pushFromOutside(int n) {
            for (int i = 0; i < n; i++) {
                global.push(pushed.getAndIncrement());
                carriers.signalWork(null);
            }
        }

        /** A thread made ready by code on {@code c}'s carrier (the caller acts as that carrier). */
        void pushFromCarrier(Core c) {
            pushLifo(c, pushed.getAndIncrement());
            carriers.signalWork(c);
        }

        /** A timer already due (time is frozen), added as the runner of a parking thread adds it. */
        void addDueTimer() {
            if (timers.add(new Timer(pushed.getAndIncrement()), System.nanoTime())) {
                carriers.earliestTimerChanged();
            }
        }

        /** Owner of {@code c}: {@code t} takes the LIFO slot, its occupant goes to the queue. */
        void pushLifo(Core c, int t) {
            Integer displaced = lifo[c.index].getAndSet(t);
            if (displaced != null) {
                assertTrue(queue[c.index].offer(displaced), "room in the queue");
            }
        }

        /**
         * Waits until every piece of work pushed has been run, then stops the carriers. A lost
         * wake-up leaves work behind and every carrier parked (or one in its long slice): the
         * checker reports the hang.
         */
        void finish() {
            while (run.get() < expected) {
                Thread.onSpinWait();
            }
            stopping = true;
            carriers.stop();
            for (Core c : started) {
                Threads.join(c.thread);
            }
            assertEquals(expected, pushed.get(), "pushed");
            assertFalse(hasWork(), "nothing left");
        }

        /**
         * Runs work {@code i}. With {@code firstIsLong}, the first piece pushed is a long slice:
         * its carrier runs nothing else until every other piece has been run, so the others need
         * the other carrier, woken.
         */
        private void ran(int i) {
            while (firstIsLong && i == 0 && run.get() < expected - 1) {
                Thread.onSpinWait();
            }
            synchronized (ranAlready) {
                assertFalse(ranAlready[i], "run once: " + i);
                ranAlready[i] = true;
            }
            run.incrementAndGet();
        }

        private void carrier(Core c) {
            Object[] buffer = new Object[RunQueue.CAPACITY / 2];
            while (!stopping) {
                Integer t = findLocal(c, buffer);
                if (t == null) {
                    t = search(c, buffer);
                }
                if (t != null) {
                    carriers.foundWork(c);
                    ran(t);
                } else {
                    carriers.idle(c);
                }
            }
        }

        private Integer findLocal(Core c, Object[] buffer) {
            RunQueue<Integer> own = queue[c.index];
            if (timers.due()) {
                fireTimers(c);
            }
            Integer t = lifo[c.index].get() == null ? null : lifo[c.index].getAndSet(null);
            if (t != null) {
                return t;
            }
            if ((t = own.poll()) != null) {
                return t;
            }
            if (global.size() > 0 && (t = global.pollBatch(own, 2, buffer)) != null) {
                if (!own.isEmpty()) {
                    carriers.signalWork(c);
                }
                return t;
            }
            return null;
        }

        private Integer search(Core c, Object[] buffer) {
            if (!carriers.startSearching(c)) {
                return null;
            }
            RunQueue<Integer> own = queue[c.index];
            for (int v = 0; v < cores.length; v++) {
                if (v != c.index) {
                    Integer t = own.stealHalfFrom(queue[v]);
                    if (t == null) {
                        Integer l = lifo[v].get();
                        t = l != null && lifo[v].compareAndSet(l, null) ? l : null;
                    }
                    if (t != null) {
                        return t;
                    }
                }
            }
            return global.size() > 0 ? global.pollBatch(own, 2, buffer) : null;
        }

        private void fireTimers(Core c) {
            Timer[] fired = new Timer[4];
            int n = timers.pollDue(System.nanoTime(), fired);
            for (int i = 0; i < n; i++) {
                assertTrue(queue[c.index].offer(fired[i].key), "room in the queue");
            }
            if (n > 0) {
                carriers.signalWork(c);
            }
        }
    }

    /** A timer's stand-in member. */
    static final class Timer implements TimerHeap.Member {
        final int key;
        private int index = -1;

        Timer(int key) {
            this.key = key;
        }

        @Override
        public int heapIndex() {
            return index;
        }

        @Override
        public void heapIndex(int i) {
            index = i;
        }
    }

    /**
     * A selector as the idle carrier sees it: {@link #poll} blocks (in a monitor, not in
     * {@code LockSupport}, as {@code epoll_wait} does not share the thread's park permit) until
     * {@link #wakeup}, which a poll not under way keeps for the next one, or until readiness;
     * readiness readies its threads onto the polling carrier's own core.
     */
    static final class FakePoller implements Dispatcher.IdlePoller {
        private final Model m;
        private boolean woken;
        private int ready;

        FakePoller(Model m) {
            this.m = m;
        }

        @Override
        public boolean poll(boolean timed, long deadline) {
            int n;
            synchronized (this) {
                while (!woken && ready == 0) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }
                woken = false;
                n = ready;
                ready = 0;
            }
            for (Core c : m.cores) {
                if (c.thread == Thread.currentThread()) { // the polling carrier readies onto its own core
                    for (int i = 0; i < n; i++) {
                        m.pushFromCarrier(c);
                    }
                }
            }
            return true;
        }

        /** {@code n} threads' channels become ready. */
        synchronized void ready(int n) {
            ready += n;
            notifyAll();
        }

        @Override
        public synchronized void wakeup() {
            woken = true;
            notifyAll();
        }

        @Override
        public void pollNow() {
        }

        @Override
        public void pollDeferred() {
        }

        @Override
        public boolean watching() {
            return true;
        }

        @Override
        public void watch() {
        }
    }
}
