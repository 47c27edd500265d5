package dev.greenthreads.agent;

import dev.greenthreads.agent.analysis.CannotRewrite;
import dev.greenthreads.agent.analysis.ClassHierarchy;
import dev.greenthreads.agent.analysis.ClassHierarchy.ClassInfo;
import dev.greenthreads.agent.analysis.HierarchyVerifier;
import dev.greenthreads.agent.analysis.JdkClasses;
import dev.greenthreads.agent.classify.Classifier;
import dev.greenthreads.agent.classify.MethodPlan;
import dev.greenthreads.agent.classify.Suspendability;
import dev.greenthreads.agent.emit.GreenMonitors;
import dev.greenthreads.agent.emit.Pins;
import dev.greenthreads.agent.emit.RefusalMarks;
import dev.greenthreads.agent.emit.ResumableMethod;
import dev.greenthreads.agent.emit.SharedFieldAccesses;
import dev.greenthreads.contract.Contract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodTooLargeException;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;

/**
 * The pipeline for one class file: plan every method ({@link Classifier}), carry out each plan
 * ({@link ResumableMethod}, {@link Pins}), write with fresh stack map frames, verify the result,
 * and mark what was refused ({@link RefusalMarks}). Any failure leaves the class (or the method)
 * as it was with one log line: the agent never breaks the application it instruments.
 */
final class ClassRewriter {

    private final ClassHierarchy hierarchy;
    private final Suspendability suspendability;
    private final Classifier classifier;
    private final AgentOptions options;

    /**
     * Counts for the offline instrumenter's summary: classes with a method changed (a class whose
     * only change is its refusal marks is not one), methods made resumable, classes left for a failure.
     */
    int classesRewritten, methodsRewritten, classesRefused;

    ClassRewriter(ClassHierarchy hierarchy, Suspendability suspendability, AgentOptions options) {
        this.hierarchy = hierarchy;
        this.suspendability = suspendability;
        this.classifier = new Classifier(suspendability, options.verify, options.trace, options.preempt, options.monitors);
        this.options = options;
    }

    /** The class file to use instead, or null to leave it as it was. Never throws. */
    byte[] rewrite(byte[] bytes) {
        return rewrite(bytes, reason -> { });
    }

    /**
     * As {@link #rewrite(byte[])}; {@code leftBecause} hears why when the class is left as it
     * was for a failure, and nothing when it simply needs no rewrite.
     */
    byte[] rewrite(byte[] bytes, Consumer<String> leftBecause) {
        String name = "a class";
        try {
            name = new ClassReader(bytes).getClassName();
            return rewriteOrNull(bytes, leftBecause);
        } catch (Throwable t) {
            refuse(name, t.toString(), leftBecause);
            return null;
        }
    }

    private void refuse(String className, String reason, Consumer<String> leftBecause) {
        classesRefused++;
        Log.warn("left " + className.replace('/', '.') + " as it was: " + reason);
        leftBecause.accept(reason);
    }

    /** Records the targets of method references bound to suspendable interfaces in this class. */
    void scanLambdas(byte[] bytes) {
        ClassNode cn = new ClassNode();
        new ClassReader(bytes).accept(cn, ClassReader.SKIP_FRAMES | ClassReader.SKIP_DEBUG);
        hierarchy.add(bytes);
        classifier.lambdaBodies(cn);
    }

