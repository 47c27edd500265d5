package dev.greenthreads.samples;

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

    private record Entry(String summary, Subcommand command) {}

    private static final Map<String, Entry> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("million", new Entry(
                "start a million green threads; compare with virtual and platform threads",
                Million::run));
    }

    static final String AGENT_CLASS = "dev.greenthreads.agent.Agent";

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
        if (!agentLoaded()) {
            System.err.println("hint: the greenthreads agent is not loaded, so the samples' green-thread"
                    + " bodies are not rewritten and cannot suspend. Run with"
                    + " -javaagent:agent/target/greenthreads-agent.jar");
        }
        int code = entry.command().run(Arrays.copyOfRange(args, 1, args.length));
        // Carrier threads may outlive main; the sample's result is final here.
        System.exit(code);
    }

    /**
     * True when the agent jar is on the system class path, which {@code -javaagent} arranges.
     * The class is looked up without being initialised.
     */
    static boolean agentLoaded() {
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
            out.printf("  %-10s %s%n", e.getKey(), e.getValue().summary());
        }
        out.println();
        out.println("SUBCOMMAND --help lists a subcommand's options.");
    }
}
