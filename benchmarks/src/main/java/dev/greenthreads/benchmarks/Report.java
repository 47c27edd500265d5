package dev.greenthreads.benchmarks;

import dev.greenthreads.benchmarks.Figures.Family;
import dev.greenthreads.benchmarks.Figures.Figure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders one run as {@code RESULTS.md}: where and how it ran, the targets with met/missed,
 * every figure with its error and the green/virtual and green/platform ratios, the heap
 * figures, the charts, and what was left out and why.
 */
final class Report {

    /** Where and how the run happened; filled by the {@link Suite}. */
    static final class Run {
        String date;
        String jdk;
        String cpu;
        String loadAtStart;
        String loadAtEnd;
        String settings;
        String command;
        String duration;
        boolean smoke;
        List<String> skipped;
    }

    /** How each benchmark is built, in one line; the class comments say more. */
    private static final Map<Family, String> HOW = Map.ofEntries(
            Map.entry(Family.START_JOIN, "each driver (a green thread, a virtual thread, the benchmark's platform thread) starts a thread "
                    + "with an empty body and joins it, 10,000 times (500 for platform threads)"),
            Map.entry(Family.BULK_START, "the driver starts 10,000 threads (500 platform threads) whose bodies return their "
                    + "index, then joins them all and sums; from=platform: the benchmark's platform thread starts them, "
                    + "from=own: a thread of the variant's kind"),
            Map.entry(Family.YIELD, "one thread, alone on its scheduler, recurses to the depth and yields 10,000 times: "
                    + "GreenThread.yield, Thread.yield in a virtual thread, Thread.yield (sched_yield) in a platform thread"),
            Map.entry(Family.YIELD_AT_SCALE, "the driver starts the threads, each yields 2,000,000 / threads times "
                    + "round-robin, and joins them; platform threads: 1,000 in both cases, 100,000 yields in all"),
            Map.entry(Family.THREAD_LOCALS, "two threads of the variant's kind each yield 10,000 times; locals=set: each first sets "
                    + "its own value of one ThreadLocal and reads it back after every yield (a green thread's thread-locals are its "
                    + "own: a switch swaps the carrier's maps only when a side has some); locals=unused: plain yields"),
            Map.entry(Family.SYNC_BUFFER, "SynchronizedBuffer (samples), 16 slots, 4 producers and 4 consumers passing 5,000 items "
                    + "each: green threads under the agent option monitors, virtual threads (monitors that do not pin since JDK 24), "
                    + "platform threads; uncontendedMonitors and uncontendedJvm: one green thread entering and leaving a monitor "
                    + "alone in rewritten code, with the option and without it (the JVM's monitor)"),
            Map.entry(Family.MUTEX_COND, "two threads pass a turn 10,000 times each way (1,000 for platform threads): lock, "
                    + "await until it is my turn, pass it, signal, unlock; sync.Mutex + sync.Cond against ReentrantLock + Condition"),
            Map.entry(Family.PARK_HANDOFF, "the same turn passed with a volatile int and park/unpark: Strand.park/unpark against "
                    + "LockSupport.park/unpark"),
            Map.entry(Family.CONTENDED, "the threads, started beforehand and released by a gate, increment one counter under one lock "
                    + "2^18 times in all: sync.Mutex against ReentrantLock"),
            Map.entry(Family.SKYNET, "each thread starts 10 children and sums what they return; 10^6 leaves (1,111,111 threads) for "
                    + "green and virtual, 10^4 leaves (11,111 threads) for platform; compared per thread"),
            Map.entry(Family.MIXED_SLEEP, "the driver starts 64 threads, each sleeps 1 ms with Thread.sleep and then hashes for "
                    + "20,000 iterations, 5 times, and joins them: green, the sleep in rewritten code (a green sleep); greenBlocking, "
                    + "the same sleep in a method that is not rewritten, blocking its carrier (the monitor's compensating carriers "
                    + "keep the others running); virtual and platform threads"),
            Map.entry(Family.EXPLORE, "Explorer.explore, PCT depth 3, 1,000 schedules of three threads each incrementing a shared "
                    + "counter 10 times under a sync.Mutex: green with SYNC switch points, greenSharedFields with SHARED_FIELDS too "
                    + "(agent option fields); platform runs the program once on three new platform threads"),
            Map.entry(Family.REWRITE, "the same static methods of a @Suspendable class, through the agent and as javac wrote them, on a "
                    + "platform thread: fib(22), which the agent proves cannot suspend and leaves alone; fib-may-suspend(22), "
                    + "whose leaves could suspend, so every frame is rewritten and nearly every instruction is a call; and a "
                    + "4096-element checksum loop calling a method that could suspend"));

