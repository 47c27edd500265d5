package dev.greenthreads.samples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The options of one subcommand: {@code --name value}, {@code --name=value} and bare switches.
 * Numbers may carry {@code _} or {@code ,} separators ({@code 10,000}); durations take a unit
 * ({@code 500ms}, {@code 2s}, {@code 1m}) or are seconds ({@code 2}, {@code 1.5}).
 */
public final class CommandLine {

    /** A mistake in the command line; the message says which option and what it wants. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, String> values;
    private final Set<String> switches;

    private CommandLine(Map<String, String> values, Set<String> switches) {
        this.values = values;
        this.switches = switches;
    }

    /** Reads a subcommand's options from its arguments. */
    public interface Parser<T> {
        T parse(String[] args) throws UsageException;
    }

    /** Runs a subcommand on its parsed options; returns the exit code. */
    public interface Body<T> {
        int run(T options) throws Exception;
    }

    /**
     * The frame of every subcommand: help prints {@code usage} and exits 0; a mistake in the
     * arguments prints what is wrong and {@code usage} to stderr and exits 2; otherwise
     * {@code body} runs on the parsed options.
     */
    public static <T> int run(String command, String usage, String[] args, Parser<T> parser, Body<T> body)
            throws Exception {
        if (wantsHelp(args)) {
            System.out.println(usage);
            return 0;
        }
        T options;
        try {
            options = parser.parse(args);
        } catch (UsageException e) {
            System.err.println(command + ": " + e.getMessage());
            System.err.println(usage);
            return 2;
        }
        return body.run(options);
    }

    /** True when the arguments ask for help ({@code -h}, {@code --help}). */
    public static boolean wantsHelp(String[] args) {
        return Arrays.stream(args).anyMatch(a -> a.equals("-h") || a.equals("--help"));
    }

    /**
     * @param valued   option names that take a value, e.g. {@code --port}
     * @param switches option names that stand alone, e.g. {@code --no-chart}
     */
    public static CommandLine parse(String[] args, Set<String> valued, Set<String> switches)
            throws UsageException {
        Map<String, String> values = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (switches.contains(name) && value == null) {
                seen.add(name);
                continue;
            }
            if (!valued.contains(name)) {
                throw new UsageException("unknown option " + arg);
            }
            if (value == null) {
                if (i + 1 == args.length) {
                    throw new UsageException(name + " needs a value");
                }
                value = args[++i];
            }
            values.put(name, value);
        }
        return new CommandLine(values, seen);
    }

    public boolean has(String name) {
        return switches.contains(name) || values.containsKey(name);
    }

    public String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public int integer(String name, int fallback, int least) throws UsageException {
        long value = longValue(name, fallback, least);
        if (value > Integer.MAX_VALUE) {
            throw new UsageException(name + " is too large: " + values.get(name));
        }
        return (int) value;
    }

    public long longValue(String name, long fallback, long least) throws UsageException {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        return wholeNumber(name, text, least);
    }

    public double decimal(String name, double fallback, double least) throws UsageException {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        try {
            double value = Double.parseDouble(stripSeparators(text));
            if (value >= least && Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(name + " wants a number >= " + least + ", got " + text);
    }

    /** A comma-separated list of whole numbers, e.g. {@code --connections 1,100,1000}. */
    public List<Integer> integers(String name, List<Integer> fallback, int least) throws UsageException {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        List<Integer> numbers = new ArrayList<>();
        for (String part : text.split("[,\\s]+")) {
            if (!part.isEmpty()) {
                numbers.add((int) wholeNumber(name, part.replace("_", ""), least));
            }
        }
        if (numbers.isEmpty()) {
            throw new UsageException(name + " wants at least one number");
        }
        return numbers;
    }

    /** A comma-separated list of words, lower-cased, e.g. {@code --modes select,threads}. */
    public List<String> words(String name, List<String> fallback) throws UsageException {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        List<String> words = new ArrayList<>();
        for (String part : text.split("[,\\s]+")) {
            if (!part.isEmpty()) {
                words.add(part.toLowerCase(Locale.ROOT));
            }
        }
        if (words.isEmpty()) {
            throw new UsageException(name + " wants at least one name");
        }
        return words;
    }

    public Duration duration(String name, Duration fallback) throws UsageException {
        String text = values.get(name);
        if (text == null) {
            return fallback;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        double scaleToNanos = 1e9;
        if (t.endsWith("ms")) {
            scaleToNanos = 1e6;
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            scaleToNanos = 60e9;
            t = t.substring(0, t.length() - 1);
        }
        try {
            double amount = Double.parseDouble(t);
            if (amount >= 0 && Double.isFinite(amount)) {
                return Duration.ofNanos(Math.round(amount * scaleToNanos));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(name + " wants a duration such as 2s, 500ms or 1m, got " + text);
    }

    private static long wholeNumber(String name, String text, long least) throws UsageException {
        try {
            long value = Long.parseLong(stripSeparators(text));
            if (value >= least) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(name + " wants a whole number >= " + least + ", got " + text);
    }

    private static String stripSeparators(String text) {
        return text.trim().replace("_", "").replace(",", "");
    }
}