    private byte[] rewriteOrNull(byte[] bytes, Consumer<String> leftBecause) throws IOException {
        ClassInfo info = hierarchy.add(bytes);
        if (info.alreadyRewritten || info.name.equals(Contract.FRAME_STACK)
                || info.name.startsWith("dev/greenthreads/agent/") || JdkClasses.contains(info.name)) {
            return null;
        }
        ClassNode cn = new ClassNode();
        new ClassReader(bytes).accept(cn, ClassReader.SKIP_FRAMES);
        if (options.fields) {
            Set<String> lambdaBodies = classifier.lambdaBodies(cn);
            for (MethodNode method : cn.methods) {
                if (suspendability.isSuspendable(info, method.name, method.desc)
                        || lambdaBodies.contains(method.name + method.desc)) {
                    SharedFieldAccesses.insert(cn, method);
                }
            }
        }
        Map<MethodNode, MethodNode> beforeMonitors = options.monitors ? greenMonitors(cn, info) : Map.of();
        List<MethodPlan> plans = classifier.plan(cn, info);

        List<String> rewritten = new ArrayList<>();
        Map<String, MethodNode> originals = new HashMap<>();
        Map<String, String> refusals = new LinkedHashMap<>();
        Set<MethodNode> changed = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int m = 0; m < plans.size(); m++) {
            MethodPlan plan = plans.get(m);
            MethodNode method = plan.method;
            switch (plan.action) {
                case SKIP:
                    if (plan.note != null) {
                        Log.info("left " + Log.method(info.name, method.name, method.desc) + " as it was: " + plan.note);
                    }
                    keepMonitorsIfNoPark(cn, m, beforeMonitors, changed);
                    break;
                case REFUSE:
                    refusals.put(plan.key(), plan.refusal);
                    keepMonitorsIfNoPark(cn, m, beforeMonitors, changed);
                    break;
                case PIN: {
                    MethodNode backup = beforeMonitors.getOrDefault(method, copy(method));
                    try {
                        Pins.pinOnly(method, plan.pinned, plan.pinReasons);
                        if (!plan.pinned.isEmpty()) {
                            changed.add(method);
                        }
                    } catch (CannotRewrite e) {
                        cn.methods.set(m, backup);
                    }
                    refusals.put(plan.key(), plan.refusal);
                    break;
                }
                case REWRITE: {
                    MethodNode backup = beforeMonitors.getOrDefault(method, copy(method));
                    try {
                        ResumableMethod.rewrite(hierarchy, info, cn.sourceFile, method, plan.resumable, plan.pinned,
                                plan.pinReasons, options.verify, options.preempt);
                        rewritten.add(plan.key());
                        originals.put(plan.key(), backup);
                        changed.add(method);
                    } catch (CannotRewrite | AnalyzerException e) {
                        cn.methods.set(m, backup);
                        String reason = e.getMessage();
                        refusals.put(plan.key(), reason);
                        Log.warn("cannot make " + Log.method(info.name, method.name, method.desc) + " resumable: " + reason
                                + "; a suspension through it will fail");
                    }
                    break;
                }
                default:
                    throw new IllegalStateException(plan.toString());
            }
        }
        byte[] out = bytes;
        if (!changed.isEmpty()) {
            AnnotationNode marker = new AnnotationNode(Contract.INSTRUMENTED_DESC);
            marker.values = List.of(Contract.INSTRUMENTED_VALUE, rewritten);
            if (cn.visibleAnnotations == null) {
                cn.visibleAnnotations = new ArrayList<>();
            }
            cn.visibleAnnotations.add(marker);

            out = writeLeavingTooLargeMethods(cn, bytes, changed, info, rewritten, originals, refusals);
            Map<String, String> failures = verify(info, out, rewritten);
            if (!failures.isEmpty()) {
                failures.forEach((key, failure) -> leaveAsItWas(cn, info, key, "its rewrite did not verify (" + failure + ")",
                        rewritten, originals, refusals));
                out = write(cn, bytes, changed);
                if (!verify(info, out, rewritten).isEmpty()) {
                    refuse(info.name, "its rewrite did not verify", leftBecause);
                    return null;
                }
            }
            classesRewritten++;
            methodsRewritten += rewritten.size();
            if (options.trace) {
                Log.info("rewrote " + info.name.replace('/', '.') + ": " + rewritten);
            }
        }
        refusals.keySet().removeIf(key -> !RefusalMarks.isMarkable(key)
                || RefusalMarks.isMarked(cn.methods.get(indexOf(cn, key))));
        if (!refusals.isEmpty()) {
            out = RefusalMarks.apply(out, refusals);
        }
        if (out == bytes) {
            return null;
        }
        if (options.dump != null) {
            Path file = options.dump.resolve(info.name + ".class");
            Files.createDirectories(file.getParent());
            Files.write(file, out);
        }
        return out;
    }

    /**
     * Gives the suspendable methods of {@code cn} green monitors ({@link GreenMonitors}); returns
     * each changed method's copy from before, which is what a failed rewrite puts back: green
     * monitor calls in a method that is not resumable could park where nothing can unwind.
     */
    private Map<MethodNode, MethodNode> greenMonitors(ClassNode cn, ClassInfo info) {
        Set<String> lambdaBodies = classifier.lambdaBodies(cn);
        Map<MethodNode, MethodNode> before = new IdentityHashMap<>();
        for (MethodNode method : cn.methods) {
            if (method.name.startsWith("<") || !GreenMonitors.applies(method)
                    || !(suspendability.isSuspendable(info, method.name, method.desc)
                    || lambdaBodies.contains(method.name + method.desc))) {
                continue;
            }
            before.put(method, copy(method));
            GreenMonitors.apply(cn, method);
        }
        return before;
    }

    /**
     * A method given green monitors but not made resumable keeps them only if they cannot park
     * (a {@code notify} of a monitor its caller holds): else it is put back as it was.
     */
    private static void keepMonitorsIfNoPark(ClassNode cn, int m, Map<MethodNode, MethodNode> beforeMonitors,
                                             Set<MethodNode> changed) {
        MethodNode method = cn.methods.get(m);
        MethodNode before = beforeMonitors.get(method);
        if (before == null) {
            return;
        }
        if (GreenMonitors.mayPark(method)) {
            cn.methods.set(m, before);
        } else {
            changed.add(method);
        }
    }

    /** Writes {@code cn}, putting back as it was each rewritten method that the rewrite made too large for the JVM. */
    private byte[] writeLeavingTooLargeMethods(ClassNode cn, byte[] original, Set<MethodNode> changed, ClassInfo info,
                                               List<String> rewritten, Map<String, MethodNode> originals,
                                               Map<String, String> refusals) {
        while (true) {
            try {
                return write(cn, original, changed);
            } catch (MethodTooLargeException e) {
                String key = e.getMethodName() + e.getDescriptor();
                if (!rewritten.contains(key)) {
                    throw e;
                }
                leaveAsItWas(cn, info, key, "its rewritten code would exceed the JVM's limit of 64 KB for one method;"
                        + " split it into smaller methods", rewritten, originals, refusals);
            }
        }
    }

    /** Puts back the original of a rewritten method, and says why. */
    private void leaveAsItWas(ClassNode cn, ClassInfo info, String key, String reason, List<String> rewritten,
                              Map<String, MethodNode> originals, Map<String, String> refusals) {
        int paren = key.indexOf('(');
        cn.methods.set(indexOf(cn, key), originals.get(key));
        rewritten.remove(key);
        refusals.put(key, reason);
        Log.warn("left " + Log.method(info.name, key.substring(0, paren), key.substring(paren)) + " as it was: " + reason
                + "; a suspension through it will fail");
    }

    /**
     * The class file of {@code cn}. Only the {@code changed} methods get stack map frames
     * computed, from the class files the hierarchy reads; the others keep their compiler's, read
     * again from the {@code original} class file. Recomputed, a frame can only be as precise as
     * the hierarchy: where a class file is missing (an optional dependency), the common
     * superclass is Object and a method the rewrite never touched would fail verification.
     */
    private byte[] write(ClassNode cn, byte[] original, Set<MethodNode> changed) {
        ClassNode onlyChanged = new ClassNode();
        onlyChanged.version = cn.version;
        onlyChanged.access = cn.access;
        onlyChanged.name = cn.name;
        onlyChanged.superName = cn.superName;
        onlyChanged.interfaces = cn.interfaces;
        for (MethodNode m : cn.methods) {
            if (changed.contains(m)) {
                onlyChanged.methods.add(m);
            }
        }
        ClassWriter computing = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
                return hierarchy.commonSuperClass(a, b);
            }
        };
        onlyChanged.accept(computing);
        ClassNode computed = new ClassNode();
        new ClassReader(computing.toByteArray()).accept(computed, 0);
        ClassNode compiled = new ClassNode();
        new ClassReader(original).accept(compiled, 0);

        List<MethodNode> methods = cn.methods;
        List<MethodNode> framed = new ArrayList<>(methods.size());
        for (int m = 0, c = 0; m < methods.size(); m++) {
            framed.add(changed.contains(methods.get(m)) ? computed.methods.get(c++) : compiled.methods.get(m));
        }
        cn.methods = framed;
        try {
            ClassWriter writer = new ClassWriter(0);
            cn.accept(writer);
            return writer.toByteArray();
        } finally {
            cn.methods = methods;
        }
    }

    /** Each rewritten method of the written class that does not verify, by "name(desc)", with what failed. */
    private Map<String, String> verify(ClassInfo info, byte[] out, List<String> rewritten) {
        Map<String, String> failures = new LinkedHashMap<>();
        Set<String> keys = new HashSet<>(rewritten);
        ClassNode cn = new ClassNode(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                return keys.contains(name + desc) ? super.visitMethod(access, name, desc, signature, exceptions) : null;
            }
        };
        new ClassReader(out).accept(cn, ClassReader.SKIP_FRAMES);
        for (MethodNode method : cn.methods) {
            try {
                new HierarchyVerifier(hierarchy, info).analyze(cn.name, method);
            } catch (AnalyzerException e) {
                failures.put(method.name + method.desc, e.getMessage());
            }
        }
        return failures;
    }

    private static int indexOf(ClassNode cn, String nameAndDesc) {
        for (int m = 0; m < cn.methods.size(); m++) {
            if ((cn.methods.get(m).name + cn.methods.get(m).desc).equals(nameAndDesc)) {
                return m;
            }
        }
        throw new IllegalStateException("no method " + nameAndDesc + " in " + cn.name);
    }

    private static MethodNode copy(MethodNode method) {
        MethodNode copy = new MethodNode(Opcodes.ASM9, method.access, method.name, method.desc, method.signature,
                method.exceptions.toArray(new String[0]));
        method.accept(copy);
        return copy;
    }
}
