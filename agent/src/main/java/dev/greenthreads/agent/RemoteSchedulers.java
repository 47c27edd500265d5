package dev.greenthreads.agent;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The {@code dump} and {@code top} commands: the schedulers of another JVM, read through the
 * MXBeans its runtime registers ({@code dev.greenthreads:type=Scheduler,name=...}). It attaches
 * the way {@code jcmd} does (the Attach API, same user, same machine), starts the target's local
 * JMX agent if it has none, and connects to it. Nothing of the agent's rewriting is involved:
 * the target needs the greenthreads runtime and a scheduler, which a JVM started with the agent
 * has as soon as it runs green threads.
 */
final class RemoteSchedulers implements AutoCloseable {

    static final String USAGE = "usage: java -jar greenthreads-agent.jar dump PID [--json]\n"
            + "       java -jar greenthreads-agent.jar top PID [--iterations N] [--interval MILLIS]\n"
            + "  dump  prints the thread dump of every greenthreads scheduler of the JVM PID\n"
            + "  top   prints its schedulers' scoreboard every second (by default) until it exits, or N times";

    /** The MXBeans' domain and type, as the runtime's {@code Scoreboard} registers them. */
    private static final ObjectName QUERY;

    static {
        try {
            QUERY = new ObjectName("dev.greenthreads:type=Scheduler,*");
        } catch (JMException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String pid;
    private final JMXConnector connector;
    private final MBeanServerConnection server;

    private RemoteSchedulers(String pid, JMXConnector connector) throws IOException {
        this.pid = pid;
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
    }

    /** Attaches to {@code pid}; throws {@link IllegalStateException} with what went wrong and what to do. */
    static RemoteSchedulers attach(String pid) {
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(pid);
        } catch (AttachNotSupportedException | IOException e) {
            throw new IllegalStateException("cannot attach to JVM " + pid + ": " + e.getMessage()
                    + "; check that a JVM with that process id runs (jps lists them), as the same user as this command,"
                    + " and that it was not started with -XX:+DisableAttachMechanism");
        }
        try {
            String address = vm.startLocalManagementAgent();
            return new RemoteSchedulers(pid, JMXConnectorFactory.connect(new JMXServiceURL(address)));
        } catch (IOException e) {
            throw new IllegalStateException("attached to JVM " + pid + " but could not reach its MBean server: " + e
                    + "; check that it runs with the java.management module (a full JDK or JRE)");
        } finally {
            try {
                vm.detach();
            } catch (IOException e) {
                // the connection is ours already, or we failed anyway
            }
        }
    }

    /** The target's scheduler MXBeans, by name; an {@link IllegalStateException} saying what to do when there is none. */
    Set<ObjectName> schedulers() throws IOException {
        Set<ObjectName> names = new TreeSet<>(server.queryNames(QUERY, null));
        if (names.isEmpty()) {
            throw new IllegalStateException("JVM " + pid + " has no greenthreads scheduler: either it does not use the"
                    + " greenthreads runtime, or it has not started a green thread (or built a Scheduler) yet. Run the"
                    + " application with -javaagent:greenthreads-agent.jar and the runtime on its class path, and try"
                    + " again once it runs green threads");
        }
        return names;
    }

    /** {@code dump}: every scheduler's dump, text or JSON (a JSON array of the schedulers' objects). */
    void dump(boolean json, PrintStream out) throws IOException, JMException {
        List<String> dumps = new ArrayList<>();
        for (ObjectName name : schedulers()) {
            dumps.add((String) server.invoke(name, json ? "dumpJson" : "dump", new Object[0], new String[0]));
        }
        if (json) {
            out.println("[" + String.join(",\n", dumps) + "]");
        } else {
            out.print(String.join("\n", dumps));
        }
    }

    /**
     * {@code top}: the scoreboard every {@code intervalMillis}, {@code iterations} times (0: until
     * the target exits). Counters are shown as what they grew by since the previous screen.
     */
    void top(int iterations, long intervalMillis, PrintStream out) throws IOException, JMException, InterruptedException {
        Map<String, long[]> previous = new HashMap<>();
        for (int i = 0; iterations == 0 || i < iterations; i++) {
            if (i > 0) {
                Thread.sleep(intervalMillis);
            }
            StringBuilder screen = new StringBuilder();
            screen.append(String.format(Locale.ROOT, "greenthreads top: JVM %s, every %d ms%n", pid, intervalMillis));
            for (ObjectName name : schedulers()) {
                scoreboard(name, previous, screen);
            }
            out.print(screen);
            out.flush();
        }
    }

    private static final String[] COUNTERS = {"dispatches", "steals", "parks", "polls", "slicesExpired", "blockedDetections",
            "wakeUps"};

    private void scoreboard(ObjectName name, Map<String, long[]> previous, StringBuilder screen)
            throws IOException, JMException {
        String scheduler = (String) server.getAttribute(name, "Name");
        screen.append(String.format(Locale.ROOT,
                "%nscheduler \"%s\": %d carriers, %d carrier threads (%d compensating started, %d retired)%n"
                        + "  green threads: %d live, %d ready, %d running, %d blocked%n",
                scheduler, (Integer) server.getAttribute(name, "Carriers"), (Integer) server.getAttribute(name, "CarrierThreads"),
                (Long) server.getAttribute(name, "CompensatingCarriersStarted"),
                (Long) server.getAttribute(name, "CompensatingCarriersRetired"),
                (Integer) server.getAttribute(name, "LiveThreads"), (Integer) server.getAttribute(name, "ReadyThreads"),
                (Integer) server.getAttribute(name, "RunningThreads"), (Integer) server.getAttribute(name, "BlockedThreads")));
        CompositeData[] carriers = (CompositeData[]) server.getAttribute(name, "CarrierCounters");
        if (carriers.length == 0) {
            return;
        }
        screen.append(String.format(Locale.ROOT, "  %-5s %-28s %11s %9s %9s %9s %9s %9s %9s%n", "CORE", "THREAD",
                "DISPATCHES", "STEALS", "PARKS", "POLLS", "SLICES", "BLOCKED", "WAKEUPS"));
        for (CompositeData c : carriers) {
            int index = (Integer) c.get("index");
            String key = name + "/" + index;
            long[] now = new long[COUNTERS.length];
            for (int k = 0; k < COUNTERS.length; k++) {
                now[k] = (Long) c.get(COUNTERS[k]);
            }
            long[] before = previous.put(key, now);
            screen.append(String.format(Locale.ROOT, "  %-5d %-28s", index, String.valueOf(c.get("thread"))));
            for (int k = 0; k < COUNTERS.length; k++) {
                long shown = before == null ? now[k] : now[k] - before[k];
                screen.append(String.format(Locale.ROOT, k == 0 ? " %11d" : " %9d", shown));
            }
            screen.append('\n');
        }
        screen.append("  (counters: growth since the previous screen; on the first, totals)\n");
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException e) {
            // the target may have exited
        }
    }

