package dev.greenthreads;

import dev.greenthreads.internal.scheduler.Dispatcher;
import dev.greenthreads.internal.scheduler.ExploringDispatcher;
import dev.greenthreads.internal.scheduler.FailureSink;
import dev.greenthreads.internal.scheduler.GreenStrand;
import dev.greenthreads.internal.scheduler.Scoreboard;
import dev.greenthreads.internal.scheduler.ThreadDump;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import javax.management.ObjectName;

/**
 * Runs green threads on a set of carrier kernel threads (daemon threads). The pthreads
 * analogue is the kernel scheduler itself: a green thread is bound to one scheduler for its
 * life, and a scheduler's green threads run in parallel on its carriers.
 *
 * <ul>
 *   <li>{@link #defaultScheduler()}: shared, created on first use, never closed; one carrier
 *       per available processor unless the system property {@value #CARRIERS_PROPERTY} says
 *       otherwise.</li>
 *   <li>{@link #builder()}: a scheduler of its own (number of carriers, name, handler).
 *       Each carrier has its own queue, idle carriers steal from busy ones, and an idle carrier
 *       is woken only when there is work and no other carrier is already looking for it.</li>
 *   <li>{@link #deterministic(long)}: one carrier that draws every choice of the next thread to
 *       run from the seed, and times waits by a virtual clock, so that the same seed replays the
 *       same interleaving (for tests; see the method).</li>
 * </ul>
 *
 * <p>Scheduling is cooperative with time slices: a green thread keeps its carrier until it parks,
 * yields or ends, or until it has run for its time slice (see {@link Builder#timeSlice(Duration)})
 * while others wait; it then yields at its next check, which the agent puts at every loop
 * header of rewritten code.
 * A green thread that blocks its kernel thread ({@code Thread.sleep}, a plain socket read, a
 * contended {@code synchronized}) holds its carrier thread meanwhile; if it stays blocked for
 * more than about 20 ms while other green threads are ready, the scheduler hands its place to
 * another carrier thread, started if need be (see {@link Builder#maxCarriers(int)}), so that the
 * others keep running.
 *
 * <p>Each scheduler registers a platform MXBean, {@code dev.greenthreads:type=Scheduler,name=NAME}
 * ({@link dev.greenthreads.management.SchedulerMXBean}): its scoreboard, for JConsole, JDK Mission
 * Control and {@code java -jar greenthreads-agent.jar top PID}; {@link #close()} unregisters it.
 *
 * <p>Carriers are daemon threads: the JVM does not wait for green threads. Join them, use
 * {@link #run}, or {@link #close()} a scheduler of your own before {@code main} returns.
 */
public final class Scheduler implements AutoCloseable {

    /**
     * Receives the exception that escaped a detached green thread; the report of a hang: when
     * every green thread of the scheduler has been blocked for a second with nothing in the
     * scheduler that could wake one, an {@link IllegalStateException} whose message names each
     * thread, its state and where it waits, with one of those threads; and, once per mutex, the
     * report of a mutex left locked by a green thread that ended, when another first waits for it.
     */
    @FunctionalInterface
    public interface UncaughtExceptionHandler {
        /**
         * Called on a carrier, outside any green thread, once per failed detached thread; or on
         * the scheduler's monitor thread, once per hang.
         */
        void uncaughtException(GreenThread<?> thread, Throwable exception);
    }

    /** System property: the default scheduler's number of carriers (a positive integer). */
    public static final String CARRIERS_PROPERTY = "greenthreads.carriers";
    /** System property: the default of {@link Builder#maxCarriers(int)} (a positive integer). */
    public static final String MAX_CARRIERS_PROPERTY = "greenthreads.maxCarriers";

    /** System property: the default of {@link Builder#timeSlice(Duration)}, as {@code 10ms}, {@code 500us}, {@code 0} or {@code PT0.01S}. */
    public static final String TIME_SLICE_PROPERTY = "greenthreads.timeSlice";

    private static final int DEFAULT_MAX_CARRIERS = 256;
    private static final Duration DEFAULT_TIME_SLICE = Duration.ofMillis(10);
    /** How long a carrier thread added while others were blocked waits, idle, before it ends. */
    private static final Duration SPARE_IDLE_TIMEOUT = Duration.ofSeconds(30);

    private static final AtomicInteger NUMBER = new AtomicInteger();
    private static final ReentrantLock DEFAULT_LOCK = new ReentrantLock();
    private static volatile Scheduler defaultScheduler;

