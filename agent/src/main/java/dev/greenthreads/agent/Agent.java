package dev.greenthreads.agent;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code -javaagent} entry point: rewrites suspendable methods as their classes load.
 * Classes of the bootstrap loader (the JDK) are never touched.
 */
public final class Agent implements ClassFileTransformer {

    private final AgentOptions options;
    private final Map<String, String> refusals;
    private final Set<String> referencedTargets = ConcurrentHashMap.newKeySet();
    private final Map<ClassLoader, ClassRewriter> rewriters = new WeakHashMap<>();

    private Agent(AgentOptions options, Map<String, String> refusals) {
        this.options = options;
        this.refusals = refusals;
    }

    public static void premain(String arguments, Instrumentation instrumentation) {
        AgentOptions options = AgentOptions.parse(arguments,
                e -> Log.warn(e.getMessage() + "; going on without it"));
        if (!options.verify) {
            System.setProperty("greenthreads.verify", "false");
        }
        System.setProperty("dev.greenthreads.agent", "active");
        instrumentation.addTransformer(new Agent(options, refusals()), false);
    }

    /** The map through which the runtime learns why a method was not rewritten (see the runtime's Refusals). */
    @SuppressWarnings("unchecked")
    private static Map<String, String> refusals() {
        synchronized (System.getProperties()) {
            Object map = System.getProperties().get(Names.REFUSALS_PROPERTY);
            if (!(map instanceof Map)) {
                map = new ConcurrentHashMap<String, String>();
                System.getProperties().put(Names.REFUSALS_PROPERTY, map);
            }
            return (Map<String, String>) map;
        }
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
        if (loader == null || className == null || redefined != null || Suspendability.isPlatform(className)
                || className.startsWith("dev/greenthreads/agent/")) {
            return null;
        }
        try {
            return rewriterFor(loader).rewrite(bytes);
        } catch (Throwable t) { // the application goes on with the class as it was
            Log.warn("left " + className.replace('/', '.') + " as it was: " + t);
            return null;
        }
    }

    private ClassRewriter rewriterFor(ClassLoader loader) {
        synchronized (rewriters) {
            return rewriters.computeIfAbsent(loader, l -> {
                ClassHierarchy hierarchy = new ClassHierarchy(name -> read(l, name));
                return new ClassRewriter(hierarchy, new Suspendability(hierarchy, options, referencedTargets), options, refusals);
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
