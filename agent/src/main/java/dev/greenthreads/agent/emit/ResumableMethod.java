package dev.greenthreads.agent.emit;

import dev.greenthreads.agent.analysis.CallSite;
import dev.greenthreads.agent.analysis.CannotRewrite;
import dev.greenthreads.agent.analysis.ClassHierarchy;
import dev.greenthreads.agent.analysis.ClassHierarchy.ClassInfo;
import dev.greenthreads.agent.analysis.HierarchyVerifier;
import dev.greenthreads.agent.analysis.Liveness;
import dev.greenthreads.agent.analysis.MonitorRegions;
import dev.greenthreads.agent.analysis.Places;
import dev.greenthreads.contract.Contract;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Rewrites one suspendable method into a resumable one. The protocol it implements is stated in
 * the runtime's {@code dev.greenthreads.internal.continuation} package; this is its shape in
 * bytecode:
 *
 * <pre>
 *   S = FrameStack.current()                      // entry: one type check and a field read
 *   if (S.status != RUNNING) switch (S.enter(self)) { case i: goto restore_i; }
 *   ...
 *   spill the operand stack to fresh locals, reload it
 *   goto call_i
 * resumed_i:                                      // reached only from restore_i
 *   invoke                                        // the same call, re-issued on resume
 *   if (S.status == RUNNING) goto continue_i
 *   pop result; S.keep(I, callee, site); return   // unwound again without running: still saved
 * call_i:
 *   invoke                                        // the original call
 *   if (S.status != RUNNING) goto save_i          // the only cost when nothing suspends
 * continue_i:
 *   ...
 * save_i:    pop result; S.save(i, ...); S.push*(each local and spilled value); return dummy
 * restore_i: I = S.frameIndex(); each local = S.pop*(); reload the spilled stack (the call's
 *            arguments as zeros where only a rewritten method receives them); goto resumed_i
 * </pre>
 *
 * <p>Under the option {@code monitors} a call site may lie inside {@code synchronized} regions
 * ({@link GreenMonitors}): the frame then gives back the JVM monitors it holds before returning
 * on both unwinding paths ({@code MONITOREXIT} of each, innermost first), and takes them again
 * in restore_i once the locals that hold them are back ({@code MONITORENTER}, outermost first),
 * so every path through the method holds as many monitors as it releases, which is what the
 * interpreter checks. Which locals hold them comes from {@link MonitorRegions#heldLocals}; the
 * green ownerships stay held across the suspension. HotSpot's compilers refuse such a method
 * ("not compilable (unbalanced monitors)"): they name a held monitor by the {@code MONITORENTER}
 * that took it, and at resumed_i the one restore_i took meets the original. Routing restore_i
 * through the original {@code MONITORENTER}s would satisfy them, but then every local the code
 * after each of them reads must be defined, with its type, on the restore path too.
 *
 * Both invokes sit inside the try blocks that covered the original call, so exceptions thrown
 * after a resume meet the same handlers. Saves and restores are out of line, after the
 * method's code, so the path that does not suspend stays short.
 */
public final class ResumableMethod {

    private final ClassHierarchy hierarchy;
    private final ClassInfo owner;
    private final String sourceFile;
    private final MethodNode method;
    private final String self;
    private final boolean verify;

    private ResumableMethod(ClassHierarchy hierarchy, ClassInfo owner, String sourceFile, MethodNode method, boolean verify) {
        this.hierarchy = hierarchy;
        this.owner = owner;
        this.sourceFile = sourceFile;
        this.method = method;
        this.self = method.name + method.desc;
        this.verify = verify;
    }

    /**
     * Makes {@code sites} (calls that may suspend; inside a monitor only under the option {@code monitors}) resumable and pins
     * {@code pinned} (calls that may suspend where suspension is impossible) with {@code reasons}
     * ({@link Pins}). With {@code verify}, every other call that could pass a suspension on is
     * checked ({@link VerificationChecks}). With {@code preempt}, each loop header gets a
     * time-slice check ({@link TimeSliceChecks}), unless the checks' frames cannot be saved, in
     * which case the method is rewritten without them. On {@link CannotRewrite} or
     * {@link AnalyzerException} the method is left half-rewritten: the caller puts back its copy.
     */
    public static void rewrite(ClassHierarchy hierarchy, ClassInfo owner, String sourceFile, MethodNode method,
                               List<MethodInsnNode> sites, List<MethodInsnNode> pinned, List<String> reasons, boolean verify,
                               boolean preempt)
            throws AnalyzerException, CannotRewrite {
        refuseSubroutines(method);
        SleepingCallRedirects.apply(sites);
        List<MethodInsnNode> checks = preempt ? TimeSliceChecks.insert(method) : List.of();
        if (!checks.isEmpty()) {
            try {
                rewrite(hierarchy, owner, sourceFile, method, TimeSliceChecks.merge(method, sites, checks), verify);
                Pins.wrap(method, pinned, reasons);
                return;
            } catch (CannotRewrite e) {
                TimeSliceChecks.remove(method, checks); // thrown before code was added (allocations moved for a check keep their meaning)
            }
        }
        rewrite(hierarchy, owner, sourceFile, method, sites, verify);
        Pins.wrap(method, pinned, reasons);
    }

    private static void rewrite(ClassHierarchy hierarchy, ClassInfo owner, String sourceFile, MethodNode method,
                                List<MethodInsnNode> sites, boolean verify) throws AnalyzerException, CannotRewrite {
        ResumableMethod rewrite = new ResumableMethod(hierarchy, owner, sourceFile, method, verify);
        if (!sites.isEmpty() || verify && rewrite.hasCalls()) {
            HierarchyVerifier verifier = new HierarchyVerifier(hierarchy, owner);
            ConstructorCalls.moveAllocations(verifier, owner.name, method, new HashSet<>(sites));
            rewrite.makeResumable(verifier, sites);
        }
    }

    static void refuseSubroutines(MethodNode method) throws CannotRewrite {
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i.getOpcode() == Opcodes.JSR || i.getOpcode() == Opcodes.RET) {
                throw new CannotRewrite("it uses JSR/RET subroutines (class files older than Java 7); recompile it");
            }
        }
    }

    /** A call site as emitted: its analysis, the temp local of each spilled stack value, and its labels. */
    private static final class Site {
        final CallSite at;
        final MethodInsnNode call;
        /** The locals holding the monitors held at the call, outermost first. */
        final int[] monitors;
        final List<Integer> temps = new ArrayList<>();
        final LabelNode resumed = new LabelNode(), call_ = new LabelNode(), cont = new LabelNode(),
                save = new LabelNode(), restore = new LabelNode();

        Site(CallSite at, int tempBase, int[] monitors) {
            this.at = at;
            this.call = at.call;
            this.monitors = monitors;
            int temp = tempBase;
            for (BasicValue v : at.stack) {
                temps.add(temp);
                temp += v.getSize();
            }
        }

        int tempsSize() {
            int size = 0;
            for (BasicValue v : at.stack) {
                size += v.getSize();
            }
            return size;
        }
    }

    private void makeResumable(HierarchyVerifier verifier, List<MethodInsnNode> calls) throws AnalyzerException, CannotRewrite {
        Frame<BasicValue>[] frames = verifier.analyze(owner.name, method);
        Liveness liveness = Liveness.of(method);
        int stackSlot = method.maxLocals, indexSlot = stackSlot + 1, tempBase = stackSlot + 2;
        Map<AbstractInsnNode, int[]> monitors = heldMonitors(calls);
        List<Site> sites = new ArrayList<>();
        int maxTemps = 0;
        for (CallSite at : CallSite.of(method, frames, liveness, calls)) {
            Site s = new Site(at, tempBase, monitors.getOrDefault(at.call, NO_MONITORS));
            maxTemps = Math.max(maxTemps, s.tempsSize());
            sites.add(s);
        }
        InsnList insns = method.instructions;
        InsnList tail = new InsnList();
        if (verify) {
            VerificationChecks.insert(owner.name, sourceFile, method, calls, stackSlot, tail);
        }
        for (Site s : sites) {
            insns.insertBefore(s.call, beforeCall(s, stackSlot, indexSlot));
            insns.insert(s.call, afterCall(s, stackSlot));
        }
        for (int pc = 0; pc < sites.size(); pc++) {
            tail.add(saveBlock(sites.get(pc), pc, stackSlot));
            tail.add(restoreBlock(sites.get(pc), stackSlot, indexSlot));
        }
        insns.add(tail);
        insns.insert(prologue(sites, stackSlot));
        method.maxLocals = tempBase + maxTemps;
    }

    private static final int[] NO_MONITORS = new int[0];

    /** The monitor locals at each instruction; empty when no call lies in a monitor region. */
    private Map<AbstractInsnNode, int[]> heldMonitors(List<MethodInsnNode> calls) throws CannotRewrite {
        Set<AbstractInsnNode> inside = MonitorRegions.inside(method);
        boolean any = false;
        for (MethodInsnNode call : calls) {
            any |= inside.contains(call);
        }
        if (!any) {
            return Map.of();
        }
        Map<AbstractInsnNode, int[]> held = MonitorRegions.heldLocals(method);
        if (held == null) {
            throw new CannotRewrite("a call that may suspend lies in a synchronized region whose monitors the rewrite cannot"
                    + " release (not the shape javac emits)");
        }
        return held;
    }

    private static void exitMonitors(InsnList l, Site s) {
        for (int m = s.monitors.length - 1; m >= 0; m--) {
            l.add(new VarInsnNode(Opcodes.ALOAD, s.monitors[m]));
            l.add(new InsnNode(Opcodes.MONITOREXIT));
        }
    }

    private boolean hasCalls() {
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i instanceof MethodInsnNode) {
                return true;
            }
        }
        return false;
    }

    /** With no suspendable call, the method is never resumed: enter() can only report what went wrong. */
    private InsnList prologue(List<Site> sites, int stackSlot) {
        InsnList p = new InsnList();
        LabelNode start = new LabelNode();
        p.add(FrameStackCalls.current());
        p.add(new VarInsnNode(Opcodes.ASTORE, stackSlot));
        p.add(FrameStackCalls.status(stackSlot));
        p.add(new JumpInsnNode(Opcodes.IFEQ, start));
        p.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
        p.add(new LdcInsnNode(self));
        p.add(FrameStackCalls.invoke(Contract.FRAME_STACK_ENTER, Contract.FRAME_STACK_ENTER_DESC));
        if (sites.isEmpty()) {
            p.add(new InsnNode(Opcodes.POP));
            p.add(start);
            return p;
        }
        LabelNode[] targets = new LabelNode[sites.size()];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = sites.get(i).restore;
        }
        p.add(new TableSwitchInsnNode(0, targets.length - 1, targets[0], targets));
        p.add(start);
        return p;
    }

    private InsnList beforeCall(Site s, int stackSlot, int indexSlot) {
        InsnList l = new InsnList();
        List<BasicValue> stack = s.at.stack;
        for (int d = stack.size() - 1; d >= 0; d--) {
            l.add(new VarInsnNode(stack.get(d).getType().getOpcode(Opcodes.ISTORE), s.temps.get(d)));
        }
        for (int d = 0; d < stack.size(); d++) {
            l.add(new VarInsnNode(stack.get(d).getType().getOpcode(Opcodes.ILOAD), s.temps.get(d)));
        }
        l.add(new JumpInsnNode(Opcodes.GOTO, s.call_));
        l.add(s.resumed);
        l.add(s.call.clone(null));
        l.add(FrameStackCalls.status(stackSlot));
        l.add(new JumpInsnNode(Opcodes.IFEQ, s.cont));
        l.add(popResult(s.call));
        exitMonitors(l, s);
        l.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
        l.add(new VarInsnNode(Opcodes.ILOAD, indexSlot));
        l.add(calleeKey(s.call));
        l.add(new LdcInsnNode(where(s.call)));
        l.add(new LdcInsnNode(Places.target(s.call)));
        l.add(FrameStackCalls.invoke(Contract.FRAME_STACK_KEEP, Contract.FRAME_STACK_KEEP_DESC));
        l.add(returnDummy());
        l.add(s.call_);
        return l;
    }

    private static InsnList afterCall(Site s, int stackSlot) {
        InsnList l = FrameStackCalls.status(stackSlot);
        l.add(new JumpInsnNode(Opcodes.IFNE, s.save));
        l.add(s.cont);
        return l;
    }

    private InsnList saveBlock(Site s, int pc, int stackSlot) {
        InsnList l = new InsnList();
        l.add(s.save);
        l.add(popResult(s.call));
        exitMonitors(l, s);
        l.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
        l.add(FrameStackCalls.intConstant(pc));
        l.add(FrameStackCalls.intConstant(s.at.prims));
        l.add(FrameStackCalls.intConstant(s.at.refs));
        l.add(new LdcInsnNode(self));
        l.add(calleeKey(s.call));
        l.add(new LdcInsnNode(where(s.call)));
        l.add(new LdcInsnNode(Places.target(s.call)));
        l.add(FrameStackCalls.invoke(Contract.FRAME_STACK_SAVE, Contract.FRAME_STACK_SAVE_DESC));
        for (int k = 0; k < s.at.slots.size(); k++) {
            push(l, stackSlot, s.at.types.get(k), s.at.slots.get(k));
        }
        for (int d = 0; d < s.at.saved; d++) {
            push(l, stackSlot, s.at.stack.get(d), s.temps.get(d));
        }
        l.add(returnDummy());
        return l;
    }

    private InsnList restoreBlock(Site s, int stackSlot, int indexSlot) {
        InsnList l = new InsnList();
        List<BasicValue> stack = s.at.stack;
        l.add(s.restore);
        l.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
        l.add(FrameStackCalls.invoke(Contract.FRAME_STACK_FRAME_INDEX, Contract.FRAME_STACK_FRAME_INDEX_DESC));
        l.add(new VarInsnNode(Opcodes.ISTORE, indexSlot));
        for (int k = 0; k < s.at.slots.size(); k++) {
            pop(l, stackSlot, s.at.types.get(k), s.at.slots.get(k));
        }
        for (int monitor : s.monitors) {
            l.add(new VarInsnNode(Opcodes.ALOAD, monitor));
            l.add(new InsnNode(Opcodes.MONITORENTER));
        }
        for (int d = 0; d < stack.size(); d++) {
            if (d < s.at.saved) {
                pop(l, stackSlot, stack.get(d), s.temps.get(d));
            } else {
                Type t = stack.get(d).getType();
                l.add(FrameStackCalls.zero(t));
                l.add(new VarInsnNode(t.getOpcode(Opcodes.ISTORE), s.temps.get(d)));
            }
        }
        for (int d = 0; d < stack.size(); d++) {
            l.add(new VarInsnNode(stack.get(d).getType().getOpcode(Opcodes.ILOAD), s.temps.get(d)));
        }
        l.add(new JumpInsnNode(Opcodes.GOTO, s.resumed));
        return l;
    }

    private static void push(InsnList l, int stackSlot, BasicValue v, int slot) {
        if (CallSite.isNull(v)) {
            return;
        }
        Type t = v.getType();
        l.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
        l.add(new VarInsnNode(t.getOpcode(Opcodes.ILOAD), slot));
        l.add(FrameStackCalls.push(t));
    }

    private static void pop(InsnList l, int stackSlot, BasicValue v, int slot) {
        Type t = v.getType();
        if (CallSite.isNull(v)) {
            l.add(new InsnNode(Opcodes.ACONST_NULL));
        } else {
            l.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
            l.add(FrameStackCalls.pop(t));
            if (v.isReference() && needsCast(t)) {
                l.add(new TypeInsnNode(Opcodes.CHECKCAST, t.getInternalName()));
            }
        }
        l.add(new VarInsnNode(t.getOpcode(Opcodes.ISTORE), slot));
    }

    /**
     * A restored reference is cast back to its type, interfaces included. The JVM's verifier
     * treats an interface as Object, but to know that a type is an interface it loads it, with
     * its superinterfaces: a restored Object where the compiler's code had the interface's own
     * name would make verification load it, and fail where an optional dependency is missing
     * (byte-buddy's JNA interfaces). The analysis types a value with an interface only when the
     * hierarchy shows it to be one ({@link HierarchyVerifier#merge}), so the cast holds.
     */
    private static boolean needsCast(Type t) {
        return t.getSort() == Type.ARRAY || !t.getInternalName().equals("java/lang/Object");
    }

    private static InsnNode popResult(MethodInsnNode call) {
        int size = Type.getReturnType(call.desc).getSize();
        return new InsnNode(size == 0 ? Opcodes.NOP : size == 1 ? Opcodes.POP : Opcodes.POP2);
    }

    /** The callee's "name(desc)", or null where dispatch may reach a method of another name (a lambda's body). */
    private static AbstractInsnNode calleeKey(MethodInsnNode call) {
        if (call.getOpcode() == Opcodes.INVOKEINTERFACE || call.owner.equals(Contract.FRAME_STACK)) {
            return new InsnNode(Opcodes.ACONST_NULL);
        }
        return new LdcInsnNode(call.name + call.desc);
    }

    private InsnList returnDummy() {
        InsnList l = new InsnList();
        Type r = Type.getReturnType(method.desc);
        switch (r.getSort()) {
            case Type.VOID: l.add(new InsnNode(Opcodes.RETURN)); return l;
            case Type.LONG: l.add(new InsnNode(Opcodes.LCONST_0)); break;
            case Type.FLOAT: l.add(new InsnNode(Opcodes.FCONST_0)); break;
            case Type.DOUBLE: l.add(new InsnNode(Opcodes.DCONST_0)); break;
            case Type.OBJECT: case Type.ARRAY: l.add(new InsnNode(Opcodes.ACONST_NULL)); break;
            default: l.add(new InsnNode(Opcodes.ICONST_0));
        }
        l.add(new InsnNode(r.getOpcode(Opcodes.IRETURN)));
        return l;
    }

    private String where(AbstractInsnNode insn) {
        return Places.where(owner.name, sourceFile, method, insn);
    }
}