    private Report() {
    }

    static Path write(Path dir, Run run, Figures figures, ParkedHeap.Results heap, LoadTime.Summary loadTime,
            List<Targets.Row> targets, List<String> charts) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# greenthreads benchmark results\n\n");
        if (run.smoke) {
            md.append("> **Smoke run**: one 100 ms iteration per benchmark, no warm-up, in one JVM, with small sizes. "
                    + "It shows that every benchmark runs; its figures mean nothing.\n\n");
        }
        md.append("| | |\n|---|---|\n");
        row(md, "date", run.date);
        row(md, "JDK", run.jdk);
        row(md, "CPU", run.cpu);
        row(md, "load average (1, 5, 15 min)", "at the start " + run.loadAtStart + "; at the end " + run.loadAtEnd
                + ". On a shared machine absolute figures are noisy; the ratios, measured side by side in the same "
                + "run, less so. The virtual-thread figures are the most sensitive to load: on this machine two full "
                + "runs differed by up to 2x in them");
        row(md, "settings", run.settings);
        row(md, "green scheduler", GreenScheduler.CARRIERS + " carriers, the parallelism of the JDK's virtual-thread scheduler");
        row(md, "command", "`" + run.command + "`");
        row(md, "duration", run.duration);
        md.append('\n');

        md.append("## Targets (DESIGN.md)\n\n");
        md.append("| figure | target | | measured |\n|---|---|---|---|\n");
        for (Targets.Row r : targets) {
            md.append("| ").append(r.figure).append(" | ").append(r.target).append(" | **").append(r.status.word)
                    .append("** | ").append(r.measured).append(" |\n");
        }
        md.append("\nErrors are JMH's 99.9% confidence half-intervals; a ratio's error combines both figures' relative errors.\n\n");

        md.append("## Figures\n\n");
        for (Family family : Family.values()) {
            familyTable(md, figures, family);
        }
        heapTable(md, heap);
        loadTimeTable(md, loadTime);

        if (!charts.isEmpty()) {
            md.append("## Charts\n\n");
            for (String chart : charts) {
                md.append("![").append(chart).append("](").append(chart).append(")\n\n");
            }
        }

        md.append("## Left out\n\n");
        for (String s : run.skipped) {
            md.append("- ").append(s).append('\n');
        }
        md.append("\nRaw JMH results: `jmh-results.json`; heap figures: `parked-heap.json`.\n");

