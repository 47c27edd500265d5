package dev.greenthreads.internal.scheduler;

import java.util.concurrent.locks.LockSupport;

/**
 * Parks model carriers in {@link LockSupport}, as the dispatcher does, so that a lock the model
 * takes (which parks there too when contended) shares their permit. Time is not modelled: a
 * timed park is untimed.
 */
final class LockSupportParking implements IdleCarriers.Parking {
    private final Dispatcher.IdlePoller poller;

    /** {@code poller}: what an idle carrier blocks in instead of parking, or null. */
    LockSupportParking(Dispatcher.IdlePoller poller) {
        this.poller = poller;
    }

    @Override
    public void park(Core c, boolean timed, long deadline) {
        LockSupport.park(c);
    }

    @Override
    public void unpark(Core c) {
        LockSupport.unpark(c.thread);
    }

    @Override
    public Dispatcher.IdlePoller poller() {
        return poller;
    }
}
