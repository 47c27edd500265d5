package dev.greenthreads.contract;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a {@link Contract} constant that is the internal name of a runtime type; its descriptor is
 * the constant of the same name plus {@code _DESC}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface RuntimeType {
}
