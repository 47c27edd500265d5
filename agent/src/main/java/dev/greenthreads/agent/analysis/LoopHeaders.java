package dev.greenthreads.agent.analysis;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import java.util.TreeMap;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The loop headers of a method: the targets of jumps to an instruction at or before the jump.
 * Every cycle of the control flow that does not pass an exception handler contains such a jump
 * (falling through and jumping forwards only ever move down the instruction list), so a point
 * at each target lies on every such cycle.
 */
public final class LoopHeaders {

    private LoopHeaders() {
    }

    /** The headers, in instruction order, each once. */
    public static List<LabelNode> of(MethodNode method) {
        InsnList insns = method.instructions;
        TreeMap<Integer, LabelNode> headers = new TreeMap<>();
        int at = 0;
        for (AbstractInsnNode i = insns.getFirst(); i != null; i = i.getNext(), at++) {
            if (i instanceof JumpInsnNode) {
                backward(insns, at, ((JumpInsnNode) i).label, headers);
            } else if (i instanceof TableSwitchInsnNode) {
                backward(insns, at, ((TableSwitchInsnNode) i).dflt, headers);
                for (LabelNode l : ((TableSwitchInsnNode) i).labels) {
                    backward(insns, at, l, headers);
                }
            } else if (i instanceof LookupSwitchInsnNode) {
                backward(insns, at, ((LookupSwitchInsnNode) i).dflt, headers);
                for (LabelNode l : ((LookupSwitchInsnNode) i).labels) {
                    backward(insns, at, l, headers);
                }
            }
        }
        return new ArrayList<>(headers.values());
    }

    /**
     * The headers of the loops that are not <em>counted</em>, in instruction order: a counted
     * loop calls nothing, reads no field, holds no monitor, and counts an int local with
     * {@code IINC} that nothing else in it stores, against an int comparison, so it ends by
     * itself (see the agent's {@code TimeSliceChecks} for why that matters).
     */
    public static List<LabelNode> uncounted(MethodNode method) {
        List<LabelNode> headers = of(method);
        headers.removeIf(h -> counted(method.instructions, h));
        return headers;
    }

    /** Whether the method has a loop that is not counted. */
    public static boolean anyUncounted(MethodNode method) {
        return !uncounted(method).isEmpty();
    }

    /**
     * Whether the loop at {@code header} (to its last backward jump) calls nothing, reads no
     * field, holds no monitor, and counts an int local with {@code IINC} that nothing else in it
     * stores, against an int comparison.
     */
    static boolean counted(InsnList insns, LabelNode header) {
        int from = insns.indexOf(header), to = -1;
        for (int at = from; at < insns.size(); at++) {
            AbstractInsnNode i = insns.get(at);
            if (i instanceof JumpInsnNode && ((JumpInsnNode) i).label == header
                    || i instanceof TableSwitchInsnNode && (((TableSwitchInsnNode) i).dflt == header
                            || ((TableSwitchInsnNode) i).labels.contains(header))
                    || i instanceof LookupSwitchInsnNode && (((LookupSwitchInsnNode) i).dflt == header
                            || ((LookupSwitchInsnNode) i).labels.contains(header))) {
                to = at;
            }
        }
        Set<Integer> counters = new HashSet<>(), stored = new HashSet<>();
        boolean compares = false;
        for (int at = from; at <= to; at++) {
            AbstractInsnNode i = insns.get(at);
            int op = i.getOpcode();
            if (i instanceof MethodInsnNode || i instanceof InvokeDynamicInsnNode || op == Opcodes.GETFIELD
                    || op == Opcodes.GETSTATIC || op == Opcodes.MONITORENTER) {
                return false;
            }
            if (i instanceof IincInsnNode && ((IincInsnNode) i).incr != 0) {
                counters.add(((IincInsnNode) i).var);
            } else if (op == Opcodes.ISTORE) {
                stored.add(((VarInsnNode) i).var);
            }
            compares |= op >= Opcodes.IF_ICMPEQ && op <= Opcodes.IF_ICMPLE;
        }
        counters.removeAll(stored);
        return compares && !counters.isEmpty();
    }


    private static void backward(InsnList insns, int from, LabelNode target, TreeMap<Integer, LabelNode> headers) {
        int to = insns.indexOf(target);
        if (to <= from) {
            headers.put(to, target);
        }
    }
}
