package dev.greenthreads.agent.analysis;

import dev.greenthreads.agent.analysis.ClassHierarchy.ClassInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.Interpreter;
import org.objectweb.asm.tree.analysis.SimpleVerifier;

/**
 * ASM's {@link SimpleVerifier} answering from class files instead of loaded classes (it never
 * loads one; a question about a class whose file cannot be found fails the analysis, naming it:
 * guessing would give a restored value the wrong type), and
 * tracking objects under construction as the JVM's verifier does. Interfaces are treated as
 * the JVM treats them: anything may be assigned to one.
 *
 * <p>An object between its {@code NEW} and its constructor call is an {@link Uninitialised}
 * value, one per {@code NEW} instruction however often the analysis reaches it, so that two
 * paths carrying the same allocation merge into it and paths carrying different ones merge
 * into an unusable value. Such a value may only be copied, stored, and passed as the receiver
 * of its constructor, after which every copy of it is initialised. ASM's own verifier types it
 * as initialised, which let a rewrite that saved one across a suspension pass unnoticed.
 */
public final class HierarchyVerifier extends SimpleVerifier {

    private static final Type OBJECT = Type.getObjectType("java/lang/Object");

    /** The JVM's {@code uninitialized(origin)}: the object made by one NEW, before its constructor ran. */
    public static final class Uninitialised extends BasicValue {
        public final TypeInsnNode origin;

        private Uninitialised(TypeInsnNode origin) {
            super(Type.getObjectType(origin.desc));
            this.origin = origin;
        }

        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    private final ClassHierarchy hierarchy;
    private final Map<AbstractInsnNode, Uninitialised> allocations = new IdentityHashMap<>();
    /** Within {@link #merge}: an interface is a supertype only of what implements it. */
    private boolean merging;

    public HierarchyVerifier(ClassHierarchy hierarchy, ClassInfo current) {
        super(Opcodes.ASM9, Type.getObjectType(current.name),
                current.superName == null ? null : Type.getObjectType(current.superName),
                interfaces(current), current.isInterface());
        this.hierarchy = hierarchy;
    }

    /** The frame before each instruction of {@code method} (null where unreachable). */
    public Frame<BasicValue>[] analyze(String owner, MethodNode method) throws AnalyzerException {
        allocations.clear();
        return new Analyzer<>(this) {
            @Override
            protected Frame<BasicValue> newFrame(int locals, int stack) {
                return new InitialisingFrame(locals, stack);
            }

            @Override
            protected Frame<BasicValue> newFrame(Frame<? extends BasicValue> frame) {
                return new InitialisingFrame(frame);
            }
        }.analyze(owner, method);
    }

    @Override
    public BasicValue newOperation(AbstractInsnNode insn) throws AnalyzerException {
        if (insn.getOpcode() == Opcodes.NEW) {
            return allocations.computeIfAbsent(insn, i -> new Uninitialised((TypeInsnNode) i));
        }
        return super.newOperation(insn);
    }

    @Override
    public BasicValue naryOperation(AbstractInsnNode insn, List<? extends BasicValue> values) throws AnalyzerException {
        if (insn.getOpcode() == Opcodes.INVOKESPECIAL && ((MethodInsnNode) insn).name.equals("<init>")
                && values.get(0) instanceof Uninitialised) {
            Uninitialised receiver = (Uninitialised) values.get(0);
            if (!receiver.origin.desc.equals(((MethodInsnNode) insn).owner)) {
                throw new AnalyzerException(insn, "a constructor of " + ((MethodInsnNode) insn).owner
                        + " called on an object created as " + receiver.origin.desc);
            }
            List<BasicValue> initialised = new ArrayList<>(values);
            initialised.set(0, newValue(receiver.getType()));
            return super.naryOperation(insn, initialised);
        }
        return super.naryOperation(insn, values);
    }

    /**
     * Two paths' values merge into their common supertype as the hierarchy shows it. Unlike a
     * check, where the JVM lets anything stand for an interface, a merge yields an interface only
     * when both values really implement it: the rewrite casts a restored value to its merged type.
     */
    @Override
    public BasicValue merge(BasicValue a, BasicValue b) {
        if (a == b) {
            return a;
        }
        if (a instanceof Uninitialised || b instanceof Uninitialised) {
            return BasicValue.UNINITIALIZED_VALUE;
        }
        merging = true;
        try {
            return super.merge(a, b);
        } finally {
            merging = false;
        }
    }

    /**
     * An object under construction, or an unusable value, is no instance of anything. References
     * are answered from the class files alone: ASM's fallback would load the expected class.
     */
    @Override
    protected boolean isSubTypeOf(BasicValue value, BasicValue expected) {
        if (value instanceof Uninitialised || value.getType() == null) {
            return false;
        }
        int sort = expected.getType().getSort(), valueSort = value.getType().getSort();
        if ((sort == Type.OBJECT || sort == Type.ARRAY) && (valueSort == Type.OBJECT || valueSort == Type.ARRAY)) {
            return value.getType().getInternalName().equals("null") || isAssignableFrom(expected.getType(), value.getType());
        }
        return super.isSubTypeOf(value, expected);
    }

    /** A frame in which a constructor call initialises every copy of its receiver. */
    private static final class InitialisingFrame extends Frame<BasicValue> {
        InitialisingFrame(int locals, int stack) {
            super(locals, stack);
        }

        InitialisingFrame(Frame<? extends BasicValue> frame) {
            super(frame);
        }

        @Override
        public void execute(AbstractInsnNode insn, Interpreter<BasicValue> interpreter) throws AnalyzerException {
            BasicValue receiver = null;
            if (insn.getOpcode() == Opcodes.INVOKESPECIAL && ((MethodInsnNode) insn).name.equals("<init>")) {
                receiver = getStack(getStackSize() - Type.getArgumentTypes(((MethodInsnNode) insn).desc).length - 1);
            }
            super.execute(insn, interpreter);
            if (receiver instanceof Uninitialised) {
                BasicValue initialised = interpreter.newValue(receiver.getType());
                for (int i = 0; i < getLocals(); i++) {
                    if (getLocal(i) == receiver) {
                        setLocal(i, initialised);
                    }
                }
                for (int i = 0; i < getStackSize(); i++) {
                    if (getStack(i) == receiver) {
                        setStack(i, initialised);
                    }
                }
            }
        }
    }

    private static List<Type> interfaces(ClassInfo current) {
        return Arrays.stream(current.interfaces).map(Type::getObjectType).collect(Collectors.toList());
    }

    /** Never: loading a class from inside a transformer could run its initialiser or deadlock. */
    @Override
    protected Class<?> getClass(Type type) {
        throw new IllegalStateException("the agent never loads " + type.getClassName() + " to analyse a method");
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
        if (isInterface(target) && !merging) {
            return true;
        }
        for (Type t : new Type[] {target, value}) {
            if (hierarchy.get(t.getInternalName()) == null) {
                throw new IllegalStateException("the class file of " + t.getClassName() + " cannot be found, so whether "
                        + value.getClassName() + " is a " + target.getClassName() + " cannot be told; put the jar that"
                        + " holds it on the class path");
            }
        }
        return hierarchy.isSubtype(value.getInternalName(), target.getInternalName());
    }
}
