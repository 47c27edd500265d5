package dev.greenthreads.benchmarks;

import dev.greenthreads.benchmarks.Figures.Family;
import dev.greenthreads.samples.VirtualThreads;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the whole benchmark suite and publishes it: every JMH benchmark of this package (green,
 * virtual and platform variants side by side in one run), then the {@link ParkedHeap} harness;
 * writes JMH's JSON, {@code RESULTS.md} with the DESIGN.md targets marked met or missed, and PNG
 * charts; ends with a summary. From the repository root, after {@code mvn -B -q -DskipTests package}:
 *
 * <pre>
 *   /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-opens=java.base/java.lang=ALL-UNNAMED -cp benchmarks/target/greenthreads-benchmarks.jar dev.greenthreads.benchmarks.Suite
 * </pre>
 *
 * About 11 minutes on 2 cores. On a JDK older than 21 the virtual-thread variants are left out
 * (and said so). {@code --smoke} runs each benchmark once for 100 ms in this JVM with small sizes
 * and checks that all of them ran, without judging any figure: what the tests and CI run.
 */
public final class Suite {

    /**
     * The benchmarks run without the agent (rewritten at build time), so every JVM that starts
     * green threads opens java.lang to the runtime itself, for green threads' ThreadLocal maps.
     */
    static final String OPEN_JAVA_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    static final String COMMAND = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java " + OPEN_JAVA_LANG
            + " -cp benchmarks/target/greenthreads-benchmarks.jar "
            + "dev.greenthreads.benchmarks.Suite";
    static final String JSON = "jmh-results.json";
    static final String HEAP_JSON = "parked-heap.json";
    /** What the report says on a JDK without virtual threads; null on one with them. */
    static final String VIRTUAL_SKIPPED = VirtualThreads.available() ? null
            : VirtualThreads.unavailableReason() + ": the virtual-thread variants are skipped";

    private static final String USAGE = String.join("\n",
            "usage: java " + OPEN_JAVA_LANG + " -cp greenthreads-benchmarks.jar dev.greenthreads.benchmarks.Suite [options]",
            "  --smoke           each benchmark once, 100 ms, in this JVM, small sizes; checks that all run, judges no figure",
            "  --out DIR         where the results go (default benchmarks/results)",
            "  --include REGEX   only the JMH benchmarks whose name matches (repeatable); the heap harness runs only if",
            "                    a pattern matches \"ParkedHeap\"",
            "  --no-heap         leave out the ParkedHeap harness",
            "  --no-load-time    leave out LoadTime (whole JVMs with and without the agent, agent/target/greenthreads-agent.jar);",
            "                    it runs only if no --include is given or one matches \"LoadTime\", and never in --smoke",
            "  -h, --help        this text");

    private Suite() {
    }

    /** Parsed command line. */
    static final class Options {
        boolean smoke;
        Path out = Paths.get("benchmarks", "results");
        final List<String> includes = new ArrayList<>();
        boolean heap = true;
        boolean loadTime = true;
    }

    /** What a run produced. */
    static final class Outcome {
        Collection<RunResult> results;
        /** "Class.method" of every benchmark that should have run and has no result. */
        final Set<String> failed = new TreeSet<>();
        ParkedHeap.Results heap;
        LoadTime.Summary loadTime;
        List<Targets.Row> targets;
        Path report;
        Path json;
        List<String> charts;
        final List<String> skipped = new ArrayList<>();

