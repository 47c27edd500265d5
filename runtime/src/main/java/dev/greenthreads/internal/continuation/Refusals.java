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

    /** The agent's reason for not rewriting the method called at {@code site}, or null. */
    static String reasonFor(String site, String callee) {
        Object map = System.getProperties().get(PROPERTY);
        if (!(map instanceof Map)) {
            return null;
        }
        // site is "... calling owner/Name.name": the callee key is the owner plus "." plus name(desc).
        int calling = site.lastIndexOf(" calling ");
        if (calling < 0) {
            return null;
        }
        String target = site.substring(calling + " calling ".length());
        int dot = target.lastIndexOf('.');
        String owner = dot < 0 ? target : target.substring(0, dot).replace('.', '/');
        String prefix = owner + "." + (callee != null ? callee : target.substring(dot + 1) + "(");
        for (Map.Entry<?, ?> e : ((Map<?, ?>) map).entrySet()) {
            if (e.getKey().toString().startsWith(prefix)) {
                return e.getValue().toString();
            }
        }
        return null;
    }
}
