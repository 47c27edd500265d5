package dev.greenthreads.internal.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The wake protocol alone, driven step by step with fake carriers as {@link IdleCarriers}
 * describes: cores without threads, a counter for work, and a parking that never blocks but
 * records who parked and who has an unpark pending. Each test ends by checking the protocol's
 * property: work left means some carrier will look for it.
 */
class IdleCarriersTest {

    /** Parks nobody: records what a real carrier would do. */
    private static final class FakeParking implements IdleCarriers.Parking {
        final boolean[] parked;
        final boolean[] unparkPending;
        final boolean[] timed;
        final long[] deadline;

        FakeParking(int cores) {
            parked = new boolean[cores];
            unparkPending = new boolean[cores];
            timed = new boolean[cores];
            deadline = new long[cores];
        }

        @Override
        public void park(Core c, boolean timed, long deadline) {
            int i = c.index;
            if (unparkPending[i]) {
                unparkPending[i] = false;
                return;
            }
            parked[i] = true;
            this.timed[i] = timed;
            this.deadline[i] = deadline;
        }

        @Override
        public void unpark(Core c) {
            int i = c.index;
            if (parked[i]) {
                parked[i] = false;
            } else {
                unparkPending[i] = true;
            }
        }

        @Override
        public Dispatcher.IdlePoller poller() {
            return null;
        }
    }

    private final AtomicInteger work = new AtomicInteger();
    private final Core[] cores = {new Core(0, null), new Core(1, null), new Core(2, null)};
    private final Timers<TimerHeapTest.Timer> timers = new Timers<>();
    private final FakeParking parking = new FakeParking(cores.length);
    /** Run once by the next look for work, just after it read the counter: a push racing that look. */
    private Runnable duringNextLook;
    private final IdleCarriers carriers = new IdleCarriers(cores, timers, this::lookForWork, parking);

    private boolean lookForWork() {
        boolean seen = work.get() > 0;
        Runnable racing = duringNextLook;
        duringNextLook = null;
        if (racing != null) {
            racing.run();
        }
        return seen;
    }

    /** {@code c} finds nothing and idles until it parks. */
    private void idleUntilParked(Core c) {
        assertTrue(carriers.enterIdle(c), "no work: " + c + " goes idle");
        parksAgain(c);
    }

    /** {@code c}, idle, waits until the fake parks it for good; false if it left idle instead. */
    private boolean parksAgain(Core c) {
        while (!carriers.awaitOnce(c)) {
            if (parking.parked[c.index]) {
                return true;
            }
        }
        return false;
    }

    /** Work pushed, and signalled as its pusher would ({@code own} null: from outside the carriers). */
    private void push(Core own) {
        work.incrementAndGet();
        carriers.signalWork(own);
    }

    /** The property: with work left, some carrier is active, or notified and not parked for good. */
    private void assertNoLostWakeUp() {
        int idle = 0, searching = 0;
        boolean someoneWillLook = false;
        for (Core c : cores) {
            idle += c.parkState == Core.IDLE ? 1 : 0;
            searching += c.searching || c.parkState == Core.NOTIFIED ? 1 : 0;
            someoneWillLook |= c.parkState == Core.ACTIVE
                    || c.parkState == Core.NOTIFIED && !parking.parked[c.index];
        }
        assertEquals(idle, carriers.idleCount(), "idle count");
        assertEquals(searching, carriers.searchingCount(), "searching count");
        if (work.get() > 0) {
            assertTrue(someoneWillLook, "work is left and every carrier sleeps");
        }
    }

    @Test
    void aPushFromOutsideWakesOneIdleCarrier() {
        for (Core c : cores) {
            idleUntilParked(c);
        }
        push(null);
        push(null);
        int notified = 0;
        for (Core c : cores) {
            notified += c.parkState == Core.NOTIFIED ? 1 : 0;
        }
        assertEquals(1, notified, "a burst of pushes wakes one carrier");
        assertNoLostWakeUp();
        assertEquals(Core.NOTIFIED, cores[0].parkState);
        assertTrue(carriers.awaitOnce(cores[0]), "notified, it leaves idle");
        assertTrue(cores[0].searching);
        assertNoLostWakeUp();
    }

    @Test
    void theLastSearcherToFindWorkWakesTheNext() {
        for (Core c : cores) {
            idleUntilParked(c);
        }
        push(null);
        push(null);
        assertTrue(carriers.awaitOnce(cores[0]));
        work.decrementAndGet();
        carriers.foundWork(cores[0]);
        assertFalse(cores[0].searching);
        assertEquals(Core.NOTIFIED, cores[1].parkState, "one more carrier comes up while there is work");
        assertNoLostWakeUp();
    }

