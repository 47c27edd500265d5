package dev.greenthreads.agent;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;

/** The instructions of a method that run while it holds a monitor ({@code synchronized} blocks). */
final class MonitorRegions {

    private MonitorRegions() {
    }

    static Set<AbstractInsnNode> inside(MethodNode method) {
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
            AbstractInsnNode insn = insns.get(at);
            int d = depth[at];
            int out = d + (insn.getOpcode() == Opcodes.MONITORENTER ? 1 : insn.getOpcode() == Opcodes.MONITOREXIT ? -1 : 0);
            // Handlers are tried in table order and a catch-all stops the search: an exception
            // inside a synchronized block reaches outer handlers only through javac's catch-all,
            // which releases the monitor first.
            for (TryCatchBlockNode tcb : method.tryCatchBlocks) {
                if (insns.indexOf(tcb.start) <= at && at < insns.indexOf(tcb.end)) {
                    flow(insns, depth, work, insns.indexOf(tcb.handler), d);
                    if (tcb.type == null) {
                        break;
                    }
                }
            }
            if (insn instanceof JumpInsnNode) {
                flow(insns, depth, work, insns.indexOf(((JumpInsnNode) insn).label), out);
                if (insn.getOpcode() == Opcodes.GOTO) {
                    continue;
                }
            } else if (insn instanceof TableSwitchInsnNode) {
                TableSwitchInsnNode s = (TableSwitchInsnNode) insn;
                flow(insns, depth, work, insns.indexOf(s.dflt), out);
                for (LabelNode l : s.labels) {
                    flow(insns, depth, work, insns.indexOf(l), out);
                }
                continue;
            } else if (insn instanceof LookupSwitchInsnNode) {
                LookupSwitchInsnNode s = (LookupSwitchInsnNode) insn;
                flow(insns, depth, work, insns.indexOf(s.dflt), out);
                for (LabelNode l : s.labels) {
                    flow(insns, depth, work, insns.indexOf(l), out);
                }
                continue;
            } else if (isExit(insn.getOpcode())) {
                continue;
            }
            if (at + 1 < depth.length) {
                flow(insns, depth, work, at + 1, out);
            }
        }
        for (int i = 0; i < depth.length; i++) {
            if (depth[i] > 0) {
                held.add(insns.get(i));
            }
        }
        return held;
    }

    private static void flow(InsnList insns, int[] depth, ArrayDeque<Integer> work, int to, int d) {
        if (depth[to] < d) {
            depth[to] = d;
            work.add(to);
        }
    }

    private static boolean isExit(int opcode) {
        return opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN || opcode == Opcodes.ATHROW;
    }
}
