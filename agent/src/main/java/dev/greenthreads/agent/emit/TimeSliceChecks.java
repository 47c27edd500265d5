package dev.greenthreads.agent.emit;

import dev.greenthreads.agent.analysis.LoopHeaders;
import dev.greenthreads.agent.analysis.MonitorRegions;
import dev.greenthreads.contract.Contract;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Time-slice checks (agent option {@code preempt}, on by default): at the header of every loop
 * of a method being made resumable, outside {@code synchronized} regions,
 *
 * <pre>
 *   GETSTATIC TimeSlice.expired; IFEQ skip; INVOKESTATIC TimeSlice.yieldIfExpired(); skip:
 * </pre>
 *
 * The call is an ordinary suspendable call site: {@link ResumableMethod} saves and restores the
 * frame around it like any other, so a green thread past its slice yields there and resumes
 * after it. The runtime's {@code TimeSlice} says when it yields and why the fast path is a
 * static field.
 *
 * <p>Why every loop, and only loops. A green thread that never suspends runs either straight
 * code, which ends, or a cycle, and every cycle of a method's control flow passes a jump to an
 * earlier instruction (the instructions between a target and a later jump are the loop): a
 * check at each such target is a check on every cycle of the method. A cycle through calls
 * (recursion) passes a loop's check only if it has one, like Go's before it checked function
 * entries; a recursion that never ends overflows its stack anyway. Go measured 7.8% on tight
 * loops for checks at back edges, mostly from the check's call: its compiler kept the loop's
 * values in registers the call would clobber, and spilled them on every iteration. Here the
 * JIT sees a branch never taken and compiles it as an uncommon trap, so the loop keeps its
 * registers and pays one load of a cache line that stays shared, and one branch. Loops that
 * already contain a suspendable call get a check too: the call suspends only if it parks or
 * yields, and a loop calling a method that just computes must still give way.
 *
 * <p>Counted loops get none: a loop that calls nothing, reads no field, and counts an int local
 * ({@code IINC}, the local written nowhere else in it) against an int comparison ends after at
 * most 2<sup>32</sup> turns, and it is the loop the JIT unrolls and vectorizes, which the check's
 * volatile read would forbid (a sum over an int array took half as long again with one). Nor do
 * cycles through an exception handler (a handler before the code it covers). The runtime hands
 * the carrier of a thread that runs past its slice without reaching a check to another carrier
 * thread, so these still do not stop the others.
 */
final class TimeSliceChecks {

    private TimeSliceChecks() {
    }

    /** Inserts a check at each loop header of {@code method}; returns the checks' calls, in instruction order. */
    static List<MethodInsnNode> insert(MethodNode method) {
        List<LabelNode> headers = LoopHeaders.uncounted(method);
        if (headers.isEmpty()) {
            return List.of();
        }
        InsnList insns = method.instructions;
        Set<AbstractInsnNode> held = MonitorRegions.inside(method);
        List<MethodInsnNode> checks = new ArrayList<>(headers.size());
        for (LabelNode header : headers) {
            if (held.contains(header)) {
                continue; // a monitor is held: no suspension can unwind from here
            }
            AbstractInsnNode after = header;
            while (after.getNext() instanceof LineNumberNode || after.getNext() instanceof FrameNode) {
                after = after.getNext();
            }
            MethodInsnNode call = new MethodInsnNode(Opcodes.INVOKESTATIC, Contract.TIME_SLICE,
                    Contract.TIME_SLICE_YIELD_IF_EXPIRED, Contract.TIME_SLICE_YIELD_IF_EXPIRED_DESC, false);
            LabelNode skip = new LabelNode();
            InsnList check = new InsnList();
            check.add(new FieldInsnNode(Opcodes.GETSTATIC, Contract.TIME_SLICE, Contract.TIME_SLICE_EXPIRED,
                    Contract.TIME_SLICE_EXPIRED_DESC));
            check.add(new JumpInsnNode(Opcodes.IFEQ, skip));
            check.add(call);
            check.add(skip);
            insns.insert(after, check);
            checks.add(call);
        }
        return checks;
    }

    /** Takes the checks out again, leaving the method as {@link #insert} found it. */
    static void remove(MethodNode method, List<MethodInsnNode> checks) {
        InsnList insns = method.instructions;
        for (MethodInsnNode call : checks) {
            AbstractInsnNode jump = call.getPrevious(), read = jump.getPrevious(), skip = call.getNext();
            insns.remove(read);
            insns.remove(jump);
            insns.remove(call);
            insns.remove(skip);
        }
    }

    /** {@code sites} and {@code checks} merged, in instruction order. */
    static List<MethodInsnNode> merge(MethodNode method, List<MethodInsnNode> sites, List<MethodInsnNode> checks) {
        Set<AbstractInsnNode> wanted = new HashSet<>(sites);
        wanted.addAll(checks);
        List<MethodInsnNode> all = new ArrayList<>(wanted.size());
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            if (wanted.contains(i)) {
                all.add((MethodInsnNode) i);
            }
        }
        return all;
    }
}
