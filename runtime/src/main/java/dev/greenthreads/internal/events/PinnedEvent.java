package dev.greenthreads.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * A green thread suspended where it cannot unwind (inside {@code synchronized}, a constructor,
 * a static initialiser, a lambda that JDK code calls back) and so blocked its carrier thread in
 * place, for the event's duration. One event per such suspension; the log reports each site once.
 * The default threshold is the one the JDK uses for a pinned virtual thread.
 */
@Name("dev.greenthreads.Pinned")
@Label("Green Thread Pinned")
@Category("Green Threads")
@Description("A green thread blocked its carrier thread where a suspension cannot unwind")
@StackTrace(true)
@Threshold("20 ms")
public final class PinnedEvent extends jdk.jfr.Event {

    @Label("Site")
    @Description("Where the suspension could not unwind, as the agent named it")
    public String site;

    @Label("Green Thread")
    public String greenThread;
}
