package dev.greenthreads.management;

import java.beans.ConstructorProperties;

/** One carrier's counters on the scoreboard ({@link SchedulerMXBean#getCarrierCounters()}): an open-type composite. */
public final class CarrierCounters {

    private final int index;
    private final String thread;
    private final long dispatches;
    private final long steals;
    private final long parks;
    private final long polls;
    private final long slicesExpired;
    private final long blockedDetections;
    private final long wakeUps;

    @ConstructorProperties({"index", "thread", "dispatches", "steals", "parks", "polls", "slicesExpired",
            "blockedDetections", "wakeUps"})
    public CarrierCounters(int index, String thread, long dispatches, long steals, long parks, long polls,
            long slicesExpired, long blockedDetections, long wakeUps) {
        this.index = index;
        this.thread = thread;
        this.dispatches = dispatches;
        this.steals = steals;
        this.parks = parks;
        this.polls = polls;
        this.slicesExpired = slicesExpired;
        this.blockedDetections = blockedDetections;
        this.wakeUps = wakeUps;
    }

    /** Its place among the scheduler's carriers, from 0. */
    public int getIndex() {
        return index;
    }

    /** The name of the kernel thread that holds it now (it changes when the carrier is handed to a compensating one). */
    public String getThread() {
        return thread;
    }

    /** Green threads it picked to run (or resume). */
    public long getDispatches() {
        return dispatches;
    }

    /** Times it took work from another carrier's queue. */
    public long getSteals() {
        return steals;
    }

    /** Green threads that parked on it. */
    public long getParks() {
        return parks;
    }

    /** Times it polled for I/O readiness, busy (now and then) or idle (blocking in the poller). */
    public long getPolls() {
        return polls;
    }

    /** Green threads on it that used up their time slice and were made to yield; 0 while time slices are not checked. */
    public long getSlicesExpired() {
        return slicesExpired;
    }

    /** Times the carrier monitor found it blocked inside a green thread and handed its work to another carrier thread. */
    public long getBlockedDetections() {
        return blockedDetections;
    }

    /**
     * Times its carrier thread, idle, was unparked: to look for a thread made ready (a start, an
     * unpark or a timer, each of which wakes at most one idle carrier, and none while another
     * is already looking) or to wait for the next timer.
     */
    public long getWakeUps() {
        return wakeUps;
    }
}
