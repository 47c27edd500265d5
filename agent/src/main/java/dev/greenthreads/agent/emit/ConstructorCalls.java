package dev.greenthreads.agent.emit;

import dev.greenthreads.agent.analysis.CannotRewrite;
import dev.greenthreads.agent.analysis.HierarchyVerifier;
import dev.greenthreads.agent.analysis.HierarchyVerifier.Uninitialised;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * {@code new T(f(), g())} compiles to {@code NEW T; DUP; f(); g(); INVOKESPECIAL T.<init>}: when
 * {@code f} suspends, two uninitialised references sit on the operand stack, and the JVM allows
 * them nowhere but there. This pass moves {@code NEW; DUP} of such calls to just before the
 * constructor call, after the arguments have been computed and spilled to fresh locals. The
 * object is then created after the arguments instead of before. Only constructor calls whose
 * arguments suspend change, and of that change a program can observe one thing: when {@code T}
 * is not initialised yet, {@code NEW} runs its static initialiser, which now runs after the
 * arguments are computed instead of before, against the order of JLS 15.9.4. Only an initialiser
 * with side effects that the arguments observe can tell; forcing the initialisation first would
 * cost a look-up on every call, so the rewrite accepts the difference.
 */
final class ConstructorCalls {

    private ConstructorCalls() {
    }

    /** Rewrites the constructor calls whose arguments contain one of {@code suspendableCalls}. */
    static void moveAllocations(HierarchyVerifier verifier, String owner, MethodNode method,
                                Set<? extends AbstractInsnNode> suspendableCalls) throws AnalyzerException, CannotRewrite {
        if (suspendableCalls.isEmpty() || !allocates(method)) {
            return;
        }
        Frame<BasicValue>[] frames = verifier.analyze(owner, method);
        InsnList insns = method.instructions;
        // In instruction order, so that the same class file always gets the same new locals.
        Map<TypeInsnNode, MethodInsnNode> moves = new LinkedHashMap<>();
        for (AbstractInsnNode call = insns.getFirst(); call != null; call = call.getNext()) {
            Frame<BasicValue> f = frames[insns.indexOf(call)];
            if (f == null || !suspendableCalls.contains(call)) {
                continue;
            }
            for (int i = 0; i < f.getStackSize(); i++) {
                if (f.getStack(i) instanceof Uninitialised) {
                    moves.put(((Uninitialised) f.getStack(i)).origin, null);
                }
            }
        }
        if (moves.isEmpty()) {
            return;
        }
        for (AbstractInsnNode i = insns.getFirst(); i != null; i = i.getNext()) {
            if (i.getOpcode() == Opcodes.INVOKESPECIAL && ((MethodInsnNode) i).name.equals("<init>")) {
                Frame<BasicValue> f = frames[insns.indexOf(i)];
                if (f == null) {
                    continue;
                }
                int args = Type.getArgumentTypes(((MethodInsnNode) i).desc).length;
                BasicValue receiver = f.getStack(f.getStackSize() - args - 1);
                if (receiver instanceof Uninitialised && moves.containsKey(((Uninitialised) receiver).origin)) {
                    if (moves.put(((Uninitialised) receiver).origin, (MethodInsnNode) i) != null) {
                        throw new CannotRewrite("an object created at one place is initialised at two");
                    }
                }
            }
        }
        List<Runnable> edits = new ArrayList<>();
        for (Map.Entry<TypeInsnNode, MethodInsnNode> move : moves.entrySet()) {
            TypeInsnNode allocation = move.getKey();
            MethodInsnNode init = move.getValue();
            AbstractInsnNode dup = allocation.getNext();
            while (dup != null && dup.getOpcode() < 0) {
                dup = dup.getNext();
            }
            if (init == null || dup == null || dup.getOpcode() != Opcodes.DUP) {
                throw new CannotRewrite("a constructor call whose arguments suspend is not in the form NEW, DUP, arguments,"
                        + " INVOKESPECIAL that javac emits; compute the arguments into local variables first");
            }
            AbstractInsnNode duplicate = dup;
            edits.add(() -> {
                insns.remove(allocation);
                insns.remove(duplicate);
                InsnList before = new InsnList();
                Type[] types = Type.getArgumentTypes(init.desc);
                int[] slots = new int[types.length];
                for (int a = 0; a < types.length; a++) {
                    slots[a] = method.maxLocals;
                    method.maxLocals += types[a].getSize();
                }
                for (int a = types.length - 1; a >= 0; a--) {
                    before.add(new VarInsnNode(types[a].getOpcode(Opcodes.ISTORE), slots[a]));
                }
                before.add(new TypeInsnNode(Opcodes.NEW, allocation.desc));
                before.add(new InsnNode(Opcodes.DUP));
                for (int a = 0; a < types.length; a++) {
                    before.add(new VarInsnNode(types[a].getOpcode(Opcodes.ILOAD), slots[a]));
                }
                insns.insertBefore(init, before);
            });
        }
        edits.forEach(Runnable::run);
    }

    private static boolean allocates(MethodNode method) {
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i.getOpcode() == Opcodes.NEW) {
                return true;
            }
        }
        return false;
    }
}
