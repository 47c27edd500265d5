package dev.greenthreads.agent;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Rewrites one suspendable method into a resumable one: the third pass of the pipeline. The
 * protocol it implements is stated in the runtime's {@code dev.greenthreads.internal.continuation}
 * package; this is its shape in bytecode:
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
 * Both invokes sit inside the try blocks that covered the original call, so exceptions thrown
 * after a resume meet the same handlers. Saves and restores are out of line, after the
 * method's code, so the path that does not suspend stays short.
 */
final class MethodRewriter {

    private static final String FS = Names.FRAME_STACK;

    private final ClassHierarchy hierarchy;
    private final ClassHierarchy.ClassInfo owner;
    private final String sourceFile;
    private final MethodNode method;
    private final String self;

    private final boolean verify;

    MethodRewriter(ClassHierarchy hierarchy, ClassHierarchy.ClassInfo owner, String sourceFile, MethodNode method,
                   boolean verify) {
        this.hierarchy = hierarchy;
        this.verify = verify;
        this.owner = owner;
        this.sourceFile = sourceFile;
        this.method = method;
        this.self = method.name + method.desc;
    }

    /** One suspendable call site and what must be saved around it. */
    private static final class Site {
        MethodInsnNode call;
        /** Locals to save, by slot, with their verifier types. */
        final List<Integer> slots = new ArrayList<>();
        final List<BasicValue> types = new ArrayList<>();
        /** The operand stack under the call, bottom first, and the temp slot of each. */
        final List<BasicValue> stack = new ArrayList<>();
        final List<Integer> temps = new ArrayList<>();
        /**
         * How many of the stack's values, from the bottom, are saved. Above them lie the call's
         * arguments when only a rewritten method can receive them (see {@link #argumentsMatter}):
         * the re-issued call passes zeros, as the callee restores its own locals and never reads them.
         */
        int saved;
        /** Primitive slots (two for a long or double) and references to save. */
        int prims, refs;
        final LabelNode resumed = new LabelNode(), call_ = new LabelNode(), cont = new LabelNode(),
                save = new LabelNode(), restore = new LabelNode();
    }

    /**
     * Makes {@code sites} (calls that may suspend, none inside a monitor) resumable and wraps
     * {@code pinned} (calls that may suspend where suspension is impossible) so that a
     * suspension there fails at once with {@code reasons}.
     */
    void rewrite(List<MethodInsnNode> sites, List<MethodInsnNode> pinned, List<String> reasons)
            throws AnalyzerException, CannotRewrite {
        rewrite(true, sites, pinned, reasons);
    }

    /** Only wraps {@code pinned}: for constructors, initialisers and synchronized methods, which never suspend. */
    void pinOnly(List<MethodInsnNode> pinned, List<String> reasons) throws AnalyzerException, CannotRewrite {
        rewrite(false, List.of(), pinned, reasons);
    }

