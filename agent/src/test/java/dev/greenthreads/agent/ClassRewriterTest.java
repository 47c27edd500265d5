package dev.greenthreads.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.agent.analysis.ClassHierarchy;
import dev.greenthreads.agent.analysis.HierarchyVerifier;
import dev.greenthreads.agent.classify.Suspendability;
import dev.greenthreads.contract.Contract;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/** The class-level pipeline on hand-built class files: what it rewrites, refuses and leaves alone. */
class ClassRewriterTest {

    private final Map<String, byte[]> classes = new HashMap<>();
    private final ClassHierarchy hierarchy = new ClassHierarchy(classes::get);
    private final AgentOptions options = AgentOptions.defaults();
    private final ClassRewriter rewriter = new ClassRewriter(hierarchy,
            new Suspendability(hierarchy, options::included, options::excluded, ConcurrentHashMap.newKeySet()), options);

    /** {@code class Fixture { @Suspendable static int work(int x) { FrameStack.suspend(); return x + 1; } }} */
    private static byte[] fixture(int version, boolean withJsr) {
        ClassWriter cw = new ClassWriter(withJsr ? ClassWriter.COMPUTE_MAXS : ClassWriter.COMPUTE_FRAMES);
        cw.visit(version, Opcodes.ACC_PUBLIC, "test/Fixture", null, "java/lang/Object", null);
        cw.visitSource("Fixture.java", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_STATIC, "work", "(I)I", null, null);
        mv.visitAnnotation(Contract.SUSPENDABLE_DESC, true).visitEnd();
        mv.visitCode();
        Label line = new Label();
        mv.visitLabel(line);
        mv.visitLineNumber(7, line);
        if (withJsr) {
            Label sub = new Label(), after = new Label();
            mv.visitJumpInsn(Opcodes.JSR, sub);
            mv.visitJumpInsn(Opcodes.GOTO, after);
            mv.visitLabel(sub);
            mv.visitVarInsn(Opcodes.ASTORE, 1);
            mv.visitVarInsn(Opcodes.RET, 1);
            mv.visitLabel(after);
        }
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, Contract.FRAME_STACK, Contract.FRAME_STACK_SUSPEND, Contract.FRAME_STACK_SUSPEND_DESC, false);
        mv.visitVarInsn(Opcodes.ILOAD, 0);
        mv.visitInsn(Opcodes.ICONST_1);
        mv.visitInsn(Opcodes.IADD);
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    private static String captureStderr(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(out, true));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return out.toString();
    }

    @Test
    void rewritesASuspendableMethodAndMarksTheClass() {
        byte[] out = rewriter.rewrite(fixture(Opcodes.V17, false));
        assertNotNull(out);
        ClassNode cn = new ClassNode();
        new ClassReader(out).accept(cn, 0);
        AnnotationNode marker = cn.visibleAnnotations.stream()
                .filter(a -> a.desc.equals(Contract.INSTRUMENTED_DESC)).findFirst().orElseThrow();
        assertEquals(java.util.List.of("value", java.util.List.of("work(I)I")), marker.values);
        assertEquals(1, rewriter.methodsRewritten);
    }

    /**
     * The minimal case of a VerifyError found in real libraries: an if/else leaving different
     * local types, then {@code return new StringBuilder(suspends())}. The allocation must be
     * moved after the call, and the rewritten method must check as the JVM would.
     */
    @Test
    void anAllocationAfterBranchesWithDifferentLocalsIsMovedAfterTheSuspendableCall() throws Exception {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "test/Branchy", null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_STATIC, "make", "(Z)Ljava/lang/Object;", null, null);
        mv.visitAnnotation(Contract.SUSPENDABLE_DESC, true).visitEnd();
        mv.visitCode();
        Label otherwise = new Label(), join = new Label();
        mv.visitVarInsn(Opcodes.ILOAD, 0);
        mv.visitJumpInsn(Opcodes.IFEQ, otherwise);
        mv.visitLdcInsn("text");
        mv.visitVarInsn(Opcodes.ASTORE, 1);
        mv.visitJumpInsn(Opcodes.GOTO, join);
        mv.visitLabel(otherwise);
        mv.visitInsn(Opcodes.ICONST_1);
        mv.visitVarInsn(Opcodes.ISTORE, 1);
        mv.visitLabel(join);
        mv.visitTypeInsn(Opcodes.NEW, "java/lang/StringBuilder");
        mv.visitInsn(Opcodes.DUP);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, Contract.FRAME_STACK, Contract.FRAME_STACK_SUSPEND, Contract.FRAME_STACK_SUSPEND_DESC, false);
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/StringBuilder", "<init>", "()V", false);
        mv.visitInsn(Opcodes.ARETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();

        byte[] out = rewriter.rewrite(cw.toByteArray());
        assertNotNull(out, "left as it was");
        ClassNode cn = new ClassNode();
        new ClassReader(out).accept(cn, 0);
        MethodNode make = cn.methods.stream().filter(m -> m.name.equals("make")).findFirst().orElseThrow();
        int suspend = -1, allocation = -1;
        for (AbstractInsnNode i = make.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode && ((MethodInsnNode) i).name.equals(Contract.FRAME_STACK_SUSPEND) && suspend < 0) {
                suspend = make.instructions.indexOf(i);
            } else if (i.getOpcode() == Opcodes.NEW && allocation < 0) {
                allocation = make.instructions.indexOf(i);
            }
        }
        assertTrue(suspend >= 0 && allocation > suspend, "new StringBuilder moved after the call");
        new HierarchyVerifier(hierarchy, hierarchy.get("test/Branchy")).analyze(cn.name, make);
    }

    /** {@code new StringBuilder(text())} four times in one method, {@code text} suspendable. */
    private static byte[] manyAllocations() {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "test/Many", null, "java/lang/Object", null);
        MethodVisitor text = cw.visitMethod(Opcodes.ACC_STATIC, "text", "()Ljava/lang/String;", null, null);
        text.visitAnnotation(Contract.SUSPENDABLE_DESC, true).visitEnd();
        text.visitCode();
        text.visitMethodInsn(Opcodes.INVOKESTATIC, Contract.FRAME_STACK, Contract.FRAME_STACK_SUSPEND, Contract.FRAME_STACK_SUSPEND_DESC, false);
        text.visitLdcInsn("t");
        text.visitInsn(Opcodes.ARETURN);
        text.visitMaxs(0, 0);
        text.visitEnd();
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_STATIC, "make", "()V", null, null);
        mv.visitAnnotation(Contract.SUSPENDABLE_DESC, true).visitEnd();
        mv.visitCode();
        for (int i = 0; i < 4; i++) {
            mv.visitTypeInsn(Opcodes.NEW, "java/lang/StringBuilder");
            mv.visitInsn(Opcodes.DUP);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "test/Many", "text", "()Ljava/lang/String;", false);
            mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/StringBuilder", "<init>", "(Ljava/lang/String;)V", false);
            mv.visitVarInsn(Opcodes.ASTORE, i);
        }
        mv.visitInsn(Opcodes.RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    @Test
    void theSameClassFileIsAlwaysRewrittenToTheSameBytes() {
        byte[] input = manyAllocations(), first = null;
        for (int run = 0; run < 20; run++) {
            ClassHierarchy fresh = new ClassHierarchy(classes::get);
            byte[] out = new ClassRewriter(fresh,
                    new Suspendability(fresh, options::included, options::excluded, ConcurrentHashMap.newKeySet()), options)
                    .rewrite(input);
            assertNotNull(out);
            if (first == null) {
                first = out;
            }
            assertArrayEquals(first, out, "run " + run + " differs from the first");
        }
    }

    /**
     * {@code test/Mixed}: {@code work} suspends; {@code pick} does not, and merges a {@code test/A}
     * and a {@code test/B} into a {@code test/Base}, none of whose class files is at hand.
     */
    private static byte[] mixed() {
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "test/Mixed", null, "java/lang/Object", null);
        MethodVisitor work = cw.visitMethod(Opcodes.ACC_STATIC, "work", "()V", null, null);
        work.visitAnnotation(Contract.SUSPENDABLE_DESC, true).visitEnd();
        work.visitCode();
        work.visitMethodInsn(Opcodes.INVOKESTATIC, Contract.FRAME_STACK, Contract.FRAME_STACK_SUSPEND, Contract.FRAME_STACK_SUSPEND_DESC, false);
        work.visitInsn(Opcodes.RETURN);
        work.visitMaxs(0, 0);
        work.visitEnd();
        MethodVisitor pick = cw.visitMethod(Opcodes.ACC_STATIC, "pick", "(Z)Ljava/lang/String;", null, null);
        pick.visitCode();
        Label otherwise = new Label(), join = new Label();
        pick.visitVarInsn(Opcodes.ILOAD, 0);
        pick.visitJumpInsn(Opcodes.IFEQ, otherwise);
        for (String type : new String[] {"test/A", "test/B"}) {
            if (type.equals("test/B")) {
                pick.visitLabel(otherwise);
                pick.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
            }
            pick.visitTypeInsn(Opcodes.NEW, type);
            pick.visitInsn(Opcodes.DUP);
            pick.visitMethodInsn(Opcodes.INVOKESPECIAL, type, "<init>", "()V", false);
            if (type.equals("test/A")) {
                pick.visitJumpInsn(Opcodes.GOTO, join);
            }
        }
        pick.visitLabel(join);
        pick.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {"test/Base"});
        pick.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "test/Base", "name", "()Ljava/lang/String;", false);
        pick.visitInsn(Opcodes.ARETURN);
        pick.visitMaxs(2, 1);
        pick.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    @Test
    void aMethodTheRewriteLeftAloneKeepsItsCompilersFrames() {
        byte[] out = rewriter.rewrite(mixed());
        assertNotNull(out);
        ClassNode cn = new ClassNode();
        new ClassReader(out).accept(cn, ClassReader.EXPAND_FRAMES);
        MethodNode pick = cn.methods.stream().filter(m -> m.name.equals("pick")).findFirst().orElseThrow();
        java.util.List<Object> stacks = new java.util.ArrayList<>();
        for (AbstractInsnNode i = pick.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof org.objectweb.asm.tree.FrameNode && ((org.objectweb.asm.tree.FrameNode) i).stack != null) {
                stacks.addAll(((org.objectweb.asm.tree.FrameNode) i).stack);
            }
        }
        assertEquals(java.util.List.of("test/Base"), stacks,
                "recomputed without the class files, the merge would be java/lang/Object and pick would not verify");
    }

    @Test
    void rewritingTwiceIsHarmless() {
        byte[] once = rewriter.rewrite(fixture(Opcodes.V17, false));
        assertNull(rewriter.rewrite(once), "a rewritten class is recognised and left alone");
    }

    @Test
    void aClassFileTheAgentCannotReadIsLeftAsItWasWithOneLogLine() {
        byte[][] result = new byte[1][];
        String log = captureStderr(() -> result[0] = rewriter.rewrite(new byte[] {(byte) 0xCA, (byte) 0xFE, 1, 2, 3}));
        assertNull(result[0]);
        assertEquals(1, log.lines().count(), log);
        assertTrue(log.startsWith("[greenthreads] WARNING: left "), log);
    }

    @Test
    void aMethodWithSubroutinesIsRefusedWithTheReasonRecorded() {
        byte[] in = fixture(Opcodes.V1_5, true);
        byte[][] out = new byte[1][];
        String log = captureStderr(() -> out[0] = rewriter.rewrite(in));
        assertTrue(log.contains("cannot make test.Fixture.work(int) resumable: it uses JSR/RET"), log);
        assertNotNull(out[0], "the refusal is recorded on the method, in the class file");
        MethodNode before = method(in, "work"), after = method(out[0], "work");
        assertEquals(before.instructions.size(), after.instructions.size(), "the method is left as it was");
        AnnotationNode refused = after.visibleAnnotations.stream()
                .filter(a -> a.desc.equals(Contract.REFUSED_DESC)).findFirst().orElseThrow();
        assertEquals(Contract.REFUSED_VALUE, refused.values.get(0));
        assertTrue(((String) refused.values.get(1)).contains("JSR/RET"), refused.values.toString());
        assertNull(rewriter.rewrite(out[0]), "marked once: a second run finds the mark and changes nothing");
    }

    @Test
    void aClassWithNothingSuspendableIsLeftAlone() {
        ClassWriter cw = new ClassWriter(0);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "test/Plain", null, "java/lang/Object", null);
        cw.visitEnd();
        assertNull(rewriter.rewrite(cw.toByteArray()));
    }

    private static MethodNode method(byte[] classFile, String name) {
        ClassNode cn = new ClassNode();
        new ClassReader(classFile).accept(cn, 0);
        return cn.methods.stream().filter(m -> m.name.equals(name)).findFirst().orElseThrow();
    }

    /**
     * {@code @Suspendable static int big()}: ten ints live across each of 1,500 suspensions. The
     * method is small; its rewrite, with a save and a restore block per call, is not.
     */
    private static byte[] tooLargeOnceRewritten() {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "test/Big", null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_STATIC, "big", "()I", null, null);
        mv.visitAnnotation(Contract.SUSPENDABLE_DESC, true).visitEnd();
        mv.visitCode();
        for (int l = 0; l < 10; l++) {
            mv.visitIntInsn(Opcodes.BIPUSH, l);
            mv.visitVarInsn(Opcodes.ISTORE, l);
        }
        for (int call = 0; call < 1500; call++) {
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, Contract.FRAME_STACK, Contract.FRAME_STACK_SUSPEND,
                    Contract.FRAME_STACK_SUSPEND_DESC, false);
        }
        mv.visitInsn(Opcodes.ICONST_0);
        for (int l = 0; l < 10; l++) {
            mv.visitVarInsn(Opcodes.ILOAD, l);
            mv.visitInsn(Opcodes.IADD);
        }
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    @Test
    void aMethodWhoseRewriteWouldBeTooLargeIsLeftAsItWasWithTheReasonRecordedOnIt() {
        byte[] in = tooLargeOnceRewritten();
        byte[][] out = new byte[1][];
        String log = captureStderr(() -> out[0] = rewriter.rewrite(in));
        assertTrue(log.contains("left test.Big.big() as it was: its rewritten code would exceed the JVM's limit of 64 KB"), log);
        assertNotNull(out[0]);
        MethodNode before = method(in, "big"), after = method(out[0], "big");
        assertEquals(before.instructions.size(), after.instructions.size(), "the method is left as it was");
        AnnotationNode refused = after.visibleAnnotations.stream()
                .filter(a -> a.desc.equals(Contract.REFUSED_DESC)).findFirst().orElseThrow();
        assertTrue(((String) refused.values.get(1)).contains("split it into smaller methods"), refused.values.toString());
    }
}
