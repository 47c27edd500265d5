package dev.greenthreads.agent;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent jar's command line. {@code instrument}, the offline instrumenter, over
 * {@link Instrumenter}: {@code java -jar greenthreads-agent.jar instrument [--classpath CP] IN OUT [OPTIONS]}.
 * Exit status 0 when OUT was written (classes left as they were are warnings, not failures),
 * 2 for a usage error, 1 when IN could not be read or OUT written. {@code dump PID} and
 * {@code top PID}, which read the schedulers of a running JVM: {@link RemoteSchedulers}.
 */
public final class Main {

    static final String USAGE = "usage: java -jar greenthreads-agent.jar instrument [--classpath CP] IN OUT [OPTIONS]\n"
            + "  IN, OUT  a jar or a directory of classes (OUT may be IN: rewritten in place)\n"
            + "  CP       where the classes IN uses live (the greenthreads runtime, other jars), separated by '"
            + File.pathSeparator + "'\n"
            + "  OPTIONS  the agent's options, comma separated: include=com.example.**,exclude=...,verify=false,trace,dump=DIR\n"
            + "or run an application with -javaagent:greenthreads-agent.jar[=OPTIONS]\n"
            + RemoteSchedulers.USAGE;

    private Main() {
    }

    public static void main(String[] arguments) {
        int status = run(arguments, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** The command, its lines on {@code out} (the summary) and {@code err} (warnings, errors); returns the exit status. */
    static int run(String[] arguments, PrintStream out, PrintStream err) {
        if (arguments.length > 0 && (arguments[0].equals("dump") || arguments[0].equals("top"))) {
            return RemoteSchedulers.run(arguments[0], java.util.Arrays.copyOfRange(arguments, 1, arguments.length), out, err);
        }
        if (arguments.length == 0 || !arguments[0].equals("instrument")) {
            return usage(err, arguments.length == 0 ? "no command given" : "unknown command '" + arguments[0] + "'",
                    "the commands are instrument, dump and top");
        }
        List<Path> classPath = new ArrayList<>();
        List<String> positional = new ArrayList<>();
        for (int i = 1; i < arguments.length; i++) {
            String a = arguments[i];
            if (a.equals("--help") || a.equals("-h")) {
                out.println(USAGE);
                return 0;
            } else if (a.equals("--classpath") || a.equals("-cp") || a.startsWith("--classpath=")) {
                String value = a.startsWith("--classpath=") ? a.substring("--classpath=".length())
                        : i + 1 < arguments.length ? arguments[++i] : null;
                if (value == null) {
                    return usage(err, a + " needs a value", "give the class path after it");
                }
                for (String element : value.split(File.pathSeparator)) {
                    if (!element.isEmpty()) {
                        try {
                            classPath.add(Paths.get(element));
                        } catch (InvalidPathException e) {
                            return usage(err, "the class path element '" + element + "' is not a valid path", "correct it");
                        }
                    }
                }
            } else if (a.startsWith("-") && a.length() > 1) {
                return usage(err, "unknown flag '" + a + "'", "the only flags are --classpath CP and --help");
            } else {
                positional.add(a);
            }
        }
        if (positional.size() < 2 || positional.size() > 3) {
            return usage(err, positional.size() < 2 ? "IN and OUT are needed" : "too many arguments: " + positional.subList(3, positional.size()),
                    "give IN, OUT and at most one comma-separated OPTIONS argument");
        }
        Instrumenter instrumenter;
        try {
            instrumenter = Instrumenter.create(classPath, positional.size() == 3 ? positional.get(2) : null);
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage(), null);
        }
        Path in, target;
        try {
            in = Paths.get(positional.get(0));
            target = Paths.get(positional.get(1));
        } catch (InvalidPathException e) {
            return usage(err, e.getMessage(), "give IN and OUT as paths");
        }
        try {
            Instrumenter.Summary summary = instrumenter.instrument(in, target, Instrumenter.Messages.printingTo(err));
            out.println("greenthreads instrument: " + summary);
            return 0;
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage(), null);
        } catch (IOException e) {
            err.println("greenthreads instrument: cannot rewrite " + in + " into " + target + ": " + e
                    + "; check that IN is readable and OUT's folder writable");
            return 1;
        }
    }

    /** The error on its first line, then the usage; exit status 2. */
    private static int usage(PrintStream err, String what, String remedy) {
        err.println("greenthreads instrument: " + what + (remedy == null ? "" : "; " + remedy));
        err.println(USAGE);
        return 2;
    }
}
