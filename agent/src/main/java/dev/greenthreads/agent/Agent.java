package dev.greenthreads.agent;

import dev.greenthreads.agent.analysis.ClassHierarchy;
import dev.greenthreads.agent.analysis.JdkClasses;
import dev.greenthreads.agent.classify.Suspendability;
import dev.greenthreads.contract.Contract;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.ProtectionDomain;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@code -javaagent} entry point: rewrites suspendable methods as their classes load.
 * Classes of the bootstrap loader (the JDK) are never touched. It also opens {@code java.lang}
 * to the module of the runtime's {@link Contract#THREAD_LOCAL_MAPS}, which keeps each green
 * thread's {@code ThreadLocal} values in the carrier {@code Thread}'s private fields: whichever
 * loader defines the runtime, whether its module is named or not.
 */
public final class Agent implements ClassFileTransformer {

    private final AgentOptions options;
    private final Instrumentation instrumentation;
    private final Set<String> referencedTargets = ConcurrentHashMap.newKeySet();
    private final Map<ClassLoader, ClassRewriter> rewriters = new WeakHashMap<>();
    /** What the rewrite cost this JVM, reported at exit under {@code trace}. */
    private final LongAdder classesSeen = new LongAdder(), classesRewritten = new LongAdder(),
            transformNanos = new LongAdder(), transformCpuNanos = new LongAdder();
    private final ThreadMXBean threads;

    private Agent(AgentOptions options, Instrumentation instrumentation) {
        this.options = options;
        this.instrumentation = instrumentation;
        this.threads = options.trace ? ManagementFactory.getThreadMXBean() : null;
    }

    public static void premain(String arguments, Instrumentation instrumentation) {
        AgentOptions options = AgentOptions.parse(arguments,
                e -> Log.warn(e.getMessage() + "; going on without it"));
        if (!options.verify) {
            System.setProperty("greenthreads.verify", "false");
        }
        if (options.pinnedFail) {
            System.setProperty("greenthreads.pinned", "fail");
        }
        System.setProperty("dev.greenthreads.agent", "active");
        if (options.fields) {
            System.setProperty("greenthreads.fields", "true"); // read by the interleaving explorer
        }
        Agent agent = new Agent(options, instrumentation);
        if (options.trace) {
            Runtime.getRuntime().addShutdownHook(new Thread(agent::reportCost, "greenthreads-agent-cost"));
        }
        instrumentation.addTransformer(agent, false);
        compileWithC1Only(instrumentation, options.trace);
    }

    /**
     * The rewrite (mostly ASM's analyses and frame computation) is hot for the seconds that
     * classes load and idle after that, so C2's optimised code never repays compiling it: in
     * benchmarks' LoadTime, C2 compiling the agent cost more CPU than the rewrite itself, on the
     * cores the application starts on. A compiler directive (what {@code jcmd PID
     * Compiler.directives_add FILE} adds) keeps the agent's code, its shaded ASM included, out of
     * C2, so that C1 compiles it once without profiling. The command is run through the JDK's
     * diagnostic-command bean directly: the public route starts the platform MBean server and
     * describes every command, which costs more than it saves at startup. If any of this is
     * missing (another JVM, a future JDK), the agent only costs more CPU.
     */
    private static void compileWithC1Only(Instrumentation instrumentation, boolean trace) {
        Path directives = Path.of(System.getProperty("java.io.tmpdir"),
                "greenthreads-agent-" + Long.toHexString(System.nanoTime()) + ".json"); // not ProcessHandle: it starts a thread pool
        try {
            Module management = ModuleLayer.boot().findModule("jdk.management").orElseThrow();
            String internal = "com.sun.management.internal";
            instrumentation.redefineModule(management, Set.of(), Map.of(), Map.of(internal, Set.of(Agent.class.getModule())),
                    Set.of(), Map.of());
            Class.forName(internal + ".PlatformMBeanProviderImpl"); // its initialiser loads the native library
            Class<?> commands = Class.forName(internal + ".DiagnosticCommandImpl");
            Method bean = commands.getDeclaredMethod("getDiagnosticCommandMBean");
            Method execute = commands.getDeclaredMethod("executeDiagnosticCommand", String.class);
            bean.setAccessible(true);
            execute.setAccessible(true);
            Files.writeString(directives, "[{ match: \"" + Agent.class.getPackageName().replace('.', '/')
                    + "/*.*\", c2: { Exclude: true } }]", StandardOpenOption.CREATE_NEW);
            Object said = execute.invoke(bean.invoke(null), "Compiler.directives_add \"" + directives + "\"");
            if (trace) {
                Log.info("agent's code kept out of C2: " + said.toString().trim());
            }
        } catch (Exception | LinkageError e) {
            if (trace) {
                Log.info("the agent's code stays eligible for C2 (" + e + "); rewriting at load costs more CPU");
            }
        } finally {
            try {
                Files.deleteIfExists(directives);
            } catch (IOException ignored) {
                // a stray file in the temporary directory
            }
        }
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                            ProtectionDomain domain, byte[] bytes) {
        if (Contract.THREAD_LOCAL_MAPS.equals(className) && redefined == null) {
            try {
                instrumentation.redefineModule(Thread.class.getModule(), Set.of(), Map.of(),
                        Map.of(Thread.class.getPackageName(), Set.of(module)), Set.of(), Map.of());
            } catch (RuntimeException e) { // the runtime then refuses to start green threads, saying why
                Log.warn("could not open java.lang to " + module + ": " + e);
            }
        }
        return transform(loader, className, redefined, domain, bytes);
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
        if (loader == null || className == null || redefined != null || JdkClasses.contains(className)
                || className.startsWith("dev/greenthreads/agent/")) {
            return null;
        }
        long start = System.nanoTime(), startCpu = options.trace ? threads.getCurrentThreadCpuTime() : 0;
        try {
            byte[] rewritten = rewriterFor(loader).rewrite(bytes);
            if (rewritten != null) {
                classesRewritten.increment();
            }
            return rewritten;
        } catch (Throwable t) { // the application goes on with the class as it was
            Log.warn("left " + className.replace('/', '.') + " as it was: " + t);
            return null;
        } finally {
            classesSeen.increment();
            transformNanos.add(System.nanoTime() - start);
            if (options.trace) {
                transformCpuNanos.add(threads.getCurrentThreadCpuTime() - startCpu);
            }
        }
    }

    /**
     * One line at exit, in the form benchmarks' LoadTime reads: the time spent in
     * {@link #transform} (wall and CPU of the loading threads) over the classes it rewrote.
     */
    private void reportCost() {
        long rewritten = classesRewritten.sum();
        double ms = transformNanos.sum() / 1e6, cpuMs = transformCpuNanos.sum() / 1e6;
        Log.info(String.format(Locale.ROOT,
                "transform cost: %d classes rewritten of %d seen, %.1f ms (%.1f ms CPU), %.3f ms per class rewritten",
                rewritten, classesSeen.sum(), ms, cpuMs, rewritten == 0 ? 0.0 : ms / rewritten));
    }

    private ClassRewriter rewriterFor(ClassLoader loader) {
        synchronized (rewriters) {
            return rewriters.computeIfAbsent(loader, l -> {
                ClassHierarchy hierarchy = new ClassHierarchy(name -> read(l, name));
                return new ClassRewriter(hierarchy,
                        new Suspendability(hierarchy, options::included, options::excluded, referencedTargets), options);
            });
        }
    }

    private static byte[] read(ClassLoader loader, String internalName) {
        try (InputStream in = loader.getResourceAsStream(internalName + ".class")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }
}
