package dev.greenthreads.internal.scheduler;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS
 * 2010), with depth {@code d}: every thread gets a random priority when it starts; at
 * {@code d - 1} change points, steps drawn uniformly from {@code 1..k}, the thread that ran up
 * to that step drops below every priority given so far; at every switch point the ready thread
 * of highest priority runs. A thread that yields runs last among the ready ones, so a
 * spin-wait cannot starve the thread it waits for.
 *
 * <h2>Guarantee</h2>
 * A bug of depth {@code d} (it shows when {@code d} ordering constraints between operations
 * hold; an atomicity violation or a lost update has depth 2, an ABBA deadlock 2, an order
 * violation 1) in a program of {@code n} threads and at most {@code k} steps is found by each
 * schedule with probability at least {@code 1 / (n * k^(d-1))}, independently of the others:
 * the random priorities put the right thread first with probability {@code 1/n}, and each
 * change point falls on the right step with probability {@code 1/k}.
 *
 * <p>{@code k} is not known before the program runs: it starts at 1 and becomes the longest
 * schedule seen so far, so the first schedules may place their change points too early; each
 * schedule's {@code k} is in its replay line.
 */
public final class PriorityChanges extends ScheduleStrategy {

    private final int depth;
    private int k = 1;

    private SplittableRandom random;
    /** Slots, highest priority first; the last {@link #demoted} were moved there by change points, latest last. */
    private int[] order = new int[16];
    private int threads;
    private int demoted;
    /** Position of each slot in {@link #order}. */
    private int[] rank = new int[16];
    /** The steps at which a change point falls, ascending; and the next one. */
    private int[] changes;
    private int nextChange;

    public PriorityChanges(int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException("PCT's depth must be at least 1, not " + depth);
        }
        this.depth = depth;
    }

    @Override
    void begin(SplittableRandom random) {
        this.random = random;
        threads = 0;
        demoted = 0;
        int points = Math.min(depth - 1, k);
        // d - 1 distinct steps of 1..k (Floyd's sampling: no set of k entries).
        int[] chosen = new int[points];
        int n = 0;
        for (int j = k - points + 1; j <= k; j++) {
            int t = 1 + random.nextInt(j);
            boolean seen = false;
            for (int i = 0; i < n; i++) {
                if (chosen[i] == t) {
                    seen = true;
                    break;
                }
            }
            chosen[n++] = seen ? j : t;
        }
        Arrays.sort(chosen);
        changes = chosen;
        nextChange = 0;
    }

    @Override
    void started(int slot) {
        if (threads == order.length) {
            order = Arrays.copyOf(order, threads * 2);
        }
        if (slot >= rank.length) {
            rank = Arrays.copyOf(rank, Math.max(slot + 1, rank.length * 2));
        }
        int at = random.nextInt(threads - demoted + 1);
        System.arraycopy(order, at, order, at + 1, threads - at);
        order[at] = slot;
        threads++;
        reRank(at);
    }

    @Override
    int choose(int[] candidates, int count, int current, int step) {
        if (nextChange < changes.length && changes[nextChange] == step) {
            nextChange++;
            if (current >= 0) {
                demote(current);
            }
        }
        int best = candidates[0];
        for (int i = 1; i < count; i++) {
            if (rank[candidates[i]] < rank[best]) {
                best = candidates[i];
            }
        }
        return best;
    }

    private void demote(int slot) {
        int at = rank[slot];
        System.arraycopy(order, at + 1, order, at, threads - at - 1);
        order[threads - 1] = slot;
        if (at < threads - demoted) {
            demoted++;
        }
        reRank(at);
    }

    private void reRank(int from) {
        for (int i = from; i < threads; i++) {
            rank[order[i]] = i;
        }
    }

    @Override
    void ended(int steps) {
        k = Math.max(k, steps);
    }

    @Override
    String state() {
        return "k=" + k;
    }

    @Override
    public void restore(String name, String value) {
        if (!name.equals("k")) {
            throw new IllegalArgumentException("PCT takes the parameters depth and k, not \"" + name + "\"");
        }
        k = Integer.parseInt(value);
        if (k < 1) {
            throw new IllegalArgumentException("PCT's k must be at least 1, not " + value);
        }
    }
}
