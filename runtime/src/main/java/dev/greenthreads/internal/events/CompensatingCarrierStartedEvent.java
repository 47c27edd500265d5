package dev.greenthreads.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** A carrier thread was started to stand in for one blocked inside a green thread. */
@Name("dev.greenthreads.CompensatingCarrierStarted")
@Label("Compensating Carrier Started")
@Category("Green Threads")
@Description("A carrier thread was started to stand in for one blocked inside a green thread")
@StackTrace(false)
public final class CompensatingCarrierStartedEvent extends jdk.jfr.Event {

    @Label("Scheduler")
    public String scheduler;

    @Label("Carrier")
    public String carrier;

    @Label("Carrier Threads")
    @Description("Carrier threads alive, this one included")
    public int carrierThreads;
}
