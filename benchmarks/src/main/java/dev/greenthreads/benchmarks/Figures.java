package dev.greenthreads.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * JMH results turned into comparable figures: each in nanoseconds per the family's operation
 * (a thread, a yield, a round trip...), keyed by family, case (the JMH parameters) and variant
 * (the benchmark method: green, virtual, platform; plain, rewritten).
 */
final class Figures {

    /** A benchmark class, what one of its operations is, and how its cases are named. */
    enum Family {
        START_JOIN(StartJoinBenchmark.class, "start+join", "create + start + join a trivial thread", "per thread"),
        BULK_START(BulkStartBenchmark.class, "bulk start", "start 10,000 threads returning a value, then join them all",
                "per thread"),
        YIELD(YieldBenchmark.class, "yield", "yield, alone on the scheduler, at a stack depth", "per yield"),
        YIELD_AT_SCALE(YieldAtScaleBenchmark.class, "yield at scale",
                "threads yielding round-robin, 2,000,000 yields in all", "per yield"),
        THREAD_LOCALS(ThreadLocalSwitchBenchmark.class, "thread-local switch", "two threads yielding 10,000 times each,"
                + " without thread-locals and with one set and read back at every switch", "per yield"),
        MUTEX_COND(MutexCondPingPongBenchmark.class, "mutex+cond ping-pong", "mutex + condition ping-pong between two threads",
                "per round trip"),
        PARK_HANDOFF(ParkHandoffBenchmark.class, "park/unpark hand-off", "park/unpark hand-off between two threads",
                "per round trip"),
        CONTENDED(ContendedMutexBenchmark.class, "contended mutex",
                "contended mutex, 2^18 lock/update/unlock shared by the threads (a count, a sum, a last value)", "per lock/update/unlock"),
        SYNC_BUFFER(SynchronizedBufferBenchmark.class, "synchronized buffer", "the textbook bounded buffer:"
                + " synchronized, wait and notifyAll, 4 producers and 4 consumers", "per item; uncontended: per enter and exit"),
        UNCONTENDED(UncontendedMutexBenchmark.class, "uncontended mutex",
                "uncontended mutex, one thread alone on its lock", "per lock/increment/unlock"),
        SKYNET(SkynetBenchmark.class, "skynet", "Skynet: a 10-ary tree of threads summing their numbers", "per thread"),
        MIXED_SLEEP(MixedSleepBenchmark.class, "mixed sleep", "64 threads, each 5 rounds of Thread.sleep(1 ms) and some"
                + " tens of microseconds of computing", "per round of one thread"),
        EXPLORE(ExploreBenchmark.class, "explore", "the interleaving explorer: one schedule of 3 threads with 20 switch"
                + " points each, against one run on platform threads", "per schedule; platform: per run"),
        REWRITE(RewriteOverheadBenchmark.class, "no-suspend rewrite",
                "rewritten code that does not suspend, against the same code not rewritten", "per workload run");

        final Class<?> type;
        /** Short, for chart labels. */
        final String label;
        final String title;
        final String per;

        Family(Class<?> type, String label, String title, String per) {
            this.type = type;
            this.label = label;
            this.title = title;
            this.per = per;
        }

        /** "yield depth=10", "start+join": a case named for a chart. */
        String label(String caseKey) {
            return caseKey.isEmpty() ? label : label + " " + caseKey;
        }

        /** File name of this family's chart. */
        String chartFile() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ".png";
        }

        /** The variants in the order of the report's columns. */
        List<String> variants() {
            return this == REWRITE ? List.of("plain", "rewritten")
                    : this == EXPLORE ? List.of("green", "greenSharedFields", "platform")
                    : this == MIXED_SLEEP ? List.of("green", "greenBlocking", "virtual", "platform")
                    : this == SYNC_BUFFER ? List.of("green", "virtual", "platform", "uncontendedMonitors", "uncontendedJvm")
                    : List.of("green", "virtual", "platform");
        }

