package dev.greenthreads.internal.scheduler;

import dev.greenthreads.GreenDeadlockException;
import dev.greenthreads.Suspendable;
import dev.greenthreads.internal.continuation.FrameStack;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.function.Function;

/**
 * The interleaving explorer's engine: one carrier that runs a body again and again, each time
 * under another schedule, and stops at the first schedule that fails.
 *
 * <h2>Implementation overview</h2>
 *
 * The carrier drives everything from {@link #next}: it starts a schedule (a fresh root green
 * thread running the body), dispatches its threads, and when the schedule is over (every thread
 * ended, or a failure) judges it and starts the next. No other thread takes part, so a
 * schedule costs no kernel context switch, and whoever called {@link #explore} only waits for
 * the verdict.
 *
 * <p>A <em>switch point</em> is a call of {@link Interleavings} from the {@code sync}, {@code io}
 * and thread operations (and, with the agent option {@code fields}, before shared field
 * accesses). There the {@link ScheduleStrategy} picks among the ready threads and the current
 * one; if it picks another, the current thread yields and the pick runs next. A thread that
 * parks, yields or ends is a decision too. Each decision is a <em>step</em>; a schedule of more
 * than {@code maxSteps} steps is a livelock. Picking the current thread costs no suspension,
 * so a switch point costs a lock, a call and a draw unless it switches.
 *
 * <h2>What makes a schedule reproducible</h2>
 * Schedule {@code n} draws from a generator seeded by (seed, n) alone, the strategy's state at
 * its start is in its replay line, and threads are named by slot (start order), not by global
 * id. Time is virtual: each dispatch advances the clock by {@value #QUANTUM_NANOS} ns, and when
 * nothing is ready the clock jumps to the next timer, so sleeps and timeouts happen at the same
 * step of every replay and take no real time. Only wake-ups from outside (a platform thread, the
 * I/O poller, {@code runBlocking}) are not reproducible; while one may still come, a schedule
 * with nothing ready waits for it (up to {@value #OUTSIDE_PATIENCE_MILLIS} ms) before calling
 * it a deadlock.
 *
 * <h2>A schedule that fails</h2>
 * Its threads are abandoned where they stand: parked, or suspended at a switch point. They are
 * counted as ended for the base class, never dispatched again (a late wake-up of one is
 * ignored), and collected with the body's objects.
 */
public final class ExploringDispatcher extends OneCarrierDispatcher {

    /** Virtual time each dispatch costs. */
    static final long QUANTUM_NANOS = 10_000;
    /** How long a schedule with nothing ready waits for a wake-up from outside before it is a deadlock. */
    static final long OUTSIDE_PATIENCE_MILLIS = 2_000;

    /** What to explore. */
    public static final class Plan {
        final ScheduleStrategy strategy;
        final long seed;
        final int first;
        final int count;
        final long maxSteps;
        final boolean sharedFields;
        final boolean record;

        /**
         * Schedules {@code first .. first + count - 1} (numbered from 1) of {@code strategy} from
         * {@code seed}, fewer if the strategy runs out of them; {@code record}: note every
         * operation of the last one for the failure's trace (slow: one stack walk each).
         */
        public Plan(ScheduleStrategy strategy, long seed, int first, int count, long maxSteps, boolean sharedFields,
                boolean record) {
            this.strategy = Objects.requireNonNull(strategy, "strategy");
            this.seed = seed;
            this.first = first;
            this.count = count;
            this.maxSteps = maxSteps;
            this.sharedFields = sharedFields;
            this.record = record;
        }
    }

    /** How an exploration ended. */
    public static final class Outcome {
        /** Schedules run, the failing one included. */
        public int schedulesRun;
        /** The failing schedule's number, or 0 if none failed. */
        public int failedSchedule;
        public Throwable error;
        public boolean deadlock;
        /** The strategy's {@link ScheduleStrategy#state()} at the start of the failing schedule. */
        public String strategyState;
        /** The trace, if the plan recorded. */
        public String trace;
        /** The failure's {@code toString()} in the trace's names, if the plan recorded. */
        public String errorText;
    }