    private final Dispatcher dispatcher;
    private final boolean shared;
    /** Its scoreboard's name on the platform MBean server, or null if it could not be registered. */
    private final ObjectName scoreboard;

    static {
        ExploringDispatcher.schedulers(Scheduler::new);
    }

    /**
     * The scheduler of an interleaving exploration (see {@code dev.greenthreads.explore}): no
     * scoreboard, as an exploration makes one scheduler per schedule.
     */
    private Scheduler(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
        dispatcher.handle(this);
        this.shared = false;
        this.scoreboard = null;
    }

    private Scheduler(String name, int carriers, int maxCarriers, Duration spareIdleTimeout, Duration timeSlice, Long seed,
            UncaughtExceptionHandler handler, boolean shared) {
        this.shared = shared;
        FailureSink failures = new HandlerSink(handler);
        this.dispatcher = seed == null
                ? Dispatcher.workStealing(name, carriers, maxCarriers, spareIdleTimeout.toNanos(), nanos(timeSlice), failures)
                : Dispatcher.deterministic(name, seed, failures);
        dispatcher.handle(this);
        this.scoreboard = Scoreboard.register(dispatcher);
    }

    /**
     * The shared scheduler that {@link GreenThread#start} uses outside green threads. Its
     * carriers: {@code Runtime.availableProcessors()}, or the value of the system property
     * {@value #CARRIERS_PROPERTY} read when it is first used. {@link #close()} does nothing on it.
     *
     * @throws IllegalStateException if the property is set to something other than a positive integer
     */
    public static Scheduler defaultScheduler() {
        Scheduler s = defaultScheduler;
        if (s != null) {
            return s;
        }
        DEFAULT_LOCK.lock();
        try {
            if (defaultScheduler == null) {
                defaultScheduler = new Scheduler("greenthreads", positiveProperty(CARRIERS_PROPERTY,
                        Runtime.getRuntime().availableProcessors()), positiveProperty(MAX_CARRIERS_PROPERTY,
                        DEFAULT_MAX_CARRIERS), SPARE_IDLE_TIMEOUT, timeSliceProperty(), null, Scheduler::printUncaught, true);
            }
            return defaultScheduler;
        } finally {
            DEFAULT_LOCK.unlock();
        }
    }

