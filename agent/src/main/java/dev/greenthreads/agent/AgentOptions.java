package dev.greenthreads.agent;

import dev.greenthreads.agent.analysis.JdkClasses;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The agent's options: {@code -javaagent:greenthreads-agent.jar=verify,include=com.example.**,trace}.
 * Comma separated, all optional; an unknown option is an error that lists the known ones.
 */
final class AgentOptions {

    /** Check at run time that a suspension passes only through rewritten frames (default on). */
    final boolean verify;
    /** Log every rewritten method. */
    final boolean trace;
    /** Where to write rewritten classes, or null. */
    final Path dump;
    /** Time-slice checks at the loop headers of rewritten methods (default on; {@code preempt=false}). */
    final boolean preempt;
    /** A suspension that would pin its carrier fails instead (option {@code pinned=fail}); the runtime reads it. */
    final boolean pinnedFail;
    /** Insert the interleaving explorer's switch points before shared field and array accesses. */
    final boolean fields;
    /**
     * {@code synchronized}, {@code Object.wait} and {@code notify} in rewritten code become green
     * monitor operations that park instead of pinning (option {@code monitors}); off by default.
     */
    final boolean monitors;
    private final List<String> include;
    private final List<String> exclude;

    private AgentOptions(boolean verify, boolean trace, Path dump, boolean preempt, boolean pinnedFail, boolean fields,
                         boolean monitors, List<String> include, List<String> exclude) {
        this.verify = verify;
        this.trace = trace;
        this.dump = dump;
        this.preempt = preempt;
        this.pinnedFail = pinnedFail;
        this.fields = fields;
        this.monitors = monitors;
        this.include = include;
        this.exclude = exclude;
    }

    static AgentOptions defaults() {
        return new AgentOptions(true, false, null, true, false, false, false, List.of(), List.of());
    }

    static AgentOptions parse(String text) {
        return parse(text, e -> {
            throw e;
        });
    }

    /**
     * As {@link #parse(String)}, but each wrong option goes to {@code invalid} and the others
     * still apply: the agent's way, as it must never stop the application it instruments.
     */
    static AgentOptions parse(String text, Consumer<IllegalArgumentException> invalid) {
        boolean verify = true, trace = false, preempt = true, pinnedFail = false, fields = false, monitors = false;
        Path dump = null;
        List<String> include = new ArrayList<>(), exclude = new ArrayList<>();
        if (text != null) {
            for (String option : text.split(",")) {
                String o = option.trim();
                if (o.isEmpty()) {
                    continue;
                }
                int eq = o.indexOf('=');
                String key = eq < 0 ? o : o.substring(0, eq);
                String value = eq < 0 ? null : o.substring(eq + 1);
                try {
                    switch (key) {
                        case "verify" -> verify = bool(key, value);
                        case "noverify" -> verify = false;
                        case "trace" -> trace = true;
                        case "dump" -> dump = Paths.get(required(key, value));
                        case "preempt" -> preempt = bool(key, value);
                        case "pinned" -> pinnedFail = pinned(required(key, value));
                        case "include" -> include.add(notPlatform(pattern(required(key, value)), value));
                        case "exclude" -> exclude.add(pattern(required(key, value)));
                        case "fields" -> fields = bool(key, value);
                        case "monitors" -> monitors = bool(key, value);
                        default -> throw new IllegalArgumentException("unknown greenthreads agent option '" + o
                                + "'; the options are verify[=false], noverify, trace, dump=DIR, include=PACKAGE.**,"
                                + " exclude=PACKAGE.**, preempt=false, pinned=fail, fields, monitors");
                    }
                } catch (IllegalArgumentException e) {
                    invalid.accept(e);
                }
            }
        }
        return new AgentOptions(verify, trace, dump, preempt, pinnedFail, fields, monitors, List.copyOf(include), List.copyOf(exclude));
    }

    /**
     * The JDK's classes load before any agent and are shared by every loader, so they are never
     * rewritten: a pattern that names a JDK package, or anything under {@code java.}, would be
     * silently ignored. A broad pattern that also covers libraries ({@code org.**}) is fine: its
     * JDK part is simply never rewritten.
     */
    private static String notPlatform(String pattern, String text) {
        String pkg = pattern.endsWith("/**") ? pattern.substring(0, pattern.length() - 3)
                : pattern.endsWith("/*") ? pattern.substring(0, pattern.length() - 2)
                : pattern.substring(0, Math.max(0, pattern.lastIndexOf('/')));
        if (pkg.equals("java") || pkg.startsWith("java/") || JdkClasses.contains(pkg + "/X")) {
            throw new IllegalArgumentException("greenthreads agent option 'include=" + text + "' names JDK classes, which the"
                    + " agent never rewrites: the JDK is loaded before any agent, so a suspension can never pass through"
                    + " its methods. Name your own packages and libraries instead, and keep suspensions out of code that"
                    + " the JDK calls back (a plain loop instead of forEach or an Iterator's lazy view)");
        }
        return pattern;
    }

    /** {@code pinned=fail} refuses a suspension that would pin its carrier; {@code pinned=pin} is the default. */
    private static boolean pinned(String value) {
        if (value.equals("fail") || value.equals("pin")) {
            return value.equals("fail");
        }
        throw new IllegalArgumentException("greenthreads agent option 'pinned=" + value + "' takes fail (a suspension that"
                + " would pin its carrier fails) or pin (the default: it blocks its carrier), as in pinned=fail");
    }

    private static boolean bool(String key, String value) {
        if (value == null || value.equals("true") || value.equals("on")) {
            return true;
        }
        if (value.equals("false") || value.equals("off")) {
            return false;
        }
        throw new IllegalArgumentException("greenthreads agent option '" + key + "=" + value
                + "' takes true or false (or on, off), as in " + key + "=false");
    }

    private static String required(String key, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("greenthreads agent option '" + key + "' needs a value, as in " + key + "=...");
        }
        return value;
    }

    /**
     * "com.example.**" (the package and its subpackages), "com.example.*" (the package only) or
     * a class name; kept in internal form with a trailing marker.
     */
    private static String pattern(String p) {
        return p.replace('.', '/');
    }

    /** Whether the option include= makes every method of this class suspendable. */
    boolean included(String internalName) {
        return matchesAny(include, internalName) && !matchesAny(exclude, internalName);
    }

    boolean excluded(String internalName) {
        return matchesAny(exclude, internalName);
    }

    private static boolean matchesAny(List<String> patterns, String name) {
        for (String p : patterns) {
            if (p.endsWith("/**")) {
                String prefix = p.substring(0, p.length() - 2);
                if (name.startsWith(prefix)) {
                    return true;
                }
            } else if (p.endsWith("/*")) {
                String prefix = p.substring(0, p.length() - 1);
                if (name.startsWith(prefix) && name.indexOf('/', prefix.length()) < 0) {
                    return true;
                }
            } else if (name.equals(p)) {
                return true;
            }
        }
        return false;
    }
}
