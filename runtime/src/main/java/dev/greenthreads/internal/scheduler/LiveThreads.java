package dev.greenthreads.internal.scheduler;

import dev.greenthreads.internal.sync.SpinLock;
import java.util.ArrayList;
import java.util.List;

/**
 * The green threads a dispatcher started and that have not ended (Go's allgs), for dumps, hang
 * reports, {@code Scheduler.threads()} and the scoreboard's counts: a doubly-linked list through
 * two fields of each strand ({@link GreenStrand#liveNext}, {@link GreenStrand#livePrev}), split
 * into {@value #STRIPES} stripes by the thread's id so that starts and ends on different carriers
 * rarely meet on one lock. The links cost a thread 8 bytes, where a concurrent set's entry costs
 * a node and its share of a table (about 42 bytes).
 *
 * <p>Each stripe's lock guards its head and the links of its strands. Adding and removing hold
 * it for a few instructions; a walk holds it while it copies (or counts) one stripe, which only
 * diagnostics do. A removed strand's links are cleared, so that a thread that ended keeps no
 * other thread reachable. A walk sees every thread that was live throughout it; one started or
 * ended during it may or may not be seen.
 */
final class LiveThreads {

    static final int STRIPES = 64;

    private static final class Stripe extends SpinLock {
        GreenStrand head;
    }

    private final Stripe[] stripes = new Stripe[STRIPES];

    LiveThreads() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    private Stripe stripeOf(GreenStrand t) {
        return stripes[(int) t.id() & (STRIPES - 1)];
    }

    void add(GreenStrand t) {
        Stripe s = stripeOf(t);
        s.lock();
        try {
            GreenStrand h = s.head;
            t.liveNext = h;
            if (h != null) {
                h.livePrev = t;
            }
            s.head = t;
        } finally {
            s.unlock();
        }
    }

    void remove(GreenStrand t) {
        Stripe s = stripeOf(t);
        s.lock();
        try {
            GreenStrand p = t.livePrev, n = t.liveNext;
            if (p == null) {
                if (s.head == t) {
                    s.head = n;
                }
            } else {
                p.liveNext = n;
            }
            if (n != null) {
                n.livePrev = p;
            }
            t.liveNext = t.livePrev = null;
        } finally {
            s.unlock();
        }
    }

    /** A snapshot of the live threads, stripe by stripe. */
    List<GreenStrand> snapshot() {
        List<GreenStrand> all = new ArrayList<>();
        for (Stripe s : stripes) {
            s.lock();
            try {
                for (GreenStrand t = s.head; t != null; t = t.liveNext) {
                    all.add(t);
                }
            } finally {
                s.unlock();
            }
        }
        return all;
    }

    /** How many live threads are in run state {@code state}, as {@link ThreadDump#state} maps them. */
    int count(ThreadDump.State state) {
        int n = 0;
        for (Stripe s : stripes) {
            s.lock();
            try {
                for (GreenStrand t = s.head; t != null; t = t.liveNext) {
                    if (ThreadDump.state(t.runState()) == state) {
                        n++;
                    }
                }
            } finally {
                s.unlock();
            }
        }
        return n;
    }

    /** Some live thread, or null if there is none. */
    GreenStrand any() {
        for (Stripe s : stripes) {
            s.lock();
            try {
                if (s.head != null) {
                    return s.head;
                }
            } finally {
                s.unlock();
            }
        }
        return null;
    }
}
