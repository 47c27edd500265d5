package dev.greenthreads.agent.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;

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

    /** Whether the method has a loop (outside exception handlers' cycles). */
    public static boolean any(MethodNode method) {
        return !of(method).isEmpty();
    }

    private static void backward(InsnList insns, int from, LabelNode target, TreeMap<Integer, LabelNode> headers) {
        int to = insns.indexOf(target);
        if (to <= from) {
            headers.put(to, target);
        }
    }
}
