package dev.greenthreads.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A green thread was started. Off by default: a program may start millions. */
@Name("dev.greenthreads.ThreadStart")
@Label("Green Thread Start")
@Category("Green Threads")
@Description("A green thread was started")
@Enabled(false)
@StackTrace(true)
public final class ThreadStartEvent extends jdk.jfr.Event {

    @Label("Green Thread")
    public String greenThread;

    @Label("Green Thread Id")
    public long greenThreadId;

    @Label("Scheduler")
    public String scheduler;
}
