package dev.greenthreads.agent.analysis;

import dev.greenthreads.contract.Contract;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * The JDK's sleeping and yielding calls that have a green equivalent in the runtime
 * ({@code Thread.sleep}, {@code TimeUnit.sleep}, {@code Thread.yield}), and that equivalent: a
 * static method of {@link Contract#JDK_CALLS} taking the same operands in the same order. In a
 * method the agent makes resumable such a call is a suspendable call site.
 */
public final class SleepingCalls {

    private SleepingCalls() {
    }

    /** The runtime method's descriptor that replaces {@code call} (its name is the JDK's), or null. */
    public static String replacementDesc(MethodInsnNode call) {
        if (call.owner.equals("java/lang/Thread") && call.getOpcode() == Opcodes.INVOKESTATIC) {
            if (call.name.equals("sleep") && call.desc.equals("(J)V")) {
                return Contract.JDK_CALLS_SLEEP_DESC;
            }
            if (call.name.equals("sleep") && call.desc.equals("(JI)V")) {
                return Contract.JDK_CALLS_SLEEP_NANOS_DESC;
            }
            if (call.name.equals("yield") && call.desc.equals("()V")) {
                return Contract.JDK_CALLS_YIELD_DESC;
            }
        }
        if (call.owner.equals("java/util/concurrent/TimeUnit") && call.getOpcode() == Opcodes.INVOKEVIRTUAL
                && call.name.equals("sleep") && call.desc.equals("(J)V")) {
            return Contract.JDK_CALLS_SLEEP_UNIT_DESC;
        }
        return null;
    }

    public static boolean isSleepingCall(MethodInsnNode call) {
        return replacementDesc(call) != null;
    }
}
