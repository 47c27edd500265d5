package dev.greenthreads.agent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
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
        List<Integer> next = new ArrayList<>(2);
        AbstractInsnNode insn = insns.get(at);
        for (TryCatchBlockNode tcb : method.tryCatchBlocks) {
            if (insns.indexOf(tcb.start) <= at && at < insns.indexOf(tcb.end)) {
                next.add(insns.indexOf(tcb.handler));
            }
        }
        int op = insn.getOpcode();
        if (insn instanceof JumpInsnNode) {
            next.add(insns.indexOf(((JumpInsnNode) insn).label));
            if (op == Opcodes.GOTO) {
                return next;
            }
        } else if (insn instanceof TableSwitchInsnNode) {
            TableSwitchInsnNode s = (TableSwitchInsnNode) insn;
            next.add(insns.indexOf(s.dflt));
            for (LabelNode l : s.labels) {
                next.add(insns.indexOf(l));
            }
            return next;
        } else if (insn instanceof LookupSwitchInsnNode) {
            LookupSwitchInsnNode s = (LookupSwitchInsnNode) insn;
            next.add(insns.indexOf(s.dflt));
            for (LabelNode l : s.labels) {
                next.add(insns.indexOf(l));
            }
            return next;
        } else if (op >= Opcodes.IRETURN && op <= Opcodes.RETURN || op == Opcodes.ATHROW) {
            return next;
        }
        if (at + 1 < insns.size()) {
            next.add(at + 1);
        }
        return next;
    }
}
