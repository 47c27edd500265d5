package dev.greenthreads.internal.scheduler;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Every schedule, by iterative preemption bounding (Musuvathi and Qadeer's CHESS, PLDI 2007):
 * round {@code b} runs, depth first, every schedule with at most {@code b} preemptions (a
 * preemption: a switch away from a thread that could have gone on; a park, a yield or an end
 * is not one); {@code b} starts at 0 and grows while a round had to leave schedules out. Depth
 * first: schedule {@code n + 1} takes the same choices as schedule {@code n} up to its last step
 * that had an alternative left, takes the next alternative there, and from then on the first
 * one, which is to let the current thread go on.
 *
 * <h2>Guarantee</h2>
 * Bugs that need few preemptions, most of them in practice, come in the first rounds. When it
 * runs out of schedules ({@link #exhausted()}: a round left nothing out) before the
 * exploration's budget, every interleaving of the program's threads at its switch points has
 * been run: a program that passed is then correct for every order of those operations (under
 * {@code SYNC}, of its synchronisation operations), not just probably. The number of schedules
 * grows exponentially with the steps, so the proof is for tiny programs; rounds repeat the
 * schedules of the rounds before.
 *
 * <p>It draws nothing at random: schedule {@code n} is found by running schedules 1 to
 * {@code n} again, which is how a replay line of this strategy is replayed.
 */
public final class ExhaustiveChoices extends ScheduleStrategy {

    /** The last schedule's choice at each step, and how many alternatives that step had. */
    private int[] choice = new int[64];
    private int[] options = new int[64];
    private int depth;
    /** The steps of the schedule under way so far. */
    private int step;
    /** Preemptions in the last schedule before each step, and whether the step's current thread could go on. */
    private int[] preempted = new int[64];
    private boolean[] preemptible = new boolean[64];
    private boolean exhausted;
    private boolean started;
    /** The round's preemption bound, and whether the round left out a schedule that would exceed it. */
    private int bound;
    private boolean cut;

    @Override
    void begin(SplittableRandom random) {
        if (started) {
            backtrack();
        }
        started = true;
        step = 0;
    }

    /** Moves to the next schedule: the deepest step with an alternative left takes it; what came after is forgotten. */
    private void backtrack() {
        depth = step;
        while (depth > 0 && choice[depth - 1] + 1 >= options[depth - 1]) {
            depth--;
        }
        if (depth == 0) {
            exhausted = !cut;
            cut = false;
            bound++;
        } else {
            choice[depth - 1]++;
        }
    }

    @Override
    boolean exhausted() {
        return exhausted;
    }

    @Override
    void started(int slot) {
    }

    @Override
    int choose(int[] candidates, int count, int current, int step) {
        int at = this.step++;
        if (at == choice.length) {
            choice = Arrays.copyOf(choice, at * 2);
            options = Arrays.copyOf(options, at * 2);
            preempted = Arrays.copyOf(preempted, at * 2);
            preemptible = Arrays.copyOf(preemptible, at * 2);
        }
        int currentAt = -1;
        for (int i = 0; i < count; i++) {
            if (candidates[i] == current) {
                currentAt = i;
                break;
            }
        }
        int before = at == 0 ? 0 : preempted[at - 1] + (choice[at - 1] > 0 && preemptible[at - 1] ? 1 : 0);
        preempted[at] = before;
        preemptible[at] = currentAt >= 0;
        if (currentAt >= 0 && count > 1 && before >= bound) {
            cut = true; // the others would be one preemption too many this round
            count = 1;
        }
        int k;
        if (at < depth) {
            k = Math.min(choice[at], count - 1); // replaying the prefix; fewer options only if the body is not deterministic
        } else {
            k = 0;
            depth = at + 1;
        }
        choice[at] = k;
        options[at] = count;
        // Alternative 0 is the current thread if it may go on, then the others in ready order.
        if (currentAt < 0) {
            return candidates[k];
        }
        if (k == 0) {
            return current;
        }
        return candidates[k - 1 < currentAt ? k - 1 : k];
    }

    @Override
    String state() {
        return "";
    }

    @Override
    public void restore(String name, String value) {
        throw new IllegalArgumentException("EXHAUSTIVE takes no parameter \"" + name + "\"");
    }
}
