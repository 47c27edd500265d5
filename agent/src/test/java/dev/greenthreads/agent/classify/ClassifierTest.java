package dev.greenthreads.agent.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.agent.analysis.ClassHierarchy;
import dev.greenthreads.agent.analysis.ClassHierarchy.ClassInfo;
import dev.greenthreads.contract.Contract;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.ClassNode;

/** The plan for each kind of method, computed from a tiny class, before anything is rewritten. */
class ClassifierTest {

    private static final String OWNER = "test/Plans";

    /** Plan as under the agent option {@code monitors}. */
    private boolean monitors;
    private final Map<String, byte[]> classes = new HashMap<>();
    private final ClassHierarchy hierarchy = new ClassHierarchy(classes::get);
    private Suspendability suspendability = new Suspendability(hierarchy, name -> false, name -> false,
            ConcurrentHashMap.newKeySet());

    /**
     * The plans of a class {@code test.Plans} (source Plans.java): a suspendable {@code leaf()} and the
     * method under test, written by {@code code}, at line 7.
     */
    private Map<String, MethodPlan> plans(int access, String name, String desc, boolean marked, Consumer<MethodVisitor> code,
                                          boolean trace) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, OWNER, null, "java/lang/Object", null);
        cw.visitSource("Plans.java", null);
        MethodVisitor leaf = cw.visitMethod(Opcodes.ACC_PUBLIC, "leaf", "()V", null, null);
        leaf.visitAnnotation(Contract.SUSPENDABLE_DESC, true).visitEnd();
        leaf.visitCode();
        leaf.visitMethodInsn(Opcodes.INVOKESTATIC, Contract.FRAME_STACK, Contract.FRAME_STACK_SUSPEND,
                Contract.FRAME_STACK_SUSPEND_DESC, false);
        leaf.visitInsn(Opcodes.RETURN);
        leaf.visitMaxs(0, 0);
        leaf.visitEnd();
        MethodVisitor mv = cw.visitMethod(access, name, desc, null, null);
        if (marked) {
            mv.visitAnnotation(Contract.SUSPENDABLE_DESC, true).visitEnd();
        }
        mv.visitCode();
        Label line = new Label();
        mv.visitLabel(line);
        mv.visitLineNumber(7, line);
        code.accept(mv);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        byte[] bytes = cw.toByteArray();
        ClassInfo info = hierarchy.add(bytes);
        ClassNode cn = new ClassNode();
        new ClassReader(bytes).accept(cn, ClassReader.SKIP_FRAMES);
        Map<String, MethodPlan> byName = new HashMap<>();
        for (MethodPlan plan : new Classifier(suspendability, true, trace, false, monitors).plan(cn, info)) {
            byName.put(plan.method.name, plan);
        }
        return byName;
    }

    private static void callLeaf(MethodVisitor mv) {
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, OWNER, "leaf", "()V", false);
    }

    @Test
    void aMethodThatCallsNothingSuspendableIsSkipped() {
        MethodPlan plan = plans(Opcodes.ACC_PUBLIC, "m", "()I", false, mv -> {
            mv.visitLdcInsn("text");
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/String", "length", "()I", false);
            mv.visitInsn(Opcodes.IRETURN);
        }, false).get("m");
        assertEquals(MethodPlan.Action.SKIP, plan.action);
        assertNull(plan.note);
    }

    @Test
    void aSuspendableMethodThatCallsASuspendableOneIsRewrittenAtThatCall() {
        MethodPlan plan = plans(Opcodes.ACC_PUBLIC, "m", "()V", true, mv -> {
            callLeaf(mv);
            mv.visitInsn(Opcodes.RETURN);
        }, false).get("m");
        assertEquals(MethodPlan.Action.REWRITE, plan.action);
        assertEquals(1, plan.resumable.size());
        assertEquals("leaf", plan.resumable.get(0).name);
        assertEquals(List.of(), plan.pinned);
    }

    @Test
    void aMethodThatIsNotSuspendableButCallsASuspendableOneIsRefusedWithThePlaceAndTheRemedy() {
        MethodPlan plan = plans(Opcodes.ACC_PUBLIC, "m", "()V", false, mv -> {
            callLeaf(mv);
            mv.visitInsn(Opcodes.RETURN);
        }, false).get("m");
        assertEquals(MethodPlan.Action.REFUSE, plan.action);
        assertEquals("it is not suspendable itself although it calls the suspendable test.Plans.leaf at"
                + " test.Plans.m(Plans.java:7); mark it @Suspendable", plan.refusal);
    }

    /** {@code @Suspendable void m() { synchronized (this) { leaf(); } leaf(); }} */
    @Test
    void aSuspendableCallInsideASynchronizedBlockIsPinnedAndTheOtherIsRewritten() {
        MethodPlan plan = plans(Opcodes.ACC_PUBLIC, "m", "()V", true, mv -> {
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitInsn(Opcodes.MONITORENTER);
            callLeaf(mv);
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitInsn(Opcodes.MONITOREXIT);
            callLeaf(mv);
            mv.visitInsn(Opcodes.RETURN);
        }, false).get("m");
        assertEquals(MethodPlan.Action.REWRITE, plan.action);
        assertEquals(1, plan.pinned.size());
        assertEquals(List.of("a synchronized block at test.Plans.m(Plans.java:7)"), plan.pinReasons);
        assertEquals(1, plan.resumable.size());
        assertTrue(plan.resumable.get(0) != plan.pinned.get(0));
    }

    /** {@code @Suspendable void m() { synchronized (this) { leaf(); } }} as javac writes it, the lock in local 1. */
    private MethodPlan synchronizedBlockAroundLeaf() {
        return plans(Opcodes.ACC_PUBLIC, "m", "()V", true, mv -> {
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitInsn(Opcodes.DUP);
            mv.visitVarInsn(Opcodes.ASTORE, 1);
            mv.visitInsn(Opcodes.MONITORENTER);
            callLeaf(mv);
            mv.visitVarInsn(Opcodes.ALOAD, 1);
            mv.visitInsn(Opcodes.MONITOREXIT);
            mv.visitInsn(Opcodes.RETURN);
        }, false).get("m");
    }

    @Test
    void underTheOptionMonitorsACallInsideJavacsSynchronizedBlockIsResumable() {
        monitors = true;
        MethodPlan plan = synchronizedBlockAroundLeaf();
        assertEquals(MethodPlan.Action.REWRITE, plan.action);
        assertEquals(List.of(), plan.pinned);
        assertEquals(1, plan.resumable.size());
    }

    @Test
    void withoutTheOptionMonitorsTheSameCallIsPinned() {
        MethodPlan plan = synchronizedBlockAroundLeaf();
        assertEquals(1, plan.pinned.size());
        assertEquals(List.of(), plan.resumable);
    }

    @Test
    void underTheOptionMonitorsARegionItCannotReleaseStillPins() {
        monitors = true;
        MethodPlan plan = plans(Opcodes.ACC_PUBLIC, "m", "()V", true, mv -> {
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitInsn(Opcodes.DUP);
            mv.visitInsn(Opcodes.MONITORENTER);
            callLeaf(mv);
            mv.visitInsn(Opcodes.MONITOREXIT);
            mv.visitInsn(Opcodes.RETURN);
        }, false).get("m");
        assertEquals(1, plan.pinned.size(), "the object only on the stack: the frame could not take it again");
        assertEquals(List.of(), plan.resumable);
    }

    private static void sleep(MethodVisitor mv) {
        mv.visitLdcInsn(10L);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Thread", "sleep", "(J)V", false);
    }

    /** {@code @Suspendable void m() { Thread.sleep(10); synchronized (this) { Thread.sleep(10); } }} */
    @Test
    void aSuspendableMethodsSleepOutsideAMonitorIsACallSiteAndTheOneInsideStaysTheJdks() {
        MethodPlan plan = plans(Opcodes.ACC_PUBLIC, "m", "()V", true, mv -> {
            sleep(mv);
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitInsn(Opcodes.MONITORENTER);
            sleep(mv);
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitInsn(Opcodes.MONITOREXIT);
            mv.visitInsn(Opcodes.RETURN);
        }, false).get("m");
        assertEquals(MethodPlan.Action.REWRITE, plan.action);
        assertEquals(1, plan.resumable.size());
        assertEquals("java/lang/Thread.sleep(J)V", plan.resumable.get(0).owner + "." + plan.resumable.get(0).name
                + plan.resumable.get(0).desc);
        assertEquals(List.of(), plan.pinned);
    }

    @Test
    void aSleepInAMethodThatIsNotSuspendableIsLeftAlone() {
        MethodPlan plan = plans(Opcodes.ACC_PUBLIC, "m", "()V", false, mv -> {
            sleep(mv);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Thread", "yield", "()V", false);
            mv.visitInsn(Opcodes.RETURN);
        }, false).get("m");
        assertEquals(MethodPlan.Action.SKIP, plan.action);
    }

    /** A static helper that only sleeps can reach a suspension, so it is not left alone as never-suspending. */
    @Test
    void aStaticSuspendableMethodThatOnlySleepsIsRewritten() {
        MethodPlan plan = plans(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "m", "()V", true, mv -> {
            mv.visitFieldInsn(Opcodes.GETSTATIC, "java/util/concurrent/TimeUnit", "SECONDS",
                    "Ljava/util/concurrent/TimeUnit;");
            mv.visitLdcInsn(1L);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/util/concurrent/TimeUnit", "sleep", "(J)V", false);
            mv.visitInsn(Opcodes.RETURN);
        }, false).get("m");
        assertEquals(MethodPlan.Action.REWRITE, plan.action);
        assertEquals(1, plan.resumable.size());
    }

    @Test
    void aConstructorIsPinnedAfterItsSuperCallAndRefusesToSuspend() {
        MethodPlan plan = plans(Opcodes.ACC_PUBLIC, "<init>", "()V", false, mv -> {
            suspendBeforeSuper(mv);
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
            callLeaf(mv);
            mv.visitInsn(Opcodes.RETURN);
        }, false).get("<init>");
        assertEquals(MethodPlan.Action.PIN, plan.action);
        assertEquals(1, plan.pinned.size(), "only the call after super(): before it, this cannot be touched");
        assertEquals(List.of("the constructor test.Plans.<init>(Plans.java:7)"), plan.pinReasons);
        assertEquals("the constructor cannot suspend", plan.refusal);
    }

    /** {@code FrameStack.suspend()} before super(): no pin can go there. */
    private static void suspendBeforeSuper(MethodVisitor mv) {
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, Contract.FRAME_STACK, Contract.FRAME_STACK_SUSPEND,
                Contract.FRAME_STACK_SUSPEND_DESC, false);
    }

    @Test
    void aSynchronizedMethodIsPinnedAtEverySuspendableCall() {
        MethodPlan plan = plans(Opcodes.ACC_PUBLIC | Opcodes.ACC_SYNCHRONIZED, "m", "()V", true, mv -> {
            callLeaf(mv);
            callLeaf(mv);
            mv.visitInsn(Opcodes.RETURN);
        }, false).get("m");
        assertEquals(MethodPlan.Action.PIN, plan.action);
        assertEquals(2, plan.pinned.size());
        assertEquals("the synchronized method cannot suspend", plan.refusal);
    }

    /**
     * A method whose code makes a lambda of {@code samType} out of the method {@code target} of
     * this class ({@code ()V}, instance) and then calls {@code leaf()}.
     */
    private static Consumer<MethodVisitor> bindsAndCallsLeaf(String samType, String target) {
        return mv -> {
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitInvokeDynamicInsn("run", "(L" + OWNER + ";)L" + samType + ";",
                    new Handle(Opcodes.H_INVOKESTATIC, "java/lang/invoke/LambdaMetafactory", "metafactory",
                            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
                                    + "Ljava/lang/invoke/MethodType;Ljava/lang/invoke/MethodHandle;Ljava/lang/invoke/MethodType;)"
                                    + "Ljava/lang/invoke/CallSite;", false),
                    Type.getType("()V"), new Handle(Opcodes.H_INVOKESPECIAL, OWNER, target, "()V", false), Type.getType("()V"));
            mv.visitInsn(Opcodes.POP);
            callLeaf(mv);
            mv.visitInsn(Opcodes.RETURN);
        };
    }

    @Test
    void aLambdaOfAJdkInterfaceIsPinnedAtItsSuspendableCalls() {
        MethodPlan plan = plans(Opcodes.ACC_PRIVATE | Opcodes.ACC_SYNTHETIC, "lambda$m$0", "()V", false,
                bindsAndCallsLeaf("java/lang/Runnable", "lambda$m$0"), false).get("lambda$m$0");
        assertEquals(MethodPlan.Action.PIN, plan.action);
        assertEquals(1, plan.pinned.size());
        assertEquals(List.of("a lambda implementing java.lang.Runnable at test.Plans.lambda$m$0(Plans.java:7)"),
                plan.pinReasons);
        assertEquals("a lambda implementing java.lang.Runnable cannot suspend", plan.refusal);
    }

    @Test
    void aLambdaOfAJdkInterfaceIsPinnedEvenWhenIncludeMakesItsClassSuspendable() {
        suspendability = new Suspendability(hierarchy, name -> true, name -> false, ConcurrentHashMap.newKeySet());
        MethodPlan plan = plans(Opcodes.ACC_PRIVATE | Opcodes.ACC_SYNTHETIC, "lambda$m$0", "()V", false,
                bindsAndCallsLeaf("java/lang/Runnable", "lambda$m$0"), false).get("lambda$m$0");
        assertEquals(MethodPlan.Action.PIN, plan.action, "rewritten, it would unwind into the JDK frame that called it");
    }

    @Test
    void aLambdaOfTheApplicationsOwnInterfaceIsRefusedForMarkingIsTheRemedy() {
        MethodPlan plan = plans(Opcodes.ACC_PRIVATE | Opcodes.ACC_SYNTHETIC, "lambda$m$0", "()V", false,
                bindsAndCallsLeaf("test/Callback", "lambda$m$0"), false).get("lambda$m$0");
        assertEquals(MethodPlan.Action.REFUSE, plan.action);
    }

    @Test
    void aMethodReferenceOfAJdkInterfaceIsNotPinnedForOtherCodeCallsItDirectly() {
        MethodPlan plan = plans(Opcodes.ACC_PUBLIC, "named", "()V", false,
                bindsAndCallsLeaf("java/lang/Runnable", "named"), false).get("named");
        assertEquals(MethodPlan.Action.REFUSE, plan.action);
    }

    /** {@code @Suspendable static int m(int n) { return n < 2 ? n : m(n - 1) + m(n - 2); }} */
    @Test
    void aSuspendableMethodThatCanNeverReachASuspensionIsSkippedAndTheTraceSaysWhy() {
        Consumer<MethodVisitor> fib = mv -> {
            Label recurse = new Label();
            mv.visitVarInsn(Opcodes.ILOAD, 0);
            mv.visitInsn(Opcodes.ICONST_2);
            mv.visitJumpInsn(Opcodes.IF_ICMPGE, recurse);
            mv.visitVarInsn(Opcodes.ILOAD, 0);
            mv.visitInsn(Opcodes.IRETURN);
            mv.visitLabel(recurse);
            mv.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
            mv.visitVarInsn(Opcodes.ILOAD, 0);
            mv.visitInsn(Opcodes.ICONST_1);
            mv.visitInsn(Opcodes.ISUB);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, OWNER, "m", "(I)I", false);
            mv.visitVarInsn(Opcodes.ILOAD, 0);
            mv.visitInsn(Opcodes.ICONST_2);
            mv.visitInsn(Opcodes.ISUB);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, OWNER, "m", "(I)I", false);
            mv.visitInsn(Opcodes.IADD);
            mv.visitInsn(Opcodes.IRETURN);
        };
        MethodPlan traced = plans(Opcodes.ACC_STATIC, "m", "(I)I", true, fib, true).get("m");
        assertEquals(MethodPlan.Action.SKIP, traced.action);
        assertEquals("it cannot reach a suspension", traced.note);
        assertNull(plans(Opcodes.ACC_STATIC, "m", "(I)I", true, fib, false).get("m").note, "no question asked when not tracing");
    }
}
