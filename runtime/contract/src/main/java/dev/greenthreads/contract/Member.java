package dev.greenthreads.contract;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@link Contract} constant that is the name of a member of a runtime type, which rewritten
 * code uses; its descriptor is the constant of the same name plus {@code _DESC}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Member {
    /** The {@link RuntimeType} constant naming the type that declares the member. */
    String of();

    /** Whether the member is static: rewritten code reaches it with INVOKESTATIC or GETSTATIC. */
    boolean isStatic() default false;
}
