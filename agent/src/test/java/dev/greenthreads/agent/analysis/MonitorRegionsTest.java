package dev.greenthreads.agent.analysis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/** The calls made while a monitor is held: a suspension there could not move to another carrier. */
class MonitorRegionsTest {

    /** {@code synchronized (lock) { inside(); } outside();} */
    @Test
    void aCallBetweenMonitorEnterAndExitIsInsideAndOneAfterIsNot() {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "(Ljava/lang/Object;)V", null, null);
        m.visitVarInsn(Opcodes.ALOAD, 0);
        m.visitInsn(Opcodes.MONITORENTER);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, "test/Owner", "inside", "()V", false);
        m.visitVarInsn(Opcodes.ALOAD, 0);
        m.visitInsn(Opcodes.MONITOREXIT);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, "test/Owner", "outside", "()V", false);
        m.visitInsn(Opcodes.RETURN);
        Set<AbstractInsnNode> held = MonitorRegions.inside(m);
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode) {
                boolean inside = ((MethodInsnNode) i).name.equals("inside");
                assertTrue(held.contains(i) == inside, ((MethodInsnNode) i).name);
            }
        }
    }

    @Test
    void aMethodWithoutMonitorsHoldsNone() {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "()V", null, null);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, "test/Owner", "callee", "()V", false);
        m.visitInsn(Opcodes.RETURN);
        assertTrue(MonitorRegions.inside(m).isEmpty());
    }
}
