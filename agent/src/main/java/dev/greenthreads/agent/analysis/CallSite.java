package dev.greenthreads.agent.analysis;

import dev.greenthreads.contract.Contract;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * One suspendable call of a method and what a suspension there must save to resume: the live
 * locals and the operand stack under the call, typed by the {@link HierarchyVerifier}'s frame
 * before it and {@link Liveness} after it.
 */
public final class CallSite {

    public final MethodInsnNode call;
    /** Locals to save, by slot, with their verifier types, in slot order. */
    public final List<Integer> slots;
    public final List<BasicValue> types;
    /** The operand stack under the call, bottom first: spilled before the call, reloaded on resume. */
    public final List<BasicValue> stack;
    /**
     * How many of the stack's values, from the bottom, are saved. Above them lie the call's
     * arguments when only a rewritten method can receive them (see {@link #argumentsMatter}):
     * the re-issued call passes zeros, as the callee restores its own locals and never reads them.
     */
    public final int saved;
    /** Primitive slots (two for a long or double) and references to save; a known null is not saved. */
    public final int prims, refs;

    private CallSite(MethodInsnNode call, List<Integer> slots, List<BasicValue> types, List<BasicValue> stack, int saved) {
        this.call = call;
        this.slots = Collections.unmodifiableList(slots);
        this.types = Collections.unmodifiableList(types);
        this.stack = Collections.unmodifiableList(stack);
        this.saved = saved;
        int p = 0, r = 0;
        for (BasicValue v : types) {
            p += isNull(v) || v.isReference() ? 0 : v.getSize();
            r += !isNull(v) && v.isReference() ? 1 : 0;
        }
        for (int d = 0; d < saved; d++) {
            BasicValue v = stack.get(d);
            p += isNull(v) || v.isReference() ? 0 : v.getSize();
            r += !isNull(v) && v.isReference() ? 1 : 0;
        }
        this.prims = p;
        this.refs = r;
    }

    /**
     * The sites of {@code calls} in {@code method}, in the order given, leaving out calls in
     * unreachable code. {@code frames} are the verifier's frames of {@code method} as it is now.
     *
     * @throws CannotRewrite where something that cannot be saved is live across a call: an object
     *         under construction, a subroutine's return address, an unusable stack value
     */
    public static List<CallSite> of(MethodNode method, Frame<BasicValue>[] frames, Liveness liveness,
                                    List<MethodInsnNode> calls) throws CannotRewrite {
        boolean thisReassigned = false;
        for (AbstractInsnNode i = method.instructions.getFirst(); i != null; i = i.getNext()) {
            thisReassigned |= i.getOpcode() == Opcodes.ASTORE && ((VarInsnNode) i).var == 0;
        }
        // "this" is the receiver the frame is re-entered with: saving it would be redundant.
        boolean skipThis = (method.access & Opcodes.ACC_STATIC) == 0 && !thisReassigned;
        List<CallSite> sites = new ArrayList<>(calls.size());
        for (MethodInsnNode call : calls) {
            Frame<BasicValue> f = frames[method.instructions.indexOf(call)];
            if (f == null) {
                continue; // unreachable code
            }
            List<Integer> slots = new ArrayList<>();
            List<BasicValue> types = new ArrayList<>();
            BitSet live = liveness.after(method.instructions, call);
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
                slots.add(l);
                types.add(v);
                l += v.getSize() - 1;
            }
            List<BasicValue> stack = new ArrayList<>(f.getStackSize());
            for (int d = 0; d < f.getStackSize(); d++) {
                BasicValue v = f.getStack(d);
                if (v.getType() == null) {
                    throw new CannotRewrite("the operand stack holds an unusable value under a suspendable call at line "
                            + Places.line(call));
                }
                if (v instanceof HierarchyVerifier.Uninitialised) {
                    throw underConstruction((HierarchyVerifier.Uninitialised) v, "operand stack", call);
                }
                stack.add(v);
            }
            int saved = f.getStackSize() - (argumentsMatter(call) ? 0 : Type.getArgumentTypes(call.desc).length);
            sites.add(new CallSite(call, slots, types, stack, saved));
        }
        return sites;
    }

    /** The verifier's type of the null constant: nothing to save, restored as {@code ACONST_NULL}. */
    public static boolean isNull(BasicValue v) {
        return v.isReference() && v.getType().getSort() == Type.OBJECT && v.getType().getInternalName().equals("null");
    }

    /**
     * Whether the re-issued call must pass the original arguments. A static, special or
     * virtual call reaches a method of a class, which is rewritten (else verification stops
     * the unwinding through it) and restores its own locals; an interface call may reach a
     * lambda's proxy, which is not rewritten and converts and forwards what it is given.
     */
    static boolean argumentsMatter(MethodInsnNode call) {
        return call.getOpcode() == Opcodes.INVOKEINTERFACE || call.owner.equals(Contract.FRAME_STACK);
    }

    /** The JVM lets no object under construction be saved: its constructor must run before the call. */
    private static CannotRewrite underConstruction(HierarchyVerifier.Uninitialised v, String where, MethodInsnNode call) {
        return new CannotRewrite("the object created by new " + v.origin.desc.replace('/', '.') + " at line "
                + Places.line(v.origin) + " is still under construction in its " + where + " across the suspendable call of "
                + call.owner.replace('/', '.') + "." + call.name + " at line " + Places.line(call)
                + "; compute that call's result into a local variable before the new");
    }
}
