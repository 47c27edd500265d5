package dev.greenthreads.explore;

/** What {@link Explorer#explore} found: how many schedules it ran, and the first failure, if any. */
public final class ExploreResult {

    private final int schedulesRun;
    private final Failure failure;

    ExploreResult(int schedulesRun, Failure failure) {
        this.schedulesRun = schedulesRun;
        this.failure = failure;
    }

    /** Whether a schedule failed. */
    public boolean failed() {
        return failure != null;
    }

    /** Schedules run, the failing one included. */
    public int schedulesRun() {
        return schedulesRun;
    }

    /** The first failing schedule, or null if none failed. */
    public Failure failure() {
        return failure;
    }

    @Override
    public String toString() {
        return failure == null ? "no failure in " + schedulesRun + " schedules" : failure.toString();
    }
}
