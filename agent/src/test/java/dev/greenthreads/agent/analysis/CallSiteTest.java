package dev.greenthreads.agent.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.BasicValue;

/** What a suspension at a call must save: live locals, the stack under the call, and what it cannot save. */
class CallSiteTest {

    private final Map<String, byte[]> classes = new HashMap<>();
    private final ClassHierarchy hierarchy = new ClassHierarchy(classes::get);
    private final HierarchyVerifier verifier = new HierarchyVerifier(hierarchy, hierarchy.add(emptyClass()));

    private static byte[] emptyClass() {
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "test/Owner", null, "java/lang/Object", null);
        cw.visitEnd();
        return cw.toByteArray();
    }

    private List<CallSite> sites(MethodNode m, String calleeName) throws Exception {
        List<MethodInsnNode> calls = new java.util.ArrayList<>();
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode && ((MethodInsnNode) i).name.equals(calleeName)) {
                calls.add((MethodInsnNode) i);
            }
        }
        return CallSite.of(m, verifier.analyze("test/Owner", m), Liveness.of(m), calls);
    }

    /**
     * {@code static int m(long x, Object o)}: {@code 7, o, callee(3)} leaves an int and a
     * reference under the call; afterwards only {@code x} is read.
     */
    @Test
    void savesTheLiveLocalsAndTheStackUnderTheCallButNotTheArgumentsOfAStaticCall() throws Exception {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "(JLjava/lang/Object;)I", null, null);
        m.visitIntInsn(Opcodes.BIPUSH, 7);
        m.visitVarInsn(Opcodes.ALOAD, 2);
        m.visitInsn(Opcodes.ICONST_3);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, "test/Owner", "callee", "(I)I", false);
        m.visitInsn(Opcodes.POP);
        m.visitInsn(Opcodes.POP);
        m.visitVarInsn(Opcodes.LLOAD, 0);
        m.visitInsn(Opcodes.L2I);
        m.visitInsn(Opcodes.IADD);
        m.visitInsn(Opcodes.IRETURN);
        m.visitMaxs(5, 3);

        CallSite site = sites(m, "callee").get(0);
        assertEquals(List.of(0), site.slots, "x, and not o, which is not read again");
        assertEquals(Type.LONG_TYPE, site.types.get(0).getType());
        assertEquals(List.of("I", "Ljava/lang/Object;", "I"),
                site.stack.stream().map(BasicValue::getType).map(Type::getDescriptor).collect(Collectors.toList()));
        assertEquals(2, site.saved, "the argument of a static call is not saved: the rewritten callee restores its own");
        assertEquals(3, site.prims, "the long's two slots and the int");
        assertEquals(1, site.refs);
    }

    /** {@code new StringBuilder(text())}: the uninitialised object is on the stack across the call. */
    @Test
    void anObjectUnderConstructionAcrossTheCallCannotBeSavedAndTheMessageSaysWhatToDo() {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "()Ljava/lang/Object;", null, null);
        m.visitTypeInsn(Opcodes.NEW, "java/lang/StringBuilder");
        m.visitInsn(Opcodes.DUP);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, "test/Owner", "text", "()Ljava/lang/String;", false);
        m.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/StringBuilder", "<init>", "(Ljava/lang/String;)V", false);
        m.visitInsn(Opcodes.ARETURN);
        m.visitMaxs(3, 0);

        CannotRewrite e = assertThrows(CannotRewrite.class, () -> sites(m, "text"));
        assertTrue(e.getMessage().contains("new java.lang.StringBuilder")
                && e.getMessage().contains("still under construction in its operand stack across the suspendable call of test.Owner.text")
                && e.getMessage().contains("compute that call's result into a local variable before the new"), e.getMessage());
    }

    @Test
    void aCallInUnreachableCodeHasNoSite() throws Exception {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "()V", null, null);
        m.visitInsn(Opcodes.RETURN);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, "test/Owner", "callee", "()V", false);
        m.visitInsn(Opcodes.RETURN);
        m.visitMaxs(0, 0);
        assertEquals(List.of(), sites(m, "callee"));
    }
}
