package dev.greenthreads.explore;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A JUnit Jupiter test whose method body is explored: it runs as the body of
 * {@link Explorer#explore}, once per schedule, and the test fails at the first failing schedule
 * with a message that holds the replay line and the trace.
 *
 * <pre>
 * &#64;ExploreInterleavings(schedules = 10_000, strategy = Strategy.PCT, depth = 3)
 * void counterIsThreadSafe() {
 *     Counter c = new Counter();
 *     GreenThread&lt;Void&gt; a = GreenThread.start(c::increment), b = GreenThread.start(c::increment);
 *     a.join();
 *     b.join();
 *     assertEquals(2, c.value());
 * }
 * </pre>
 *
 * <p>The method is a test ({@code @Test} is implied, adding it changes nothing) and takes no
 * parameters; {@code @BeforeEach} and {@code @AfterEach} run once around the whole exploration,
 * on the test's own thread. The agent makes a method with this annotation suspendable, as if it
 * carried {@code @Suspendable}; the methods it calls that park (a helper that locks a mutex)
 * must be suspendable as usual.
 *
 * <p>It lives in the runtime, next to the explorer, so that a test needs no other artifact; the
 * runtime depends on {@code junit-jupiter-api} only at compile time (scope {@code provided}).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@Test
@ExtendWith(InterleavingsExtension.class)
public @interface ExploreInterleavings {

    /** Schedules to try at most. */
    int schedules() default 1_000;

    Strategy strategy() default Strategy.PCT;

    /** PCT's depth. */
    int depth() default 3;

    long seed() default 0L;

    SwitchPoints[] switchPoints() default {SwitchPoints.SYNC};

    long maxSteps() default 100_000L;
}
