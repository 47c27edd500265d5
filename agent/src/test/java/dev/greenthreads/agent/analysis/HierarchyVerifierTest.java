package dev.greenthreads.agent.analysis;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * The post-rewrite check tracks objects under construction as the JVM does: the methods below
 * pass ASM's own verifier, and the JVM rejects every one the check rejects.
 */
class HierarchyVerifierTest {

    private static final String SB = "java/lang/StringBuilder";

    private final Map<String, byte[]> classes = new HashMap<>();
    private final ClassHierarchy hierarchy = new ClassHierarchy(classes::get);
    private final HierarchyVerifier verifier = new HierarchyVerifier(hierarchy, hierarchy.add(emptyClass()));

    private static byte[] emptyClass() {
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "test/Owner", null, "java/lang/Object", null);
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** {@code static Object m(boolean)}: the body is written by {@code code}, unverified. */
    private static MethodNode method(java.util.function.Consumer<MethodVisitor> code) {
        MethodNode m = new MethodNode(Opcodes.ACC_STATIC, "m", "(Z)Ljava/lang/Object;", null, null);
        m.visitCode();
        code.accept(m);
        m.visitMaxs(4, 3);
        m.visitEnd();
        return m;
    }

    private static void branches(MethodVisitor mv, Runnable whenTrue, Runnable whenFalse) {
        Label otherwise = new Label(), join = new Label();
        mv.visitVarInsn(Opcodes.ILOAD, 0);
        mv.visitJumpInsn(Opcodes.IFEQ, otherwise);
        whenTrue.run();
        mv.visitJumpInsn(Opcodes.GOTO, join);
        mv.visitLabel(otherwise);
        whenFalse.run();
        mv.visitLabel(join);
    }

    private static void construct(MethodVisitor mv) {
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, SB, "<init>", "()V", false);
        mv.visitInsn(Opcodes.ARETURN);
    }

    @Test
    void theSameAllocationReachedTwiceIsOneObjectUnderConstruction() throws AnalyzerException {
        // Locals of different types on the two paths make the analysis visit the NEW twice.
        MethodNode m = method(mv -> {
            branches(mv, () -> {
                mv.visitLdcInsn("text");
                mv.visitVarInsn(Opcodes.ASTORE, 1);
            }, () -> {
                mv.visitInsn(Opcodes.ICONST_1);
                mv.visitVarInsn(Opcodes.ISTORE, 1);
            });
            mv.visitTypeInsn(Opcodes.NEW, SB);
            mv.visitInsn(Opcodes.DUP);
            construct(mv);
        });
        Frame<BasicValue>[] frames = verifier.analyze("test/Owner", m);
        AbstractInsnNode init = findInit(m);
        Frame<BasicValue> before = frames[m.instructions.indexOf(init)];
        assertInstanceOf(HierarchyVerifier.Uninitialised.class, before.getStack(0));
        assertSame(before.getStack(0), before.getStack(1));
        BasicValue after = frames[m.instructions.indexOf(init.getNext())].getStack(0);
        assertSame(BasicValue.class, after.getClass(), "the constructor call initialises the copy left on the stack");
    }

    @Test
    void anAllocationMergedWithARestoredReferenceCannotBeConstructed() {
        // The shape of the broken rewrite: on resume, a saved copy comes back cast to its type.
        MethodNode m = method(mv -> {
            branches(mv, () -> {
                mv.visitTypeInsn(Opcodes.NEW, SB);
                mv.visitInsn(Opcodes.DUP);
            }, () -> {
                mv.visitInsn(Opcodes.ACONST_NULL);
                mv.visitTypeInsn(Opcodes.CHECKCAST, SB);
                mv.visitInsn(Opcodes.DUP);
            });
            construct(mv);
        });
        assertThrows(AnalyzerException.class, () -> verifier.analyze("test/Owner", m));
    }

    @Test
    void twoAllocationsMergedCannotBeConstructed() {
        MethodNode m = method(mv -> {
            branches(mv, () -> mv.visitTypeInsn(Opcodes.NEW, SB), () -> mv.visitTypeInsn(Opcodes.NEW, SB));
            mv.visitInsn(Opcodes.DUP);
            construct(mv);
        });
        assertThrows(AnalyzerException.class, () -> verifier.analyze("test/Owner", m));
    }

    @Test
    void anObjectUnderConstructionCannotBeSavedAsAnArgument() {
        MethodNode m = method(mv -> {
            mv.visitTypeInsn(Opcodes.NEW, SB);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/util/Objects", "hashCode", "(Ljava/lang/Object;)I", false);
            mv.visitInsn(Opcodes.POP);
            mv.visitInsn(Opcodes.ACONST_NULL);
            mv.visitInsn(Opcodes.ARETURN);
        });
        assertThrows(AnalyzerException.class, () -> verifier.analyze("test/Owner", m));
    }

    @Test
    void aConstructorOfAnotherClassCannotInitialiseIt() {
        MethodNode m = method(mv -> {
            mv.visitTypeInsn(Opcodes.NEW, SB);
            mv.visitInsn(Opcodes.DUP);
            mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
            mv.visitInsn(Opcodes.ARETURN);
        });
        assertThrows(AnalyzerException.class, () -> verifier.analyze("test/Owner", m));
    }

    private static AbstractInsnNode findInit(MethodNode m) {
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode && ((MethodInsnNode) i).name.equals("<init>")) {
                return i;
            }
        }
        throw new AssertionError("no constructor call");
    }
}
