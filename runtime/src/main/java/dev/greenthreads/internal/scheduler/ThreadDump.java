package dev.greenthreads.internal.scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A dump of a scheduler's green threads: per thread its name, id, state, what it waits on and
 * for how long, and its stack ({@link StackTraces}); threads with the same state and stack
 * grouped into one block with their count, the largest groups first.
 *
 * <p>Bounded whatever the number of threads: a group lists at most {@value #LISTED_PER_GROUP}
 * of its threads, and at most {@value #MAX_GROUPS} groups are shown (the rest are counted).
 * Taking it holds, besides the groups, one thread's stack at a time: the places of a parked
 * thread's saved frames are interned strings shared by every thread parked at the same place,
 * so grouping a hundred thousand threads copies no frame. It stops nothing: each thread is read
 * as it is when the walk reaches it.
 */
public final class ThreadDump {

    static final int LISTED_PER_GROUP = 10;
    static final int MAX_GROUPS = 500;

    /** What a thread is doing, as the public {@code GreenThread.State} names it. */
    enum State { NEW, READY, RUNNING, BLOCKED, TERMINATED }

    /** One thread as the walk found it. */
    private static final class Entry {
        final String name;
        final long id;
        final State state;
        final String waitsOn;
        /** Nanoseconds it has been parked, or -1 if it is not. */
        final long waited;

        Entry(String name, long id, State state, String waitsOn, long waited) {
            this.name = name;
            this.id = id;
            this.state = state;
            this.waitsOn = waitsOn;
            this.waited = waited;
        }
    }

    /** Threads with the same state and stack. */
    private static final class Group {
        final State state;
        final List<String> stack;
        final List<Entry> listed = new ArrayList<>();
        int count;
        long longest = -1;

        Group(State state, List<String> stack) {
            this.state = state;
            this.stack = stack;
        }
    }

    private static final class Key {
        final State state;
        final List<String> stack;
        final int hash;

        Key(State state, List<String> stack) {
            this.state = state;
            this.stack = stack;
            this.hash = state.hashCode() * 31 + stack.hashCode();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).state == state && ((Key) o).stack.equals(stack);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final String scheduler;
    private final int carriers;
    private final int carrierThreads;
    private final Map<State, Integer> byState = new EnumMap<>(State.class);
    private final List<Group> groups;
    private int threads;

    private ThreadDump(Dispatcher d) {
        this.scheduler = d.name();
        this.carriers = d.carrierCount();
        this.carrierThreads = d.carrierThreads();
        Map<Key, Group> found = new HashMap<>();
        long now = System.nanoTime();
        for (GreenStrand t : d.liveGreenThreads()) {
            State state = state(t.runState());
            long parkedAt = t.parkedAt;
            List<String> stack = StackTraces.places(t);
            Group g = found.computeIfAbsent(new Key(state, stack), k -> new Group(k.state, k.stack));
            long waited = state == State.BLOCKED ? Math.max(0, now - parkedAt) : -1;
            g.count++;
            g.longest = Math.max(g.longest, waited);
            if (g.listed.size() < LISTED_PER_GROUP) {
                g.listed.add(new Entry(t.name(), t.id(), state, waitsOn(t, state, stack, d), waited));
            }
            byState.merge(state, 1, Integer::sum);
            threads++;
        }
        groups = new ArrayList<>(found.values());
        groups.sort(Comparator.comparingInt((Group g) -> -g.count).thenComparingLong(g -> g.listed.get(0).id));
        for (Group g : groups) {
            g.listed.sort(Comparator.comparingLong(e -> e.id));
        }
    }

    /** The dump of {@code d}'s live green threads, as text. */
    public static String text(Dispatcher d) {
        return new ThreadDump(d).text();
    }

    /** The dump of {@code d}'s live green threads, as one JSON object (for tools). */
    public static String json(Dispatcher d) {
        return new ThreadDump(d).json();
    }

    static State state(int runState) {
        switch (runState) {
            case GreenStrand.NEW: return State.NEW;
            case GreenStrand.READY: case GreenStrand.YIELDING: return State.READY;
            case GreenStrand.RUNNING: return State.RUNNING;
            case GreenStrand.PARKING: case GreenStrand.PARKED: return State.BLOCKED;
            default: return State.TERMINATED;
        }
    }

    /**
     * What a blocked thread waits on: the lock and its holder, or the thread it joins, when it
     * waits untimed ({@link WaitsFor}); else the primitive it parked in, from its stack, and
     * when its timer fires if it has one. Null for a thread that is not blocked.
     */
    private static String waitsOn(GreenStrand t, State state, List<String> stack, Dispatcher d) {
        if (state != State.BLOCKED) {
            return null;
        }
        WaitsFor w = t.waitsFor;
        if (w != null) {
            Strand holder = w.holder();
            if (holder != null) {
                return w.describe(holder);
            }
        }
        String what = stack.isEmpty() ? "a park" : StackTraces.shortName(stack.get(0));
        if (t.timed) {
            long left = t.deadline - d.nanoTime();
            what += left > 0 ? " (timed, " + duration(left) + " left)" : " (timed out)";
        }
        return what;
    }

    // ------------------------------------------------------------------------------------
    // Text

    private String text() {
        StringBuilder b = new StringBuilder();
        b.append("Scheduler \"").append(scheduler).append("\": ").append(carriers).append(" carriers (")
                .append(carrierThreads).append(" carrier threads), ").append(threads).append(" green threads");
        String sep = ": ";
        for (Map.Entry<State, Integer> e : byState.entrySet()) {
            b.append(sep).append(e.getValue()).append(' ').append(e.getKey());
            sep = ", ";
        }
        b.append('\n');
        int shown = 0, hiddenThreads = 0;
        for (Group g : groups) {
            if (shown == MAX_GROUPS) {
                hiddenThreads += g.count;
                continue;
            }
            shown++;
            b.append('\n');
            if (g.count > 1) {
                b.append(g.count).append(" green threads ").append(g.state).append(" with this stack");
                if (g.longest >= 0) {
                    b.append(", the longest waiting for ").append(duration(g.longest));
                }
                b.append(":\n");
            }
            for (Entry e : g.listed) {
                b.append(g.count > 1 ? "  " : "").append('"').append(e.name).append("\" #").append(e.id).append(' ')
                        .append(e.state);
                if (e.waitsOn != null) {
                    b.append(" on ").append(e.waitsOn);
                }
                if (e.waited >= 0) {
                    b.append(", for ").append(duration(e.waited));
                }
                b.append('\n');
            }
            if (g.count > g.listed.size()) {
                b.append("  ... and ").append(g.count - g.listed.size()).append(" more\n");
            }
            for (String place : g.stack) {
                b.append("    at ").append(place).append('\n');
            }
        }
        if (shown < groups.size()) {
            b.append("\n... and ").append(groups.size() - shown).append(" more stacks (").append(hiddenThreads)
                    .append(" green threads) not shown\n");
        }
        return b.toString();
    }

    /** "850 us", "12 ms", "3.2 s", "4 min 10 s". */
    static String duration(long nanos) {
        if (nanos < 1_000_000L) {
            return nanos / 1_000 + " us";
        }
        if (nanos < 1_000_000_000L) {
            return nanos / 1_000_000 + " ms";
        }
        if (nanos < 120_000_000_000L) {
            return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
        }
        long s = nanos / 1_000_000_000L;
        return s / 60 + " min " + s % 60 + " s";
    }

    // ------------------------------------------------------------------------------------
    // JSON

    private String json() {
        StringBuilder b = new StringBuilder("{\"scheduler\":");
        string(b, scheduler);
        b.append(",\"carriers\":").append(carriers).append(",\"carrierThreads\":").append(carrierThreads)
                .append(",\"threads\":").append(threads).append(",\"states\":{");
        String sep = "";
        for (Map.Entry<State, Integer> e : byState.entrySet()) {
            b.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue());
            sep = ",";
        }
        b.append("},\"groups\":[");
        int shown = Math.min(groups.size(), MAX_GROUPS);
        for (int i = 0; i < shown; i++) {
            Group g = groups.get(i);
            b.append(i > 0 ? "," : "").append("{\"count\":").append(g.count).append(",\"state\":\"").append(g.state)
                    .append("\",\"stack\":[");
            for (int k = 0; k < g.stack.size(); k++) {
                if (k > 0) {
                    b.append(',');
                }
                string(b, g.stack.get(k));
            }
            b.append("],\"threads\":[");
            for (int k = 0; k < g.listed.size(); k++) {
                Entry e = g.listed.get(k);
                b.append(k > 0 ? "," : "").append("{\"name\":");
                string(b, e.name);
                b.append(",\"id\":").append(e.id);
                if (e.waitsOn != null) {
                    b.append(",\"waitsOn\":");
                    string(b, e.waitsOn);
                }
                if (e.waited >= 0) {
                    b.append(",\"waitedNanos\":").append(e.waited);
                }
                b.append('}');
            }
            b.append("],\"notListed\":").append(g.count - g.listed.size()).append('}');
        }
        b.append("],\"groupsNotShown\":").append(groups.size() - shown).append('}');
        return b.toString();
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }
}
