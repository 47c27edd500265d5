package dev.greenthreads.internal.scheduler;

import dev.greenthreads.management.CarrierCounters;
import dev.greenthreads.management.SchedulerMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * A dispatcher's {@link SchedulerMXBean}: reads its counters and threads when asked, and
 * registers itself on the platform MBean server under a name no other scheduler has.
 */
public final class Scoreboard implements SchedulerMXBean {

    /** The domain and type of every scheduler's MXBean; the CLI queries {@code DOMAIN:type=Scheduler,*}. */
    public static final String NAME_PREFIX = "dev.greenthreads:type=Scheduler,name=";

    private static final AtomicLong SUFFIX = new AtomicLong(1);

    private final Dispatcher dispatcher;

    private Scoreboard(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    /**
     * Registers {@code dispatcher}'s scoreboard; returns its name, to {@link #unregister}, or
     * null if the platform MBean server refused it (the scheduler works without one: the
     * failure goes to the dispatcher's internal-error report).
     */
    public static ObjectName register(Dispatcher dispatcher) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        Scoreboard board = new Scoreboard(dispatcher);
        String name = dispatcher.name();
        try {
            for (;;) {
                ObjectName on = new ObjectName(NAME_PREFIX + ObjectName.quote(name));
                try {
                    server.registerMBean(board, on);
                    return on;
                } catch (InstanceAlreadyExistsException e) {
                    name = dispatcher.name() + "#" + SUFFIX.incrementAndGet();
                }
            }
        } catch (JMException | RuntimeException e) {
            dispatcher.internalError("the scoreboard MXBean of scheduler \"" + dispatcher.name()
                    + "\" could not be registered; the scheduler runs without it", e);
            return null;
        }
    }

    public static void unregister(ObjectName name) {
        if (name == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (InstanceNotFoundException e) {
            // unregistered already
        } catch (JMException e) {
            throw new IllegalStateException("could not unregister " + name, e);
        }
    }

    @Override
    public String getName() {
        return dispatcher.name();
    }

    @Override
    public int getCarriers() {
        return dispatcher.carrierCount();
    }

    @Override
    public int getCarrierThreads() {
        return dispatcher.carrierThreads();
    }

    @Override
    public long getCompensatingCarriersStarted() {
        return dispatcher.carriersAdded();
    }

    @Override
    public long getCompensatingCarriersRetired() {
        return dispatcher.carriersRetired();
    }

    @Override
    public int getLiveThreads() {
        return (int) Math.min(Integer.MAX_VALUE, dispatcher.liveThreads());
    }

    @Override
    public int getReadyThreads() {
        return count(ThreadDump.State.READY);
    }

    @Override
    public int getRunningThreads() {
        return count(ThreadDump.State.RUNNING);
    }

    @Override
    public int getBlockedThreads() {
        return count(ThreadDump.State.BLOCKED);
    }

    private int count(ThreadDump.State state) {
        return dispatcher.countGreenThreads(state);
    }

    @Override
    public long getDispatches() {
        return sum(Core::dispatches);
    }

    @Override
    public long getSteals() {
        return sum(c -> c.steals);
    }

    @Override
    public long getParks() {
        return sum(c -> c.parks);
    }

    @Override
    public long getPolls() {
        return sum(c -> c.polls);
    }

    @Override
    public long getSlicesExpired() {
        return sum(Core::sliceExpirations);
    }

    /** A per-carrier counter summed over the carriers. */
    private long sum(ToLongFunction<Core> counter) {
        long n = 0;
        for (Core c : dispatcher.cores()) {
            n += counter.applyAsLong(c);
        }
        return n;
    }

    @Override
    public long getBlockedDetections() {
        return sum(c -> c.blockedDetections);
    }

    @Override
    public long getWakeUps() {
        return sum(Core::wakeUps);
    }

    @Override
    public CarrierCounters[] getCarrierCounters() {
        Core[] cores = dispatcher.cores();
        CarrierCounters[] counters = new CarrierCounters[cores.length];
        for (int i = 0; i < cores.length; i++) {
            Core c = cores[i];
            Thread holder = c.thread;
            counters[i] = new CarrierCounters(c.index, holder != null ? holder.getName() : null, c.dispatches(),
                    c.steals, c.parks, c.polls, c.sliceExpirations(), c.blockedDetections,
                    c.wakeUps());
        }
        return counters;
    }

    @Override
    public String dump() {
        return ThreadDump.text(dispatcher);
    }

    @Override
    public String dumpJson() {
        return ThreadDump.json(dispatcher);
    }
}
