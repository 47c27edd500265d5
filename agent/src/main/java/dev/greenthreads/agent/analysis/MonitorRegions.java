package dev.greenthreads.agent.analysis;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.MethodNode;

/** The instructions of a method that run while it holds a monitor ({@code synchronized} blocks). */
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
}
