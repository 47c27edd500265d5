package dev.greenthreads.agent.emit;

import dev.greenthreads.agent.analysis.CannotRewrite;
import dev.greenthreads.contract.Contract;
import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;

/**
 * The pin transform: a call that may suspend where suspension is impossible (a monitor held, a
 * constructor, a static initialiser, a lambda that JDK code calls back) is wrapped in
 * {@code FrameStack.pin(reason)} and {@code unpin()}, unpinning on exceptions too, so that the
 * runtime knows before any unwinding starts: a green thread that parks under it blocks its
 * carrier in place, and the reason names the site in the report (or in the refusal, under
 * {@code pinned=fail}). Nothing else in the method changes.
 */
public final class Pins {

    private Pins() {
    }

    /** Pins each of {@code calls} with the reason at the same index: the whole rewrite of a method that never suspends. */
    public static void pinOnly(MethodNode method, List<MethodInsnNode> calls, List<String> reasons) throws CannotRewrite {
        ResumableMethod.refuseSubroutines(method);
        wrap(method, calls, reasons);
    }

    static void wrap(MethodNode method, List<MethodInsnNode> calls, List<String> reasons) {
        for (int i = 0; i < calls.size(); i++) {
            wrap(method, calls.get(i), reasons.get(i));
        }
    }

    /** Wraps one call in pin/unpin, its handler first in the method's exception table so it sees every exception. */
    static void wrap(MethodNode method, MethodInsnNode call, String reason) {
        InsnList before = new InsnList();
        LabelNode start = new LabelNode(), end = new LabelNode(), handler = new LabelNode(), after = new LabelNode();
        before.add(FrameStackCalls.current());
        before.add(new LdcInsnNode(reason));
        before.add(FrameStackCalls.invoke(Contract.FRAME_STACK_PIN, Contract.FRAME_STACK_PIN_DESC));
        before.add(start);
        InsnList afterCall = new InsnList();
        afterCall.add(end);
        afterCall.add(FrameStackCalls.current());
        afterCall.add(FrameStackCalls.invoke(Contract.FRAME_STACK_UNPIN, Contract.FRAME_STACK_UNPIN_DESC));
        afterCall.add(new JumpInsnNode(Opcodes.GOTO, after));
        afterCall.add(handler);
        afterCall.add(FrameStackCalls.current());
        afterCall.add(FrameStackCalls.invoke(Contract.FRAME_STACK_UNPIN, Contract.FRAME_STACK_UNPIN_DESC));
        afterCall.add(new InsnNode(Opcodes.ATHROW));
        afterCall.add(after);
        method.instructions.insertBefore(call, before);
        method.instructions.insert(call, afterCall);
        method.tryCatchBlocks.add(0, new TryCatchBlockNode(start, end, handler, null));
    }
}
