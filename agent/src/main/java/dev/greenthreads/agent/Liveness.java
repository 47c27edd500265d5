package dev.greenthreads.agent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Which local variables are read again after each instruction: a suspension saves only those.
 * A backward data-flow over the control-flow graph, exception edges included (a resumed call
 * may throw into a handler that reads a local).
 */
final class Liveness {

    private final BitSet[] liveOut;

    private Liveness(BitSet[] liveOut) {
        this.liveOut = liveOut;
    }

    /** The locals live after {@code insn} executes. */
    BitSet after(InsnList insns, AbstractInsnNode insn) {
        return liveOut[insns.indexOf(insn)];
    }

    static Liveness of(MethodNode method) {
        InsnList insns = method.instructions;
        int n = insns.size();
        List<List<Integer>> successors = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            successors.add(successors(method, insns, i));
        }
        List<List<Integer>> predecessors = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            predecessors.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            for (int s : successors.get(i)) {
                predecessors.get(s).add(i);
            }
        }
        BitSet[] in = new BitSet[n], out = new BitSet[n];
        for (int i = 0; i < n; i++) {
            in[i] = new BitSet();
            out[i] = new BitSet();
        }
        ArrayDeque<Integer> work = new ArrayDeque<>();
        boolean[] queued = new boolean[n];
        for (int i = n - 1; i >= 0; i--) {
            work.add(i);
            queued[i] = true;
        }
        while (!work.isEmpty()) {
            int i = work.poll();
            queued[i] = false;
            BitSet o = new BitSet();
            for (int s : successors.get(i)) {
                o.or(in[s]);
            }
            out[i] = o;
            BitSet newIn = (BitSet) o.clone();
            AbstractInsnNode insn = insns.get(i);
            if (insn instanceof VarInsnNode) {
                int var = ((VarInsnNode) insn).var;
                int op = insn.getOpcode();
                if (op >= Opcodes.ISTORE && op <= Opcodes.ASTORE) {
                    newIn.clear(var);
                } else {
                    newIn.set(var);
                }
            } else if (insn instanceof IincInsnNode) {
                newIn.set(((IincInsnNode) insn).var);
            }
            if (!newIn.equals(in[i])) {
                in[i] = newIn;
                for (int p : predecessors.get(i)) {
                    if (!queued[p]) {
                        queued[p] = true;
                        work.add(p);
                    }
                }
            }
        }
        return new Liveness(out);
    }

    private static List<Integer> successors(MethodNode method, InsnList insns, int at) {
        List<Integer> next = ControlFlow.normalSuccessors(insns, at);
        next.addAll(ControlFlow.handlers(method, at));
        return next;
    }
}
