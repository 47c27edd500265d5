package dev.greenthreads.internal.scheduler;

import java.util.SplittableRandom;

/**
 * How an {@link ExploringDispatcher} picks the thread that runs after each switch point. One
 * object serves a whole exploration: {@link #begin} starts each schedule with that schedule's
 * own random generator, so schedule {@code n} depends only on the seed, {@code n} and
 * {@link #state()}, which the replay line carries.
 *
 * <p>Threads are known by their <em>slot</em>: 0 for the root, then 1, 2, ... in the order the
 * schedule started them, so the same slot is the same thread in every replay of a schedule.
 */
public abstract class ScheduleStrategy {

    /** Starts a schedule: forget the last one's threads, draw this one's choices from {@code random}. */
    abstract void begin(SplittableRandom random);

    /** Thread {@code slot} was started (slots come in order: 0, 1, 2, ...). */
    abstract void started(int slot);

    /**
     * Picks the thread that runs next: one of {@code candidates[0..count)}, all ready (at least
     * one). {@code current} is the thread that ran up to this decision (a candidate if it stopped
     * at a switch point, not one if it parked, yielded or ended), or -1 at the schedule's start;
     * {@code step} counts the decisions of this schedule from 1.
     */
    abstract int choose(int[] candidates, int count, int current, int step);

    /** Whether there is no schedule left to try (asked after {@link #begin}); an exhaustive strategy's end. */
    boolean exhausted() {
        return false;
    }

    /** The schedule ended after {@code steps} decisions. */
    void ended(int steps) {
    }

    /** What the next schedule depends on besides the seed and its number, as {@code name=value} words; may be empty. */
    abstract String state();

    /** Restores {@link #state()}'s words (for a replay); an unknown word is an error naming it. */
    public abstract void restore(String name, String value);
}
