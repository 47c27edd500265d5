package dev.greenthreads.agent.emit;

import dev.greenthreads.contract.Contract;
import java.util.Map;
import org.objectweb.asm.AnnotationVisitor;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * The refusal channel: each method a suspension may reach but that was left as it was, or
 * only pinned, gets {@code @Refused(reason)}, which the runtime reads when a suspension passes
 * through it. It is part of the class file, so it survives rewriting at build time. A static
 * initialiser gets none: nothing calls it, and reflection cannot see it.
 */
public final class RefusalMarks {

    private RefusalMarks() {
    }

    /** Whether {@code method} already carries the mark, from an earlier run: it gets no second one. */
    public static boolean isMarked(MethodNode method) {
        if (method.visibleAnnotations != null) {
            for (AnnotationNode a : method.visibleAnnotations) {
                if (a.desc.equals(Contract.REFUSED_DESC)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether a refusal of the method {@code nameAndDesc} is marked at all. */
    public static boolean isMarkable(String nameAndDesc) {
        return !nameAndDesc.startsWith("<clinit>");
    }

    /**
     * {@code classFile} with {@code @Refused(reason)} on each method of {@code reasons}
     * ("name(desc)" → reason), none of which carries it yet. Every other method is copied as it was.
     */
    public static byte[] apply(byte[] classFile, Map<String, String> reasons) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                MethodVisitor written = super.visitMethod(access, name, descriptor, signature, exceptions);
                String reason = reasons.get(name + descriptor);
                if (reason == null) {
                    return written;
                }
                AnnotationVisitor mark = written.visitAnnotation(Contract.REFUSED_DESC, true);
                mark.visit(Contract.REFUSED_VALUE, reason);
                mark.visitEnd();
                // Not the writer itself: ASM would copy the method's bytes as they were, without the mark.
                return new MethodVisitor(Opcodes.ASM9, written) { };
            }
        }, 0);
        return writer.toByteArray();
    }
}
