package dev.greenthreads.internal.scheduler;

import dev.greenthreads.internal.events.CarrierBlockedEvent;
import dev.greenthreads.internal.events.CompensatingCarrierRetiredEvent;
import dev.greenthreads.internal.events.CompensatingCarrierStartedEvent;
import dev.greenthreads.internal.events.DeadlockEvent;
import dev.greenthreads.internal.events.ParkEvent;
import dev.greenthreads.internal.events.ThreadEndEvent;
import dev.greenthreads.internal.events.ThreadStartEvent;
import java.util.List;

/**
 * Where the scheduler emits its flight-recorder events ({@code dev.greenthreads.internal.events}).
 *
 * <p>The frequent ones (start, end, park) are guarded at their call sites by asking a fresh
 * event whether it is enabled: the event never escapes that check, so the compiler removes its
 * allocation and what remains is the read of the event class's handler, the same that JFR's
 * own {@code shouldCommit} does. A flag of our own, refreshed by a {@code FlightRecorderListener},
 * would be no cheaper and could lag behind a recording that starts.
 */
final class FlightEvents {

    /** Frames of a stack written into an event field, at most. */
    private static final int STACK_FIELD_FRAMES = 64;

    private FlightEvents() {
    }

    static boolean threadStartEnabled() {
        return new ThreadStartEvent().isEnabled();
    }

    static boolean threadEndEnabled() {
        return new ThreadEndEvent().isEnabled();
    }

    static boolean parkEnabled() {
        return new ParkEvent().isEnabled();
    }

    static void threadStarted(GreenStrand t) {
        ThreadStartEvent e = new ThreadStartEvent();
        if (e.shouldCommit()) {
            e.greenThread = t.name();
            e.greenThreadId = t.id();
            e.scheduler = t.dispatcher.name();
            e.commit();
        }
    }

    static void threadEnded(GreenStrand t, String outcome) {
        ThreadEndEvent e = new ThreadEndEvent();
        if (e.shouldCommit()) {
            e.greenThread = t.name();
            e.greenThreadId = t.id();
            e.scheduler = t.dispatcher.name();
            e.outcome = outcome;
            e.commit();
        }
    }

    /** At a park: the event, begun, to pass to {@link #parkEnded}; null if it is not enabled. */
    static Object parkBegins() {
        ParkEvent e = new ParkEvent();
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        return e;
    }

    /** Before {@code t} resumes (its saved frames still intact): ends the event and commits it if it passed the threshold. */
    static void parkEnded(Object event, GreenStrand t) {
        ParkEvent e = (ParkEvent) event;
        e.end();
        if (e.shouldCommit()) {
            List<String> stack = StackTraces.userFrames(t.places());
            e.greenThread = t.name();
            e.greenThreadId = t.id();
            e.site = stack.isEmpty() ? null : stack.get(0);
            e.stack = lines(stack);
            e.commit();
        }
    }

    static void carrierBlocked(Dispatcher d, Carrier carrier) {
        CarrierBlockedEvent e = new CarrierBlockedEvent();
        if (e.shouldCommit()) {
            Object running = carrier.frames.owner();
            e.scheduler = d.name();
            e.carrier = carrier.getName();
            e.greenThread = running instanceof GreenStrand ? ((GreenStrand) running).name() : null;
            StackTraceElement[] stack = carrier.getStackTrace();
            List<String> places = new java.util.ArrayList<>(stack.length);
            for (StackTraceElement s : stack) {
                places.add(StackTraces.place(s));
            }
            e.stack = lines(places);
            e.commit();
        }
    }

    static void compensatingCarrierStarted(Dispatcher d, Thread carrier, int carrierThreads) {
        CompensatingCarrierStartedEvent e = new CompensatingCarrierStartedEvent();
        if (e.shouldCommit()) {
            e.scheduler = d.name();
            e.carrier = carrier.getName();
            e.carrierThreads = carrierThreads;
            e.commit();
        }
    }

    static void compensatingCarrierRetired(Dispatcher d, Thread carrier) {
        CompensatingCarrierRetiredEvent e = new CompensatingCarrierRetiredEvent();
        if (e.shouldCommit()) {
            e.scheduler = d.name();
            e.carrier = carrier.getName();
            e.commit();
        }
    }

    static void deadlockRefused(Strand refused, String cycle) {
        DeadlockEvent e = new DeadlockEvent();
        if (e.shouldCommit()) {
            e.greenThread = refused.name();
            e.cycle = cycle;
            e.commit();
        }
    }

    private static String lines(List<String> places) {
        StringBuilder b = new StringBuilder();
        int n = Math.min(places.size(), STACK_FIELD_FRAMES);
        for (int i = 0; i < n; i++) {
            b.append(places.get(i)).append('\n');
        }
        if (places.size() > n) {
            b.append("... ").append(places.size() - n).append(" more\n");
        }
        return b.toString();
    }
}