        boolean ok() {
            return failed.isEmpty() && (heap == null || heap.all.stream().allMatch(m -> m.ok() || m.skipped));
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = parse(args);
        if (options == null) {
            System.exit(2);
        }
        Outcome outcome = run(options, System.out);
        System.exit(outcome.ok() ? 0 : 1);
    }

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--smoke")) {
                o.smoke = true;
            } else if (a.equals("--no-heap")) {
                o.heap = false;
            } else if (a.equals("--no-load-time")) {
                o.loadTime = false;
            } else if ((a.equals("--out") || a.equals("--include")) && i + 1 < args.length) {
                String value = args[++i];
                if (a.equals("--out")) {
                    o.out = Paths.get(value);
                } else {
                    o.includes.add(value);
                }
            } else {
                System.out.println(a.equals("-h") || a.equals("--help") ? USAGE : "unknown option " + a + "\n" + USAGE);
                return null;
            }
        }
        if (!o.includes.isEmpty() && o.includes.stream().noneMatch(p -> Pattern.compile(p).matcher("ParkedHeap").find())) {
            o.heap = false;
        }
        if (o.smoke || !o.includes.isEmpty() && o.includes.stream().noneMatch(p -> Pattern.compile(p).matcher("LoadTime").find())) {
            o.loadTime = false;
        }
        return o;
    }

    static Outcome run(Options o, PrintStream log) throws Exception {
        long start = System.nanoTime();
        Report.Run run = new Report.Run();
        run.smoke = o.smoke;
        run.date = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
        run.cpu = cpu();
        run.loadAtStart = load();
        run.command = COMMAND + (o.smoke ? " --smoke" : "");
        Files.createDirectories(o.out);
        Outcome outcome = new Outcome();
        outcome.json = o.out.resolve(JSON);

        log.printf("greenthreads benchmark suite%s: JDK %s, %s, load average %s%n", o.smoke ? " (smoke)" : "",
                Runtime.version(), run.cpu, run.loadAtStart);
        log.println("results go to " + o.out.toAbsolutePath().normalize());
        if (!VirtualThreads.available()) {
            log.println(VIRTUAL_SKIPPED);
            outcome.skipped.add("every virtual-thread variant: " + VIRTUAL_SKIPPED);
        }
        outcome.skipped.add("a million platform threads (Skynet): not feasible on this machine (each reserves a native "
                + "stack and a kernel task, costs tens of microseconds to create, and the kernel's thread limit is "
                + "below a million); the platform variant builds a tree of 10^" + SkynetBenchmark.PLATFORM_LEVELS
                + " leaves (11,111 threads), compared per thread");
        outcome.skipped.add("the echo-server target: not part of this suite");

        ChainedOptionsBuilder jmh = new OptionsBuilder()
                .resultFormat(ResultFormatType.JSON)
                .result(outcome.json.toString());
        if (Runtime.version().feature() >= 23) { // one call: each replaces the last
            jmh.jvmArgsAppend(OPEN_JAVA_LANG, "--sun-misc-unsafe-memory-access=allow"); // JMH 1.37 uses Unsafe; JDK 23+ warns
        } else {
            jmh.jvmArgsAppend(OPEN_JAVA_LANG);
        }
        if (o.includes.isEmpty()) {
            jmh.include(Pattern.quote(Suite.class.getPackageName() + ".") + "\\w+Benchmark\\.");
        } else {
            o.includes.forEach(jmh::include);
        }
        if (!VirtualThreads.available()) {
            jmh.exclude("\\.virtual$");
        }
        if (o.smoke) {
            // Nothing is timed for real, so another JMH run on the machine does not matter.
            System.setProperty("jmh.ignoreLock", "true");
            jmh.forks(0).warmupIterations(0).measurementIterations(1).measurementTime(TimeValue.milliseconds(100))
                    .param("levels", "3").param("crowd", "1000").shouldFailOnError(true);
        } else {
            jmh.shouldFailOnError(false);
        }
        Collection<RunResult> results = o.includes.isEmpty() || anyBenchmark(o.includes)
                ? new Runner(jmh.build(), new ProgressFormat(log)).run()
                : List.of();
        outcome.results = results;
        outcome.failed.addAll(expected(o.includes));
        for (RunResult r : results) {
            outcome.failed.remove(shortName(r.getParams().getBenchmark()));
        }

        if (o.heap) {
            int threads = o.smoke ? 10_000 : ParkedHeap.MILLION;
            outcome.heap = ParkedHeap.measure(threads, threads, log);
        } else {
            outcome.skipped.add("the heap per parked thread (ParkedHeap): not run this time (--no-heap or --include)");
        }

        Path agent = Paths.get(LoadTime.AGENT);
        if (o.loadTime && Files.isRegularFile(agent)) {
            log.println("LoadTime: " + LoadTime.RUNS + " whole JVMs each without and with the agent");
            outcome.loadTime = LoadTime.measure(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    agent.toString(), LoadTime.RUNS, List.of(), log);
        } else {
            outcome.skipped.add("the load-time cost of the rewrite (LoadTime): " + (o.loadTime ? "no agent jar at " + agent
                    : "not run this time (--smoke, --no-load-time or --include)"));
        }

        Figures figures = new Figures(results);
        outcome.targets = Targets.evaluate(figures, outcome.heap, outcome.loadTime);
        outcome.charts = Charts.draw(o.out, figures, outcome.heap);
        writeHeapJson(o.out.resolve(HEAP_JSON), outcome.heap);

        run.jdk = jdk(results);
        run.settings = settings(results, o.smoke);
        run.loadAtEnd = load();
        run.duration = minutes(System.nanoTime() - start);
        List<String> skipped = new ArrayList<>(outcome.skipped);
        for (String f : outcome.failed) {
            skipped.add(f + ": FAILED, no result (see the console output)");
        }
        run.skipped = skipped;
        outcome.report = Report.write(o.out, run, figures, outcome.heap, outcome.loadTime, outcome.targets,
                outcome.charts);
        summary(log, run, outcome);
        return outcome;
    }

    /** "Class.method" of every benchmark of the families that the includes select and this JDK can run. */
    static Set<String> expected(List<String> includes) {
        Set<String> names = new TreeSet<>();
        for (Family f : Family.values()) {
            for (Method m : f.type.getMethods()) {
                if (!m.isAnnotationPresent(Benchmark.class)) {
                    continue;
                }
                String full = f.type.getName() + "." + m.getName();
                boolean selected = includes.isEmpty() || includes.stream().anyMatch(p -> Pattern.compile(p).matcher(full).find());
                if (selected && (VirtualThreads.available() || !m.getName().equals("virtual"))) {
                    names.add(shortName(full));
                }
            }
        }
        return names;
    }

    private static boolean anyBenchmark(List<String> includes) {
        return !expected(includes).isEmpty();
    }

    private static String shortName(String benchmark) {
        return benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
    }

    private static void summary(PrintStream log, Report.Run run, Outcome outcome) {
        log.println();
        log.printf("=== greenthreads benchmarks%s: done in %s on %s; load average %s at the start, %s at the end%n",
                run.smoke ? " (smoke: figures meaningless)" : "", run.duration, run.jdk, run.loadAtStart, run.loadAtEnd);
        for (Targets.Row r : outcome.targets) {
            log.printf("  %-12s %-45s %s%n", r.status.word, r.figure, r.measured);
        }
        for (String f : outcome.failed) {
            log.println("  FAILED       " + f + ": no result");
        }
        for (String s : outcome.skipped) {
            log.println("  left out:    " + s);
        }
        log.println("report: " + outcome.report + " (" + outcome.charts.size() + " charts beside it); JMH JSON: " + outcome.json);
    }

    // ------------------------------------------------------------------------------------
    // The machine and the run, for the report

    private static String cpu() {
        String model = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException e) {
            // not Linux: say so below
        }
        return model + ", " + Runtime.getRuntime().availableProcessors() + " processors";
    }

    /** The 1, 5 and 15 minute load averages, as uptime shows them. */
    private static String load() {
        try {
            String[] f = new String(Files.readAllBytes(Paths.get("/proc/loadavg")), StandardCharsets.US_ASCII).split(" ");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String jdk(Collection<RunResult> results) {
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            return "JDK " + p.getJdkVersion() + " (" + p.getVmName() + " " + p.getVmVersion() + ", " + p.getJvm() + ")";
        }
        return "JDK " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")";
    }

    /** "JMH 1.37, 2 forks × (4 warm-up + 8 measured iterations of 500 ms): StartJoin, Yield, ...; ...". */
    private static String settings(Collection<RunResult> results, boolean smoke) {
        Map<String, Set<String>> classesBySetting = new TreeMap<>();
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            String setting = String.format("%d fork%s × (%d warm-up + %d measured iterations of %s)", p.getForks(),
                    p.getForks() == 1 ? "" : "s", p.getWarmup().getCount(), p.getMeasurement().getCount(),
                    p.getMeasurement().getTime());
            String name = shortName(p.getBenchmark());
            classesBySetting.computeIfAbsent(setting, k -> new TreeSet<>()).add(name.substring(0, name.indexOf('.')));
        }
        StringJoiner each = new StringJoiner("; ").setEmptyValue("no JMH benchmark ran");
        classesBySetting.forEach((setting, classes) -> each.add(setting + ": " + String.join(", ", classes)));
        String version = results.isEmpty() ? "" : " " + results.iterator().next().getParams().getJmhVersion();
        return "JMH" + version + ", mode average time; " + each + (smoke ? "; in this JVM (no fork), small sizes" : "");
    }

    private static String minutes(long nanos) {
        long s = TimeUnit.NANOSECONDS.toSeconds(nanos);
        return s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
    }

    private static void writeHeapJson(Path file, ParkedHeap.Results heap) throws IOException {
        StringBuilder json = new StringBuilder("[");
        if (heap != null) {
            for (ParkedHeap.Measurement m : heap.all) {
                json.append(json.length() > 1 ? ",\n " : "\n ").append(String.format(
                        "{\"variant\": \"%s\", \"threads\": %d, \"depth\": %d, \"heapOption\": %s, \"heapBefore\": %d, "
                                + "\"heapAfter\": %d, \"bytesPerThread\": %s, \"parkMillis\": %d, \"failure\": %s}",
                        m.variant, m.threads, ParkedHeap.DEPTH, quote(m.heapOption), m.heapBefore, m.heapAfter,
                        m.ok() ? String.format("%.1f", m.bytesPerThread()) : "null", m.parkMillis, quote(m.failure)));
            }
        }
        json.append("\n]\n");
        Files.write(file, json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
