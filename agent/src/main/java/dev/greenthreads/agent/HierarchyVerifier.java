package dev.greenthreads.agent;

import dev.greenthreads.agent.ClassHierarchy.ClassInfo;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.analysis.SimpleVerifier;

/**
 * ASM's {@link SimpleVerifier} answering from class files instead of loaded classes. Interfaces
 * are treated as the JVM's verifier treats them: anything may be assigned to one.
 */
final class HierarchyVerifier extends SimpleVerifier {

    private static final Type OBJECT = Type.getObjectType("java/lang/Object");

    private final ClassHierarchy hierarchy;

    HierarchyVerifier(ClassHierarchy hierarchy, ClassInfo current) {
        super(Opcodes.ASM9, Type.getObjectType(current.name),
                current.superName == null ? null : Type.getObjectType(current.superName),
                interfaces(current), current.isInterface());
        this.hierarchy = hierarchy;
    }

    private static List<Type> interfaces(ClassInfo current) {
        return Arrays.stream(current.interfaces).map(Type::getObjectType).collect(Collectors.toList());
    }

    @Override
    protected boolean isInterface(Type type) {
        ClassInfo info = hierarchy.get(type.getInternalName());
        return info != null && info.isInterface();
    }

    @Override
    protected Type getSuperClass(Type type) {
        if (type.equals(OBJECT)) {
            return null;
        }
        ClassInfo info = hierarchy.get(type.getInternalName());
        return info == null || info.superName == null ? OBJECT : Type.getObjectType(info.superName);
    }

    @Override
    protected boolean isAssignableFrom(Type target, Type value) {
        if (target.equals(value) || target.equals(OBJECT)) {
            return true;
        }
        if (target.getSort() == Type.ARRAY) {
            if (value.getSort() != Type.ARRAY) {
                return false;
            }
            Type t = Type.getType(target.getDescriptor().substring(1));
            Type v = Type.getType(value.getDescriptor().substring(1));
            if (t.getSort() < Type.ARRAY || v.getSort() < Type.ARRAY) {
                return t.equals(v);
            }
            return isAssignableFrom(t, v);
        }
        if (value.getSort() == Type.ARRAY) {
            String n = target.getInternalName();
            return n.equals("java/lang/Cloneable") || n.equals("java/io/Serializable");
        }
        if (isInterface(target)) {
            return true;
        }
        return hierarchy.isSubtype(value.getInternalName(), target.getInternalName());
    }
}
