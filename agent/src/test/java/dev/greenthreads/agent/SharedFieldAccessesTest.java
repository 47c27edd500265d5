package dev.greenthreads.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.agent.analysis.ClassHierarchy;
import dev.greenthreads.agent.classify.Suspendability;
import dev.greenthreads.contract.Contract;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/** The agent option {@code fields}: switch points before shared field and array accesses, in suspendable methods only. */
class SharedFieldAccessesTest {

    private final Map<String, byte[]> classes = new HashMap<>();

    private byte[] rewrite(String agentOptions, byte[] input) {
        ClassHierarchy hierarchy = new ClassHierarchy(classes::get);
        AgentOptions options = AgentOptions.parse(agentOptions);
        return new ClassRewriter(hierarchy,
                new Suspendability(hierarchy, options::included, options::excluded, ConcurrentHashMap.newKeySet()), options)
                .rewrite(input);
    }

    /**
     * {@code class Counter { int total; final int step = 1; static int[] slots;
     *   @Suspendable void add() { total = total + step; slots[0] = slots[0] + 1; }
     *   void plain() { total = 0; } }}
     */
    private static byte[] counter() {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "test/Counter", null, "java/lang/Object", null);
        cw.visitField(0, "total", "I", null, null).visitEnd();
        cw.visitField(Opcodes.ACC_FINAL, "step", "I", null, null).visitEnd();
        cw.visitField(Opcodes.ACC_STATIC, "slots", "[I", null, null).visitEnd();
        MethodVisitor init = cw.visitMethod(0, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitInsn(Opcodes.ICONST_1);
        init.visitFieldInsn(Opcodes.PUTFIELD, "test/Counter", "step", "I");
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        MethodVisitor add = cw.visitMethod(0, "add", "()V", null, null);
        add.visitAnnotation(Contract.SUSPENDABLE_DESC, true).visitEnd();
        add.visitCode();
        add.visitVarInsn(Opcodes.ALOAD, 0);
        add.visitVarInsn(Opcodes.ALOAD, 0);
        add.visitFieldInsn(Opcodes.GETFIELD, "test/Counter", "total", "I");
        add.visitVarInsn(Opcodes.ALOAD, 0);
        add.visitFieldInsn(Opcodes.GETFIELD, "test/Counter", "step", "I");
        add.visitInsn(Opcodes.IADD);
        add.visitFieldInsn(Opcodes.PUTFIELD, "test/Counter", "total", "I");
        add.visitFieldInsn(Opcodes.GETSTATIC, "test/Counter", "slots", "[I");
        add.visitInsn(Opcodes.ICONST_0);
        add.visitFieldInsn(Opcodes.GETSTATIC, "test/Counter", "slots", "[I");
        add.visitInsn(Opcodes.ICONST_0);
        add.visitInsn(Opcodes.IALOAD);
        add.visitInsn(Opcodes.ICONST_1);
        add.visitInsn(Opcodes.IADD);
        add.visitInsn(Opcodes.IASTORE);
        add.visitInsn(Opcodes.RETURN);
        add.visitMaxs(0, 0);
        add.visitEnd();
        MethodVisitor plain = cw.visitMethod(0, "plain", "()V", null, null);
        plain.visitCode();
        plain.visitVarInsn(Opcodes.ALOAD, 0);
        plain.visitInsn(Opcodes.ICONST_0);
        plain.visitFieldInsn(Opcodes.PUTFIELD, "test/Counter", "total", "I");
        plain.visitInsn(Opcodes.RETURN);
        plain.visitMaxs(0, 0);
        plain.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    private static List<String> switchPoints(byte[] out, String method) {
        ClassNode cn = new ClassNode();
        new ClassReader(out).accept(cn, 0);
        List<String> found = new ArrayList<>();
        for (MethodNode m : cn.methods) {
            if (!m.name.equals(method)) {
                continue;
            }
            // The rewrite spills the call's argument, so its LDC is no longer right before it, and
            // re-issues the call on the resume path: one description each, at least one call each.
            int calls = 0;
            for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
                if (i instanceof MethodInsnNode && ((MethodInsnNode) i).owner.equals(Contract.INTERLEAVINGS)
                        && ((MethodInsnNode) i).name.equals(Contract.INTERLEAVINGS_SHARED_ACCESS)) {
                    calls++;
                } else if (i instanceof LdcInsnNode && ((LdcInsnNode) i).cst instanceof String
                        && ((String) ((LdcInsnNode) i).cst).matches("(read|write) .*")) {
                    found.add((String) ((LdcInsnNode) i).cst);
                }
            }
            assertTrue(calls >= found.size(), calls + " calls for " + found);
        }
        return found;
    }

    @Test
    void aSwitchPointPrecedesEachNonFinalFieldAndArrayAccessOfASuspendableMethod() {
        byte[] out = rewrite("fields", counter());
        assertNotNull(out, "the class is rewritten, and its rewrite verifies");
        assertEquals(List.of("read Counter.total", "write Counter.total", "read Counter.slots", "read Counter.slots",
                "read int[]", "write int[]"), switchPoints(out, "add"), "none before the final field step");
        assertEquals(List.of(), switchPoints(out, "plain"), "a method that is not suspendable is left as it was");
        assertEquals(List.of(), switchPoints(out, "<init>"), "nor is a constructor");
    }

    @Test
    void withoutTheOptionNothingIsInserted() {
        byte[] out = rewrite("", counter());
        assertEquals(List.of(), out == null ? List.of() : switchPoints(out, "add"));
    }

    @Test
    void theOptionIsKnownByName() {
        assertTrue(AgentOptions.parse("fields").fields);
        assertTrue(AgentOptions.parse("fields=true,trace").fields);
        assertEquals(false, AgentOptions.parse("trace").fields);
    }
}
