package dev.greenthreads.internal.continuation;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Put by the agent on every class it rewrote. It lists the rewritten methods as
 * "name(desc)", so that a class is never rewritten twice and a diagnostic can tell a
 * rewritten frame from one that was not.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Instrumented {
    String[] value();
}
