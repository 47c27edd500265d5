package dev.greenthreads.internal.scheduler;

import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one schedule did, recorded only when the explorer re-runs a failing schedule to report
 * it (each operation costs a stack walk): every operation of every thread in the order they
 * ran, with the user code's source line, and each thread's stack at its last operation.
 *
 * <p>"User code" is the first frame with a source line of a class that is not the runtime's
 * own: the runtime's are its packages ({@code dev.greenthreads} and below, but not other
 * subpackages such as an application's) loaded from the runtime's code source, so that an
 * application's test in {@code dev.greenthreads.explore}, or a jar that bundles the runtime,
 * is still user code. A lambda's proxy or a JDK frame is passed over.
 */
final class ExplorationTrace {

    private static final CodeSource RUNTIME = ExplorationTrace.class.getProtectionDomain().getCodeSource();
    private static final Set<String> RUNTIME_PACKAGES = Set.of("dev.greenthreads", "dev.greenthreads.sync",
            "dev.greenthreads.io", "dev.greenthreads.explore");
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final ClassValue<Boolean> USER = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            String name = type.getName();
            if (name.startsWith("java.") || name.startsWith("jdk.") || name.startsWith("sun.")) {
                return false;
            }
            CodeSource s = type.getProtectionDomain().getCodeSource();
            boolean fromRuntime = s != null && RUNTIME != null && s.getLocation().equals(RUNTIME.getLocation());
            String pkg = type.getPackageName();
            return !(fromRuntime && (RUNTIME_PACKAGES.contains(pkg) || pkg.startsWith("dev.greenthreads.internal.")));
        }
    };

    private static final class Op {
        final int slot;
        final String what;
        final long clock;
        final StackTraceElement site;

        Op(int slot, String what, long clock, StackTraceElement site) {
            this.slot = slot;
            this.what = what;
            this.clock = clock;
            this.site = site;
        }
    }

    private final List<String> names = new ArrayList<>();
    private final List<StackTraceElement[]> stacks = new ArrayList<>();
    private final List<String> ends = new ArrayList<>();
    private final List<Op> ops = new ArrayList<>();

    void started(int slot, String name) {
        while (names.size() <= slot) {
            names.add(null);
            stacks.add(new StackTraceElement[0]);
            ends.add(null);
        }
        names.set(slot, name);
    }

    void op(int slot, String what, long clock) {
        List<StackTraceElement> user = WALKER.walk(frames -> frames
                .filter(f -> USER.get(f.getDeclaringClass()) && f.getLineNumber() > 0)
                .map(StackWalker.StackFrame::toStackTraceElement)
                .collect(Collectors.toList()));
        stacks.set(slot, user.toArray(new StackTraceElement[0]));
        ops.add(new Op(slot, what, clock, user.isEmpty() ? null : user.get(0)));
    }

    void ended(int slot, Throwable error) {
        ends.set(slot, error == null ? "ended" : "ended by " + error);
    }

    /**
     * Per thread, its operations in order, each numbered by its place in the whole schedule and
     * marked where another thread ran just before it; then each unfinished thread's stack.
     */
    String render() {
        StringBuilder b = new StringBuilder();
        b.append("Operations per thread; #n is the order in which they ran, \"<- T\" marks a switch: T ran just before.\n");
        int[] previous = new int[ops.size()];
        int last = -1;
        for (int i = 0; i < ops.size(); i++) {
            previous[i] = last;
            last = ops.get(i).slot;
        }
        for (int s = 0; s < names.size(); s++) {
            b.append("  ").append(names.get(s)).append(":\n");
            for (int i = 0; i < ops.size(); i++) {
                Op o = ops.get(i);
                if (o.slot != s) {
                    continue;
                }
                String from = previous[i] >= 0 && previous[i] != s ? "<- " + names.get(previous[i]) : "";
                b.append(String.format("    #%-4d %-8s %-36s %s%n", i + 1, from, o.what,
                        o.site == null ? "" : "at " + o.site.getFileName() + ":" + o.site.getLineNumber()
                                + " (" + simple(o.site.getClassName()) + "." + o.site.getMethodName() + ")"));
            }
            b.append("    ").append(ends.get(s) != null ? ends.get(s) : "did not end").append('\n');
        }
        if (ends.contains(null)) {
            b.append("Stacks of the threads that did not end (at their last operation):\n");
            for (int s = 0; s < names.size(); s++) {
                if (ends.get(s) != null) {
                    continue;
                }
                b.append("  ").append(names.get(s)).append(":\n");
                for (StackTraceElement e : stacks.get(s)) {
                    b.append("    at ").append(e).append('\n');
                }
            }
        }
        return b.toString();
    }

    private static String simple(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
