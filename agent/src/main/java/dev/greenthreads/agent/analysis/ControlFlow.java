package dev.greenthreads.agent.analysis;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;

/** Where control goes after an instruction, by instruction index: the graph the analyses walk. */
public final class ControlFlow {

    private ControlFlow() {
    }

    /** Jump targets and the fall-through of the instruction at {@code at}. */
    public static List<Integer> normalSuccessors(InsnList insns, int at) {
        List<Integer> next = new ArrayList<>(2);
        AbstractInsnNode insn = insns.get(at);
        int op = insn.getOpcode();
        if (insn instanceof JumpInsnNode) {
            next.add(insns.indexOf(((JumpInsnNode) insn).label));
            if (op == Opcodes.GOTO) {
                return next;
            }
        } else if (insn instanceof TableSwitchInsnNode || insn instanceof LookupSwitchInsnNode) {
            boolean table = insn instanceof TableSwitchInsnNode;
            next.add(insns.indexOf(table ? ((TableSwitchInsnNode) insn).dflt : ((LookupSwitchInsnNode) insn).dflt));
            for (LabelNode l : table ? ((TableSwitchInsnNode) insn).labels : ((LookupSwitchInsnNode) insn).labels) {
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

    /** Every instruction's successors, {@link #handlers} included, by instruction index. */
    public static int[][] successors(MethodNode method) {
        InsnList insns = method.instructions;
        int n = insns.size();
        int[][] handlers = allHandlers(method);
        int[][] successors = new int[n][];
        for (int at = 0; at < n; at++) {
            List<Integer> normal = normalSuccessors(insns, at);
            int[] next = new int[normal.size() + handlers[at].length];
            for (int k = 0; k < normal.size(); k++) {
                next[k] = normal.get(k);
            }
            System.arraycopy(handlers[at], 0, next, normal.size(), handlers[at].length);
            successors[at] = next;
        }
        return successors;
    }

    private static final int[] NONE = new int[0];

    /** {@link #handlers} of every instruction at once: each try block is looked up once, not once per instruction. */
    private static int[][] allHandlers(MethodNode method) {
        InsnList insns = method.instructions;
        int[][] handlers = new int[insns.size()][];
        java.util.Arrays.fill(handlers, NONE);
        boolean[] caughtAll = new boolean[insns.size()];
        for (TryCatchBlockNode tcb : method.tryCatchBlocks) {
            int handler = insns.indexOf(tcb.handler), end = insns.indexOf(tcb.end);
            for (int at = insns.indexOf(tcb.start); at < end; at++) {
                if (!caughtAll[at]) {
                    int[] h = java.util.Arrays.copyOf(handlers[at], handlers[at].length + 1);
                    h[h.length - 1] = handler;
                    handlers[at] = h;
                    caughtAll[at] = tcb.type == null;
                }
            }
        }
        return handlers;
    }

    /**
     * The handlers an exception thrown at {@code at} may reach. They are tried in table order
     * and a catch-all ends the search: an exception inside a synchronized block reaches outer
     * handlers only through javac's catch-all, which releases the monitor first.
     */
    public static List<Integer> handlers(MethodNode method, int at) {
        InsnList insns = method.instructions;
        List<Integer> handlers = new ArrayList<>(1);
        for (TryCatchBlockNode tcb : method.tryCatchBlocks) {
            if (insns.indexOf(tcb.start) <= at && at < insns.indexOf(tcb.end)) {
                handlers.add(insns.indexOf(tcb.handler));
                if (tcb.type == null) {
                    break;
                }
            }
        }
        return handlers;
    }
}
