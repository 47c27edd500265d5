package dev.greenthreads.internal.continuation;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;

/**
 * Why the agent left a method as it was, read from the {@link Refused} annotation it put on
 * that method. The method's class is resolved through the class loader of the rewritten code
 * that called into the runtime (the call site), without initialising it; a class that loader
 * cannot find, or that fails to link, has no reason to give.
 */
final class Refusals {

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private Refusals() {
    }

    /**
     * The agent's reason for not rewriting the method a call names, or null: {@code target} is
     * "internal/Owner.name", {@code callee} that method's "name(desc)" when known. Called by
     * {@link FrameStack} on behalf of the rewritten method that made the call.
     */
    static String reasonFor(String target, String callee) {
        int dot = target.lastIndexOf('.');
        String name = target.substring(dot + 1);
        try {
            Class<?> owner = ownerAsTheCallSiteSeesIt(target.substring(0, dot).replace('/', '.'));
            if (owner == null) {
                return null;
            }
            Executable[] candidates = name.equals("<init>") ? owner.getDeclaredConstructors() : owner.getDeclaredMethods();
            for (Executable e : candidates) {
                Refused refused = e.getAnnotation(Refused.class);
                if (refused != null && (e instanceof Constructor || e.getName().equals(name))
                        && (callee == null || callee.equals(name + descriptor(e)))) {
                    return refused.value();
                }
            }
        } catch (LinkageError | SecurityException e) {
            // a class or a signature's type the call site's loader cannot link: no reason to give
        }
        return null;
    }

    private static Class<?> ownerAsTheCallSiteSeesIt(String className) {
        Class<?> caller = WALKER.walk(frames -> frames
                .map(StackWalker.StackFrame::getDeclaringClass)
                .filter(c -> c != Refusals.class && c != FrameStack.class)
                .findFirst().orElse(null));
        ClassLoader loader = caller == null ? null : caller.getClassLoader();
        try {
            return Class.forName(className, false, loader != null ? loader : ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    private static String descriptor(Executable e) {
        StringBuilder b = new StringBuilder("(");
        for (Class<?> p : e.getParameterTypes()) {
            b.append(p.descriptorString());
        }
        return b.append(')').append(e instanceof Method ? ((Method) e).getReturnType().descriptorString() : "V").toString();
    }
}
