package dev.greenthreads.agent.classify;

import java.util.List;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * What the rewrite is to do with one method, decided before any of it is changed: the output of
 * {@link Classifier}, the input of the emitters. The call lists hold the method's own
 * instructions, so a plan is good for the method as it was read, once.
 */
public final class MethodPlan {

    public enum Action {
        /** Left as javac wrote it, and nothing to record: it calls nothing that may suspend, or can never suspend. */
        SKIP,
        /**
         * A constructor, static initialiser, synchronized method, or lambda that JDK code calls back:
         * it can never suspend, so its calls that may suspend are pinned, and the {@link #refusal}
         * says why a suspension through it fails.
         */
        PIN,
        /** It calls something that may suspend but is not suspendable itself: left as it was, with the {@link #refusal}. */
        REFUSE,
        /** Made resumable at its {@link #resumable} calls; its {@link #pinned} calls lie inside a monitor. */
        REWRITE
    }

    public final Action action;
    public final MethodNode method;
    /** REWRITE: the calls that may suspend, in instruction order. */
    public final List<MethodInsnNode> resumable;
    /** PIN, REWRITE: the calls that may suspend where suspension is impossible, and the reason of each, for the pin. */
    public final List<MethodInsnNode> pinned;
    public final List<String> pinReasons;
    /** PIN, REFUSE: why a suspension cannot pass through the method, recorded on it for the runtime. */
    public final String refusal;
    /** SKIP, when tracing: why a method that is suspendable is left as it was; else null. */
    public final String note;

    private MethodPlan(Action action, MethodNode method, List<MethodInsnNode> resumable, List<MethodInsnNode> pinned,
                       List<String> pinReasons, String refusal, String note) {
        this.action = action;
        this.method = method;
        this.resumable = resumable;
        this.pinned = pinned;
        this.pinReasons = pinReasons;
        this.refusal = refusal;
        this.note = note;
    }

    static MethodPlan skip(MethodNode method, String note) {
        return new MethodPlan(Action.SKIP, method, List.of(), List.of(), List.of(), null, note);
    }

    static MethodPlan pin(MethodNode method, List<MethodInsnNode> pinned, List<String> reasons, String refusal) {
        return new MethodPlan(Action.PIN, method, List.of(), List.copyOf(pinned), List.copyOf(reasons), refusal, null);
    }

    static MethodPlan refuse(MethodNode method, String refusal) {
        return new MethodPlan(Action.REFUSE, method, List.of(), List.of(), List.of(), refusal, null);
    }

    static MethodPlan rewrite(MethodNode method, List<MethodInsnNode> resumable, List<MethodInsnNode> pinned,
                              List<String> reasons) {
        return new MethodPlan(Action.REWRITE, method, List.copyOf(resumable), List.copyOf(pinned), List.copyOf(reasons),
                null, null);
    }

    /** "name(desc)": how the class's marker and the runtime name the method. */
    public String key() {
        return method.name + method.desc;
    }

    @Override
    public String toString() {
        return action + " " + key() + (refusal != null ? ": " + refusal : "") + (note != null ? ": " + note : "");
    }
}
