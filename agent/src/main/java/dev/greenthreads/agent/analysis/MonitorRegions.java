package dev.greenthreads.agent.analysis;

import dev.greenthreads.contract.Contract;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The instructions of a method that run while it holds a monitor ({@code synchronized} blocks),
 * and, for the option {@code monitors}, which locals hold the objects locked there.
 */
public final class MonitorRegions {

    private MonitorRegions() {
    }

    public static Set<AbstractInsnNode> inside(MethodNode method) {
        InsnList insns = method.instructions;
        boolean any = false;
        for (AbstractInsnNode i = insns.getFirst(); i != null; i = i.getNext()) {
            any |= i.getOpcode() == Opcodes.MONITORENTER;
        }
        Set<AbstractInsnNode> held = new HashSet<>();
        if (!any) {
            return held;
        }
        int[] depth = new int[insns.size()];
        java.util.Arrays.fill(depth, -1);
        ArrayDeque<Integer> work = new ArrayDeque<>();
        depth[0] = 0;
        work.add(0);
        while (!work.isEmpty()) {
            int at = work.poll();
            int op = insns.get(at).getOpcode();
            int d = depth[at];
            int out = d + (op == Opcodes.MONITORENTER ? 1 : op == Opcodes.MONITOREXIT ? -1 : 0);
            for (int handler : ControlFlow.handlers(method, at)) {
                flow(depth, work, handler, d);
            }
            for (int next : ControlFlow.normalSuccessors(insns, at)) {
                flow(depth, work, next, out);
            }
        }
        for (int i = 0; i < depth.length; i++) {
            if (depth[i] > 0) {
                held.add(insns.get(i));
            }
        }
        return held;
    }

    private static void flow(int[] depth, ArrayDeque<Integer> work, int to, int d) {
        if (depth[to] < d) {
            depth[to] = d;
            work.add(to);
        }
    }

    private static final int[] NONE = new int[0];

    /**
     * For each reachable instruction, the locals holding the monitors held before it runs,
     * outermost first; null where that cannot be told for the whole method, and then a frame
     * cannot release and re-take its monitors around a suspension. Recognised: the object of each
     * {@code MONITORENTER} and {@code MONITOREXIT} comes from a local ({@code ALOAD n}, or
     * {@code DUP; ASTORE n} as javac emits for entering), possibly through a green monitor call
     * ({@code DUP; INVOKESTATIC GreenMonitor.enter/exit}) between; no local holding a monitor is
     * written while held; exits match enters innermost first; every path to an instruction holds
     * the same locals, and none returns holding one. Anything else (another compiler's shape, the
     * object only on the stack) is not recognised.
     */
    public static Map<AbstractInsnNode, int[]> heldLocals(MethodNode method) {
        InsnList insns = method.instructions;
        boolean any = false;
        for (AbstractInsnNode i = insns.getFirst(); i != null && !any; i = i.getNext()) {
            any = i.getOpcode() == Opcodes.MONITORENTER || i.getOpcode() == Opcodes.MONITOREXIT;
        }
        if (!any) {
            return new IdentityHashMap<>();
        }
        int[][] held = new int[insns.size()][];
        ArrayDeque<Integer> work = new ArrayDeque<>();
        held[0] = NONE;
        work.add(0);
        while (!work.isEmpty()) {
            int at = work.poll();
            AbstractInsnNode insn = insns.get(at);
            int[] in = held[at], out = in;
            int op = insn.getOpcode();
            if (op == Opcodes.MONITORENTER || op == Opcodes.MONITOREXIT) {
                int local = objectLocal(insn);
                if (local < 0) {
                    return null;
                }
                if (op == Opcodes.MONITORENTER) {
                    out = Arrays.copyOf(in, in.length + 1);
                    out[in.length] = local;
                } else {
                    if (in.length == 0 || in[in.length - 1] != local) {
                        return null;
                    }
                    out = Arrays.copyOf(in, in.length - 1);
                }
            } else if (insn instanceof VarInsnNode && op >= Opcodes.ISTORE && op <= Opcodes.ASTORE) {
                int var = ((VarInsnNode) insn).var, last = op == Opcodes.LSTORE || op == Opcodes.DSTORE ? var + 1 : var;
                for (int l : in) {
                    if (l >= var && l <= last) {
                        return null;
                    }
                }
            } else if (op >= Opcodes.IRETURN && op <= Opcodes.RETURN && in.length > 0) {
                return null;
            }
            for (int handler : ControlFlow.handlers(method, at)) {
                if (!flow(held, work, handler, in)) {
                    return null;
                }
            }
            for (int next : ControlFlow.normalSuccessors(insns, at)) {
                if (!flow(held, work, next, out)) {
                    return null;
                }
            }
        }
        Map<AbstractInsnNode, int[]> result = new IdentityHashMap<>();
        for (int i = 0; i < held.length; i++) {
            if (held[i] != null) {
                result.put(insns.get(i), held[i]);
            }
        }
        return result;
    }

    private static boolean flow(int[][] held, ArrayDeque<Integer> work, int to, int[] state) {
        if (held[to] == null) {
            held[to] = state;
            work.add(to);
            return true;
        }
        return Arrays.equals(held[to], state);
    }

    /** The local whose value a monitor instruction takes, or -1. */
    private static int objectLocal(AbstractInsnNode monitor) {
        AbstractInsnNode p = previous(monitor);
        if (p instanceof MethodInsnNode && ((MethodInsnNode) p).owner.equals(Contract.GREEN_MONITOR)
                && previous(p) != null && previous(p).getOpcode() == Opcodes.DUP) {
            p = previous(previous(p));
        }
        if (p == null) {
            return -1;
        }
        if (p.getOpcode() == Opcodes.ALOAD) {
            return ((VarInsnNode) p).var;
        }
        if (monitor.getOpcode() == Opcodes.MONITORENTER && p.getOpcode() == Opcodes.ASTORE
                && previous(p) != null && previous(p).getOpcode() == Opcodes.DUP) {
            return ((VarInsnNode) p).var;
        }
        return -1;
    }

    /** The instruction before, skipping line numbers and frames but not labels, which a jump may target. */
    private static AbstractInsnNode previous(AbstractInsnNode insn) {
        AbstractInsnNode p = insn.getPrevious();
        while (p != null && (p.getType() == AbstractInsnNode.LINE || p.getType() == AbstractInsnNode.FRAME)) {
            p = p.getPrevious();
        }
        return p;
    }
}