    private static int positiveProperty(String property, int otherwise) {
        String value = System.getProperty(property);
        if (value == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException("system property " + property + " must be a positive integer, not \""
                + value + "\"");
    }

    /** The time slice the system property {@value #TIME_SLICE_PROPERTY} names, or the default. */
    private static Duration timeSliceProperty() {
        String value = System.getProperty(TIME_SLICE_PROPERTY);
        if (value == null) {
            return DEFAULT_TIME_SLICE;
        }
        String v = value.trim();
        try {
            Duration d;
            if (v.startsWith("P") || v.startsWith("p")) {
                d = Duration.parse(v);
            } else {
                int unit = 0;
                while (unit < v.length() && Character.isDigit(v.charAt(unit))) {
                    unit++;
                }
                long n = Long.parseLong(v.substring(0, unit));
                switch (v.substring(unit).trim()) {
                    case "": case "ms": d = Duration.ofMillis(n); break;
                    case "us": d = Duration.ofNanos(Math.multiplyExact(n, 1000L)); break;
                    case "ns": d = Duration.ofNanos(n); break;
                    case "s": d = Duration.ofSeconds(n); break;
                    default: throw new NumberFormatException(v);
                }
            }
            if (!d.isNegative()) {
                return d;
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw new IllegalStateException("system property " + TIME_SLICE_PROPERTY + " must be a duration that is not"
                + " negative, not \"" + value + "\": write it as 10ms, 500us, 1s, 0 (time slices off) or PT0.01S");
    }

    /** Nanoseconds of a duration, saturated (a slice of centuries is as good as none). */
    private static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A scheduler for reproducible tests: one carrier; each time it picks the next green thread
     * to run, it draws uniformly from all ready ones with a random generator seeded by
     * {@code seed}. The same seed gives the same interleaving; different seeds explore different
     * ones.
     *
     * <p>Its green threads time their waits (sleep, timed join, timed {@code sync} waits) by a
     * virtual clock: each dispatch advances it by a fixed quantum (10 us); when no thread is
     * ready the carrier waits in real time until the next deadline and the clock jumps to it, so
     * timeouts fire at the same point of every replay.
     *
     * <p>Only what its green threads do among themselves replays: starts, unparks and signals
     * that come from platform threads happen when they happen. Start the other threads from one
     * root thread, e.g. {@code scheduler.run(() -> { ...start and join... })}.
     */
    public static Scheduler deterministic(long seed) {
        return new Scheduler("deterministic-" + seed, 1, 1, SPARE_IDLE_TIMEOUT, Duration.ZERO, seed,
                Scheduler::printUncaught, false);
    }

    /** Configures a work-stealing scheduler of one's own. */
    public static final class Builder {

        private int carriers = Runtime.getRuntime().availableProcessors();
        private Integer maxCarriers;
        private Duration spareIdleTimeout = SPARE_IDLE_TIMEOUT;
        private Duration timeSlice;
        private String name;
        private UncaughtExceptionHandler handler = Scheduler::printUncaught;

        private Builder() {
        }

        /** Number of carrier threads; default {@code Runtime.availableProcessors()}. */
        public Builder carriers(int carriers) {
            if (carriers < 1) {
                throw new IllegalArgumentException("a scheduler needs at least one carrier, not " + carriers);
            }
            this.carriers = carriers;
            return this;
        }

        /**
         * Caps the carrier threads: while carriers are blocked inside green threads (in
         * {@code Thread.sleep}, a plain socket read, a contended {@code synchronized}, a pinned
         * park) and ready green threads wait, the scheduler starts carrier threads to run them,
         * up to {@code maxCarriers} in all (never fewer than {@link #carriers}); those it no longer
         * needs end after idling. Default: the system property {@value Scheduler#MAX_CARRIERS_PROPERTY},
         * else 256.
         */
        public Builder maxCarriers(int maxCarriers) {
            if (maxCarriers < 1) {
                throw new IllegalArgumentException("maxCarriers must be at least one, not " + maxCarriers);
            }
            this.maxCarriers = maxCarriers;
            return this;
        }

        /**
         * How long a green thread runs, while others are ready to run and no carrier is free, before
         * it yields at its next check: the agent puts a check at every loop header of the code it
         * rewrites (not with its option {@code preempt=false}), and the yielded thread goes behind
         * the ready ones. Code without checks (the JDK's, native code) is not stopped; if it runs on
         * for another 20 ms, its carrier thread loses its place to another, as a blocked one does.
         * {@link Duration#ZERO} turns time slices off: a thread then keeps its carrier until it
         * parks, yields or ends. Default: the system property {@value Scheduler#TIME_SLICE_PROPERTY},
         * else 10 ms. The scheduler looks at its carriers every 5 ms (or half the slice, at least
         * 1 ms), so a slice ends up to that much late.
         *
         * @throws IllegalArgumentException if {@code timeSlice} is negative
         */
        public Builder timeSlice(Duration timeSlice) {
            Objects.requireNonNull(timeSlice, "timeSlice");
            if (timeSlice.isNegative()) {
                throw new IllegalArgumentException("timeSlice must not be negative, not " + timeSlice
                        + "; Duration.ZERO turns time slices off");
            }
            this.timeSlice = timeSlice;
            return this;
        }

        /** For tests: how long a carrier thread added while others were blocked idles before it ends. */
        Builder spareIdleTimeout(Duration timeout) {
            this.spareIdleTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Name of the scheduler; its carriers are named {@code <name>-carrier-<i>}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Receives exceptions that escape detached green threads, and the scheduler's reports
         * (see {@link UncaughtExceptionHandler}). Default: print
         * {@code Exception in green thread "<name>"} and the stack trace to standard error.
         */
        public Builder uncaughtExceptionHandler(UncaughtExceptionHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Creates the scheduler and starts its carriers. */
        public Scheduler build() {
            String n = name != null ? name : "scheduler-" + NUMBER.incrementAndGet();
            int max = maxCarriers != null ? maxCarriers : positiveProperty(MAX_CARRIERS_PROPERTY, DEFAULT_MAX_CARRIERS);
            Duration slice = timeSlice != null ? timeSlice : timeSliceProperty();
            return new Scheduler(n, carriers, max, spareIdleTimeout, slice, null, handler, false);
        }
    }

    // ------------------------------------------------------------------------------------

    /** Starts a joinable green thread on this scheduler; see {@link GreenThread#start(SuspendableRunnable)}. */
    public GreenThread<Void> start(SuspendableRunnable body) {
        return GreenThread.builder().scheduler(this).start(body);
    }

    /** Starts a joinable green thread on this scheduler; see {@link GreenThread#start(SuspendableCallable)}. */
    public <V> GreenThread<V> start(SuspendableCallable<V> body) {
        return GreenThread.builder().scheduler(this).start(body);
    }

    /**
     * Runs {@code body} as a green thread of this scheduler and waits for it: the usual entry
     * from {@code main}. Blocks a platform caller; parks a green one. Returns and throws as
     * {@link GreenThread#join()} does.
     */
    @Suspendable
    public <V> V run(SuspendableCallable<V> body) {
        return start(body).join();
    }

    /** {@link #run(SuspendableCallable)} for a body without a value. */
    @Suspendable
    public void run(SuspendableRunnable body) {
        start(body).join();
    }

    /**
     * Refuses new green threads from outside (its own green threads may still start others),
     * waits until all its green threads have ended, then stops its carriers. Blocks a platform
     * caller (uninterruptibly: an interrupt is kept for later) and parks a green one. Idempotent.
     * A no-op on the {@link #defaultScheduler()}. A detached thread that never ends makes it wait
     * for ever.
     *
     * @throws IllegalStateException when called by one of its own green threads
     */
    @Override
    @Suspendable
    public void close() {
        if (!shared) {
            dispatcher.close();
            Scoreboard.unregister(scoreboard);
        }
    }

    public String name() {
        return dispatcher.name();
    }

    /** Number of carriers: of green threads running at once, unless some block their carrier thread. */
    public int carriers() {
        return dispatcher.carrierCount();
    }

    /**
     * A snapshot of its live green threads: started and not yet ended (a thread started or
     * ended during the call may or may not be in it).
     */
    public List<GreenThread<?>> threads() {
        List<GreenStrand> strands = dispatcher.liveGreenThreads();
        List<GreenThread<?>> threads = new ArrayList<>(strands.size());
        for (GreenStrand t : strands) {
            threads.add(GreenThread.of(t));
        }
        return threads;
    }

    /**
     * A dump of its live green threads, as text: per thread its name, id, state, what it waits on
     * (the {@code Mutex} and its holder, the thread it joins, the primitive it parked in, the
     * time left on its timer) and for how long, and its {@link GreenThread#stackTrace() stack}.
     * Threads in the same state with the same stack make one block with their count, the largest
     * first, listing ten of them; so the dump of a hundred thousand threads parked at a few
     * places is a few blocks. It stops nothing: each thread is read as it is when reached.
     */
    public String dump() {
        return ThreadDump.text(dispatcher);
    }

    /**
     * {@link #dump()} as one JSON object, for tools: {@code scheduler}, {@code carriers},
     * {@code carrierThreads}, {@code threads}, {@code states} (count per state), and
     * {@code groups}, each with {@code count}, {@code state}, {@code stack} (innermost first, as
     * {@link StackTraceElement#toString()} shows a frame), {@code threads} (up to ten: {@code name},
     * {@code id}, {@code waitsOn}, {@code waitedNanos}) and {@code notListed}.
     */
    public String dumpJson() {
        return ThreadDump.json(dispatcher);
    }

    @Override
    public String toString() {
        return "Scheduler[" + name() + ", " + carriers() + " carriers" + (dispatcher.isClosed() ? ", closed" : "") + "]";
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    /** The name its MXBean is registered under ({@code dev.greenthreads:type=Scheduler,name=...}), or null if none. */
    ObjectName scoreboardName() {
        return scoreboard;
    }

    /** The dispatcher's failures: a detached thread's to the handler, the runtime's own to standard error. */
    private static final class HandlerSink implements FailureSink {

        private final UncaughtExceptionHandler handler;

        HandlerSink(UncaughtExceptionHandler handler) {
            this.handler = handler;
        }

        @Override
        public void uncaught(GreenStrand thread, Throwable error) {
            handler.uncaughtException(GreenThread.of(thread), error);
        }

        @Override
        public void hung(GreenStrand thread, Throwable report) {
            handler.uncaughtException(GreenThread.of(thread), report);
        }

        @Override
        public void internalError(String what, Throwable error) {
            FailureSink.print(what, error);
        }
    }

    private static void printUncaught(GreenThread<?> thread, Throwable exception) {
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out);
        w.print("Exception in green thread \"" + thread.name() + "\" ");
        exception.printStackTrace(w);
        w.flush();
        System.err.print(out);
    }
}
