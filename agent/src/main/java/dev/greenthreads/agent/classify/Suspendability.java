package dev.greenthreads.agent.classify;

import dev.greenthreads.agent.analysis.ClassHierarchy;
import dev.greenthreads.agent.analysis.ClassHierarchy.ClassInfo;
import dev.greenthreads.agent.analysis.JdkClasses;
import dev.greenthreads.contract.Contract;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Decides what is suspendable.
 *
 * <p>A method is suspendable when it carries {@code @Suspendable}, its class does, its class is
 * in a package named by {@code include=}, it implements {@code SuspendableRunnable.run} or
 * {@code SuspendableCallable.call}, it overrides a suspendable method, or it is the body of a
 * lambda or the target of a method reference whose functional interface is suspendable.
 * A call site is suspendable when the method it names, as declared or inherited by the
 * named owner, is suspendable: over-approximating costs a field read and a branch;
 * under-approximating is caught by verification at run time.
 */
public final class Suspendability {

    private final ClassHierarchy hierarchy;
    private final Predicate<String> included, excluded;
    /** "owner.name(desc)" of method-reference targets found in other classes' lambdas. */
    private final Set<String> referencedTargets;
    private final Map<String, Boolean> cache = new ConcurrentHashMap<>();

    /**
     * @param included          the classes {@code include=} names: every method suspendable
     * @param excluded          the classes {@code exclude=} names: never suspendable
     * @param referencedTargets shared by every class loader's instance: a lambda may name a method of a parent loader's class
     */
    public Suspendability(ClassHierarchy hierarchy, Predicate<String> included, Predicate<String> excluded,
                          Set<String> referencedTargets) {
        this.hierarchy = hierarchy;
        this.included = included;
        this.excluded = excluded;
        this.referencedTargets = referencedTargets;
    }

    /** A method reference to {@code owner.nameAndDesc} is bound to a suspendable interface. */
    public void addReferencedTarget(String owner, String nameAndDesc) {
        if (referencedTargets.add(owner + "." + nameAndDesc)) {
            cache.clear();
        }
    }

    public boolean isReferencedTarget(String owner, String nameAndDesc) {
        return referencedTargets.contains(owner + "." + nameAndDesc);
    }

    /** Whether a call of {@code owner.name desc} may suspend. */
    public boolean mayCallSuspend(String owner, String name, String desc) {
        if (owner.equals(Contract.FRAME_STACK)) {
            return name.equals(Contract.FRAME_STACK_SUSPEND) && desc.equals(Contract.FRAME_STACK_SUSPEND_DESC);
        }
        if (owner.equals(Contract.INTERLEAVINGS) && name.equals(Contract.INTERLEAVINGS_SHARED_ACCESS)) {
            return true; // the explorer's switch point (option fields), whether or not the runtime is at hand
        }
        if (name.charAt(0) == '<' || owner.charAt(0) == '[' || JdkClasses.contains(owner)) {
            return false;
        }
        String key = owner + "." + name + desc;
        Boolean known = cache.get(key);
        if (known == null) {
            known = resolves(owner, name, desc);
            cache.put(key, known);
        }
        return known;
    }

    /** Whether the method {@code name desc} declared in {@code info} is suspendable. */
    public boolean isSuspendable(ClassInfo info, String name, String desc) {
        if (name.charAt(0) == '<') {
            return false;
        }
        Integer access = info.method(name + desc);
        if (access == null) {
            return false;
        }
        if ((access & ClassHierarchy.MARKED) != 0 || info.markedType || included.test(info.name)
                || isRoot(info.name, name, desc) || isReferencedTarget(info.name, name + desc)) {
            return !excluded.test(info.name);
        }
        if ((access & (Opcodes.ACC_STATIC | Opcodes.ACC_PRIVATE)) != 0) {
            return false;
        }
        return overridesSuspendable(info, name, desc);
    }

    private boolean resolves(String owner, String name, String desc) {
        if (isRoot(owner, name, desc)) {
            return true;
        }
        ClassInfo info = hierarchy.get(owner);
        if (info == null) {
            return included.test(owner);
        }
        if (info.method(name + desc) != null) {
            return isSuspendable(info, name, desc);
        }
        if (info.superName != null && mayCallSuspend(info.superName, name, desc)) {
            return true;
        }
        for (String i : info.interfaces) {
            if (mayCallSuspend(i, name, desc)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a supertype of {@code info} declares a suspendable method with this name and these parameters. */
    private boolean overridesSuspendable(ClassInfo info, String name, String desc) {
        String params = desc.substring(0, desc.indexOf(')') + 1);
        return supertypeDeclares(info.superName, name, params) || anyDeclares(info.interfaces, name, params);
    }

    private boolean anyDeclares(String[] types, String name, String params) {
        for (String t : types) {
            if (supertypeDeclares(t, name, params)) {
                return true;
            }
        }
        return false;
    }

    private boolean supertypeDeclares(String type, String name, String params) {
        if (type == null || JdkClasses.contains(type)) {
            return false;
        }
        if (isRoot(type, name, params + "V") || isRoot(type, name, params + "Ljava/lang/Object;")) {
            return true;
        }
        ClassInfo info = hierarchy.get(type);
        if (info == null) {
            return false;
        }
        for (String key : info.methods.keySet()) {
            if (key.startsWith(name + params) && isSuspendable(info, name, key.substring(name.length()))) {
                return true;
            }
        }
        return supertypeDeclares(info.superName, name, params) || anyDeclares(info.interfaces, name, params);
    }

    /** The runtime's functional interfaces, suspendable by definition. */
    private static boolean isRoot(String owner, String name, String desc) {
        return owner.equals(Contract.SUSPENDABLE_RUNNABLE) && name.equals(Contract.SUSPENDABLE_RUNNABLE_RUN)
                        && desc.equals(Contract.SUSPENDABLE_RUNNABLE_RUN_DESC)
                || owner.equals(Contract.SUSPENDABLE_CALLABLE) && name.equals(Contract.SUSPENDABLE_CALLABLE_CALL)
                        && desc.equals(Contract.SUSPENDABLE_CALLABLE_CALL_DESC);
    }

    /** The suspendable interface a lambda indy produces, or null: its SAM is suspendable. */
    public boolean isSuspendableLambda(String indyDesc, String samName, Type samType) {
        Type iface = Type.getReturnType(indyDesc);
        return iface.getSort() == Type.OBJECT && mayCallSuspend(iface.getInternalName(), samName, samType.getDescriptor());
    }
}
