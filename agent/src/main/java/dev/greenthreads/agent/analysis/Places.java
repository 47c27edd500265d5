package dev.greenthreads.agent.analysis;

import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/** Where an instruction is, in the forms messages and the runtime use. */
public final class Places {

    private Places() {
    }

    /** "com.example.Caller.method(Caller.java:42)": the place of an instruction, as a stack trace shows it. */
    public static String where(String owner, String sourceFile, MethodNode method, AbstractInsnNode insn) {
        int line = line(insn);
        return owner.replace('/', '.') + "." + method.name + "(" + (sourceFile == null ? "Unknown Source" : sourceFile)
                + (line > 0 ? ":" + line : "") + ")";
    }

    /** The source line of an instruction, or -1 when the class file has none. */
    public static int line(AbstractInsnNode insn) {
        for (AbstractInsnNode i = insn; i != null; i = i.getPrevious()) {
            if (i instanceof LineNumberNode) {
                return ((LineNumberNode) i).line;
            }
        }
        return -1;
    }

    /** "com/example/Owner.name": the method a call names, as the runtime finds the agent's refusals by it. */
    public static String target(MethodInsnNode call) {
        return call.owner + "." + call.name;
    }
}
