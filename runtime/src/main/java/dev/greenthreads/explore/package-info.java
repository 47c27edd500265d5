/**
 * The interleaving explorer: runs a concurrent program under many schedules of its green
 * threads, chosen on purpose, stops at the first that fails, and replays it.
 *
 * <h2>Vocabulary</h2>
 * <ul>
 *   <li><b>Body</b>: a {@code SuspendableRunnable} that starts green threads and joins them,
 *       run as the root green thread ({@code main}) of each schedule.</li>
 *   <li><b>Switch point</b> ({@link dev.greenthreads.explore.SwitchPoints}): a place where the
 *       running thread may be replaced by another: thread and synchronisation operations
 *       ({@code SYNC}), and with the agent option {@code fields} every field and array access
 *       ({@code SHARED_FIELDS}).</li>
 *   <li><b>Step</b>: one scheduling decision, at a switch point or when a thread parks, yields
 *       or ends. A schedule's length is its number of steps.</li>
 *   <li><b>Schedule</b>: one run of the body; schedule {@code n} of a seed is always the same
 *       interleaving. <b>Strategy</b> ({@link dev.greenthreads.explore.Strategy}): how each
 *       step picks the next thread.</li>
 *   <li><b>Replay line</b> ({@link dev.greenthreads.explore.Failure#replay()}): strategy,
 *       parameters, seed and schedule number, all a replay needs.</li>
 * </ul>
 *
 * <h2>The invariant: a schedule is a function of its replay line</h2>
 * Exploration runs every schedule on one carrier, so only the strategy decides who runs; time
 * is a virtual clock that moves with the steps and jumps to the next timer when nothing is
 * ready, so sleeps and timeouts fall at the same step every time and cost no real time; the
 * strategy's random choices for schedule {@code n} are drawn from a generator seeded by the
 * seed and {@code n} alone; threads and locks are named in the trace by the order in which the
 * schedule met them. Therefore replaying a line re-runs the very same interleaving, provided the
 * body itself is deterministic: it must not depend on real time, platform threads, I/O with the
 * outside or state left by earlier runs. The engine is
 * {@code dev.greenthreads.internal.scheduler.ExploringDispatcher}; the strategies are
 * {@code RandomChoices} and {@code PriorityChanges} there.
 *
 * <h2>What counts as a failure</h2>
 * An exception or assertion error escaping any green thread (the first one, as thrown); a
 * deadlock: every thread left is blocked, none is ready, no timer is pending (or a lock or join
 * that would close a wait-for cycle was refused with a {@code GreenDeadlockException}); a
 * schedule longer than {@code maxSteps} steps, a livelock. A loop that spins with no switch
 * point in it (no yield, no lock, no shared field access under {@code SHARED_FIELDS}) never
 * gives the explorer control back and is not detected.
 *
 * <h2>JUnit</h2>
 * {@link dev.greenthreads.explore.ExploreInterleavings} makes a test method the body; the
 * runtime is compiled against {@code junit-jupiter-api} (scope {@code provided}), which a test
 * that uses it has anyway.
 */
package dev.greenthreads.explore;
