package dev.greenthreads.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * A green thread was parked for at least the threshold: from its park to its resumption. Its
 * JFR stack trace would be its carrier's (the runner resuming it), so the green thread's own
 * stack at the park is a field.
 */
@Name("dev.greenthreads.Park")
@Label("Green Thread Park")
@Category("Green Threads")
@Description("A green thread was parked (joining, sleeping, waiting on a lock, a condition or I/O) for longer than the threshold")
@StackTrace(false)
@Threshold("20 ms")
public final class ParkEvent extends jdk.jfr.Event {

    @Label("Green Thread")
    public String greenThread;

    @Label("Green Thread Id")
    public long greenThreadId;

    @Label("Site")
    @Description("Where it parked: the primitive it called, as its stack's top frame")
    public String site;

    @Label("Stack")
    @Description("Its stack at the park, innermost first, one frame a line")
    public String stack;
}