    /** Runs {@code dump} or {@code top} with their arguments (after the command's name); returns the exit status. */
    static int run(String command, String[] arguments, PrintStream out, PrintStream err) {
        String pid = null;
        boolean json = false;
        int iterations = 0;
        long interval = 1000;
        for (int i = 0; i < arguments.length; i++) {
            String a = arguments[i];
            try {
                if (a.equals("--help") || a.equals("-h")) {
                    out.println(USAGE);
                    return 0;
                } else if (a.equals("--json") && command.equals("dump")) {
                    json = true;
                } else if ((a.equals("--iterations") || a.equals("-n")) && command.equals("top")) {
                    iterations = positive(a, i + 1 < arguments.length ? arguments[++i] : null);
                } else if (a.equals("--interval") && command.equals("top")) {
                    interval = positive(a, i + 1 < arguments.length ? arguments[++i] : null);
                } else if (a.startsWith("-")) {
                    return usage(command, err, "unknown flag '" + a + "'", "see the flags below");
                } else if (pid == null) {
                    if (!a.chars().allMatch(Character::isDigit)) {
                        return usage(command, err, "'" + a + "' is not a process id", "give the PID of a running JVM (jps lists them)");
                    }
                    pid = a;
                } else {
                    return usage(command, err, "too many arguments: '" + a + "'", "give one PID");
                }
            } catch (IllegalArgumentException e) {
                return usage(command, err, e.getMessage(), null);
            }
        }
        if (pid == null) {
            return usage(command, err, "no PID given", "give the PID of a running JVM (jps lists them)");
        }
        try (RemoteSchedulers target = attach(pid)) {
            if (command.equals("dump")) {
                target.dump(json, out);
            } else {
                target.top(iterations, interval, out);
            }
            return 0;
        } catch (IllegalStateException e) {
            err.println("greenthreads " + command + ": " + e.getMessage());
            return 1;
        } catch (IOException | JMException e) {
            if (command.equals("top")) {
                err.println("greenthreads top: JVM " + pid + " is gone (" + e.getClass().getSimpleName() + ")");
                return 0;
            }
            err.println("greenthreads " + command + ": lost JVM " + pid + " while reading it: " + e
                    + "; if it is still running, try again");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static int positive(String flag, String value) {
        if (value == null) {
            throw new IllegalArgumentException(flag + " needs a value: a positive number");
        }
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(flag + " must be a positive number, not '" + value + "'");
    }

    private static int usage(String command, PrintStream err, String what, String remedy) {
        err.println("greenthreads " + command + ": " + what + (remedy == null ? "" : "; " + remedy));
        err.println(USAGE);
        return 2;
    }
}
