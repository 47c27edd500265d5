package dev.greenthreads.internal.continuation;

import java.util.Map;

/**
 * Why the agent left methods as they were, so that a suspension that later passes through one
 * of them can say why. The agent and the runtime may sit in different class loaders, so the
 * record is a plain {@code Map<String, String>} kept in the system properties under
 * {@link #PROPERTY}: key "internal/ClassName.name(desc)", value the reason.
 */
public final class Refusals {

    public static final String PROPERTY = "dev.greenthreads.agent.refusals";

    private Refusals() {
    }

    /**
     * The agent's reason for not rewriting the method a call names, or null: {@code target} is
     * "internal/Owner.name", {@code callee} that method's "name(desc)" when known.
     */
    static String reasonFor(String target, String callee) {
        Object map = System.getProperties().get(PROPERTY);
        if (!(map instanceof Map)) {
            return null;
        }
        int dot = target.lastIndexOf('.');
        String prefix = target.substring(0, dot) + "." + (callee != null ? callee : target.substring(dot + 1) + "(");
        for (Map.Entry<?, ?> e : ((Map<?, ?>) map).entrySet()) {
            if (e.getKey().toString().startsWith(prefix)) {
                return e.getValue().toString();
            }
        }
        return null;
    }
}
