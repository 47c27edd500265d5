package dev.greenthreads.agent.analysis;

import java.util.Set;
import java.util.stream.Collectors;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * The JDK running the agent, which is never rewritten (it is loaded before any agent): which
 * classes belong to it, and which of its methods can run no application code.
 */
public final class JdkClasses {

    private JdkClasses() {
    }

    /**
     * The packages of the JDK running the agent, in internal form: those of the boot layer's
     * modules that the boot or platform loader defines. By name alone, {@code com/sun/} would
     * also take in libraries such as JNA and the JAXB and Jakarta Mail implementations.
     */
    private static final Set<String> JDK_PACKAGES = ModuleLayer.boot().modules().stream()
            .filter(m -> m.getClassLoader() == null || m.getClassLoader() == ClassLoader.getPlatformClassLoader())
            .flatMap(m -> m.getPackages().stream())
            .map(p -> p.replace('.', '/'))
            .collect(Collectors.toUnmodifiableSet());

    /** Whether the class of this internal name is the JDK's. */
    public static boolean contains(String internalName) {
        int slash = internalName.lastIndexOf('/');
        return slash > 0 && JDK_PACKAGES.contains(internalName.substring(0, slash));
    }

    /** A JDK method that runs no application code: no receiver or argument of a type the application could implement. */
    public static boolean cannotCallBack(MethodInsnNode call) {
        if (!contains(call.owner) || call.name.charAt(0) == '<' && !call.owner.equals("java/lang/StringBuilder")) {
            return false;
        }
        boolean sealedReceiver = call.getOpcode() == Opcodes.INVOKESTATIC
                || call.owner.equals("java/lang/String") || call.owner.equals("java/lang/StringBuilder");
        return sealedReceiver && inert(Type.getArgumentTypes(call.desc));
    }

    /** Primitives, strings and one-dimensional primitive arrays: values whose use calls no method of the application. */
    public static boolean inert(Type[] types) {
        for (Type t : types) {
            boolean inert = t.getSort() < Type.ARRAY || t.getDescriptor().equals("Ljava/lang/String;")
                    || t.getSort() == Type.ARRAY && t.getDimensions() == 1 && t.getElementType().getSort() < Type.ARRAY;
            if (!inert) {
                return false;
            }
        }
        return true;
    }
}
