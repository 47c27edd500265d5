package dev.greenthreads.samples;

import dev.greenthreads.samples.echo.EchoBench;
import dev.greenthreads.samples.echo.EchoClientCommand;
import dev.greenthreads.samples.echo.EchoMode;
import dev.greenthreads.samples.echo.EchoServerCommand;
import dev.greenthreads.samples.echo.InetdEchoService;
import dev.greenthreads.samples.echo.PreforkPool;
import dev.greenthreads.samples.echo.PreforkWorker;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry point of the samples jar: {@code java -javaagent:agent/target/greenthreads-agent.jar
 * -jar samples/target/greenthreads-samples.jar SUBCOMMAND [OPTIONS]}.
 *
 * <p>The first argument names the sample; the rest go to it. Exit codes: 0 success, 1 the
 * sample failed, 2 a usage error.
 */
public final class Main {

    /** One runnable sample. Returns the process exit code. */
    interface Subcommand {
        int run(String[] args) throws Exception;
    }

    /**
     * One row of the menu. {@code needsAgent}: the sample's green threads suspend, so running
     * it without the agent earns a hint (the echo commands check for themselves, per mode).
     */
    private record Entry(String summary, boolean needsAgent, Subcommand command) {}

    private static final Map<String, Entry> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("million", new Entry(
                "start a million green threads; compare with virtual and platform threads",
                true, Million::run));
        SUBCOMMANDS.put("spawn-rates", new Entry(
                "the lecture's table: processes, platform, virtual and green threads started per second",
                true, SpawnRates::run));
        SUBCOMMANDS.put("touch-count", new Entry(
                "the lecture's lost update (total += count): found by the interleaving explorer, replayed, fixed",
                true, TouchCount::run));
        SUBCOMMANDS.put("herd", new Entry(
                "the thundering herd, counted: workers accepting from one socket three ways",
                true, Herd::run));
        SUBCOMMANDS.put("echo-bench", new Entry(
                "echo servers side by side: every mode against a load generator, one table and a chart",
                false, EchoBench::run));
        SUBCOMMANDS.put("echo-server", new Entry(
                "an echo server: --mode " + EchoMode.labels(),
                false, EchoServerCommand::run));
        SUBCOMMANDS.put("echo-client", new Entry(
                "a load generator for an echo server: verified bytes, latency percentiles",
                false, EchoClientCommand::run));
        SUBCOMMANDS.put("prefork-pool", new Entry(
                "an elastic prefork pool, sized from its scoreboard as Apache's, under a load that rises and falls",
                false, PreforkPool::run));
        SUBCOMMANDS.put("echo-worker", new Entry(
                "one worker process of echo-server --mode prefork (its parent starts it)",
                false, PreforkWorker::run));
        SUBCOMMANDS.put("echo-inetd", new Entry(
                "the echo service of one connection, as inetd starts it (echo-server --mode inetd)",
                false, InetdEchoService::run));
    }

    static final String AGENT_CLASS = "dev.greenthreads.agent.Agent";

    /** Printed when a sample whose green threads suspend runs without the agent. */
    public static final String AGENT_HINT = "hint: the greenthreads agent is not loaded, so the samples'"
            + " green-thread bodies are not rewritten and cannot suspend. Run with"
            + " -javaagent:agent/target/greenthreads-agent.jar";

    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage(System.err);
            System.exit(2);
        }
        String name = args[0];
        if (name.equals("help") || name.equals("-h") || name.equals("--help")) {
            usage(System.out);
            System.exit(0);
        }
        Entry entry = SUBCOMMANDS.get(name);
        if (entry == null) {
            System.err.println("unknown subcommand: " + name);
            usage(System.err);
            System.exit(2);
        }
        if (entry.needsAgent() && !agentLoaded()) {
            System.err.println(AGENT_HINT);
        }
        int code = entry.command().run(Arrays.copyOfRange(args, 1, args.length));
        // Carrier threads may outlive main; the sample's result is final here.
        System.exit(code);
    }

    /**
     * True when the agent jar is on the system class path, which {@code -javaagent} arranges.
     * The class is looked up without being initialised.
     */
    public static boolean agentLoaded() {
        try {
            Class.forName(AGENT_CLASS, false, ClassLoader.getSystemClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static void usage(PrintStream out) {
        out.println("usage: java -javaagent:agent/target/greenthreads-agent.jar"
                + " -jar samples/target/greenthreads-samples.jar SUBCOMMAND [OPTIONS]");
        out.println();
        out.println("subcommands:");
        for (Map.Entry<String, Entry> e : SUBCOMMANDS.entrySet()) {
            out.printf("  %-12s %s%n", e.getKey(), e.getValue().summary());
        }
        out.println();
        out.println("SUBCOMMAND --help lists a subcommand's options.");
    }
}
