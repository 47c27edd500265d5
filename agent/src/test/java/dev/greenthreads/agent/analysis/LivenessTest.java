package dev.greenthreads.agent.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.greenthreads.contract.Contract;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Label;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/** Which locals a suspension must save: those read again after the call, on any path, handlers included. */
class LivenessTest {

    private static MethodInsnNode firstCall(MethodNode m) {
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode) {
                return (MethodInsnNode) i;
            }
        }
        throw new AssertionError("no call");
    }

    private static void suspend(MethodNode m) {
        m.visitMethodInsn(Opcodes.INVOKESTATIC, Contract.FRAME_STACK, Contract.FRAME_STACK_SUSPEND,
                Contract.FRAME_STACK_SUSPEND_DESC, false);
    }

    /** {@code int a = 1, b = 2; suspend(); return a;} */
    @Test
    void aLocalThatIsNotReadAfterTheCallIsNotLive() {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "()I", null, null);
        m.visitInsn(Opcodes.ICONST_1);
        m.visitVarInsn(Opcodes.ISTORE, 0);
        m.visitInsn(Opcodes.ICONST_2);
        m.visitVarInsn(Opcodes.ISTORE, 1);
        suspend(m);
        m.visitVarInsn(Opcodes.ILOAD, 0);
        m.visitInsn(Opcodes.IRETURN);
        BitSet live = Liveness.of(m).after(m.instructions, firstCall(m));
        assertEquals(BitSet.valueOf(new long[] {0b01}), live);
    }

    /** {@code int a = 1; suspend(); a = 5; return a;}: overwritten before it is read. */
    @Test
    void aLocalOverwrittenBeforeItIsReadIsNotLive() {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "()I", null, null);
        m.visitInsn(Opcodes.ICONST_1);
        m.visitVarInsn(Opcodes.ISTORE, 0);
        suspend(m);
        m.visitInsn(Opcodes.ICONST_5);
        m.visitVarInsn(Opcodes.ISTORE, 0);
        m.visitVarInsn(Opcodes.ILOAD, 0);
        m.visitInsn(Opcodes.IRETURN);
        assertEquals(new BitSet(), Liveness.of(m).after(m.instructions, firstCall(m)));
    }

    /** {@code int a = 1, b = 2; try { suspend(); return 0; } catch (Throwable t) { return b; }} */
    @Test
    void aLocalReadOnlyByAHandlerIsLiveAcrossACallInItsTryBlock() {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "()I", null, null);
        Label start = new Label(), end = new Label(), handler = new Label();
        m.visitTryCatchBlock(start, end, handler, null);
        m.visitInsn(Opcodes.ICONST_1);
        m.visitVarInsn(Opcodes.ISTORE, 0);
        m.visitInsn(Opcodes.ICONST_2);
        m.visitVarInsn(Opcodes.ISTORE, 1);
        m.visitLabel(start);
        suspend(m);
        m.visitLabel(end);
        m.visitInsn(Opcodes.ICONST_0);
        m.visitInsn(Opcodes.IRETURN);
        m.visitLabel(handler);
        m.visitVarInsn(Opcodes.ASTORE, 2);
        m.visitVarInsn(Opcodes.ILOAD, 1);
        m.visitInsn(Opcodes.IRETURN);
        assertEquals(BitSet.valueOf(new long[] {0b10}), Liveness.of(m).after(m.instructions, firstCall(m)));
    }
}
