package dev.greenthreads.explore;

import dev.greenthreads.SuspendableRunnable;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

/**
 * Runs a method annotated {@link ExploreInterleavings} under the explorer instead of once.
 *
 * <p>JUnit's own invocation can run the method only once, and through reflection, whose frames
 * a green thread cannot suspend through; so the method is bound to its test instance as a
 * {@link SuspendableRunnable} with {@link LambdaMetafactory}, exactly what javac makes of a
 * method reference, and JUnit's invocation is skipped.
 */
public final class InterleavingsExtension implements InvocationInterceptor {

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> context,
            ExtensionContext extension) throws Throwable {
        Method method = context.getExecutable();
        ExploreInterleavings how = method.getAnnotation(ExploreInterleavings.class);
        if (how == null) {
            invocation.proceed();
            return;
        }
        SuspendableRunnable body = bind(method, context.getTarget().orElse(null));
        invocation.skip();
        ExploreOptions options = ExploreOptions.defaults().strategy(how.strategy()).depth(how.depth())
                .schedules(how.schedules()).seed(how.seed()).switchPoints(how.switchPoints()).maxSteps(how.maxSteps());
        ExploreResult result = Explorer.explore(options, body);
        if (result.failed()) {
            Failure f = result.failure();
            throw new AssertionError(method.getDeclaringClass().getSimpleName() + "." + method.getName()
                    + " failed under schedule " + f.schedule() + " of " + options + "\n" + f.trace(), f.error());
        }
    }

    /** {@code target::method} as a {@link SuspendableRunnable}. */
    private static SuspendableRunnable bind(Method method, Object target) throws Throwable {
        if (method.getParameterCount() != 0) {
            throw new IllegalArgumentException("@ExploreInterleavings method " + method.getDeclaringClass().getName()
                    + "." + method.getName() + " takes parameters: the explorer runs it many times with none."
                    + " Make it take no parameters (create what it needs inside it)");
        }
        Class<?> owner = method.getDeclaringClass();
        MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(owner, MethodHandles.lookup());
        MethodHandle impl = lookup.unreflect(method);
        boolean isStatic = Modifier.isStatic(method.getModifiers());
        MethodType factory = isStatic ? MethodType.methodType(SuspendableRunnable.class)
                : MethodType.methodType(SuspendableRunnable.class, owner);
        MethodHandle make = LambdaMetafactory.metafactory(lookup, "run", factory, MethodType.methodType(void.class),
                impl, MethodType.methodType(method.getReturnType())).getTarget();
        return isStatic ? (SuspendableRunnable) make.invoke() : (SuspendableRunnable) make.invoke(target);
    }
}
