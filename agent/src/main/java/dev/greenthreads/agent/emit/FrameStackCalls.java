package dev.greenthreads.agent.emit;

import dev.greenthreads.contract.Contract;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The instructions by which rewritten code reaches the runtime's {@code FrameStack}, every name
 * and descriptor from the contract; and which of its push and pop methods carries a value of
 * each type (every primitive narrower than an int travels as an int, every reference as Object).
 */
final class FrameStackCalls {

    private FrameStackCalls() {
    }

    /** {@code FrameStack.current()}. */
    static MethodInsnNode current() {
        return new MethodInsnNode(Opcodes.INVOKESTATIC, Contract.FRAME_STACK, Contract.FRAME_STACK_CURRENT,
                Contract.FRAME_STACK_CURRENT_DESC, false);
    }

    /** An instance method of the frame stack, its receiver and arguments already on the stack. */
    static MethodInsnNode invoke(String name, String desc) {
        return new MethodInsnNode(Opcodes.INVOKEVIRTUAL, Contract.FRAME_STACK, name, desc, false);
    }

    /** {@code stack.status}, the frame stack being in local {@code stackSlot}. */
    static InsnList status(int stackSlot) {
        InsnList l = new InsnList();
        l.add(new VarInsnNode(Opcodes.ALOAD, stackSlot));
        l.add(new FieldInsnNode(Opcodes.GETFIELD, Contract.FRAME_STACK, Contract.FRAME_STACK_STATUS,
                Contract.FRAME_STACK_STATUS_DESC));
        return l;
    }

    /** The push method for a value of type {@code t}, the value on the stack above the receiver. */
    static MethodInsnNode push(Type t) {
        switch (t.getSort()) {
            case Type.BOOLEAN: case Type.BYTE: case Type.CHAR: case Type.SHORT: case Type.INT:
                return invoke(Contract.FRAME_STACK_PUSH_INT, Contract.FRAME_STACK_PUSH_INT_DESC);
            case Type.FLOAT: return invoke(Contract.FRAME_STACK_PUSH_FLOAT, Contract.FRAME_STACK_PUSH_FLOAT_DESC);
            case Type.LONG: return invoke(Contract.FRAME_STACK_PUSH_LONG, Contract.FRAME_STACK_PUSH_LONG_DESC);
            case Type.DOUBLE: return invoke(Contract.FRAME_STACK_PUSH_DOUBLE, Contract.FRAME_STACK_PUSH_DOUBLE_DESC);
            default: return invoke(Contract.FRAME_STACK_PUSH_REF, Contract.FRAME_STACK_PUSH_REF_DESC);
        }
    }

    /** The pop method for a value of type {@code t}; a reference comes back as Object. */
    static MethodInsnNode pop(Type t) {
        switch (t.getSort()) {
            case Type.BOOLEAN: case Type.BYTE: case Type.CHAR: case Type.SHORT: case Type.INT:
                return invoke(Contract.FRAME_STACK_POP_INT, Contract.FRAME_STACK_POP_INT_DESC);
            case Type.FLOAT: return invoke(Contract.FRAME_STACK_POP_FLOAT, Contract.FRAME_STACK_POP_FLOAT_DESC);
            case Type.LONG: return invoke(Contract.FRAME_STACK_POP_LONG, Contract.FRAME_STACK_POP_LONG_DESC);
            case Type.DOUBLE: return invoke(Contract.FRAME_STACK_POP_DOUBLE, Contract.FRAME_STACK_POP_DOUBLE_DESC);
            default: return invoke(Contract.FRAME_STACK_POP_REF, Contract.FRAME_STACK_POP_REF_DESC);
        }
    }

    /** The zero of type {@code t}: what a re-issued call passes for an argument its callee never reads. */
    static InsnNode zero(Type t) {
        switch (t.getSort()) {
            case Type.LONG: return new InsnNode(Opcodes.LCONST_0);
            case Type.FLOAT: return new InsnNode(Opcodes.FCONST_0);
            case Type.DOUBLE: return new InsnNode(Opcodes.DCONST_0);
            case Type.ARRAY: case Type.OBJECT: return new InsnNode(Opcodes.ACONST_NULL);
            default: return new InsnNode(Opcodes.ICONST_0);
        }
    }

    static AbstractInsnNode intConstant(int v) {
        return v >= -1 && v <= 5 ? new InsnNode(Opcodes.ICONST_0 + v) : new LdcInsnNode(v);
    }
}
