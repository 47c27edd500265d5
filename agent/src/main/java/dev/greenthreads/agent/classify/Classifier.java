package dev.greenthreads.agent.classify;

import dev.greenthreads.agent.analysis.ClassHierarchy.ClassInfo;
import dev.greenthreads.agent.analysis.JdkClasses;
import dev.greenthreads.agent.analysis.LoopHeaders;
import dev.greenthreads.agent.analysis.MonitorRegions;
import dev.greenthreads.agent.analysis.Places;
import dev.greenthreads.agent.analysis.SleepingCalls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * The first pass over a class: a {@link MethodPlan} for each method, from what is suspendable
 * ({@link Suspendability}), what can never suspend ({@link NeverSuspends}) and where monitors
 * are held ({@link MonitorRegions}). It reads the class and changes nothing.
 */
public final class Classifier {

    /**
     * The runtime's own internals, which implement the green equivalents of the JDK's sleeping
     * calls with those very calls: their calls stay the JDK's.
     */
    private static final String RUNTIME_INTERNALS = "dev/greenthreads/internal/";

    private final Suspendability suspendability;
    private final boolean verify;
    private final boolean trace;
    private final boolean preempt;
    private final boolean monitors;

    /**
     * @param verify whether a suspendable method that calls nothing suspendable is still rewritten,
     *               for its verification checks
     * @param trace  whether a plan says why a suspendable method is skipped
     */
    public Classifier(Suspendability suspendability, boolean verify, boolean trace) {
        this(suspendability, verify, trace, false);
    }

    /**
     * @param preempt whether loops get time-slice checks: a suspendable method with a loop is then
     *                rewritten even if it calls nothing suspendable, and never counts as one that
     *                cannot suspend ({@link NeverSuspends})
     */
    public Classifier(Suspendability suspendability, boolean verify, boolean trace, boolean preempt) {
        this(suspendability, verify, trace, preempt, false);
    }

    /**
     * @param monitors whether the methods were given green monitors ({@code GreenMonitors}, option
     *                 {@code monitors}): a call that may suspend inside a {@code synchronized} region
     *                 is then resumable, where the region's monitors can be told apart
     *                 ({@link MonitorRegions#heldLocals}), and pinned as without the option elsewhere
     */
    public Classifier(Suspendability suspendability, boolean verify, boolean trace, boolean preempt, boolean monitors) {
        this.suspendability = suspendability;
        this.verify = verify;
        this.trace = trace;
        this.preempt = preempt;
        this.monitors = monitors;
    }

    /** One plan per method of {@code cn}, in the order of {@code cn.methods}. */
    public List<MethodPlan> plan(ClassNode cn, ClassInfo info) {
        Set<String> lambdaBodies = lambdaBodies(cn);
        Map<String, String> jdkCallbacks = jdkCallbacks(cn);
        Set<String> neverSuspend = NeverSuspends.in(cn, preempt);
        List<MethodPlan> plans = new ArrayList<>(cn.methods.size());
        for (MethodNode method : cn.methods) {
            plans.add(plan(cn, info, method, lambdaBodies, jdkCallbacks, neverSuspend));
        }
        return plans;
    }

    private MethodPlan plan(ClassNode cn, ClassInfo info, MethodNode method, Set<String> lambdaBodies,
                            Map<String, String> jdkCallbacks, Set<String> neverSuspend) {
        String key = method.name + method.desc;
        if (neverSuspend.contains(key)) {
            return MethodPlan.skip(method, trace && suspendability.isSuspendable(info, method.name, method.desc)
                    ? "it cannot reach a suspension" : null);
        }
        String callback = lambdaBodies.contains(key) ? null : jdkCallbacks.get(key);
        boolean suspendable = callback == null
                && (suspendability.isSuspendable(info, method.name, method.desc) || lambdaBodies.contains(key));
        boolean constructor = method.name.equals("<init>"), initialiser = method.name.equals("<clinit>");
        boolean synchronizedMethod = (method.access & Opcodes.ACC_SYNCHRONIZED) != 0;
        boolean sleepsGreen = suspendable && !constructor && !initialiser && !synchronizedMethod
                && !cn.name.startsWith(RUNTIME_INTERNALS);
        boolean resumableInRegions = monitors && suspendable && MonitorRegions.heldLocals(method) != null;
        List<MethodInsnNode> sites = suspendableCalls(cn.name, method, neverSuspend, sleepsGreen, resumableInRegions);
        if (sites.isEmpty() && !(suspendable && (verify || preempt && LoopHeaders.anyUncounted(method)) && !constructor
                && !initialiser && !synchronizedMethod && method.instructions.size() > 0)) {
            return MethodPlan.skip(method, null);
        }
        if (constructor || initialiser || synchronizedMethod) {
            String what = constructor ? "the constructor " : initialiser ? "the static initialiser " : "the synchronized method ";
            List<MethodInsnNode> pinned = constructor ? afterSuperCall(cn, method, sites) : sites;
            List<String> reasons = new ArrayList<>(pinned.size());
            for (MethodInsnNode call : pinned) {
                reasons.add(what + Places.where(cn.name, cn.sourceFile, method, call));
            }
            return MethodPlan.pin(method, pinned, reasons, what.trim() + " cannot suspend");
        }
        if (callback != null) {
            List<String> reasons = new ArrayList<>(sites.size());
            for (MethodInsnNode call : sites) {
                reasons.add("a lambda implementing " + callback + " at " + Places.where(cn.name, cn.sourceFile, method, call));
            }
            return MethodPlan.pin(method, sites, reasons, "a lambda implementing " + callback + " cannot suspend");
        }
        if (!suspendable) {
            MethodInsnNode first = sites.get(0);
            return MethodPlan.refuse(method, "it is not suspendable itself although it calls the suspendable "
                    + first.owner.replace('/', '.') + "." + first.name + " at " + Places.where(cn.name, cn.sourceFile, method, first)
                    + "; mark it @Suspendable");
        }
        Set<AbstractInsnNode> held = MonitorRegions.inside(method);
        List<MethodInsnNode> resumable = new ArrayList<>(), pinned = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (MethodInsnNode call : sites) {
            if (held.contains(call) && !resumableInRegions) {
                pinned.add(call);
                reasons.add("a synchronized block at " + Places.where(cn.name, cn.sourceFile, method, call));
            } else {
                resumable.add(call);
            }
        }
        return MethodPlan.rewrite(method, resumable, pinned, reasons);
    }

