package dev.greenthreads.agent.emit;

import dev.greenthreads.contract.Contract;
import java.util.HashSet;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Agent option {@code fields}: before each read and write of a field or an array element in a
 * suspendable method, a call of {@code Interleavings.sharedAccess("read Counter.total")}, the
 * interleaving explorer's switch point for data races. The call goes in before the method is
 * planned, so the later passes treat it as any suspendable call site (spilled, resumable, pinned
 * inside {@code synchronized}).
 *
 * <p>Left out: the final fields of the class being rewritten (no other thread can see them
 * change), which include static finals and a lambda's or inner class's captured values.
 * Constructors and static initialisers are never suspendable, so the fields an object
 * initialises in its constructor are never instrumented. A final field of another class cannot
 * be told from here without loading it, and gets a switch point it does not need, which costs
 * a call and nothing else.
 */
public final class SharedFieldAccesses {

    private SharedFieldAccesses() {
    }

    /** Inserts the switch points into {@code method} of {@code owner}; returns how many. */
    public static int insert(ClassNode owner, MethodNode method) {
        Set<String> finals = new HashSet<>();
        for (FieldNode f : owner.fields) {
            if ((f.access & Opcodes.ACC_FINAL) != 0) {
                finals.add(f.name + " " + f.desc);
            }
        }
        int n = 0;
        InsnList code = method.instructions;
        for (AbstractInsnNode insn = code.getFirst(); insn != null; insn = insn.getNext()) {
            String what = describe(owner, finals, insn);
            if (what != null) {
                InsnList call = new InsnList();
                call.add(new LdcInsnNode(what));
                call.add(new MethodInsnNode(Opcodes.INVOKESTATIC, Contract.INTERLEAVINGS,
                        Contract.INTERLEAVINGS_SHARED_ACCESS, Contract.INTERLEAVINGS_SHARED_ACCESS_DESC, false));
                code.insertBefore(insn, call);
                n++;
            }
        }
        if (n > 0) {
            method.maxStack += 1; // the string, on top of whatever the access had on the stack
        }
        return n;
    }

    /** "read Counter.total", "write int[]", or null for an instruction that is no shared access. */
    private static String describe(ClassNode owner, Set<String> finals, AbstractInsnNode insn) {
        int op = insn.getOpcode();
        switch (op) {
            case Opcodes.GETFIELD: case Opcodes.GETSTATIC: case Opcodes.PUTFIELD: case Opcodes.PUTSTATIC: {
                FieldInsnNode f = (FieldInsnNode) insn;
                if (f.owner.equals(owner.name) && finals.contains(f.name + " " + f.desc)) {
                    return null;
                }
                boolean read = op == Opcodes.GETFIELD || op == Opcodes.GETSTATIC;
                return (read ? "read " : "write ") + simpleName(f.owner) + "." + f.name;
            }
            case Opcodes.IALOAD: return "read int[]";
            case Opcodes.LALOAD: return "read long[]";
            case Opcodes.FALOAD: return "read float[]";
            case Opcodes.DALOAD: return "read double[]";
            case Opcodes.AALOAD: return "read Object[]";
            case Opcodes.BALOAD: return "read byte[]";
            case Opcodes.CALOAD: return "read char[]";
            case Opcodes.SALOAD: return "read short[]";
            case Opcodes.IASTORE: return "write int[]";
            case Opcodes.LASTORE: return "write long[]";
            case Opcodes.FASTORE: return "write float[]";
            case Opcodes.DASTORE: return "write double[]";
            case Opcodes.AASTORE: return "write Object[]";
            case Opcodes.BASTORE: return "write byte[]";
            case Opcodes.CASTORE: return "write char[]";
            case Opcodes.SASTORE: return "write short[]";
            default: return null;
        }
    }

    private static String simpleName(String internalName) {
        return internalName.substring(Math.max(internalName.lastIndexOf('/'), internalName.lastIndexOf('$')) + 1);
    }
}
