package dev.greenthreads.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A carrier thread that was no longer needed ended after idling. */
@Name("dev.greenthreads.CompensatingCarrierRetired")
@Label("Compensating Carrier Retired")
@Category("Green Threads")
@Description("A carrier thread no longer needed ended after idling")
@StackTrace(false)
public final class CompensatingCarrierRetiredEvent extends jdk.jfr.Event {

    @Label("Scheduler")
    public String scheduler;

    @Label("Carrier")
    public String carrier;
}
