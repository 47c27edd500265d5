package dev.greenthreads.agent.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.greenthreads.contract.Contract;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.MethodInsnNode;

/** Which JDK calls are pointed at a green equivalent, and at which. */
class SleepingCallsTest {

    private static final String LOCK_SUPPORT = "java/util/concurrent/locks/LockSupport";

    private static String replacing(int opcode, String owner, String name, String desc) {
        SleepingCalls.Replacement r = SleepingCalls.replacement(new MethodInsnNode(opcode, owner, name, desc, false));
        return r == null ? null : r.name() + r.desc();
    }

    @Test
    void everyParkOfLockSupportHasTheGreenParkWithTheSameOperands() {
        for (String parkCall : new String[] {"park()V", "park(Ljava/lang/Object;)V", "parkNanos(J)V",
                "parkNanos(Ljava/lang/Object;J)V", "parkUntil(J)V", "parkUntil(Ljava/lang/Object;J)V"}) {
            int paren = parkCall.indexOf('(');
            assertEquals(parkCall, replacing(Opcodes.INVOKESTATIC, LOCK_SUPPORT, parkCall.substring(0, paren),
                    parkCall.substring(paren)), "the runtime's method has the JDK's name and operands");
        }
        assertEquals(Contract.JDK_CALLS_PARK_UNTIL + Contract.JDK_CALLS_PARK_UNTIL_DESC,
                replacing(Opcodes.INVOKESTATIC, LOCK_SUPPORT, "parkUntil", "(J)V"));
    }

    @Test
    void unparkAndOtherCallsStayTheJdks() {
        assertNull(replacing(Opcodes.INVOKESTATIC, LOCK_SUPPORT, "unpark", "(Ljava/lang/Thread;)V"),
                "no Thread names a green thread: GreenThread.unpark() wakes one");
        assertNull(replacing(Opcodes.INVOKESTATIC, LOCK_SUPPORT, "getBlocker", "(Ljava/lang/Thread;)Ljava/lang/Object;"));
        assertNull(replacing(Opcodes.INVOKESTATIC, "com/example/LockSupport", "park", "()V"));
        assertNull(replacing(Opcodes.INVOKEVIRTUAL, "java/lang/Thread", "interrupt", "()V"));
        assertEquals("sleep(J)V", replacing(Opcodes.INVOKESTATIC, "java/lang/Thread", "sleep", "(J)V"));
    }
}