    /**
     * The last searcher stops searching, then looks for work left: a push that its look misses
     * comes after its decrement, so its pusher sees nobody searching and wakes a carrier itself.
     * Looking first and stopping after would leave that push to nobody while the searcher runs
     * what it found, for as long as that slice lasts.
     */
    @Test
    void aPushMissedByTheLastSearchersLookWakesACarrier() {
        idleUntilParked(cores[1]);
        idleUntilParked(cores[2]);
        assertTrue(carriers.startSearching(cores[0]));
        duringNextLook = () -> push(null);
        carriers.foundWork(cores[0]);
        assertEquals(1, work.get());
        assertEquals(Core.NOTIFIED, cores[1].parkState, "an idle carrier is woken for the push the look missed");
        assertNoLostWakeUp();
    }

    @Test
    void aCarrierGoingIdleSeesWorkPushedBeforeIt() {
        idleUntilParked(cores[1]);
        idleUntilParked(cores[2]);
        work.incrementAndGet(); // pushed, not yet signalled
        assertFalse(carriers.enterIdle(cores[0]), "the re-check before parking sees the push");
        assertEquals(Core.ACTIVE, cores[0].parkState);
        assertTrue(cores[0].searching);
        assertNoLostWakeUp();
    }

    @Test
    void aPushThatSeesASearcherLeavesTheWakeUpToIt() {
        idleUntilParked(cores[1]);
        idleUntilParked(cores[2]);
        assertTrue(carriers.startSearching(cores[0]));
        push(cores[0]);
        assertEquals(Core.IDLE, cores[1].parkState, "a searcher is up: nobody is woken");
        assertEquals(Core.IDLE, cores[2].parkState);
        assertFalse(carriers.enterIdle(cores[0]), "the searcher re-checks after it stops searching");
        assertNoLostWakeUp();
    }

    @Test
    void aPushByAnIdleCarrierWakesAnother() {
        idleUntilParked(cores[0]);
        idleUntilParked(cores[1]);
        push(cores[0]); // an idle carrier polling made a thread ready
        assertEquals(Core.IDLE, cores[0].parkState, "the pusher is not woken by its own push");
        assertEquals(Core.NOTIFIED, cores[1].parkState);
        assertNoLostWakeUp();
    }

    @Test
    void aNewEarliestTimerMakesAnIdleCarrierTheTimedWaiter() {
        idleUntilParked(cores[0]);
        assertFalse(parking.timed[0]);
        long deadline = System.nanoTime() + 3_600_000_000_000L;
        assertTrue(timers.add(new TimerHeapTest.Timer(deadline, 0), deadline));
        carriers.earliestTimerChanged();
        assertFalse(parking.parked[0], "nudged");
        assertTrue(parksAgain(cores[0]));
        assertTrue(parking.timed[0], "it parks until the timer");
        assertEquals(deadline, parking.deadline[0]);
        assertEquals(cores[0], timers.timedWaiter());
        assertNoLostWakeUp();
    }

    @Test
    void theTimedWaiterHandsTheRoleOverWhenItLeaves() {
        idleUntilParked(cores[0]);
        idleUntilParked(cores[1]);
        long deadline = System.nanoTime() + 3_600_000_000_000L;
        timers.add(new TimerHeapTest.Timer(deadline, 0), deadline);
        carriers.earliestTimerChanged();
        assertTrue(parksAgain(cores[0]));
        assertEquals(cores[0], timers.timedWaiter());
        push(null); // notifies cores[0], the first idle one
        assertTrue(carriers.awaitOnce(cores[0]));
        assertFalse(parking.parked[1], "the next idle carrier is nudged to take the timed wait");
        assertTrue(parksAgain(cores[1]));
        assertEquals(cores[1], timers.timedWaiter());
        assertTrue(parking.timed[1]);
        assertNoLostWakeUp();
    }

    @Test
    void stopWakesEveryCarrier() {
        for (Core c : cores) {
            idleUntilParked(c);
        }
        carriers.stop();
        for (Core c : cores) {
            assertFalse(parking.parked[c.index]);
            assertTrue(carriers.awaitOnce(c), c + " leaves idle");
            assertEquals(Core.ACTIVE, c.parkState);
        }
        assertNoLostWakeUp();
    }
}
