package dev.greenthreads.explore;

/**
 * The first schedule under which the body failed: what went wrong, which schedule, the line
 * that replays it ({@link Explorer#replay}), and the trace of what each green thread did.
 */
public final class Failure {

    private final Throwable error;
    private final boolean deadlock;
    private final int schedule;
    private final String replay;
    private final String trace;

    Failure(Throwable error, boolean deadlock, int schedule, String replay, String trace) {
        this.error = error;
        this.deadlock = deadlock;
        this.schedule = schedule;
        this.replay = replay;
        this.trace = trace;
    }

    /**
     * What failed: the exception or assertion error that escaped a green thread (as thrown, not
     * wrapped); for a deadlock a {@link dev.greenthreads.GreenDeadlockException} naming the
     * blocked threads; for a livelock an {@link IllegalStateException} saying so.
     */
    public Throwable error() {
        return error;
    }

    /**
     * Whether the threads deadlocked: all blocked, none ready, no timer pending; or a wait that
     * would have closed a wait-for cycle was refused with a {@link dev.greenthreads.GreenDeadlockException}.
     */
    public boolean deadlock() {
        return deadlock;
    }

    /** The failing schedule's number, from 1. */
    public int schedule() {
        return schedule;
    }

    /** One printable line that {@link Explorer#replay} turns back into this schedule: strategy, parameters, seed, schedule. */
    public String replay() {
        return replay;
    }

    /**
     * Per green thread, the operations of the failing schedule in order, with their source lines
     * and the switches before them; for a deadlock the wait-for cycle and each blocked thread's
     * stack.
     */
    public String trace() {
        return trace;
    }

    @Override
    public String toString() {
        return (deadlock ? "deadlock" : "failure") + " in schedule " + schedule + ": " + error + "\nreplay: " + replay
                + "\n" + trace;
    }
}
