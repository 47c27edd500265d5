package dev.greenthreads.internal.continuation;

import static dev.greenthreads.internal.continuation.Driver.pause;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.greenthreads.Suspendable;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Methods of a suspendable class that can never reach a suspension are left as javac wrote
 * them, and so are their call sites in the class; everything that can reach one is rewritten,
 * and the two kinds mix in one suspended stack.
 */
class NeverSuspendsTest {

    private final Driver driver = new Driver();

    @AfterEach
    void close() {
        driver.close();
    }

    @Suspendable
    static final class Mixed {
        int calls;

        /** Recursion that only calls itself: never suspends. */
        static long fib(int n) {
            return n < 2 ? n : fib(n - 1) + fib(n - 2);
        }

        /** Calls only a private leaf and a JDK method that cannot call back. */
        static int twice(int x) {
            return Math.max(mix(x), 0) * 2;
        }

        private static int mix(int x) {
            return x ^ (x >>> 3);
        }

        static String label(int n) {
            return "n=" + n + "/" + twice(n);
        }

        /** Final (the class is): no override can replace it; counts through a field. */
        int count() {
            return ++calls;
        }

        /** Calls List.get, which the application could implement: may pass a suspension through. */
        static int first(List<Integer> list) {
            return list.get(0);
        }

        /** Recursion that reaches a suspension at its bottom: rewritten. */
        static int depth(int n) {
            if (n == 0) {
                pause();
                return 0;
            }
            return 1 + depth(n - 1);
        }

        /** Suspends between calls of methods that never do. */
        long work(int n) {
            long before = fib(n) + count();
            pause();
            String text = label(n);
            pause();
            return before + twice(n) + text.length() + depth(3) + count();
        }
    }

    @Test
    void onlyTheMethodsThatCanReachASuspensionAreRewritten() {
        Set<String> rewritten = new TreeSet<>(Arrays.asList(Mixed.class.getAnnotation(Instrumented.class).value()));
        assertEquals(Set.of("depth(I)I", "first(Ljava/util/List;)I", "work(I)J"), rewritten);
    }

    @Test
    void methodsLeftAloneMixWithRewrittenOnesAcrossSuspensions() throws Exception {
        Mixed mixed = new Mixed();
        long[] result = new long[1];
        int suspensions = driver.run(() -> result[0] = mixed.work(10));
        assertEquals(3, suspensions, "two in work, one at the bottom of depth");
        long expected = 55 + 1 + (Math.max(10 ^ 1, 0) * 2) + ("n=10/" + Math.max(10 ^ 1, 0) * 2).length() + 3 + 2;
        assertEquals(expected, result[0]);
    }
}
