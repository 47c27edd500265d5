package dev.greenthreads.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * The carrier monitor found a carrier thread blocked inside a green thread (a plain blocking
 * call, a contended monitor, a pinned park) while others waited, and handed its work to another
 * carrier thread.
 */
@Name("dev.greenthreads.CarrierBlocked")
@Label("Carrier Blocked")
@Category("Green Threads")
@Description("A carrier thread was blocked inside a green thread and its work handed to another carrier thread")
@StackTrace(false)
public final class CarrierBlockedEvent extends jdk.jfr.Event {

    @Label("Scheduler")
    public String scheduler;

    @Label("Carrier")
    @Description("The blocked carrier thread")
    public String carrier;

    @Label("Green Thread")
    @Description("The green thread it was running")
    public String greenThread;

    @Label("Stack")
    @Description("The blocked carrier's stack, innermost first, one frame a line")
    public String stack;
}
