package dev.greenthreads.internal.continuation;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Put by the agent on a method it did not make resumable although a suspension may pass
 * through it; {@link Refusals} reads it when one does, to say why. It travels with the class
 * file, so a class rewritten at build time carries its refusals to the JVM that runs it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.CONSTRUCTOR})
public @interface Refused {
    /** The reason, as the agent's log gave it. */
    String value();
}
