package dev.greenthreads.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.agent.analysis.ClassHierarchy;
import dev.greenthreads.agent.classify.Suspendability;
import dev.greenthreads.contract.Contract;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/** The time-slice checks the rewrite puts at loop headers, on hand-built class files. */
class TimeSliceChecksTest {

    private static ClassRewriter rewriter(String options) {
        Map<String, byte[]> classes = new HashMap<>();
        ClassHierarchy hierarchy = new ClassHierarchy(classes::get);
        AgentOptions o = AgentOptions.parse(options);
        return new ClassRewriter(hierarchy, new Suspendability(hierarchy, o::included, o::excluded,
                ConcurrentHashMap.newKeySet()), o);
    }

    /** One suspendable static method {@code name(I)I} of class {@code test/Loops}, its code written by {@code body}. */
    private static byte[] suspendable(String name, Consumer<MethodVisitor> body) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "test/Loops", null, "java/lang/Object", null);
        cw.visitSource("Loops.java", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_STATIC, name, "(I)I", null, null);
        mv.visitAnnotation(Contract.SUSPENDABLE_DESC, true).visitEnd();
        mv.visitCode();
        body.accept(mv);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** {@code while (n > 0) { n--; } return n;}, with {@code suspendInside} a suspension in the loop. */
    private static void countDown(MethodVisitor mv, boolean suspendInside) {
        Label head = new Label(), end = new Label();
        mv.visitLabel(head);
        mv.visitVarInsn(Opcodes.ILOAD, 0);
        mv.visitJumpInsn(Opcodes.IFLE, end);
        if (suspendInside) {
            suspend(mv);
        }
        mv.visitIincInsn(0, -1);
        mv.visitJumpInsn(Opcodes.GOTO, head);
        mv.visitLabel(end);
        mv.visitVarInsn(Opcodes.ILOAD, 0);
        mv.visitInsn(Opcodes.IRETURN);
    }

    private static void suspend(MethodVisitor mv) {
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, Contract.FRAME_STACK, Contract.FRAME_STACK_SUSPEND,
                Contract.FRAME_STACK_SUSPEND_DESC, false);
    }

    private static MethodNode method(byte[] classFile, String name) {
        ClassNode cn = new ClassNode();
        new ClassReader(classFile).accept(cn, 0);
        return cn.methods.stream().filter(m -> m.name.equals(name)).findFirst().orElseThrow();
    }

    /** The checks in {@code m}: each read of the flag, followed by a branch to after the slow path's call. */
    private static int checks(MethodNode m) {
        int n = 0;
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof FieldInsnNode && ((FieldInsnNode) i).owner.equals(Contract.TIME_SLICE)) {
                assertEquals(Opcodes.GETSTATIC, i.getOpcode());
                assertEquals(Contract.TIME_SLICE_EXPIRED, ((FieldInsnNode) i).name);
                assertEquals(Opcodes.IFEQ, i.getNext().getOpcode());
                AbstractInsnNode skip = ((JumpInsnNode) i.getNext()).label;
                boolean callsBeforeSkip = false;
                for (AbstractInsnNode j = i.getNext(); j != skip; j = j.getNext()) {
                    callsBeforeSkip |= j instanceof MethodInsnNode
                            && ((MethodInsnNode) j).name.equals(Contract.TIME_SLICE_YIELD_IF_EXPIRED);
                }
                assertTrue(callsBeforeSkip, "the branch skips the slow path's call");
                n++;
            }
        }
        return n;
    }

    private static boolean callsSlowPath(MethodNode m) {
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode && ((MethodInsnNode) i).owner.equals(Contract.TIME_SLICE)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aLoopWithoutCallsGetsACheckAtItsHeaderAndTheMethodBecomesResumable() {
        byte[] out = rewriter("").rewrite(suspendable("count", mv -> countDown(mv, false)));
        assertNotNull(out, "a suspendable method with a loop is rewritten even though it calls nothing");
        MethodNode m = method(out, "count");
        assertEquals(1, checks(m));
        assertTrue(containsFrameStackEntry(m), "the check is a suspendable call site: the method has the entry that restores it");
    }

    @Test
    void aLoopThatAlreadySuspendsGetsACheckToo() {
        MethodNode m = method(rewriter("").rewrite(suspendable("count", mv -> countDown(mv, true))), "count");
        assertEquals(1, checks(m), "the call suspends only if it parks; a loop calling code that computes must give way");
    }

    @Test
    void everyLoopOfAMethodGetsOneCheck() {
        byte[] out = rewriter("").rewrite(suspendable("twice", mv -> {
            Label outer = new Label(), inner = new Label(), innerEnd = new Label(), end = new Label();
            mv.visitLabel(outer);
            mv.visitVarInsn(Opcodes.ILOAD, 0);
            mv.visitJumpInsn(Opcodes.IFLE, end);
            mv.visitInsn(Opcodes.ICONST_3);
            mv.visitVarInsn(Opcodes.ISTORE, 1);
            mv.visitLabel(inner);
            mv.visitVarInsn(Opcodes.ILOAD, 1);
            mv.visitJumpInsn(Opcodes.IFLE, innerEnd);
            mv.visitIincInsn(1, -1);
            mv.visitJumpInsn(Opcodes.GOTO, inner);
            mv.visitLabel(innerEnd);
            mv.visitIincInsn(0, -1);
            mv.visitJumpInsn(Opcodes.GOTO, outer);
            mv.visitLabel(end);
            mv.visitVarInsn(Opcodes.ILOAD, 0);
            mv.visitInsn(Opcodes.IRETURN);
        }));
        assertEquals(2, checks(method(out, "twice")));
    }

    /**
     * {@code for (int i = 0; i < n; i++) s += i;}: it ends by itself, and a check's volatile read
     * would keep the JIT from vectorizing it, so it gets none, and the method, which then can
     * never suspend, is left as it was.
     */
    @Test
    void aCountedLoopThatCallsNothingAndReadsNoFieldGetsNoCheck() {
        byte[] out = rewriter("").rewrite(suspendable("sum", mv -> {
            Label head = new Label(), end = new Label();
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitVarInsn(Opcodes.ISTORE, 1); // s
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitVarInsn(Opcodes.ISTORE, 2); // i
            mv.visitLabel(head);
            mv.visitVarInsn(Opcodes.ILOAD, 2);
            mv.visitVarInsn(Opcodes.ILOAD, 0);
            mv.visitJumpInsn(Opcodes.IF_ICMPGE, end);
            mv.visitVarInsn(Opcodes.ILOAD, 1);
            mv.visitVarInsn(Opcodes.ILOAD, 2);
            mv.visitInsn(Opcodes.IADD);
            mv.visitVarInsn(Opcodes.ISTORE, 1);
            mv.visitIincInsn(2, 1);
            mv.visitJumpInsn(Opcodes.GOTO, head);
            mv.visitLabel(end);
            mv.visitVarInsn(Opcodes.ILOAD, 1);
            mv.visitInsn(Opcodes.IRETURN);
        }));
        assertEquals(null, out, "a method whose only loop is counted cannot suspend: left as it was");
    }

    @Test
    void withPreemptFalseNoCheckIsEmitted() {
        byte[] in = suspendable("count", mv -> countDown(mv, true));
        MethodNode m = method(rewriter("preempt=false").rewrite(in), "count");
        assertEquals(0, checks(m));
        assertFalse(callsSlowPath(m));
        byte[] plain = rewriter("preempt=false").rewrite(suspendable("count", mv -> countDown(mv, false)));
        assertFalse(plain != null && containsFrameStackEntry(method(plain, "count")),
                "a loop that calls nothing and gets no check is not made resumable");
    }

    @Test
    void aMethodWithoutLoopsIsRewrittenToTheSameBytesWithOrWithoutChecks() {
        byte[] in = suspendable("once", mv -> {
            suspend(mv);
            mv.visitVarInsn(Opcodes.ILOAD, 0);
            mv.visitInsn(Opcodes.IRETURN);
        });
        byte[] with = rewriter("").rewrite(in), without = rewriter("preempt=false").rewrite(in);
        assertNotNull(with);
        assertArrayEquals(without, with);
        assertFalse(callsSlowPath(method(with, "once")));
    }

    @Test
    void aLoopInsideASynchronizedBlockGetsNoCheck() {
        byte[] out = rewriter("").rewrite(suspendable("locked", mv -> {
            Label start = new Label(), end = new Label(), handler = new Label();
            mv.visitTryCatchBlock(start, end, handler, null);
            mv.visitLdcInsn("lock");
            mv.visitInsn(Opcodes.MONITORENTER);
            mv.visitLabel(start);
            Label head = new Label(), done = new Label();
            mv.visitLabel(head);
            mv.visitVarInsn(Opcodes.ILOAD, 0);
            mv.visitJumpInsn(Opcodes.IFLE, done);
            mv.visitIincInsn(0, -1);
            mv.visitJumpInsn(Opcodes.GOTO, head);
            mv.visitLabel(done);
            mv.visitLdcInsn("lock");
            mv.visitInsn(Opcodes.MONITOREXIT);
            mv.visitLabel(end);
            mv.visitVarInsn(Opcodes.ILOAD, 0);
            mv.visitInsn(Opcodes.IRETURN);
            mv.visitLabel(handler);
            mv.visitLdcInsn("lock");
            mv.visitInsn(Opcodes.MONITOREXIT);
            mv.visitInsn(Opcodes.ATHROW);
        }));
        assertNotNull(out);
        assertEquals(0, checks(method(out, "locked")), "no suspension can unwind while a monitor is held");
    }

    @Test
    void thePreemptOptionIsOnByDefaultAndTakesTrueOrFalse() {
        assertTrue(AgentOptions.parse(null).preempt);
        assertTrue(AgentOptions.parse("preempt").preempt);
        assertFalse(AgentOptions.parse("preempt=false").preempt);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("preempt=never"));
        assertTrue(e.getMessage().contains("preempt=false"), e.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("preemt=false"));
        assertTrue(unknown.getMessage().contains("preempt=false"), "the known options are listed: " + unknown.getMessage());
    }

    private static boolean containsFrameStackEntry(MethodNode m) {
        for (AbstractInsnNode i = m.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode && ((MethodInsnNode) i).name.equals(Contract.FRAME_STACK_ENTER)) {
                return true;
            }
        }
        return false;
    }
}