        static Family of(String simpleClassName) {
            for (Family f : values()) {
                if (f.type.getSimpleName().equals(simpleClassName)) {
                    return f;
                }
            }
            return null;
        }
    }

    /** One measured figure. {@code nanos} and {@code error} are per operation; error is JMH's 99.9% half-interval. */
    static final class Figure {
        final Family family;
        final String caseKey;
        final String variant;
        final double nanos;
        final double error;
        /** JMH's own figure, e.g. "1234.5 ± 12.3 ms/op", and what one of its operations was, if not the family's. */
        final String raw;

        Figure(Family family, String caseKey, String variant, double nanos, double error, String raw) {
            this.family = family;
            this.caseKey = caseKey;
            this.variant = variant;
            this.nanos = nanos;
            this.error = error;
            this.raw = raw;
        }
    }

    private final Map<String, Figure> byKey = new LinkedHashMap<>();

    Figures(Collection<RunResult> results) {
        for (RunResult r : results) {
            Figure f = figure(r);
            if (f != null) {
                byKey.put(key(f.family, f.caseKey, f.variant), f);
            }
        }
    }

    Figure get(Family family, String caseKey, String variant) {
        return byKey.get(key(family, caseKey, variant));
    }

    /** The case keys of a family, in the order JMH ran them. */
    List<String> cases(Family family) {
        List<String> cases = new ArrayList<>();
        for (Figure f : byKey.values()) {
            if (f.family == family && !cases.contains(f.caseKey)) {
                cases.add(f.caseKey);
            }
        }
        return cases;
    }

    boolean isEmpty() {
        return byKey.isEmpty();
    }

    /**
     * {@code a / b} of two figures and its error, the relative errors added in quadrature (NaN
     * when a figure has none, as after a single iteration); null if either figure is missing.
     */
    static double[] ratio(Figure a, Figure b) {
        if (a == null || b == null || b.nanos == 0) {
            return null;
        }
        double r = a.nanos / b.nanos;
        double ea = a.error / a.nanos;
        double eb = b.error / b.nanos;
        return new double[] {r, r * Math.sqrt(ea * ea + eb * eb)};
    }

    private static String key(Family family, String caseKey, String variant) {
        return family + "|" + caseKey + "|" + variant;
    }

    private static Figure figure(RunResult r) {
        BenchmarkParams p = r.getParams();
        String name = p.getBenchmark();
        String method = name.substring(name.lastIndexOf('.') + 1);
        String className = name.substring(0, name.lastIndexOf('.'));
        Family family = Family.of(className.substring(className.lastIndexOf('.') + 1));
        if (family == null) {
            return null;
        }
        StringJoiner caseKey = new StringJoiner(", ");
        for (String k : p.getParamsKeys()) {
            caseKey.add(k + "=" + p.getParam(k));
        }
        Result<?> primary = r.getPrimaryResult();
        double toNanos = nanosPer(primary.getScoreUnit());
        double perOp = 1;
        String raw = String.format("%.4g ± %.2g %s", primary.getScore(), primary.getScoreError(), primary.getScoreUnit());
        if (family == Family.SKYNET) {
            int levels = Integer.parseInt(p.getParam("levels"));
            if (method.equals("platform")) {
                levels = SkynetBenchmark.platformLevels(levels);
            }
            perOp = SkynetBenchmark.threads(levels);
            raw += String.format(" (a tree of %,d threads)", (long) perOp);
        }
        return new Figure(family, caseKey.toString(), method, primary.getScore() * toNanos / perOp,
                primary.getScoreError() * toNanos / perOp, raw);
    }

    private static double nanosPer(String unit) {
        String u = unit.substring(0, unit.indexOf('/'));
        switch (u) {
            case "ns":
                return 1;
            case "us":
                return TimeUnit.MICROSECONDS.toNanos(1);
            case "ms":
                return TimeUnit.MILLISECONDS.toNanos(1);
            case "s":
                return TimeUnit.SECONDS.toNanos(1);
            default:
                throw new IllegalArgumentException("unexpected JMH unit " + unit);
        }
    }
}
