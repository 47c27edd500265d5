package dev.greenthreads.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A green thread ended: its body returned, threw, or it exited or was cancelled. Off by default. */
@Name("dev.greenthreads.ThreadEnd")
@Label("Green Thread End")
@Category("Green Threads")
@Description("A green thread ended")
@Enabled(false)
@StackTrace(false)
public final class ThreadEndEvent extends jdk.jfr.Event {

    @Label("Green Thread")
    public String greenThread;

    @Label("Green Thread Id")
    public long greenThreadId;

    @Label("Scheduler")
    public String scheduler;

    @Label("Outcome")
    @Description("returned, failed, or cancelled")
    public String outcome;
}
