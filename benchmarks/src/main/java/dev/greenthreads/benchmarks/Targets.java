package dev.greenthreads.benchmarks;

import dev.greenthreads.benchmarks.Figures.Family;
import dev.greenthreads.benchmarks.Figures.Figure;
import dev.greenthreads.samples.VirtualThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The performance targets of {@code DESIGN.md}, each checked against the figures of one run:
 * met, missed, or not measured (and why).
 */
final class Targets {

    enum Status {
        MET("met"), MISSED("MISSED"), NOT_MEASURED("not measured");

        final String word;

        Status(String word) {
            this.word = word;
        }
    }

    static final class Row {
        final String figure;
        final String target;
        final Status status;
        final String measured;

        Row(String figure, String target, Status status, String measured) {
            this.figure = figure;
            this.target = target;
            this.status = status;
            this.measured = measured;
        }
    }

    private Targets() {
    }

    static List<Row> evaluate(Figures f, ParkedHeap.Results heap, LoadTime.Summary loadTime) {
        List<Row> rows = new ArrayList<>();
        Figure startGreen = f.get(Family.START_JOIN, "", "green");
        rows.add(cheaper("create + start + join a trivial thread", "at least 5x cheaper than a virtual thread",
                startGreen, f.get(Family.START_JOIN, "", "virtual"), "virtual", 5));
        rows.add(cheaper("create + start + join a trivial thread", "at least 100x cheaper than a platform thread",
                startGreen, f.get(Family.START_JOIN, "", "platform"), "platform", 100));
        for (String from : new String[] {"platform", "own"}) {
            rows.add(cheaper("start 10,000 threads, then join them all (from=" + from + ")",
                    "at least 5x cheaper than virtual threads", f.get(Family.BULK_START, "from=" + from, "green"),
                    f.get(Family.BULK_START, "from=" + from, "virtual"), "virtual", 5));
        }
        rows.add(cheaper("yield switch at stack depth 1", "at least 3x cheaper than a virtual thread's Thread.yield",
                f.get(Family.YIELD, "depth=1", "green"), f.get(Family.YIELD, "depth=1", "virtual"), "virtual", 3));
        for (String threads : new String[] {"1000", "100000"}) {
            rows.add(cheaper("yield at scale, " + threads + " threads round-robin",
                    "at least 5x cheaper than virtual threads' Thread.yield",
                    f.get(Family.YIELD_AT_SCALE, "crowd=" + threads, "green"),
                    f.get(Family.YIELD_AT_SCALE, "crowd=" + threads, "virtual"), "virtual", 5));
        }
        rows.add(cheaper("mutex + condition ping-pong", "at least 2x faster than virtual threads with ReentrantLock/Condition",
                f.get(Family.MUTEX_COND, "", "green"), f.get(Family.MUTEX_COND, "", "virtual"), "virtual", 2));
        rows.add(atMost("switch (yield) at stack depth 100", "no worse than 2x a virtual thread's",
                f.get(Family.YIELD, "depth=100", "green"), f.get(Family.YIELD, "depth=100", "virtual"), "virtual", 2));
        rows.add(heapRatio(heap));
        rows.add(fits(heap));
        for (String workload : new String[] {"fib", "fib-may-suspend", "checksum"}) {
            rows.add(atMost("instrumented code that does not suspend (" + workload + ")", "within 5% of the same code uninstrumented",
                    f.get(Family.REWRITE, "workload=" + workload, "rewritten"), f.get(Family.REWRITE, "workload=" + workload, "plain"),
                    "plain", 1.05));
        }
        rows.addAll(loadTime(loadTime));
        rows.add(new Row("echo server, 1k and 5k connections", "throughput at least that of virtual threads",
                Status.NOT_MEASURED, "not part of this suite (the samples' echo server)"));
        return rows;
    }

    /** Issue 8: the rewrite at class load, per class and as a whole JVM's run (LoadTime). */
    private static List<Row> loadTime(LoadTime.Summary s) {
        String perClass = "agent's rewrite at class load (LoadTime)", whole = "whole JVM, Guava + commons-lang3 + Jackson all included";
        String perTarget = "at most 1 ms CPU per class rewritten", wholeTarget = "at most 1.5x the wall time without the agent";
        if (s == null) {
            return List.of(new Row(perClass, perTarget, Status.NOT_MEASURED, "LoadTime did not run"),
                    new Row(whole, wholeTarget, Status.NOT_MEASURED, "LoadTime did not run"));
        }
        return List.of(
                new Row(perClass, perTarget, s.cpuMsPerClass() <= 1 ? Status.MET : Status.MISSED, String.format(Locale.ROOT,
                        "%.2f ms CPU (%.2f ms wall) per class, %d classes", s.cpuMsPerClass(), s.msPerClass(), s.agent().rewritten())),
                new Row(whole, wholeTarget, s.wallRatio() <= 1.5 ? Status.MET : Status.MISSED, String.format(Locale.ROOT,
                        "%.2fx wall (%.2fx CPU): %.0f ms against %.0f ms", s.wallRatio(), s.cpuRatio(), s.agent().wallMs(),
                        s.plain().wallMs())));
    }

