/**
 * What JConsole, JDK Mission Control and {@code java -jar greenthreads-agent.jar top PID} read:
 * the platform MXBean each {@code Scheduler} registers as
 * {@code dev.greenthreads:type=Scheduler,name=NAME} ({@link dev.greenthreads.management.SchedulerMXBean}),
 * a scoreboard of its carriers and green threads, with the thread dump as an operation.
 *
 * <p>Reading it costs the scheduler nothing it would not pay anyway: the per-carrier counters
 * are plain fields each carrier (or the carrier monitor) writes for itself, read racily; the
 * counts by state walk the live threads when asked.
 */
package dev.greenthreads.management;
