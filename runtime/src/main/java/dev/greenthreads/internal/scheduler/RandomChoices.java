package dev.greenthreads.internal.scheduler;

import java.util.SplittableRandom;

/**
 * At every switch point, any ready thread with equal probability. Guarantees nothing per
 * schedule beyond that; a bug that needs one particular choice at each of {@code c} switch
 * points among {@code n} threads is found with probability about {@code n^-c} per schedule, so
 * it finds bugs that many interleavings show (a lost update) and misses deep ones that
 * {@link PriorityChanges} finds.
 */
public final class RandomChoices extends ScheduleStrategy {

    private SplittableRandom random;

    @Override
    void begin(SplittableRandom random) {
        this.random = random;
    }

    @Override
    void started(int slot) {
    }

    @Override
    int choose(int[] candidates, int count, int current, int step) {
        return candidates[count == 1 ? 0 : random.nextInt(count)];
    }

    @Override
    String state() {
        return "";
    }

    @Override
    public void restore(String name, String value) {
        throw new IllegalArgumentException("RANDOM takes no parameter \"" + name + "\"");
    }
}
