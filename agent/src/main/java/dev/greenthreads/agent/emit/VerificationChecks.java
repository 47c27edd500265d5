package dev.greenthreads.agent.emit;

import dev.greenthreads.agent.analysis.JdkClasses;
import dev.greenthreads.agent.analysis.Places;
import dev.greenthreads.contract.Contract;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Verification (agent option {@code verify}): after every call of a resumable method that is
 * not a suspendable call site, no suspension must be in progress. If one is, it passed through
 * the callee, which was not rewritten and so returned as if it had ended; the check throws
 * {@code FrameStack.passedThrough(site, target)}, naming it, before anything else runs on wrong
 * values. A JDK method that runs no application code cannot pass a suspension on and gets no check.
 */
final class VerificationChecks {

    private VerificationChecks() {
    }

    /** Inserts the status check after each such call; the throwing blocks go to {@code tail}, out of line. */
    static void insert(String owner, String sourceFile, MethodNode method, List<MethodInsnNode> sites, int stackSlot,
                       InsnList tail) {
        Set<MethodInsnNode> suspendable = new HashSet<>(sites);
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            if (!(i instanceof MethodInsnNode) || suspendable.contains(i) || ((MethodInsnNode) i).owner.equals(Contract.FRAME_STACK)
                    || JdkClasses.cannotCallBack((MethodInsnNode) i)) {
                continue;
            }
            MethodInsnNode call = (MethodInsnNode) i;
            LabelNode failed = new LabelNode();
            InsnList check = FrameStackCalls.status(stackSlot);
            check.add(new JumpInsnNode(Opcodes.IFNE, failed));
            method.instructions.insert(call, check);
            tail.add(failed);
            tail.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
            tail.add(new LdcInsnNode(Places.where(owner, sourceFile, method, call)));
            tail.add(new LdcInsnNode(Places.target(call)));
            tail.add(FrameStackCalls.invoke(Contract.FRAME_STACK_PASSED_THROUGH, Contract.FRAME_STACK_PASSED_THROUGH_DESC));
            tail.add(new InsnNode(Opcodes.ATHROW));
        }
    }
}
