package dev.greenthreads.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A lock or join would have closed a wait-for cycle and was refused with a
 * {@code GreenDeadlockException}; the event's stack trace is the refused thread's.
 */
@Name("dev.greenthreads.Deadlock")
@Label("Deadlock Refused")
@Category("Green Threads")
@Description("A lock or join that would have closed a cycle of waiting threads was refused")
@StackTrace(true)
public final class DeadlockEvent extends jdk.jfr.Event {

    @Label("Green Thread")
    @Description("The thread whose wait was refused")
    public String greenThread;

    @Label("Cycle")
    @Description("Each thread and lock of the cycle, as the exception's message names them")
    public String cycle;
}