    private void rewrite(boolean resumable, List<MethodInsnNode> sites, List<MethodInsnNode> pinned, List<String> reasons)
            throws AnalyzerException, CannotRewrite {
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            if (i.getOpcode() == Opcodes.JSR || i.getOpcode() == Opcodes.RET) {
                throw new CannotRewrite("it uses JSR/RET subroutines (class files older than Java 7); recompile it");
            }
        }
        if (resumable && (!sites.isEmpty() || verify && hasCalls())) {
            HierarchyVerifier verifier = new HierarchyVerifier(hierarchy, owner);
            ConstructorCalls.moveAllocations(verifier, owner.name, method, new java.util.HashSet<>(sites));
            makeResumable(verifier, sites);
        }
        for (int i = 0; i < pinned.size(); i++) {
            pin(method, pinned.get(i), reasons.get(i));
        }
    }

    private void makeResumable(HierarchyVerifier verifier, List<MethodInsnNode> calls) throws AnalyzerException, CannotRewrite {
        Frame<BasicValue>[] frames = verifier.analyze(owner.name, method);
        Liveness liveness = Liveness.of(method);
        int stackSlot = method.maxLocals, indexSlot = stackSlot + 1, tempBase = stackSlot + 2;
        boolean thisReassigned = false;
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            thisReassigned |= i.getOpcode() == Opcodes.ASTORE && ((VarInsnNode) i).var == 0;
        }
        boolean skipThis = (method.access & Opcodes.ACC_STATIC) == 0 && !thisReassigned;

        List<Site> sites = new ArrayList<>();
        int maxTemps = 0;
        for (MethodInsnNode call : calls) {
            Frame<BasicValue> f = frames[method.instructions.indexOf(call)];
            if (f == null) {
                continue; // unreachable code
            }
            Site s = new Site();
            s.call = call;
            java.util.BitSet live = liveness.after(method.instructions, call);
            for (int l = skipThis ? 1 : 0; l < f.getLocals(); l++) {
                BasicValue v = f.getLocal(l);
                if (v == BasicValue.RETURNADDRESS_VALUE) {
                    throw new CannotRewrite("it holds a JSR return address in a local");
                }
                if (v.getType() == null || !live.get(l)) {
                    l += v.getSize() - 1;
                    continue;
                }
                if (v instanceof HierarchyVerifier.Uninitialised) {
                    throw underConstruction((HierarchyVerifier.Uninitialised) v, "local variable " + l, call);
                }
                s.slots.add(l);
                s.types.add(v);
                count(s, v);
                l += v.getSize() - 1;
            }
            int temp = tempBase;
            s.saved = f.getStackSize() - (argumentsMatter(call) ? 0 : Type.getArgumentTypes(call.desc).length);
            for (int d = 0; d < f.getStackSize(); d++) {
                BasicValue v = f.getStack(d);
                if (v.getType() == null) {
                    throw new CannotRewrite("the operand stack holds an unusable value under a suspendable call at line "
                            + line(call));
                }
                if (v instanceof HierarchyVerifier.Uninitialised) {
                    throw underConstruction((HierarchyVerifier.Uninitialised) v, "operand stack", call);
                }
                s.stack.add(v);
                s.temps.add(temp);
                if (d < s.saved) {
                    count(s, v);
                }
                temp += v.getSize();
            }
            maxTemps = Math.max(maxTemps, temp - tempBase);
            sites.add(s);
        }
        InsnList insns = method.instructions;
        InsnList tail = new InsnList();
        if (verify) {
            checkOtherCalls(calls, stackSlot, tail);
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

    /** The JVM lets no object under construction be saved: its constructor must run before the call. */
    private CannotRewrite underConstruction(HierarchyVerifier.Uninitialised v, String where, MethodInsnNode call) {
        return new CannotRewrite("the object created by new " + v.origin.desc.replace('/', '.') + " at line " + line(v.origin)
                + " is still under construction in its " + where + " across the suspendable call of "
                + call.owner.replace('/', '.') + "." + call.name + " at line " + line(call)
                + "; compute that call's result into a local variable before the new");
    }

    /**
     * Verification: after every other call that could pass a suspension on, none must be in
     * progress. If one is, it passed through the callee, which was not rewritten and so returned
     * as if it had ended; the error names it before anything else runs on wrong values.
     */
    private void checkOtherCalls(List<MethodInsnNode> calls, int stackSlot, InsnList tail) {
        java.util.Set<MethodInsnNode> sites = new java.util.HashSet<>(calls);
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            if (!(i instanceof MethodInsnNode) || sites.contains(i) || ((MethodInsnNode) i).owner.equals(FS)
                    || NeverSuspends.cannotCallBack((MethodInsnNode) i)) {
                continue; // a JDK method that runs no application code cannot pass a suspension on
            }
            MethodInsnNode call = (MethodInsnNode) i;
            LabelNode failed = new LabelNode();
            InsnList check = status(stackSlot);
            check.add(new JumpInsnNode(Opcodes.IFNE, failed));
            method.instructions.insert(call, check);
            tail.add(failed);
            tail.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
            tail.add(new LdcInsnNode(where(call)));
            tail.add(new LdcInsnNode(target(call)));
            tail.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, FS, "passedThrough",
                    "(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/RuntimeException;", false));
            tail.add(new InsnNode(Opcodes.ATHROW));
        }
    }

    private static void count(Site s, BasicValue v) {
        if (isNull(v)) {
            return;
        }
        if (v.isReference()) {
            s.refs++;
        } else {
            s.prims += v.getSize();
        }
    }

    private static boolean isNull(BasicValue v) {
        return v.isReference() && v.getType().getSort() == Type.OBJECT && v.getType().getInternalName().equals("null");
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
        p.add(new MethodInsnNode(Opcodes.INVOKESTATIC, FS, "current", "()" + Names.FRAME_STACK_DESC, false));
        p.add(new VarInsnNode(Opcodes.ASTORE, stackSlot));
        p.add(status(stackSlot));
        p.add(new JumpInsnNode(Opcodes.IFEQ, start));
        p.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
        p.add(new LdcInsnNode(self));
        p.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, FS, "enter", "(Ljava/lang/String;)I", false));
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

    private static InsnList status(int stackSlot) {
        InsnList l = new InsnList();
        l.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
        l.add(new FieldInsnNode(Opcodes.GETFIELD, FS, "status", "I"));
        return l;
    }

    private InsnList beforeCall(Site s, int stackSlot, int indexSlot) {
        InsnList l = new InsnList();
        for (int d = s.stack.size() - 1; d >= 0; d--) {
            l.add(new VarInsnNode(s.stack.get(d).getType().getOpcode(Opcodes.ISTORE), s.temps.get(d)));
        }
        for (int d = 0; d < s.stack.size(); d++) {
            l.add(new VarInsnNode(s.stack.get(d).getType().getOpcode(Opcodes.ILOAD), s.temps.get(d)));
        }
        l.add(new JumpInsnNode(Opcodes.GOTO, s.call_));
        l.add(s.resumed);
        l.add(s.call.clone(null));
        l.add(status(stackSlot));
        l.add(new JumpInsnNode(Opcodes.IFEQ, s.cont));
        l.add(popResult(s.call));
        l.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
        l.add(new VarInsnNode(Opcodes.ILOAD, indexSlot));
        l.add(calleeKey(s.call));
        l.add(new LdcInsnNode(where(s.call)));
        l.add(new LdcInsnNode(target(s.call)));
        l.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, FS, "keep",
                "(ILjava/lang/String;Ljava/lang/String;Ljava/lang/String;)V", false));
        l.add(returnDummy());
        l.add(s.call_);
        return l;
    }

    private static InsnList afterCall(Site s, int stackSlot) {
        InsnList l = status(stackSlot);
        l.add(new JumpInsnNode(Opcodes.IFNE, s.save));
        l.add(s.cont);
        return l;
    }

    private InsnList saveBlock(Site s, int pc, int stackSlot) {
        InsnList l = new InsnList();
        l.add(s.save);
        l.add(popResult(s.call));
        l.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
        l.add(intConstant(pc));
        l.add(intConstant(s.prims));
        l.add(intConstant(s.refs));
        l.add(new LdcInsnNode(self));
        l.add(calleeKey(s.call));
        l.add(new LdcInsnNode(where(s.call)));
        l.add(new LdcInsnNode(target(s.call)));
        l.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, FS, "save",
                "(IIILjava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)V", false));
        for (int k = 0; k < s.slots.size(); k++) {
            push(l, stackSlot, s.types.get(k), s.slots.get(k));
        }
        for (int d = 0; d < s.saved; d++) {
            push(l, stackSlot, s.stack.get(d), s.temps.get(d));
        }
        l.add(returnDummy());
        return l;
    }

    private InsnList restoreBlock(Site s, int stackSlot, int indexSlot) {
        InsnList l = new InsnList();
        l.add(s.restore);
        l.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
        l.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, FS, "frameIndex", "()I", false));
        l.add(new VarInsnNode(Opcodes.ISTORE, indexSlot));
        for (int k = 0; k < s.slots.size(); k++) {
            pop(l, stackSlot, s.types.get(k), s.slots.get(k));
        }
        for (int d = 0; d < s.stack.size(); d++) {
            if (d < s.saved) {
                pop(l, stackSlot, s.stack.get(d), s.temps.get(d));
            } else {
                Type t = s.stack.get(d).getType();
                l.add(zero(t));
                l.add(new VarInsnNode(t.getOpcode(Opcodes.ISTORE), s.temps.get(d)));
            }
        }
        for (int d = 0; d < s.stack.size(); d++) {
            l.add(new VarInsnNode(s.stack.get(d).getType().getOpcode(Opcodes.ILOAD), s.temps.get(d)));
        }
        l.add(new JumpInsnNode(Opcodes.GOTO, s.resumed));
        return l;
    }

    private static void push(InsnList l, int stackSlot, BasicValue v, int slot) {
        if (isNull(v)) {
            return;
        }
        Type t = v.getType();
        l.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
        l.add(new VarInsnNode(t.getOpcode(Opcodes.ILOAD), slot));
        l.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, FS, "push" + kind(t), "(" + erased(t) + ")V", false));
    }

    private void pop(InsnList l, int stackSlot, BasicValue v, int slot) {
        Type t = v.getType();
        if (isNull(v)) {
            l.add(new InsnNode(Opcodes.ACONST_NULL));
        } else {
            l.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
            l.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, FS, "pop" + kind(t), "()" + erased(t), false));
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

    private static String kind(Type t) {
        switch (t.getSort()) {
            case Type.BOOLEAN: case Type.BYTE: case Type.CHAR: case Type.SHORT: case Type.INT: return "Int";
            case Type.FLOAT: return "Float";
            case Type.LONG: return "Long";
            case Type.DOUBLE: return "Double";
            default: return "Ref";
        }
    }

    private static String erased(Type t) {
        switch (t.getSort()) {
            case Type.BOOLEAN: case Type.BYTE: case Type.CHAR: case Type.SHORT: case Type.INT: return "I";
            case Type.FLOAT: return "F";
            case Type.LONG: return "J";
            case Type.DOUBLE: return "D";
            default: return "Ljava/lang/Object;";
        }
    }

    private static InsnNode popResult(MethodInsnNode call) {
        int size = Type.getReturnType(call.desc).getSize();
        return new InsnNode(size == 0 ? Opcodes.NOP : size == 1 ? Opcodes.POP : Opcodes.POP2);
    }

    /**
     * Whether the re-issued call must pass the original arguments. A static, special or
     * virtual call reaches a method of a class, which is rewritten (else verification stops
     * the unwinding through it) and restores its own locals; an interface call may reach a
     * lambda's proxy, which is not rewritten and converts and forwards what it is given.
     */
    private static boolean argumentsMatter(MethodInsnNode call) {
        return call.getOpcode() == Opcodes.INVOKEINTERFACE || call.owner.equals(FS);
    }

    private static InsnNode zero(Type t) {
        switch (t.getSort()) {
            case Type.LONG: return new InsnNode(Opcodes.LCONST_0);
            case Type.FLOAT: return new InsnNode(Opcodes.FCONST_0);
            case Type.DOUBLE: return new InsnNode(Opcodes.DCONST_0);
            case Type.ARRAY: case Type.OBJECT: return new InsnNode(Opcodes.ACONST_NULL);
            default: return new InsnNode(Opcodes.ICONST_0);
        }
    }

    /** The callee's "name(desc)", or null where dispatch may reach a method of another name (a lambda's body). */
    private static AbstractInsnNode calleeKey(MethodInsnNode call) {
        if (call.getOpcode() == Opcodes.INVOKEINTERFACE || call.owner.equals(FS)) {
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

    private static AbstractInsnNode intConstant(int v) {
        return v >= -1 && v <= 5 ? new InsnNode(Opcodes.ICONST_0 + v) : new LdcInsnNode(v);
    }

    /** "com/example/Owner.name": the method a call names, as the runtime finds the agent's refusals by it. */
    private static String target(MethodInsnNode call) {
        return call.owner + "." + call.name;
    }

    /** "com.example.Caller.method(Caller.java:42)": the place of an instruction, as a stack trace shows it. */
    String where(AbstractInsnNode insn) {
        int line = line(insn);
        return owner.name.replace('/', '.') + "." + method.name + "(" + (sourceFile == null ? "Unknown Source" : sourceFile)
                + (line > 0 ? ":" + line : "") + ")";
    }

    static int line(AbstractInsnNode insn) {
        for (AbstractInsnNode i = insn; i != null; i = i.getPrevious()) {
            if (i instanceof LineNumberNode) {
                return ((LineNumberNode) i).line;
            }
        }
        return -1;
    }

    /** Wraps a call where suspension is impossible in FrameStack.pin/unpin, unpinning on exceptions too. */
    static void pin(MethodNode method, MethodInsnNode call, String reason) {
        InsnList before = new InsnList();
        LabelNode start = new LabelNode(), end = new LabelNode(), handler = new LabelNode(), after = new LabelNode();
        before.add(new MethodInsnNode(Opcodes.INVOKESTATIC, FS, "current", "()" + Names.FRAME_STACK_DESC, false));
        before.add(new LdcInsnNode(reason));
        before.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, FS, "pin", "(Ljava/lang/String;)V", false));
        before.add(start);
        InsnList afterCall = new InsnList();
        afterCall.add(end);
        afterCall.add(new MethodInsnNode(Opcodes.INVOKESTATIC, FS, "current", "()" + Names.FRAME_STACK_DESC, false));
        afterCall.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, FS, "unpin", "()V", false));
        afterCall.add(new JumpInsnNode(Opcodes.GOTO, after));
        afterCall.add(handler);
        afterCall.add(new MethodInsnNode(Opcodes.INVOKESTATIC, FS, "current", "()" + Names.FRAME_STACK_DESC, false));
        afterCall.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, FS, "unpin", "()V", false));
        afterCall.add(new InsnNode(Opcodes.ATHROW));
        afterCall.add(after);
        method.instructions.insertBefore(call, before);
        method.instructions.insert(call, afterCall);
        method.tryCatchBlocks.add(0, new TryCatchBlockNode(start, end, handler, null));
    }
}
