package dev.greenthreads.agent.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Label;
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

    /**
     * javac's {@code synchronized (a) { synchronized (b) { call(); } }}: {@code DUP; ASTORE n;
     * MONITORENTER}, exits by {@code ALOAD n; MONITOREXIT}, and a catch-all handler that covers itself.
     */
    private static MethodNode javacNested() {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "(Ljava/lang/Object;Ljava/lang/Object;)V", null, null);
        Label s1 = new Label(), e1 = new Label(), h1 = new Label(), end1 = new Label(), x1 = new Label();
        Label s2 = new Label(), e2 = new Label(), h2 = new Label(), end2 = new Label(), x2 = new Label();
        m.visitTryCatchBlock(s2, e2, h2, null);
        m.visitTryCatchBlock(h2, x2, h2, null);
        m.visitTryCatchBlock(s1, e1, h1, null);
        m.visitTryCatchBlock(h1, x1, h1, null);
        m.visitVarInsn(Opcodes.ALOAD, 0);
        m.visitInsn(Opcodes.DUP);
        m.visitVarInsn(Opcodes.ASTORE, 2);
        m.visitInsn(Opcodes.MONITORENTER);
        m.visitLabel(s1);
        m.visitVarInsn(Opcodes.ALOAD, 1);
        m.visitInsn(Opcodes.DUP);
        m.visitVarInsn(Opcodes.ASTORE, 3);
        m.visitInsn(Opcodes.MONITORENTER);
        m.visitLabel(s2);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, "test/Owner", "inside", "()V", false);
        m.visitVarInsn(Opcodes.ALOAD, 3);
        m.visitInsn(Opcodes.MONITOREXIT);
        m.visitLabel(e2);
        m.visitJumpInsn(Opcodes.GOTO, end2);
        m.visitLabel(h2);
        m.visitVarInsn(Opcodes.ASTORE, 4);
        m.visitVarInsn(Opcodes.ALOAD, 3);
        m.visitInsn(Opcodes.MONITOREXIT);
        m.visitLabel(x2);
        m.visitVarInsn(Opcodes.ALOAD, 4);
        m.visitInsn(Opcodes.ATHROW);
        m.visitLabel(end2);
        m.visitVarInsn(Opcodes.ALOAD, 2);
        m.visitInsn(Opcodes.MONITOREXIT);
        m.visitLabel(e1);
        m.visitJumpInsn(Opcodes.GOTO, end1);
        m.visitLabel(h1);
        m.visitVarInsn(Opcodes.ASTORE, 5);
        m.visitVarInsn(Opcodes.ALOAD, 2);
        m.visitInsn(Opcodes.MONITOREXIT);
        m.visitLabel(x1);
        m.visitVarInsn(Opcodes.ALOAD, 5);
        m.visitInsn(Opcodes.ATHROW);
        m.visitLabel(end1);
        m.visitInsn(Opcodes.RETURN);
        return m;
    }

    private static AbstractInsnNode call(MethodNode m, String name) {
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode && ((MethodInsnNode) i).name.equals(name)) {
                return i;
            }
        }
        throw new AssertionError(name);
    }

    @Test
    void javacsNestedRegionsHoldTheirLocalsOutermostFirst() {
        MethodNode m = javacNested();
        Map<AbstractInsnNode, int[]> held = MonitorRegions.heldLocals(m);
        assertArrayEquals(new int[] {2, 3}, held.get(call(m, "inside")));
        assertArrayEquals(new int[0], held.get(m.instructions.getLast()), "nothing held at the return");
    }

    @Test
    void aMonitorWhoseObjectIsOnlyOnTheStackIsNotRecognised() {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "()Ljava/lang/Object;", null, null);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, "test/Owner", "lock", "()Ljava/lang/Object;", false);
        m.visitInsn(Opcodes.DUP);
        m.visitInsn(Opcodes.MONITORENTER);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, "test/Owner", "inside", "()V", false);
        m.visitInsn(Opcodes.DUP);
        m.visitInsn(Opcodes.MONITOREXIT);
        m.visitInsn(Opcodes.ARETURN);
        assertNull(MonitorRegions.heldLocals(m));
    }

    @Test
    void aLocalHoldingAMonitorWrittenInsideTheRegionIsNotRecognised() {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "(Ljava/lang/Object;)V", null, null);
        m.visitVarInsn(Opcodes.ALOAD, 0);
        m.visitInsn(Opcodes.DUP);
        m.visitVarInsn(Opcodes.ASTORE, 1);
        m.visitInsn(Opcodes.MONITORENTER);
        m.visitInsn(Opcodes.ACONST_NULL);
        m.visitVarInsn(Opcodes.ASTORE, 1);
        m.visitVarInsn(Opcodes.ALOAD, 1);
        m.visitInsn(Opcodes.MONITOREXIT);
        m.visitInsn(Opcodes.RETURN);
        assertNull(MonitorRegions.heldLocals(m));
    }
}