        Path file = dir.resolve("RESULTS.md");
        Files.write(file, md.toString().getBytes(StandardCharsets.UTF_8));
        return file;
    }

    private static void familyTable(StringBuilder md, Figures figures, Family family) {
        List<String> cases = figures.cases(family);
        if (cases.isEmpty()) {
            return;
        }
        md.append("### ").append(family.title).append(" (").append(family.per).append(")\n\n");
        md.append(HOW.get(family)).append(".\n\n");
        boolean rewrite = family == Family.REWRITE;
        List<String> variants = family.variants();
        md.append("| case |");
        for (String v : variants) {
            md.append(' ').append(v).append(" |");
        }
        md.append(rewrite ? " rewritten/plain |\n" : " green/virtual | green/platform |\n");
        md.append("|---|").append("---|".repeat(variants.size() + (rewrite ? 1 : 2))).append('\n');
        for (String c : cases) {
            md.append("| ").append(c.isEmpty() ? "—" : c).append(" |");
            for (String v : variants) {
                md.append(' ').append(time(figures.get(family, c, v))).append(" |");
            }
            if (rewrite) {
                md.append(' ').append(ratio(figures.get(family, c, "rewritten"), figures.get(family, c, "plain"))).append(" |\n");
            } else {
                Figure g = figures.get(family, c, "green");
                md.append(' ').append(ratio(g, figures.get(family, c, "virtual"))).append(" | ")
                        .append(ratio(g, figures.get(family, c, "platform"))).append(" |\n");
            }
        }
        if (family == Family.SKYNET) {
            md.append("\nPer tree: ");
            for (String c : cases) {
                for (String v : variants) {
                    Figure f = figures.get(family, c, v);
                    if (f != null) {
                        md.append(v).append(" ").append(f.raw).append("; ");
                    }
                }
            }
            md.setLength(md.length() - 2);
            md.append(".\n");
        }
        md.append('\n');
    }

    private static void loadTimeTable(StringBuilder md, LoadTime.Summary s) {
        if (s == null) {
            return;
        }
        md.append("### load-time rewrite (LoadTime)\n\n");
        md.append("Medians of child JVMs running LibraryWorkload (Guava, commons-lang3, Jackson), alternately without the agent and "
                + "with `" + LoadTime.INCLUDE + "`; CPU is the whole process's, JIT compilers included; the transform's time is "
                + "the agent's own account. Profile and history: `LOAD-TIME.md`.\n\n");
        md.append("| run | wall | CPU | classes rewritten | transform (wall, CPU) | per class (wall, CPU) |\n|---|---|---|---|---|---|\n");
        md.append(String.format(Locale.ROOT, "| without agent | %,.0f ms | %,.0f ms | | | |%n", s.plain().wallMs(), s.plain().cpuMs()));
        md.append(String.format(Locale.ROOT, "| with agent | %,.0f ms | %,.0f ms | %d of %d | %,.0f ms, %,.0f ms | %.2f ms, %.2f ms |%n",
                s.agent().wallMs(), s.agent().cpuMs(), s.agent().rewritten(), s.agent().seen(), s.agent().transformMs(),
                s.agent().transformCpuMs(), s.msPerClass(), s.cpuMsPerClass()));
        md.append(String.format(Locale.ROOT, "%nwith/without: %.2fx wall, %.2fx CPU%n%n", s.wallRatio(), s.cpuRatio()));
    }

    private static void heapTable(StringBuilder md, ParkedHeap.Results heap) {
        if (heap == null) {
            return;
        }
        md.append("### heap per parked thread, at depth ").append(ParkedHeap.DEPTH).append(" (ParkedHeap)\n\n");
        md.append("Each line is a child JVM that parks the threads (Strand.park; LockSupport.park) and measures the used heap "
                + "after full GCs until stable, before and after.\n\n");
        md.append("| run | bytes per thread | heap before → after | time to park all |\n|---|---|---|---|\n");
        for (ParkedHeap.Measurement m : heap.all) {
            md.append("| ").append(ParkedHeap.label(m)).append(" | ");
            if (m.ok()) {
                md.append(String.format("%,.0f B | %,.1f MB → %,.1f MB | %,d ms |\n", m.bytesPerThread(), m.heapBefore / 1e6,
                        m.heapAfter / 1e6, m.parkMillis));
            } else {
                md.append(m.skipped ? "skipped" : "FAILED").append(": ").append(m.failure.replace('|', '/')).append(" | | |\n");
            }
        }
        if (heap.green.ok() && heap.virtual.ok()) {
            md.append(String.format("%ngreen/virtual: %.2f%n", heap.green.bytesPerThread() / heap.virtual.bytesPerThread()));
        }
        md.append('\n');
    }

    private static void row(StringBuilder md, String key, String value) {
        md.append("| ").append(key).append(" | ").append(value).append(" |\n");
    }

    /** "1.23 ± 0.04 us", in the unit that suits the value; "—" for a missing figure. */
    static String time(Figure f) {
        if (f == null) {
            return "—";
        }
        double ns = f.nanos;
        String[] units = {"ns", "us", "ms", "s"};
        int u = 0;
        double scale = 1;
        while (u < units.length - 1 && ns / scale >= 1000) {
            scale *= 1000;
            u++;
        }
        double v = ns / scale;
        int decimals = v >= 100 ? 0 : v >= 10 ? 1 : 2;
        String format = "%." + decimals + "f";
        String value = String.format(format, v);
        if (Double.isNaN(f.error)) {
            return value + " " + units[u];
        }
        return value + " ± " + String.format(format, f.error / scale) + " " + units[u];
    }

    /** "0.24 ± 0.02 (4.2x faster)": {@code a / b} of times, and how much faster or slower {@code a} is. */
    static String ratio(Figure a, Figure b) {
        double[] r = Figures.ratio(a, b);
        if (r == null) {
            return "—";
        }
        String how = r[0] <= 1 ? String.format("%.1fx faster", 1 / r[0]) : String.format("%.1fx slower", r[0]);
        if (a.variant.equals("rewritten")) {
            how = String.format("%+.1f%%", (r[0] - 1) * 100);
        }
        return Double.isNaN(r[1]) ? String.format("%.3g (%s)", r[0], how) : String.format("%.3g ± %.2g (%s)", r[0], r[1], how);
    }
}
