package dev.greenthreads.agent.emit;

import dev.greenthreads.agent.analysis.SleepingCalls;
import dev.greenthreads.contract.Contract;
import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * Points the JDK's sleeping, yielding and parking calls among a resumable method's call sites at
 * the runtime's green equivalents ({@link SleepingCalls}), so that on a green thread they park
 * only it. The operands stay as they are: each replacement is static and takes the same ones.
 */
final class SleepingCallRedirects {

    private SleepingCallRedirects() {
    }

    static void apply(List<MethodInsnNode> sites) {
        for (MethodInsnNode call : sites) {
            SleepingCalls.Replacement replacement = SleepingCalls.replacement(call);
            if (replacement != null) {
                call.setOpcode(Opcodes.INVOKESTATIC);
                call.owner = Contract.JDK_CALLS;
                call.name = replacement.name();
                call.desc = replacement.desc();
                call.itf = false;
            }
        }
    }
}
