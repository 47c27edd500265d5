package dev.greenthreads.agent.analysis;

import dev.greenthreads.contract.Contract;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * The JDK's sleeping, yielding and parking calls that have a green equivalent in the runtime
 * ({@code Thread.sleep}, {@code TimeUnit.sleep}, {@code Thread.yield}, {@code LockSupport.park},
 * {@code parkNanos}, {@code parkUntil}), and that equivalent: a static method of
 * {@link Contract#JDK_CALLS} taking the same operands in the same order. In a method the agent
 * makes resumable such a call is a suspendable call site. {@code LockSupport.unpark(Thread)} is
 * not among them: no {@code Thread} names a green thread (its carrier changes), so the runtime
 * unparks one through its {@code GreenThread}.
 */
public final class SleepingCalls {

    private SleepingCalls() {
    }

    /** The runtime method that replaces a call: a static method of {@link Contract#JDK_CALLS}. */
    public record Replacement(String name, String desc) {
    }

    private static final String LOCK_SUPPORT = "java/util/concurrent/locks/LockSupport";

    /** The runtime method that replaces {@code call}, or null. */
    public static Replacement replacement(MethodInsnNode call) {
        boolean isStatic = call.getOpcode() == Opcodes.INVOKESTATIC;
        if (call.owner.equals("java/lang/Thread") && isStatic) {
            if (call.name.equals("sleep") && call.desc.equals("(J)V")) {
                return new Replacement(Contract.JDK_CALLS_SLEEP, Contract.JDK_CALLS_SLEEP_DESC);
            }
            if (call.name.equals("sleep") && call.desc.equals("(JI)V")) {
                return new Replacement(Contract.JDK_CALLS_SLEEP_NANOS, Contract.JDK_CALLS_SLEEP_NANOS_DESC);
            }
            if (call.name.equals("yield") && call.desc.equals("()V")) {
                return new Replacement(Contract.JDK_CALLS_YIELD, Contract.JDK_CALLS_YIELD_DESC);
            }
        }
        if (call.owner.equals("java/util/concurrent/TimeUnit") && call.getOpcode() == Opcodes.INVOKEVIRTUAL
                && call.name.equals("sleep") && call.desc.equals("(J)V")) {
            return new Replacement(Contract.JDK_CALLS_SLEEP_UNIT, Contract.JDK_CALLS_SLEEP_UNIT_DESC);
        }
        if (call.owner.equals(LOCK_SUPPORT) && isStatic) {
            switch (call.name + call.desc) {
                case "park()V":
                    return new Replacement(Contract.JDK_CALLS_PARK, Contract.JDK_CALLS_PARK_DESC);
                case "park(Ljava/lang/Object;)V":
                    return new Replacement(Contract.JDK_CALLS_PARK_BLOCKER, Contract.JDK_CALLS_PARK_BLOCKER_DESC);
                case "parkNanos(J)V":
                    return new Replacement(Contract.JDK_CALLS_PARK_NANOS, Contract.JDK_CALLS_PARK_NANOS_DESC);
                case "parkNanos(Ljava/lang/Object;J)V":
                    return new Replacement(Contract.JDK_CALLS_PARK_NANOS_BLOCKER, Contract.JDK_CALLS_PARK_NANOS_BLOCKER_DESC);
                case "parkUntil(J)V":
                    return new Replacement(Contract.JDK_CALLS_PARK_UNTIL, Contract.JDK_CALLS_PARK_UNTIL_DESC);
                case "parkUntil(Ljava/lang/Object;J)V":
                    return new Replacement(Contract.JDK_CALLS_PARK_UNTIL_BLOCKER, Contract.JDK_CALLS_PARK_UNTIL_BLOCKER_DESC);
                default:
                    return null;
            }
        }
        return null;
    }

    public static boolean isSleepingCall(MethodInsnNode call) {
        return replacement(call) != null;
    }
}
