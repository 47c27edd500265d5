package dev.greenthreads.agent.classify;

import dev.greenthreads.agent.analysis.JdkClasses;
import dev.greenthreads.agent.analysis.LoopHeaders;
import dev.greenthreads.agent.analysis.SleepingCalls;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Finds the methods of a class that can never reach a suspension, whatever they are marked: a
 * pass after {@link Suspendability}, before the plan. Such a method, and every call of it from
 * its own class, is left as javac wrote it: rewriting would cost an entry check and a status
 * check after each call and could never resume anything. Recursive helpers and leaves of a
 * {@code @Suspendable} class are the common case ({@code fib} calling only itself).
 *
 * <p>A method qualifies when no override can replace it (static, private, final, or in a final
 * class) and everything it calls qualifies too or is a JDK method that cannot call back into
 * application code: a static method, or one of {@code String} or {@code StringBuilder}, whose
 * parameters are primitives, strings or primitive arrays, and not one of the JDK's sleeping or parking
 * calls, which park a green thread ({@link SleepingCalls}). The set is the greatest fixed point,
 * so methods that only call one another, recursion included, qualify together. Calls of these
 * methods from other classes are still treated as suspendable (one status check each): the
 * analysis reads one class at a time, so what it proves holds whichever class loads first.
 *
 * <p>With time slices ({@code loopsYield}), a method with a loop that is not counted
 * ({@link LoopHeaders#uncounted}) never qualifies: the loop gets
 * a check at which the green thread may yield.
 */
public final class NeverSuspends {

    private NeverSuspends() {
    }

    /** "name desc" of the methods of {@code cn} that can never reach a suspension. */
    public static Set<String> in(ClassNode cn) {
        return in(cn, false);
    }

    /** As {@link #in(ClassNode)}; with {@code loopsYield}, no method with a loop that gets a time-slice check. */
    public static Set<String> in(ClassNode cn, boolean loopsYield) {
        Map<String, MethodNode> candidates = new HashMap<>();
        boolean finalClass = (cn.access & Opcodes.ACC_FINAL) != 0;
        for (MethodNode method : cn.methods) {
            boolean fixed = (method.access & (Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL)) != 0 || finalClass;
            if (fixed && method.name.charAt(0) != '<' && method.instructions.size() > 0
                    && !(loopsYield && LoopHeaders.anyUncounted(method))) {
                candidates.put(method.name + method.desc, method);
            }
        }
        Set<String> never = new HashSet<>(candidates.keySet());
        boolean shrunk = true;
        while (shrunk) {
            shrunk = never.removeIf(key -> !callsOnly(cn.name, candidates.get(key), never));
        }
        return never;
    }

    private static boolean callsOnly(String owner, MethodNode method, Set<String> never) {
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode) {
                MethodInsnNode call = (MethodInsnNode) i;
                boolean own = call.owner.equals(owner) && never.contains(call.name + call.desc);
                if (!own && (!JdkClasses.cannotCallBack(call) || SleepingCalls.isSleepingCall(call))) {
                    return false;
                }
            } else if (i instanceof InvokeDynamicInsnNode && !harmless((InvokeDynamicInsnNode) i)) {
                return false;
            }
        }
        return true;
    }

    /** Creating a lambda runs nothing; concatenating primitives and strings calls no toString of ours. */
    private static boolean harmless(InvokeDynamicInsnNode indy) {
        String factory = indy.bsm.getOwner();
        return factory.equals("java/lang/invoke/LambdaMetafactory")
                || factory.equals("java/lang/invoke/StringConcatFactory") && JdkClasses.inert(Type.getArgumentTypes(indy.desc));
    }
}
