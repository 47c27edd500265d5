package dev.greenthreads.internal.scheduler;

import java.util.ArrayList;
import java.util.List;

/** A carrier that steals with an empty queue of its own, as an idle carrier does. */
final class Thief {

    private Thief() {
    }

    /** Steals half of {@code victim} into a new queue; returns what it got, oldest first. */
    static List<Integer> stealFrom(RunQueue<Integer> victim) {
        RunQueue<Integer> own = new RunQueue<>();
        Integer runNow = own.stealHalfFrom(victim);
        List<Integer> stolen = new ArrayList<>();
        for (Integer item; (item = own.poll()) != null; ) {
            stolen.add(item);
        }
        if (runNow != null) {
            stolen.add(runNow);
        }
        return stolen;
    }
}
