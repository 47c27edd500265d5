package dev.greenthreads;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method that may park its green thread, directly or through its callees; on a type,
 * marks every method of it. Every method between a suspension (a call of {@link GreenThread#join},
 * {@link GreenThread#sleep}, {@link GreenThread#yield}, a {@code sync} primitive, a green
 * socket...) and the green thread's body must be suspendable: the agent rewrites such methods so
 * that their frames can be saved and resumed.
 *
 * <p>The bodies of {@link SuspendableRunnable} and {@link SuspendableCallable} (lambdas and
 * method references included) are suspendable without this annotation. Constructors, static
 * initialisers and {@code synchronized} regions cannot suspend, annotated or not.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Suspendable {
}