    /**
     * Set by {@code Scheduler}'s static initialiser: wraps a dispatcher in the public scheduler
     * that green threads are started on. The public class depends on this package, not the other
     * way round; this is the one door back.
     */
    private static volatile Function<Dispatcher, Object> schedulers;

    /** Called once by {@code Scheduler}. */
    public static void schedulers(Function<Dispatcher, Object> wrap) {
        schedulers = wrap;
    }

    /**
     * Runs {@code plan} on a carrier of its own and returns when it is over. {@code root} gets
     * the scheduler (a {@code Scheduler}) and returns what starts one schedule's root green
     * thread on it.
     */
    public static Outcome explore(Plan plan, Function<Object, Runnable> root, Class<?> schedulerClass) {
        try {
            java.lang.invoke.MethodHandles.lookup().ensureInitialized(schedulerClass);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        ExploringDispatcher d = new ExploringDispatcher(plan, new Sink());
        d.startRoot = root.apply(schedulers.apply(d));
        Interleavings.exploring(+1);
        try {
            d.startCarriers();
            return d.awaitOutcome();
        } finally {
            Interleavings.exploring(-1);
        }
    }

    private final Plan plan;
    private final ScheduleStrategy strategy;
    private Runnable startRoot;

    private final Condition finished = lock.newCondition();
    private boolean over;
    private final Outcome outcome = new Outcome();

    // The schedule under way; guarded by lock, mostly touched by the carrier alone.
    private int schedule;
    private boolean running;
    private GreenStrand[] threads = new GreenStrand[8];
    private int threadCount;
    private final Map<GreenStrand, Integer> slots = new IdentityHashMap<>();
    private int[] ready = new int[8];
    private int readyCount;
    private int[] candidates = new int[8];
    private int live;
    private int steps;
    private String stateAtStart;
    /** Picked at a switch point to run next, or -1. */
    private int forced = -1;
    /** Yielded of its own accord (runs after the others), or -1. */
    private int yielder = -1;
    /** The thread of the last slice, judged when the carrier comes back; -1 if judged. */
    private int justRan = -1;
    /** The thread that ran up to the next decision, for the strategy; -1 at a schedule's start. */
    private int lastRan = -1;
    private Throwable failure;
    private boolean deadlock;
    private long outsideWaitStart;
    private ExplorationTrace trace;
    private final Map<Object, String> lockNames = new IdentityHashMap<>();


    private ExploringDispatcher(Plan plan, Sink sink) {
        super("explorer", sink);
        sink.dispatcher = this;
        this.plan = plan;
        this.strategy = plan.strategy;
    }

    /** Reports from the base class: a failed detached thread, or a thread that ended holding a mutex, fails the schedule. */
    private static final class Sink implements FailureSink {
        ExploringDispatcher dispatcher;

        @Override
        public void uncaught(GreenStrand thread, Throwable error) {
            dispatcher.fail(error, error instanceof GreenDeadlockException);
        }

        @Override
        public void hung(GreenStrand thread, Throwable report) {
        }

        @Override
        public void internalError(String what, Throwable error) {
            dispatcher.fail(new IllegalStateException(what, error), false);
        }
    }

    private Outcome awaitOutcome() {
        lock.lock();
        try {
            while (!over) {
                finished.awaitUninterruptibly();
            }
            return outcome;
        } finally {
            lock.unlock();
        }
    }

    boolean sharedFields() {
        return plan.sharedFields;
    }

    // ------------------------------------------------------------------------------------
    // Threads entering the ready set

    @Override
    void submit(GreenStrand t) {
        lock.lock();
        try {
            if (threadCount == threads.length) {
                threads = Arrays.copyOf(threads, threadCount * 2);
            }
            int slot = threadCount++;
            threads[slot] = t;
            slots.put(t, slot);
            live++;
            strategy.started(slot);
            if (trace != null) {
                trace.started(slot, displayName(t, slot));
                GreenStrand parent = GreenStrand.current();
                Integer from = parent == null ? null : slots.get(parent);
                if (from != null) {
                    trace.op(from, "start " + displayName(t, slot), clock);
                }
            }
            add(slot);
        } finally {
            lock.unlock();
        }
    }

    private static String displayName(GreenStrand t, int slot) {
        String n = t.name();
        return n.equals("green-" + t.id()) ? "T" + slot : n;
    }

    @Override
    void ready(GreenStrand t) {
        lock.lock();
        try {
            Integer slot = slots.get(t);
            if (slot != null && running) {
                add(slot);
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    void yielded(GreenStrand t, Carrier carrier) {
        lock.lock();
        try {
            Integer slot = slots.get(t);
            if (slot == null || !running) {
                return;
            }
            if (forced < 0) {
                yielder = slot;
            }
            add(slot);
        } finally {
            lock.unlock();
        }
    }

    private void add(int slot) {
        if (readyCount == ready.length) {
            ready = Arrays.copyOf(ready, readyCount * 2);
        }
        ready[readyCount++] = slot;
    }

    private void removeReady(int slot) {
        for (int i = 0; i < readyCount; i++) {
            if (ready[i] == slot) {
                // Shift, not swap: the order of the ready set is part of what a seed replays.
                System.arraycopy(ready, i + 1, ready, i, readyCount - i - 1);
                readyCount--;
                return;
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // The carrier's loop: dispatch, judge, next schedule

    @Override
    GreenStrand next(Carrier carrier) {
        lock.lock();
        try {
            for (;;) {
                if (stopped) {
                    return null;
                }
                if (!running) {
                    if (!beginSchedule()) {
                        finish();
                        return null;
                    }
                    continue;
                }
                judgeLastSlice();
                if (failure != null) {
                    endSchedule();
                    continue;
                }
                if (forced >= 0) {
                    int s = forced;
                    forced = -1;
                    return dispatch(s);
                }
                if (readyCount > 0) {
                    if (++steps > plan.maxSteps) {
                        livelock();
                        continue;
                    }
                    clock += QUANTUM_NANOS;
                    fireDue();
                    return dispatch(pick());
                }
                if (!timers.isEmpty()) {
                    clock = Math.max(clock, timers.earliestDeadline());
                    fireDue();
                    continue;
                }
                if (live == 0) {
                    endSchedule();
                    continue;
                }
                if (mayBeWokenFromOutside()) {
                    continue;
                }
                deadlock();
            }
        } finally {
            lock.unlock();
        }
    }

    private GreenStrand dispatch(int slot) {
        removeReady(slot);
        justRan = slot;
        lastRan = slot;
        outsideWaitStart = 0;
        return threads[slot];
    }

    /** The ready thread to run after a park, a yield or an end: the strategy's pick, a yielder only if alone. */
    private int pick() {
        int n = 0;
        if (candidates.length < readyCount + 1) {
            candidates = new int[ready.length + 1];
        }
        for (int i = 0; i < readyCount; i++) {
            if (ready[i] != yielder || readyCount == 1) {
                candidates[n++] = ready[i];
            }
        }
        yielder = -1;
        return strategy.choose(candidates, n, lastRan, steps);
    }

    /** After a slice: a thread that ended by an exception fails the schedule. */
    private void judgeLastSlice() {
        int s = justRan;
        if (s < 0) {
            return;
        }
        justRan = -1;
        GreenStrand t = threads[s];
        if (t.isTerminated()) {
            live--;
            if (trace != null) {
                trace.ended(s, t.endedNormally() || t.endedCancelled() ? null : (Throwable) t.result());
            }
            if (!t.endedNormally() && !t.endedCancelled() && failure == null) {
                Throwable e = (Throwable) t.result();
                failure = e;
                deadlock = e instanceof GreenDeadlockException;
            }
        }
    }

    private boolean beginSchedule() {
        if (schedule == 0) {
            schedule = plan.first;
        } else if (outcome.failedSchedule != 0 || schedule - plan.first + 1 >= plan.count) {
            return false;
        } else {
            schedule++;
        }
        running = true;
        threadCount = 0;
        slots.clear();
        readyCount = 0;
        live = 0;
        steps = 0;
        forced = yielder = justRan = lastRan = -1;
        failure = null;
        deadlock = false;
        clock = 0;
        stateAtStart = strategy.state();
        trace = plan.record && schedule == plan.first + plan.count - 1 ? new ExplorationTrace() : null;
        lockNames.clear();
        strategy.begin(new SplittableRandom(scheduleSeed(plan.seed, schedule)));
        if (strategy.exhausted()) {
            running = false;
            return false;
        }
        try {
            startRoot.run();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        return true;
    }

    /** A seed per schedule that depends on the exploration's seed and the schedule's number alone. */
    static long scheduleSeed(long seed, int schedule) {
        long z = seed * 0x9E3779B97F4A7C15L + schedule;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private void endSchedule() {
        if (failure != null && trace != null) {
            outcome.trace = scheduleNames(trace.render());
            outcome.errorText = scheduleNames(failure.toString());
        }
        running = false;
        strategy.ended(steps);
        outcome.schedulesRun++;
        for (int s = 0; s < threadCount; s++) {
            GreenStrand t = threads[s];
            if (!t.isTerminated()) {
                if (t.timed) {
                    timers.remove(t);
                }
                terminated(t); // abandoned: see the class comment
            }
            threads[s] = null;
        }
        slots.clear();
        readyCount = 0;
        if (failure != null) {
            outcome.failedSchedule = schedule;
            outcome.error = failure;
            outcome.deadlock = deadlock;
            outcome.strategyState = stateAtStart;
        }
        threadCount = 0;
    }

    /**
     * {@code text} with the names the trace uses: a green thread's slot name for its global
     * {@code "green-<id>"}, a lock's schedule number for its identity hash, so that every replay
     * of a schedule reports the same text.
     */
    private String scheduleNames(String text) {
        for (int s = 0; s < threadCount; s++) {
            GreenStrand t = threads[s];
            text = text.replace("\"green-" + t.id() + "\"", "\"" + displayName(t, s) + "\"");
        }
        for (Map.Entry<Object, String> lock : lockNames.entrySet()) {
            text = text.replace(WaitsFor.name(lock.getKey()), lock.getValue());
        }
        return text;
    }

    private void finish() {
        stopped = true;
        over = true;
        finished.signalAll();
    }

    void fail(Throwable error, boolean isDeadlock) {
        lock.lock();
        try {
            if (running && failure == null) {
                failure = error;
                deadlock = isDeadlock;
            }
        } finally {
            lock.unlock();
        }
    }

    private void livelock() {
        failure = new IllegalStateException("livelock: the schedule ran more than maxSteps = " + plan.maxSteps
                + " steps without ending. Threads that retry for ever (a spin on a flag nobody sets, a tryLock loop"
                + " that always fails) do this; raise maxSteps if the program is just long");
        failure.setStackTrace(new StackTraceElement[0]);
        deadlock = false;
    }

    /** Nothing ready, no timer, threads left: a deadlock, unless a wake-up may still come from outside. */
    private boolean mayBeWokenFromOutside() {
        IdlePoller poller = idlePoller;
        if (!(poller != null && poller.watching()) && !BlockingCalls.busy()) {
            return false;
        }
        long now = System.nanoTime();
        if (outsideWaitStart == 0) {
            outsideWaitStart = now;
        }
        long left = TimeUnit.MILLISECONDS.toNanos(OUTSIDE_PATIENCE_MILLIS) - (now - outsideWaitStart);
        if (left <= 0) {
            return false;
        }
        try {
            changed.awaitNanos(left);
        } catch (InterruptedException e) {
            // go round: the loop re-reads everything
        }
        return true;
    }

    private void deadlock() {
        StringBuilder b = new StringBuilder("deadlock: every thread left is blocked, none is ready and no timer is pending");
        String cycle = waitForCycle();
        if (cycle != null) {
            b.append("\n  wait-for cycle: ").append(cycle);
        }
        for (int s = 0; s < threadCount; s++) {
            GreenStrand t = threads[s];
            if (!t.isTerminated()) {
                b.append("\n  ").append(displayName(t, s)).append(" blocked");
                WaitsFor w = t.waitsFor;
                Strand holder = w == null ? null : w.holder();
                if (holder != null) {
                    b.append(" waiting for ").append(w.describe(holder));
                }
                List<String> where = t.methods();
                if (!where.isEmpty()) {
                    b.append(" in ").append(String.join(" <- ", where));
                }
            }
        }
        GreenDeadlockException e = new GreenDeadlockException(b.toString());
        e.setStackTrace(new StackTraceElement[0]);
        failure = e;
        deadlock = true;
    }

    /** {@code T1 -> mutex Mutex@1a2b held by T2 -> ... -> T1}, or null if the blocked threads form no cycle of wait-for edges. */
    private String waitForCycle() {
        for (int s = 0; s < threadCount; s++) {
            StringBuilder b = new StringBuilder();
            Strand at = threads[s];
            for (int hops = 0; hops <= threadCount; hops++) {
                WaitsFor w = at.waitsFor;
                Strand holder = w == null ? null : w.holder();
                if (holder == null) {
                    break;
                }
                b.append(name(at)).append(" -> ").append(w.describe(holder)).append(" -> ");
                at = holder;
                if (at == threads[s]) {
                    return b.append(name(at)).toString();
                }
            }
        }
        return null;
    }

    private String name(Strand s) {
        Integer slot = s instanceof GreenStrand ? slots.get(s) : null;
        return slot == null ? s.name() : displayName((GreenStrand) s, slot);
    }

    // ------------------------------------------------------------------------------------
    // Switch points, from Interleavings on the running green thread

    /** A switch point of {@code me}: the strategy picks who runs on; if another, {@code me} yields to it. */
    @Suspendable
    void switchPoint(GreenStrand me) {
        if (FrameStack.current().pinnedAt() != null) {
            return; // inside synchronized or a constructor: no switch can happen here
        }
        lock.lock();
        try {
            Integer mine = slots.get(me);
            if (mine == null || !running) {
                return;
            }
            if (failure == null) {
                if (++steps > plan.maxSteps) {
                    livelock();
                } else {
                    if (candidates.length < readyCount + 1) {
                        candidates = new int[ready.length + 1];
                    }
                    System.arraycopy(ready, 0, candidates, 0, readyCount);
                    candidates[readyCount] = mine;
                    int pick = strategy.choose(candidates, readyCount + 1, mine, steps);
                    if (pick == mine) {
                        return;
                    }
                    forced = pick;
                }
            }
        } finally {
            lock.unlock();
        }
        me.yieldNow();
    }

    /** Records an operation of {@code me} for the trace, if this schedule records. */
    void record(GreenStrand me, String op) {
        if (trace == null) {
            return;
        }
        lock.lock();
        try {
            Integer slot = slots.get(me);
            if (slot != null && trace != null) {
                trace.op(slot, op, clock);
            }
        } finally {
            lock.unlock();
        }
    }

    boolean records() {
        return trace != null;
    }

    /** For the trace: a thread or lock as the trace names it; a lock is numbered in the order the schedule first used it. */
    String describe(Object on) {
        if (on instanceof GreenStrand) {
            Integer slot = slots.get(on);
            if (slot != null) {
                return displayName((GreenStrand) on, slot);
            }
        }
        if (on == null) {
            return "";
        }
        return lockNames.computeIfAbsent(on, o -> o.getClass().getSimpleName() + "#" + (lockNames.size() + 1));
    }

    // ------------------------------------------------------------------------------------
    // Timers on the virtual clock

    private void fireDue() {
        for (GreenStrand t; (t = timers.pollDue(clock)) != null; ) {
            if (t.expire()) {
                Integer slot = slots.get(t);
                if (slot != null) {
                    add(slot);
                }
            }
        }
    }
}
