package dev.greenthreads.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the agent's load-time rewrite costs a whole JVM: runs {@link LibraryWorkload} (Guava,
 * commons-lang3 and Jackson) as a child JVM {@code --runs} times without the agent and as many
 * times with it, every class of the three libraries included, alternating so both see the same
 * machine load. It prints each run, then the medians: wall time, the process's CPU time (all
 * threads, the JIT compilers' included), their ratios, and the agent's own account of its
 * transform (classes rewritten, milliseconds per class), which the agent prints at exit under
 * {@code trace}.
 *
 * <pre>
 *   java -cp benchmarks/target/greenthreads-benchmarks.jar dev.greenthreads.benchmarks.LoadTime \
 *        [--runs 5] [--agent agent/target/greenthreads-agent.jar] [--java JAVA] [-- EXTRA JVM OPTIONS]
 * </pre>
 *
 * The child's class path is this JVM's, so the libraries come from the benchmarks jar.
 * Results and the profile behind them: {@code benchmarks/results/LOAD-TIME.md}.
 */
public final class LoadTime {

    /** Every class of the three libraries, each package with its own {@code include=}. */
    static final String INCLUDE = "include=com.google.**,include=org.apache.commons.lang3.**,include=com.fasterxml.**";

    static final String AGENT = "agent/target/greenthreads-agent.jar";
    static final int RUNS = 5;

    private static final Pattern COST = Pattern.compile(
            "transform cost: (\\d+) classes rewritten of (\\d+) seen, ([\\d.]+) ms \\(([\\d.]+) ms CPU\\)");
    private static final Pattern CPU = Pattern.compile("^cpu-ns (\\d+)$", Pattern.MULTILINE);

    /** One child JVM's figures. */
    record Run(double wallMs, double cpuMs, int rewritten, int seen, double transformMs, double transformCpuMs) {
    }

    /** The medians of both modes. */
    record Summary(Run plain, Run agent) {
        double wallRatio() {
            return agent.wallMs / plain.wallMs;
        }

        double cpuRatio() {
            return agent.cpuMs / plain.cpuMs;
        }

        double msPerClass() {
            return agent.transformMs / agent.rewritten;
        }

        double cpuMsPerClass() {
            return agent.transformCpuMs / agent.rewritten;
        }
    }

    private LoadTime() {
    }

    public static void main(String[] args) throws Exception {
        int runs = RUNS;
        String agent = AGENT;
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<String> extra = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--agent" -> agent = args[++i];
                case "--java" -> java = args[++i];
                case "--" -> {
                    extra.addAll(Arrays.asList(args).subList(i + 1, args.length));
                    i = args.length;
                }
                default -> {
                    System.err.println("usage: LoadTime [--runs N] [--agent JAR] [--java JAVA] [-- JVM OPTIONS]");
                    System.exit(2);
                }
            }
        }
        if (!Files.isRegularFile(Path.of(agent))) {
            System.err.println("no agent jar at " + agent + "; build it (mvn -B -q -DskipTests package) or pass --agent");
            System.exit(2);
        }
        Summary s = measure(java, agent, runs, extra, System.out);
        System.out.printf(Locale.ROOT, "%nmedians of %d runs each (%s)%n", runs, java);
        System.out.printf(Locale.ROOT, "  without agent: %7.0f ms wall %7.0f ms CPU%n", s.plain.wallMs, s.plain.cpuMs);
        System.out.printf(Locale.ROOT, "  with agent:    %7.0f ms wall %7.0f ms CPU  (%d classes rewritten of %d seen)%n",
                s.agent.wallMs, s.agent.cpuMs, s.agent.rewritten, s.agent.seen);
        System.out.printf(Locale.ROOT, "  ratio:         %7.2fx wall %7.2fx CPU%n", s.wallRatio(), s.cpuRatio());
        System.out.printf(Locale.ROOT, "  transform:     %7.0f ms (%.0f ms CPU) = %.2f ms per class rewritten (%.2f ms CPU)%n",
                s.agent.transformMs, s.agent.transformCpuMs, s.msPerClass(), s.cpuMsPerClass());
    }

    static Summary measure(String java, String agent, int runs, List<String> extra, PrintStream log)
            throws IOException, InterruptedException {
        List<Run> plain = new ArrayList<>(), withAgent = new ArrayList<>();
        for (int r = 1; r <= runs; r++) {
            Run p = run(java, null, extra);
            plain.add(p);
            log.printf(Locale.ROOT, "run %d/%d without agent: %6.0f ms wall %6.0f ms CPU%n", r, runs, p.wallMs, p.cpuMs);
            Run a = run(java, agent, extra);
            withAgent.add(a);
            log.printf(Locale.ROOT, "run %d/%d with agent:    %6.0f ms wall %6.0f ms CPU, %d classes rewritten,"
                    + " transform %.0f ms (%.2f ms per class)%n", r, runs, a.wallMs, a.cpuMs, a.rewritten, a.transformMs,
                    a.transformMs / Math.max(1, a.rewritten));
        }
        return new Summary(median(plain), median(withAgent));
    }

    private static Run run(String java, String agent, List<String> extra) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(extra);
        if (agent != null) {
            command.add("-javaagent:" + agent + "=" + INCLUDE + ",trace");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LibraryWorkload.class.getName()));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> text(p.getErrorStream()));
        String out = text(p.getInputStream());
        int exit = p.waitFor();
        double wallMs = (System.nanoTime() - start) / 1e6;
        String errors = err.join();
        Matcher cpu = CPU.matcher(out);
        if (exit != 0 || !cpu.find()) {
            throw new IllegalStateException("the workload failed (exit " + exit + "):\n" + out + errors);
        }
        double cpuMs = Long.parseLong(cpu.group(1)) / 1e6;
        if (agent == null) {
            return new Run(wallMs, cpuMs, 0, 0, 0, 0);
        }
        Matcher cost = COST.matcher(errors);
        if (!cost.find()) {
            throw new IllegalStateException("the agent printed no transform cost:\n" + errors);
        }
        return new Run(wallMs, cpuMs, Integer.parseInt(cost.group(1)), Integer.parseInt(cost.group(2)),
                Double.parseDouble(cost.group(3)), Double.parseDouble(cost.group(4)));
    }

    private static String text(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Each figure's median on its own. */
    private static Run median(List<Run> runs) {
        return new Run(median(runs, Run::wallMs), median(runs, Run::cpuMs), (int) median(runs, r -> r.rewritten),
                (int) median(runs, r -> r.seen), median(runs, Run::transformMs), median(runs, Run::transformCpuMs));
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> figure) {
        double[] v = runs.stream().mapToDouble(figure).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