    /** Green must be at least {@code factor} times cheaper than {@code other}. */
    private static Row cheaper(String figure, String target, Figure green, Figure other, String otherName, double factor) {
        double[] r = Figures.ratio(other, green);
        if (r == null) {
            return notMeasured(figure, target, green, other, otherName);
        }
        Status s = r[0] >= factor ? Status.MET : Status.MISSED;
        String how = r[0] >= 1 ? String.format("%.3gx cheaper", r[0]) : String.format("%.3gx dearer", 1 / r[0]);
        return new Row(figure, target, s, how + within(r, factor) + ": green " + Report.time(green) + ", " + otherName + " "
                + Report.time(other));
    }

    /** Green may cost at most {@code factor} times {@code other}. */
    private static Row atMost(String figure, String target, Figure green, Figure other, String otherName, double factor) {
        double[] r = Figures.ratio(green, other);
        if (r == null) {
            return notMeasured(figure, target, green, other, otherName);
        }
        Status s = r[0] <= factor ? Status.MET : Status.MISSED;
        String name = green.variant.equals("rewritten") ? "rewritten" : "green";
        return new Row(figure, target, s, String.format("%.3gx", r[0]) + within(r, factor) + ": " + name + " "
                + Report.time(green) + ", " + otherName + " " + Report.time(other));
    }

    private static Row heapRatio(ParkedHeap.Results heap) {
        String figure = "heap per parked thread (depth 3)";
        String target = "at most a quarter of a virtual thread's";
        if (heap == null) {
            return new Row(figure, target, Status.NOT_MEASURED, "the heap harness did not run");
        }
        if (!heap.green.ok() || !heap.virtual.ok()) {
            ParkedHeap.Measurement why = heap.green.ok() ? heap.virtual : heap.green;
            return new Row(figure, target, Status.NOT_MEASURED, why.variant + ": " + why.describe());
        }
        double r = heap.green.bytesPerThread() / heap.virtual.bytesPerThread();
        return new Row(figure, target, r <= 0.25 ? Status.MET : Status.MISSED, String.format(
                "%.2f of virtual's: green %,.0f B, virtual %,.0f B per thread (%,d threads each)", r,
                heap.green.bytesPerThread(), heap.virtual.bytesPerThread(), heap.green.threads));
    }

    private static Row fits(ParkedHeap.Results heap) {
        String figure = "a million parked green threads";
        String target = "fit in a 1 GB heap";
        if (heap == null) {
            return new Row(figure, target, Status.NOT_MEASURED, "the heap harness did not run");
        }
        ParkedHeap.Measurement m = heap.fits;
        if (m.threads < ParkedHeap.MILLION) {
            return new Row(figure, target, Status.NOT_MEASURED, String.format("only %,d threads were parked (smoke run): %s",
                    m.threads, m.ok() ? "fit" : m.failure));
        }
        if (!m.ok()) {
            return new Row(figure, target, Status.MISSED, m.failure);
        }
        return new Row(figure, target, Status.MET, String.format("%,d parked under %s: %,.0f MB live after GC",
                m.threads, m.heapOption, (m.heapAfter) / 1e6));
    }

    private static Row notMeasured(String figure, String target, Figure green, Figure other, String otherName) {
        String why;
        if (other == null && otherName.equals("virtual") && !VirtualThreads.available()) {
            why = Suite.VIRTUAL_SKIPPED;
        } else {
            why = (green == null ? "the green" : "the " + otherName) + " benchmark did not run (excluded, or it failed)";
        }
        return new Row(figure, target, Status.NOT_MEASURED, why);
    }

    /** " (the threshold is within the error)" when the ratio's interval straddles the threshold. */
    private static String within(double[] r, double threshold) {
        return Math.abs(r[0] - threshold) <= r[1] ? " (the target is within the error)" : "";
    }
}
