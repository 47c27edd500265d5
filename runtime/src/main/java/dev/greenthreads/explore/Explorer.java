package dev.greenthreads.explore;

import dev.greenthreads.GreenThread;
import dev.greenthreads.Scheduler;
import dev.greenthreads.SuspendableRunnable;
import dev.greenthreads.internal.scheduler.ExhaustiveChoices;
import dev.greenthreads.internal.scheduler.ExploringDispatcher;
import dev.greenthreads.internal.scheduler.ExploringDispatcher.Outcome;
import dev.greenthreads.internal.scheduler.ExploringDispatcher.Plan;
import dev.greenthreads.internal.scheduler.GreenStrand;
import dev.greenthreads.internal.scheduler.Interleavings;
import dev.greenthreads.internal.scheduler.PriorityChanges;
import dev.greenthreads.internal.scheduler.RandomChoices;
import dev.greenthreads.internal.scheduler.ScheduleStrategy;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Runs a body many times, each time under another schedule of its green threads, and stops at
 * the first schedule under which it fails; replays a failure from its one-line description.
 *
 * <p>The body runs as the root green thread, named {@code main}, of a scheduler of its own with
 * one carrier, a virtual clock and a {@link Strategy} that picks the next thread at every switch
 * point ({@link SwitchPoints}). A schedule fails when an exception or assertion error escapes
 * any of its green threads, when its threads deadlock (all blocked, none ready, no timer
 * pending), or when it runs more than {@code maxSteps} steps (a livelock). Everything the body
 * does must be deterministic apart from the scheduling: state kept between runs, real time,
 * platform threads and I/O with the outside make a failure impossible to replay.
 *
 * <p>Exploration is fast because nothing is recorded; once a schedule fails, it is run once
 * more with every operation recorded, to build {@link Failure#trace()}.
 */
public final class Explorer {

    private Explorer() {
    }

    /**
     * Explores {@code body} as {@code options} say. Blocks the caller until the exploration is
     * over.
     *
     * @throws IllegalStateException if {@link SwitchPoints#SHARED_FIELDS} is asked for and the
     *         agent runs without its option {@code fields}, or if called from a green thread
     *         under exploration
     */
    public static ExploreResult explore(ExploreOptions options, SuspendableRunnable body) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(body, "body");
        boolean fields = options.switchPoints().contains(SwitchPoints.SHARED_FIELDS);
        checkCanExplore(fields);
        ScheduleStrategy strategy = strategy(options.strategy(), options.depth());
        Outcome found = ExploringDispatcher.explore(new Plan(strategy, options.seed(), 1, options.schedules(),
                options.maxSteps(), fields, false), root(body), Scheduler.class);
        if (found.failedSchedule == 0) {
            return new ExploreResult(found.schedulesRun, null);
        }
        String replay = replayLine(options.strategy(), options.depth(), found.strategyState, options.seed(),
                found.failedSchedule, fields, options.maxSteps());
        Outcome again = record(replay, body);
        String trace = again.failedSchedule != 0
                ? header(again.errorText, found.deadlock, found.failedSchedule, replay) + again.trace
                : header(found.error.toString(), found.deadlock, found.failedSchedule, replay)
                        + "(no trace: the schedule did not fail again when it was re-run to record it, so the body does"
                        + " something the explorer does not control: real time, a platform thread, state kept from"
                        + " one run to the next)\n";
        return new ExploreResult(found.schedulesRun, new Failure(found.error, found.deadlock, found.failedSchedule,
                replay, trace));
    }

    /**
     * Runs the one schedule that {@code replayLine} (a {@link Failure#replay()}) names, with the
     * same body, and reports it as {@link #explore} would: the same failure, with its trace.
     * Its {@code schedulesRun()} is 1, the schedule replayed (an {@link Strategy#EXHAUSTIVE}
     * replay first runs the schedules before it again, as its order requires).
     *
     * @throws IllegalArgumentException if the line is not a replay line; the message says which part
     */
    public static ExploreResult replay(String replayLine, SuspendableRunnable body) {
        Objects.requireNonNull(replayLine, "replayLine");
        Objects.requireNonNull(body, "body");
        Outcome o = record(replayLine, body);
        if (o.failedSchedule == 0) {
            return new ExploreResult(1, null);
        }
        return new ExploreResult(1, new Failure(o.error, o.deadlock, o.failedSchedule, replayLine.trim(),
                header(o.errorText, o.deadlock, o.failedSchedule, replayLine.trim()) + o.trace));
    }

    private static Outcome record(String replayLine, SuspendableRunnable body) {
        Map<String, String> words = parse(replayLine);
        Strategy kind = enumWord(words, "strategy", Strategy.class, replayLine);
        int depth = kind == Strategy.PCT ? (int) number(words, "depth", replayLine) : 1;
        ScheduleStrategy strategy = strategy(kind, depth);
        long seed = number(words, "seed", replayLine);
        long schedule = number(words, "schedule", replayLine);
        long maxSteps = number(words, "maxSteps", replayLine);
        boolean fields = false;
        for (String p : words.getOrDefault("switchPoints", "SYNC").split(",")) {
            fields |= parseEnum(SwitchPoints.class, p, "switchPoints", replayLine) == SwitchPoints.SHARED_FIELDS;
        }
        words.keySet().removeAll(java.util.List.of("strategy", "depth", "seed", "schedule", "maxSteps", "switchPoints"));
        for (Map.Entry<String, String> w : words.entrySet()) {
            try {
                strategy.restore(w.getKey(), w.getValue());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("replay line \"" + replayLine + "\": " + e.getMessage(), e);
            }
        }
        if (schedule < 1 || schedule > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("replay line \"" + replayLine + "\": schedule must be at least 1");
        }
        checkCanExplore(fields);
        // An exhaustive schedule depends on the ones before it: run them again, record the last.
        Plan plan = kind == Strategy.EXHAUSTIVE ? new Plan(strategy, seed, 1, (int) schedule, maxSteps, fields, true)
                : new Plan(strategy, seed, (int) schedule, 1, maxSteps, fields, true);
        return ExploringDispatcher.explore(plan, root(body), Scheduler.class);
    }

    private static void checkCanExplore(boolean fields) {
        GreenStrand me = GreenStrand.current();
        if (me != null && GreenThread.current().scheduler().name().equals("explorer")) {
            throw new IllegalStateException("Explorer.explore called from a green thread that is itself being explored:"
                    + " explorations do not nest. Call it from the test's own thread");
        }
        if (fields && !Interleavings.fieldsInstrumented()) {
            throw new IllegalStateException("switchPoints(SHARED_FIELDS) needs the agent option \"fields\", which is off:"
                    + " no switch points were inserted before field accesses. Run with"
                    + " -javaagent:greenthreads-agent.jar=fields (options are comma separated), or explore with SYNC only");
        }
    }

    private static java.util.function.Function<Object, Runnable> root(SuspendableRunnable body) {
        return scheduler -> () -> GreenThread.builder().scheduler((Scheduler) scheduler).name("main").start(body);
    }

    private static ScheduleStrategy strategy(Strategy kind, int depth) {
        switch (kind) {
            case RANDOM: return new RandomChoices();
            case PCT: return new PriorityChanges(depth);
            case EXHAUSTIVE: return new ExhaustiveChoices();
            default: throw new IllegalArgumentException("unknown strategy " + kind);
        }
    }

    private static String replayLine(Strategy kind, int depth, String state, long seed, int schedule, boolean fields,
            long maxSteps) {
        StringBuilder b = new StringBuilder("strategy=").append(kind);
        if (kind == Strategy.PCT) {
            b.append(" depth=").append(depth);
        }
        if (!state.isEmpty()) {
            b.append(' ').append(state);
        }
        return b.append(" seed=").append(seed).append(" schedule=").append(schedule).append(" switchPoints=")
                .append(fields ? "SYNC,SHARED_FIELDS" : "SYNC").append(" maxSteps=").append(maxSteps).toString();
    }

    private static String header(String error, boolean deadlock, int schedule, String replay) {
        return (deadlock ? "Deadlock" : "Failure") + " in schedule " + schedule + ": " + error + "\n"
                + "Replay it with Explorer.replay(\"" + replay + "\", body)\n";
    }

    private static Map<String, String> parse(String line) {
        Map<String, String> words = new LinkedHashMap<>();
        for (String w : line.trim().split("\\s+")) {
            int eq = w.indexOf('=');
            if (eq <= 0 || eq == w.length() - 1) {
                throw new IllegalArgumentException("replay line \"" + line + "\": \"" + w + "\" is not name=value;"
                        + " pass the line Failure.replay() returned, e.g. \"strategy=PCT depth=3 k=40 seed=1 schedule=7"
                        + " switchPoints=SYNC maxSteps=100000\"");
            }
            words.put(w.substring(0, eq), w.substring(eq + 1));
        }
        return words;
    }

    private static long number(Map<String, String> words, String name, String line) {
        String v = words.get(name);
        if (v == null) {
            throw new IllegalArgumentException("replay line \"" + line + "\" has no " + name + "=...: pass the line"
                    + " Failure.replay() returned");
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("replay line \"" + line + "\": " + name + "=" + v + " is not a number");
        }
    }

    private static <E extends Enum<E>> E enumWord(Map<String, String> words, String name, Class<E> type, String line) {
        String v = words.get(name);
        if (v == null) {
            throw new IllegalArgumentException("replay line \"" + line + "\" has no " + name + "=...: pass the line"
                    + " Failure.replay() returned");
        }
        return parseEnum(type, v, name, line);
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String v, String name, String line) {
        try {
            return Enum.valueOf(type, v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("replay line \"" + line + "\": " + name + "=" + v + " is not one of "
                    + EnumSet.allOf(type));
        }
    }
}
