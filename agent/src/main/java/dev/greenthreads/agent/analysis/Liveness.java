package dev.greenthreads.agent.analysis;

import java.util.BitSet;
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
 *
 * <p>It runs once per rewritten method at load time, so the sets are rows of one {@code long[]}
 * (one word per 64 locals) and the graph is int arrays, not {@code BitSet}s and boxed lists:
 * benchmarks' {@code LoadTime} shows the difference.
 */
public final class Liveness {

    private final long[] liveOut;
    private final int words;

    private Liveness(long[] liveOut, int words) {
        this.liveOut = liveOut;
        this.words = words;
    }

    /** The locals live after {@code insn} executes. */
    public BitSet after(InsnList insns, AbstractInsnNode insn) {
        int at = insns.indexOf(insn) * words;
        return BitSet.valueOf(java.util.Arrays.copyOfRange(liveOut, at, at + words));
    }

    public static Liveness of(MethodNode method) {
        InsnList insns = method.instructions;
        int n = insns.size();
        AbstractInsnNode[] code = insns.toArray();
        int maxVar = 0;
        for (AbstractInsnNode insn : code) {
            if (insn instanceof VarInsnNode) {
                maxVar = Math.max(maxVar, ((VarInsnNode) insn).var);
            } else if (insn instanceof IincInsnNode) {
                maxVar = Math.max(maxVar, ((IincInsnNode) insn).var);
            }
        }
        int words = (maxVar >>> 6) + 1;
        int[][] successors = ControlFlow.successors(method);
        int[][] predecessors = invert(successors);
        long[] in = new long[n * words], out = new long[n * words];
        int[] work = new int[n + 1];
        boolean[] queued = new boolean[n];
        int head = 0, tail = 0;
        for (int i = n - 1; i >= 0; i--) {
            work[tail++] = i;
            queued[i] = true;
        }
        long[] newIn = new long[words];
        while (head != tail) {
            int i = work[head];
            head = head == n ? 0 : head + 1;
            queued[i] = false;
            int row = i * words;
            java.util.Arrays.fill(out, row, row + words, 0L);
            for (int s : successors[i]) {
                for (int w = 0; w < words; w++) {
                    out[row + w] |= in[s * words + w];
                }
            }
            System.arraycopy(out, row, newIn, 0, words);
            AbstractInsnNode insn = code[i];
            if (insn instanceof VarInsnNode) {
                int var = ((VarInsnNode) insn).var;
                int op = insn.getOpcode();
                if (op >= Opcodes.ISTORE && op <= Opcodes.ASTORE) {
                    newIn[var >>> 6] &= ~(1L << var);
                } else {
                    newIn[var >>> 6] |= 1L << var;
                }
            } else if (insn instanceof IincInsnNode) {
                int var = ((IincInsnNode) insn).var;
                newIn[var >>> 6] |= 1L << var;
            }
            if (!java.util.Arrays.equals(newIn, 0, words, in, row, row + words)) {
                System.arraycopy(newIn, 0, in, row, words);
                for (int p : predecessors[i]) {
                    if (!queued[p]) {
                        queued[p] = true;
                        work[tail] = p;
                        tail = tail == n ? 0 : tail + 1;
                    }
                }
            }
        }
        return new Liveness(out, words);
    }

    private static int[][] invert(int[][] successors) {
        int n = successors.length;
        int[] counts = new int[n];
        for (int[] next : successors) {
            for (int s : next) {
                counts[s]++;
            }
        }
        int[][] predecessors = new int[n][];
        for (int i = 0; i < n; i++) {
            predecessors[i] = new int[counts[i]];
        }
        for (int i = 0; i < n; i++) {
            for (int s : successors[i]) {
                predecessors[s][--counts[s]] = i;
            }
        }
        return predecessors;
    }
}
