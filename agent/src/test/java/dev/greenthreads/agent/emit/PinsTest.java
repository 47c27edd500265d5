package dev.greenthreads.agent.emit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.greenthreads.agent.analysis.ClassHierarchy;
import dev.greenthreads.agent.analysis.HierarchyVerifier;
import dev.greenthreads.contract.Contract;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;

/** The pin transform on a tiny method: pin before the call, unpin after it on every way out. */
class PinsTest {

    /** {@code static void m() { callee(); }} */
    private static MethodNode tiny() {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "()V", null, null);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, "test/Owner", "callee", "()V", false);
        m.visitInsn(Opcodes.RETURN);
        m.visitMaxs(0, 0);
        return m;
    }

    private static List<String> code(MethodNode m) {
        List<String> code = new ArrayList<>();
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode) {
                code.add(((MethodInsnNode) i).name);
            } else if (i instanceof LdcInsnNode) {
                code.add("\"" + ((LdcInsnNode) i).cst + "\"");
            } else if (i.getOpcode() >= 0) {
                code.add(org.objectweb.asm.util.Printer.OPCODES[i.getOpcode()].toLowerCase());
            }
        }
        return code;
    }

    @Test
    void theCallIsPinnedWithItsReasonAndUnpinnedWhetherItReturnsOrThrows() throws Exception {
        MethodNode m = tiny();
        MethodInsnNode call = (MethodInsnNode) m.instructions.getFirst();
        Pins.wrap(m, call, "the constructor test.Owner.<init>(Owner.java:3)");

        assertEquals(List.of("current", "\"the constructor test.Owner.<init>(Owner.java:3)\"", "pin", "callee",
                "current", "unpin", "goto", "current", "unpin", "athrow", "return"), code(m));
        TryCatchBlockNode unpinning = m.tryCatchBlocks.get(0);
        assertNull(unpinning.type, "every exception unpins");
        assertEquals(call, unpinning.start.getNext(), "the handler covers the call and nothing before it");
        assertEquals(call, unpinning.end.getPrevious(), "and nothing after it");
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode && !((MethodInsnNode) i).owner.equals("test/Owner")) {
                assertEquals(Contract.FRAME_STACK, ((MethodInsnNode) i).owner);
            }
        }

        Map<String, byte[]> classes = new HashMap<>();
        ClassHierarchy hierarchy = new ClassHierarchy(classes::get);
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "test/Owner", null, "java/lang/Object", null);
        cw.visitEnd();
        m.maxStack = 2;
        new HierarchyVerifier(hierarchy, hierarchy.add(cw.toByteArray())).analyze("test/Owner", m);
    }

    /** {@code try { callee(); } catch (RuntimeException e) { }}: the method's own handler is searched after the pin's. */
    @Test
    void thePinsHandlerComesFirstInTheExceptionTableSoTheMethodsOwnHandlerRunsUnpinned() {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "()V", null, null);
        org.objectweb.asm.Label start = new org.objectweb.asm.Label(), end = new org.objectweb.asm.Label(),
                handler = new org.objectweb.asm.Label();
        m.visitTryCatchBlock(start, end, handler, "java/lang/RuntimeException");
        m.visitLabel(start);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, "test/Owner", "callee", "()V", false);
        m.visitLabel(end);
        m.visitInsn(Opcodes.RETURN);
        m.visitLabel(handler);
        m.visitInsn(Opcodes.POP);
        m.visitInsn(Opcodes.RETURN);
        MethodInsnNode call = null;
        for (AbstractInsnNode i = m.instructions.getFirst(); call == null; i = i.getNext()) {
            call = i instanceof MethodInsnNode ? (MethodInsnNode) i : null;
        }
        Pins.wrap(m, call, "a synchronized block at test.Owner.m(Owner.java:9)");
        assertEquals(2, m.tryCatchBlocks.size());
        assertNull(m.tryCatchBlocks.get(0).type, "the pin's catch-all, searched first");
        assertEquals("java/lang/RuntimeException", m.tryCatchBlocks.get(1).type);
    }
}
