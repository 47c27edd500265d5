package dev.greenthreads.explore;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What {@link Explorer#explore} explores: immutable; each setter returns a copy.
 *
 * <pre>
 * ExploreOptions.defaults().strategy(Strategy.PCT).depth(3).schedules(10_000).seed(1)
 *         .switchPoints(SwitchPoints.SYNC, SwitchPoints.SHARED_FIELDS).maxSteps(100_000)
 * </pre>
 */
public final class ExploreOptions {

    private final Strategy strategy;
    private final int depth;
    private final int schedules;
    private final long seed;
    private final Set<SwitchPoints> switchPoints;
    private final long maxSteps;

    private ExploreOptions(Strategy strategy, int depth, int schedules, long seed, Set<SwitchPoints> switchPoints,
            long maxSteps) {
        this.strategy = strategy;
        this.depth = depth;
        this.schedules = schedules;
        this.seed = seed;
        this.switchPoints = switchPoints;
        this.maxSteps = maxSteps;
    }

    /** PCT of depth 3, 1,000 schedules, seed 0, {@link SwitchPoints#SYNC}, at most 100,000 steps per schedule. */
    public static ExploreOptions defaults() {
        return new ExploreOptions(Strategy.PCT, 3, 1_000, 0L, Collections.unmodifiableSet(EnumSet.of(SwitchPoints.SYNC)),
                100_000);
    }

    public ExploreOptions strategy(Strategy strategy) {
        return new ExploreOptions(Objects.requireNonNull(strategy, "strategy"), depth, schedules, seed, switchPoints,
                maxSteps);
    }

    /** PCT's depth {@code d}: {@code d - 1} priority change points per schedule (at least 1). Ignored by RANDOM. */
    public ExploreOptions depth(int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException("depth(" + depth + "): PCT's depth is at least 1 (1 = no change point)");
        }
        return new ExploreOptions(strategy, depth, schedules, seed, switchPoints, maxSteps);
    }

    /** How many schedules to try at most; exploration stops at the first that fails. */
    public ExploreOptions schedules(long schedules) {
        if (schedules < 1 || schedules > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("schedules(" + schedules + "): between 1 and " + Integer.MAX_VALUE);
        }
        return new ExploreOptions(strategy, depth, (int) schedules, seed, switchPoints, maxSteps);
    }

    /** The seed: the same seed, options and body give the same sequence of schedules. */
    public ExploreOptions seed(long seed) {
        return new ExploreOptions(strategy, depth, schedules, seed, switchPoints, maxSteps);
    }

    /**
     * Where threads may switch. {@link SwitchPoints#SYNC} is always on; adding
     * {@link SwitchPoints#SHARED_FIELDS} needs the agent option {@code fields}.
     */
    public ExploreOptions switchPoints(SwitchPoints... points) {
        EnumSet<SwitchPoints> set = EnumSet.of(SwitchPoints.SYNC);
        set.addAll(Arrays.asList(points));
        return new ExploreOptions(strategy, depth, schedules, seed, Collections.unmodifiableSet(set), maxSteps);
    }

    /** A schedule of more steps (switch points and dispatches) than this is reported as a livelock. */
    public ExploreOptions maxSteps(long maxSteps) {
        if (maxSteps < 1) {
            throw new IllegalArgumentException("maxSteps(" + maxSteps + "): at least 1");
        }
        return new ExploreOptions(strategy, depth, schedules, seed, switchPoints, maxSteps);
    }

    public Strategy strategy() {
        return strategy;
    }

    public int depth() {
        return depth;
    }

    public int schedules() {
        return schedules;
    }

    public long seed() {
        return seed;
    }

    public Set<SwitchPoints> switchPoints() {
        return switchPoints;
    }

    public long maxSteps() {
        return maxSteps;
    }

    @Override
    public String toString() {
        return "ExploreOptions[" + strategy + (strategy == Strategy.PCT ? " depth " + depth : "") + ", " + schedules
                + " schedules, seed " + seed + ", " + switchPoints + ", maxSteps " + maxSteps + "]";
    }
}
