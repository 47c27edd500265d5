package dev.greenthreads.agent;

import dev.greenthreads.agent.ClassHierarchy.ClassInfo;
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
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodTooLargeException;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;

/**
 * The pipeline for one class file: decide what is suspendable ({@link Suspendability}) and what
 * can never suspend ({@link NeverSuspends}), move allocations out of the way
 * ({@link ConstructorCalls}), rewrite ({@link MethodRewriter}), write with fresh stack map
 * frames, and verify the result. Any failure leaves the class as it
 * was with one log line: the agent never breaks the application it instruments.
 */
final class ClassRewriter {

    private final ClassHierarchy hierarchy;
    private final Suspendability suspendability;
    private final AgentOptions options;
    private final Map<String, String> refusals;

    /** Counts for the offline instrumenter's summary. */
    int classesRewritten, methodsRewritten, classesRefused;

    ClassRewriter(ClassHierarchy hierarchy, Suspendability suspendability, AgentOptions options, Map<String, String> refusals) {
        this.hierarchy = hierarchy;
        this.suspendability = suspendability;
        this.options = options;
        this.refusals = refusals;
    }

    /** The rewritten class file, or null to leave it as it was. Never throws. */
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
        lambdaBodies(cn);
    }

    private byte[] rewriteOrNull(byte[] bytes, Consumer<String> leftBecause) throws IOException {
        ClassInfo info = hierarchy.add(bytes);
        if (info.alreadyRewritten || info.name.equals(Names.FRAME_STACK)
                || info.name.startsWith("dev/greenthreads/agent/") || Suspendability.isPlatform(info.name)) {
            return null;
        }
        ClassNode cn = new ClassNode();
        new ClassReader(bytes).accept(cn, ClassReader.SKIP_FRAMES);
        Set<String> lambdaBodies = lambdaBodies(cn);
        Set<String> neverSuspend = NeverSuspends.in(cn);

        List<String> rewritten = new ArrayList<>();
        Map<String, MethodNode> originals = new HashMap<>();
        Set<MethodNode> changed = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int m = 0; m < cn.methods.size(); m++) {
            MethodNode method = cn.methods.get(m);
            String key = method.name + method.desc;
            if (neverSuspend.contains(key)) {
                if (options.trace && suspendability.isSuspendable(info, method.name, method.desc)) {
                    Log.info("left " + Log.method(info.name, method.name, method.desc) + " as it was: it cannot reach a suspension");
                }
                continue;
            }
            List<MethodInsnNode> sites = suspendableCalls(cn.name, method, neverSuspend);
            boolean suspendable = suspendability.isSuspendable(info, method.name, method.desc) || lambdaBodies.contains(key);
            boolean constructor = method.name.equals("<init>"), initialiser = method.name.equals("<clinit>");
            boolean synchronizedMethod = (method.access & Opcodes.ACC_SYNCHRONIZED) != 0;
            if (sites.isEmpty() && !(suspendable && options.verify && !constructor && !initialiser && !synchronizedMethod
                    && method.instructions.size() > 0)) {
                continue;
            }
            MethodRewriter rewriter = new MethodRewriter(hierarchy, info, cn.sourceFile, method, options.verify);
            if (constructor || initialiser || synchronizedMethod) {
                String what = constructor ? "the constructor " : initialiser ? "the static initialiser " : "the synchronized method ";
                List<MethodInsnNode> pinned = constructor ? afterSuperCall(cn, method, sites) : sites;
                List<String> reasons = new ArrayList<>();
                for (MethodInsnNode call : pinned) {
                    reasons.add(what + rewriter.where(call));
                }
                MethodNode backup = copy(method);
                try {
                    rewriter.pinOnly(pinned, reasons);
                    if (!pinned.isEmpty()) {
                        changed.add(method);
                    }
                } catch (CannotRewrite | AnalyzerException e) {
                    cn.methods.set(m, backup);
                }
                refusals.put(info.name + "." + key, what.trim() + " cannot suspend");
                continue;
            }
            if (!suspendable) {
                MethodInsnNode first = sites.get(0);
                refusals.put(info.name + "." + key, "it is not suspendable itself although it calls the suspendable "
                        + first.owner.replace('/', '.') + "." + first.name + " at " + rewriter.where(first)
                        + "; mark it @Suspendable");
                continue;
            }
            Set<AbstractInsnNode> held = MonitorRegions.inside(method);
            List<MethodInsnNode> resumable = new ArrayList<>(), pinned = new ArrayList<>();
            List<String> reasons = new ArrayList<>();
            for (MethodInsnNode call : sites) {
                if (held.contains(call)) {
                    pinned.add(call);
                    reasons.add("a synchronized block at " + rewriter.where(call));
                } else {
                    resumable.add(call);
                }
            }
            MethodNode backup = copy(method);
            try {
                rewriter.rewrite(resumable, pinned, reasons);
                rewritten.add(key);
                originals.put(key, backup);
                changed.add(method);
            } catch (CannotRewrite | AnalyzerException e) {
                cn.methods.set(m, backup);
                String reason = e.getMessage();
                refusals.put(info.name + "." + key, reason);
                Log.warn("cannot make " + Log.method(info.name, method.name, method.desc) + " resumable: " + reason
                        + "; a suspension through it will fail");
            }
        }
        if (changed.isEmpty()) {
            return null;
        }
        AnnotationNode marker = new AnnotationNode(Names.INSTRUMENTED);
        marker.values = List.of("value", rewritten);
        if (cn.visibleAnnotations == null) {
            cn.visibleAnnotations = new ArrayList<>();
        }
        cn.visibleAnnotations.add(marker);

        byte[] out = writeLeavingTooLargeMethods(cn, bytes, changed, info, rewritten, originals);
        Map<String, String> failures = verify(info, out, rewritten);
        if (!failures.isEmpty()) {
            failures.forEach((key, failure) -> leaveAsItWas(cn, info, key, "its rewrite did not verify (" + failure + ")",
                    rewritten, originals));
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
        if (options.dump != null) {
            Path file = options.dump.resolve(info.name + ".class");
            Files.createDirectories(file.getParent());
            Files.write(file, out);
        }
        return out;
    }

    /** The calls in {@code method} that may suspend: none of a method of this class that never suspends. */
    private List<MethodInsnNode> suspendableCalls(String owner, MethodNode method, Set<String> neverSuspend) {
        List<MethodInsnNode> sites = new ArrayList<>();
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode) {
                MethodInsnNode call = (MethodInsnNode) i;
                if (suspendability.mayCallSuspend(call.owner, call.name, call.desc)
                        && !(call.owner.equals(owner) && neverSuspend.contains(call.name + call.desc))) {
                    sites.add(call);
                }
            }
        }
        return sites;
    }

    /**
     * Methods of this class that are the bodies of lambdas or method references bound to a
     * suspendable interface; targets in other classes are recorded for when those load.
     */
    private Set<String> lambdaBodies(ClassNode cn) {
        Set<String> bodies = new HashSet<>();
        for (MethodNode method : cn.methods) {
            for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
                if (!(i instanceof InvokeDynamicInsnNode)) {
                    continue;
                }
                InvokeDynamicInsnNode indy = (InvokeDynamicInsnNode) i;
                if (!indy.bsm.getOwner().equals("java/lang/invoke/LambdaMetafactory") || indy.bsmArgs.length < 3
                        || !(indy.bsmArgs[0] instanceof Type) || !(indy.bsmArgs[1] instanceof Handle)) {
                    continue;
                }
                Handle target = (Handle) indy.bsmArgs[1];
                if (target.getName().charAt(0) == '<'
                        || !suspendability.isSuspendableLambda(indy.desc, indy.name, (Type) indy.bsmArgs[0])) {
                    continue;
                }
                if (target.getOwner().equals(cn.name)) {
                    bodies.add(target.getName() + target.getDesc());
                } else {
                    suspendability.addReferencedTarget(target.getOwner(), target.getName() + target.getDesc());
                }
            }
        }
        return bodies;
    }

    /** A constructor's calls after it called super() or this(): before that, {@code this} cannot be touched. */
    private static List<MethodInsnNode> afterSuperCall(ClassNode cn, MethodNode method, List<MethodInsnNode> sites) {
        AbstractInsnNode superCall = null;
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null && superCall == null; i = i.getNext()) {
            if (i.getOpcode() == Opcodes.INVOKESPECIAL && ((MethodInsnNode) i).name.equals("<init>")
                    && (((MethodInsnNode) i).owner.equals(cn.superName) || ((MethodInsnNode) i).owner.equals(cn.name))) {
                superCall = i;
            }
        }
        List<MethodInsnNode> after = new ArrayList<>();
        if (superCall == null) {
            return after;
        }
        int from = method.instructions.indexOf(superCall);
        for (MethodInsnNode call : sites) {
            if (method.instructions.indexOf(call) > from) {
                after.add(call);
            }
        }
        return after;
    }

    /** Writes {@code cn}, putting back as it was each rewritten method that the rewrite made too large for the JVM. */
    private byte[] writeLeavingTooLargeMethods(ClassNode cn, byte[] original, Set<MethodNode> changed, ClassInfo info,
                                               List<String> rewritten, Map<String, MethodNode> originals) {
        while (true) {
            try {
                return write(cn, original, changed);
            } catch (MethodTooLargeException e) {
                String key = e.getMethodName() + e.getDescriptor();
                if (!rewritten.contains(key)) {
                    throw e;
                }
                leaveAsItWas(cn, info, key, "its rewritten code would exceed the JVM's limit of 64 KB for one method;"
                        + " split it into smaller methods", rewritten, originals);
            }
        }
    }

    /** Puts back the original of a rewritten method, and says why. */
    private void leaveAsItWas(ClassNode cn, ClassInfo info, String key, String reason, List<String> rewritten,
                              Map<String, MethodNode> originals) {
        int paren = key.indexOf('(');
        cn.methods.set(indexOf(cn, key), originals.get(key));
        rewritten.remove(key);
        refusals.put(info.name + "." + key, reason);
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