    /**
     * The calls in {@code method} that may suspend: none of a method of this class that never
     * suspends. With {@code sleepsGreen}, also the JDK's sleeping, yielding and parking calls outside
     * {@code synchronized} regions ({@link SleepingCalls}), which the rewrite points at their green
     * equivalents; inside a region they stay the JDK's, which block the carrier as before, unless
     * {@code resumableInRegions}.
     */
    private List<MethodInsnNode> suspendableCalls(String owner, MethodNode method, Set<String> neverSuspend,
                                                  boolean sleepsGreen, boolean resumableInRegions) {
        List<MethodInsnNode> sites = new ArrayList<>();
        Set<AbstractInsnNode> held = null;
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode) {
                MethodInsnNode call = (MethodInsnNode) i;
                if (suspendability.mayCallSuspend(call.owner, call.name, call.desc)
                        && !(call.owner.equals(owner) && neverSuspend.contains(call.name + call.desc))) {
                    sites.add(call);
                } else if (sleepsGreen && SleepingCalls.isSleepingCall(call)) {
                    held = held != null ? held : MonitorRegions.inside(method);
                    if (resumableInRegions || !held.contains(call)) {
                        sites.add(call);
                    }
                }
            }
        }
        return sites;
    }

    /**
     * Methods of this class that are the bodies of lambdas or method references bound to a
     * suspendable interface; targets in other classes are recorded for when those load.
     */
    public Set<String> lambdaBodies(ClassNode cn) {
        Set<String> bodies = new HashSet<>();
        for (MethodNode method : cn.methods) {
            for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
                if (!(i instanceof InvokeDynamicInsnNode)) {
                    continue;
                }
                InvokeDynamicInsnNode indy = (InvokeDynamicInsnNode) i;
                if (!indy.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory") || indy.bsmArgs.length < 3
                        || !(indy.bsmArgs[0] instanceof Type) || !(indy.bsmArgs[1] instanceof Handle)) {
                    continue;
                }
                Handle target = (Handle) indy.bsmArgs[1];
                if (target.getName().charAt(0) == '<'
                        || !suspendability.isSuspendableLambda(indy.desc, indy.name, (Type) indy.bsmArgs[0])) {
                    continue;
                }
                if (target.getOwner().equals(cn.name)) {
                    bodies.add(target.getName() + target.getDesc());
                } else {
                    suspendability.addReferencedTarget(target.getOwner(), target.getName() + target.getDesc());
                }
            }
        }
        return bodies;
    }

    /**
     * This class's lambda bodies bound to a JDK functional interface, with that interface's name
     * ("name(desc)" to "java.util.function.Consumer"). Such a lambda is called through the JDK
     * interface, which can never be suspendable (the JDK is never rewritten), mostly by JDK code
     * ({@code List.forEach}, a stream, {@code Map.computeIfAbsent}): a suspension in it could
     * never unwind, and neither marking nor {@code include=} can change that, so its calls that
     * may suspend are pinned. A
     * method reference is not among them: it names a method that other code calls directly,
     * where it may unwind. A lambda of the application's own interface is not either: marking the
     * interface's method is the remedy there.
     */
    private Map<String, String> jdkCallbacks(ClassNode cn) {
        Map<String, String> callbacks = new HashMap<>();
        for (MethodNode method : cn.methods) {
            for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
                if (!(i instanceof InvokeDynamicInsnNode)) {
                    continue;
                }
                InvokeDynamicInsnNode indy = (InvokeDynamicInsnNode) i;
                if (!indy.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory") || indy.bsmArgs.length < 3
                        || !(indy.bsmArgs[1] instanceof Handle)) {
                    continue;
                }
                Handle target = (Handle) indy.bsmArgs[1];
                String type = Type.getReturnType(indy.desc).getInternalName();
                if (target.getOwner().equals(cn.name) && target.getName().startsWith("lambda$") && JdkClasses.contains(type)) {
                    callbacks.put(target.getName() + target.getDesc(), type.replace('/', '.'));
                }
            }
        }
        return callbacks;
    }

    /** A constructor's calls after it called super() or this(): before that, {@code this} cannot be touched. */
    private static List<MethodInsnNode> afterSuperCall(ClassNode cn, MethodNode method, List<MethodInsnNode> sites) {
        AbstractInsnNode superCall = null;
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null && superCall == null; i = i.getNext()) {
            if (i.getOpcode() == Opcodes.INVOKESPECIAL && ((MethodInsnNode) i).name.equals("<init>")
                    && (((MethodInsnNode) i).owner.equals(cn.superName) || ((MethodInsnNode) i).owner.equals(cn.name))) {
                superCall = i;
            }
        }
        List<MethodInsnNode> after = new ArrayList<>();
        if (superCall == null) {
            return after;
        }
        int from = method.instructions.indexOf(superCall);
        for (MethodInsnNode call : sites) {
            if (method.instructions.indexOf(call) > from) {
                after.add(call);
            }
        }
        return after;
    }
}
