package dev.greenthreads.management;

/**
 * A scheduler's scoreboard, registered on the platform MBean server as
 * {@code dev.greenthreads:type=Scheduler,name=NAME} when the scheduler is built and
 * unregistered when it is closed. Two schedulers of the same name get distinct names: the
 * second is {@code NAME#N}. Every attribute is a snapshot; counters only grow.
 */
public interface SchedulerMXBean {

    /** The scheduler's name. */
    String getName();

    /** Carriers it was built with: green threads running at once, unless some block their carrier thread. */
    int getCarriers();

    /** Carrier threads alive now: the carriers, plus the compensating ones started while others are blocked. */
    int getCarrierThreads();

    /** Compensating carrier threads started since the scheduler was built. */
    long getCompensatingCarriersStarted();

    /** Compensating carrier threads that retired after idling. */
    long getCompensatingCarriersRetired();

    /** Green threads started and not yet ended. */
    int getLiveThreads();

    /** Live green threads waiting for a carrier (started, or yielded, or woken). */
    int getReadyThreads();

    /** Live green threads running on a carrier now. */
    int getRunningThreads();

    /** Live green threads parked: joining, sleeping, waiting on a lock, a condition or I/O. */
    int getBlockedThreads();

    /** Sum over the carriers of {@link CarrierCounters#getDispatches()}. */
    long getDispatches();

    /** Sum over the carriers of {@link CarrierCounters#getSteals()}. */
    long getSteals();

    /** Sum over the carriers of {@link CarrierCounters#getParks()}. */
    long getParks();

    /** Sum over the carriers of {@link CarrierCounters#getPolls()}. */
    long getPolls();

    /** Sum over the carriers of {@link CarrierCounters#getSlicesExpired()}. */
    long getSlicesExpired();

    /** Sum over the carriers of {@link CarrierCounters#getBlockedDetections()}. */
    long getBlockedDetections();

    /** Sum over the carriers of {@link CarrierCounters#getWakeUps()}. */
    long getWakeUps();

    /** Per carrier (by index), its counters. Empty for a deterministic scheduler, which keeps none. */
    CarrierCounters[] getCarrierCounters();

    /** {@code Scheduler.dump()}: every live green thread, identical stacks grouped. */
    String dump();

    /** {@code Scheduler.dumpJson()}. */
    String dumpJson();
}
