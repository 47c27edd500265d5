package dev.greenthreads.agent.analysis;

import dev.greenthreads.contract.Contract;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.objectweb.asm.AnnotationVisitor;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * What the rewrite needs to know of other classes, read from their class files without loading
 * them: supertypes, whether they are interfaces, and which methods are marked. Loading a class
 * from inside a transformer could run its initialiser or deadlock, so nothing here does.
 */
public final class ClassHierarchy {

    /** The header of one class file. */
    public static final class ClassInfo {
        public final String name;
        public final String superName;
        public final String[] interfaces;
        public final int access;
        public final boolean markedType;
        public final boolean alreadyRewritten;
        /** name+desc → the method's access flags, plus {@link #MARKED} when it carries {@code @Suspendable} or {@code @ExploreInterleavings} (a test method the explorer runs). */
        public final Map<String, Integer> methods;

        ClassInfo(String name, String superName, String[] interfaces, int access, boolean markedType,
                  boolean alreadyRewritten, Map<String, Integer> methods) {
            this.name = name;
            this.superName = superName;
            this.interfaces = interfaces;
            this.access = access;
            this.markedType = markedType;
            this.alreadyRewritten = alreadyRewritten;
            this.methods = methods;
        }

        /** The method declared here, or null. */
        public Integer method(String nameAndDesc) {
            return methods.get(nameAndDesc);
        }

        public boolean isInterface() {
            return (access & Opcodes.ACC_INTERFACE) != 0;
        }
    }

    /** Bit set in {@link ClassInfo#methods} for a method that carries {@code @Suspendable}. */
    public static final int MARKED = 1 << 30;

    private static final ClassInfo MISSING = new ClassInfo("", null, new String[0], 0, false, false, Map.of());

    private final Function<String, byte[]> classFiles;
    private final Map<String, ClassInfo> cache = new ConcurrentHashMap<>();

    /** @param classFiles internal name → class file bytes, or null when there is no such class */
    public ClassHierarchy(Function<String, byte[]> classFiles) {
        this.classFiles = classFiles;
    }

    /** The class, or null when its class file cannot be found. */
    public ClassInfo get(String internalName) {
        if (internalName == null || internalName.startsWith("[")) {
            return null;
        }
        ClassInfo info = cache.get(internalName);
        if (info == null) {
            byte[] bytes;
            try {
                bytes = classFiles.apply(internalName);
            } catch (RuntimeException e) {
                bytes = null;
            }
            info = bytes == null ? MISSING : read(bytes);
            cache.put(internalName, info);
        }
        return info == MISSING ? null : info;
    }

    /** Records a class whose bytes are at hand (the one being rewritten). */
    public ClassInfo add(byte[] bytes) {
        ClassInfo info = read(bytes);
        cache.put(info.name, info);
        return info;
    }

    private static ClassInfo read(byte[] bytes) {
        ClassReader reader = new ClassReader(bytes);
        Map<String, Integer> methods = new HashMap<>();
        boolean[] flags = new boolean[2];
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public AnnotationVisitor visitAnnotation(String descriptor, boolean visible) {
                if (descriptor.equals(Contract.SUSPENDABLE_DESC)) {
                    flags[0] = true;
                } else if (descriptor.equals(Contract.INSTRUMENTED_DESC)) {
                    flags[1] = true;
                }
                return null;
            }

            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                String key = name + descriptor;
                methods.put(key, access);
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public AnnotationVisitor visitAnnotation(String desc, boolean visible) {
                        if (desc.equals(Contract.SUSPENDABLE_DESC) || desc.equals(Contract.EXPLORE_INTERLEAVINGS_DESC)) {
                            methods.put(key, access | MARKED);
                        }
                        return null;
                    }
                };
            }
        }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return new ClassInfo(reader.getClassName(), reader.getSuperName(), reader.getInterfaces(), reader.getAccess(),
                flags[0], flags[1], methods);
    }

    /** Whether {@code type} is {@code ancestor} or extends or implements it. Unknown classes answer false. */
    public boolean isSubtype(String type, String ancestor) {
        if (type == null) {
            return false;
        }
        if (type.equals(ancestor)) {
            return true;
        }
        ClassInfo info = get(type);
        if (info == null) {
            return false;
        }
        if (isSubtype(info.superName, ancestor)) {
            return true;
        }
        for (String i : info.interfaces) {
            if (isSubtype(i, ancestor)) {
                return true;
            }
        }
        return false;
    }

    /** The nearest common superclass, for stack map frames; java/lang/Object when unknown. */
    public String commonSuperClass(String a, String b) {
        if (isSubtype(b, a)) {
            return a;
        }
        if (isSubtype(a, b)) {
            return b;
        }
        ClassInfo ia = get(a), ib = get(b);
        if (ia == null || ib == null || ia.isInterface() || ib.isInterface()) {
            return "java/lang/Object";
        }
        String s = ia.superName;
        while (s != null) {
            if (isSubtype(b, s)) {
                return s;
            }
            ClassInfo is = get(s);
            s = is == null ? null : is.superName;
        }
        return "java/lang/Object";
    }
}
