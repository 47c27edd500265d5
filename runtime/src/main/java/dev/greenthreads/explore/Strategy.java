package dev.greenthreads.explore;

/**
 * How the explorer picks, at each switch point, the green thread that runs next. Each strategy
 * states what it guarantees per schedule; every strategy replays a schedule from its replay line.
 */
public enum Strategy {

    /**
     * Any ready thread with equal probability at every switch point. No bound per schedule:
     * good at bugs that many interleavings show (a lost update, a missed signal), weak at those
     * that need several particular choices in a row.
     */
    RANDOM,

    /**
     * Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010) with depth {@code d}
     * ({@link ExploreOptions#depth(int)}): random thread priorities, {@code d - 1} random
     * priority change points, the highest-priority ready thread runs. Each schedule finds a bug
     * of depth {@code d} in a program of {@code n} threads and {@code k} steps with probability
     * at least {@code 1 / (n * k^(d-1))}. Depth 1 finds order violations, 2 atomicity
     * violations, lost updates and ABBA deadlocks; 3 is the usual default.
     */
    PCT,

    /**
     * Every schedule in turn, depth first, those with fewest switches first, until the budget or
     * the schedules run out. If they run out first ({@code schedulesRun() < schedules}), every
     * interleaving of the program at its switch points was tried: a proof, for tiny programs
     * (the count grows exponentially with the steps). Draws nothing at random; a replay runs the
     * schedules before the failing one again.
     */
    EXHAUSTIVE
}
