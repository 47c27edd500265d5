package dev.greenthreads.internal.continuation;

import static dev.greenthreads.internal.continuation.Driver.pause;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.greenthreads.Suspendable;
import dev.greenthreads.SuspendableCallable;
import dev.greenthreads.SuspendableRunnable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shapes of code the rewrite must make resumable. Each test suspends where the shape is
 * hardest (values on the operand stack, objects under construction, inside handlers), resumes
 * on another kernel thread, and checks every value that had to survive.
 */
class RewriteTest {

    private final Driver driver = new Driver();
    private final List<Object> seen = new ArrayList<>();

    @AfterEach
    void close() {
        driver.close();
    }

    @Suspendable
    static int f(int x) {
        pause();
        return x + 1;
    }

    @Suspendable
    static String g(String s) {
        pause();
        return s + "!";
    }

    @Test
    void valuesOnTheOperandStackUnderASuspendingCallSurvive() throws Exception {
        int suspensions = driver.run(() -> {
            int a = 40;
            seen.add(a + f(1));
            seen.add("x" + f(1) + g("y"));
            seen.add(a * 2 + f(a) * 3 + f(f(0)));
        });
        assertEquals(List.of(42, "x2y!", 80 + 41 * 3 + 2), seen);
        assertEquals(6, suspensions);
    }

    static final class Point {
        final int x;
        final String y;

        Point(int x, String y) {
            this.x = x;
            this.y = y;
        }
    }

    @Test
    void constructorArgumentsThatSuspendAreAllowed() throws Exception {
        driver.run(() -> {
            Point p = new Point(f(1), g("a"));
            seen.add(p.x + p.y);
            Object nested = new ArrayList<>(List.of(new Point(f(10), "b").y, new Point(f(20), g("c")).y));
            seen.add(nested);
            new Point(f(0), "discarded");
        });
        assertEquals(List.of("2a!", List.of("b", "c!")), seen);
    }

    /**
     * The branches leave a String and an int in the same local, so the analysis visits the
     * allocation twice: it must still be recognised as one object and moved after the call.
     */
    static Object sink;

    @Suspendable
    static Point pointAfterBranches(boolean text) {
        if (text) {
            String s = "s";
            sink = s;
        } else {
            int n = 7;
            sink = n;
        }
        return new Point(f(1), g("b"));
    }

    @Test
    void anAllocationReachedFromBranchesWithDifferentLocalsIsMovedOnce() throws Exception {
        driver.run(() -> {
            Point a = pointAfterBranches(true), b = pointAfterBranches(false);
            seen.add(a.x + a.y);
            seen.add(b.x + b.y);
        });
        assertEquals(List.of("2b!", "2b!"), seen);
    }

    @Test
    void localsOfEveryTypeSurviveASuspension() throws Exception {
        driver.run(() -> {
            int i = Integer.MIN_VALUE;
            long l = Long.MAX_VALUE - 7;
            float fl = -1.5e-3f;
            double d = Math.PI;
            boolean z = true;
            char c = '\u20ac';
            byte b = -128;
            short s = 31000;
            String str = "text";
            int[] ints = {1, 2, 3};
            Object nothing = null;
            pause();
            seen.addAll(List.of(i, l, fl, d, z, c, b, s, str));
            seen.add(ints.length + ints[2]);
            seen.add(String.valueOf(nothing));
            long sum = l;
            for (int k = 0; k < 3; k++) {
                pause();
                sum += k;
                d /= 2;
            }
            seen.add(sum);
            seen.add(d);
        });
        assertEquals(List.of(Integer.MIN_VALUE, Long.MAX_VALUE - 7, -1.5e-3f, Math.PI, true, '\u20ac', (byte) -128,
                (short) 31000, "text", 6, "null", Long.MAX_VALUE - 4, Math.PI / 8), seen);
    }

    @Suspendable
    static void failAfterResuming(String message) {
        pause();
        throw new IllegalArgumentException(message);
    }

    @Suspendable
    static void passThrough(String message) {
        int before = 1;
        failAfterResuming(message);
        seen(before);
    }

    static void seen(Object o) {
        throw new AssertionError("unreachable " + o);
    }

    @Test
    void tryCatchFinallyAroundSuspensionsAndExceptionsThroughRestoredFrames() throws Exception {
        driver.run(() -> {
            try {
                pause();
                passThrough("deep");
            } catch (IllegalArgumentException e) {
                pause();
                seen.add("caught " + e.getMessage());
            } finally {
                pause();
                seen.add("finally");
            }
            try {
                try {
                    f(1);
                } finally {
                    seen.add("inner finally");
                    failAfterResuming("from finally");
                }
            } catch (IllegalArgumentException e) {
                seen.add(e.getMessage());
            }
        });
        assertEquals(List.of("caught deep", "finally", "inner finally", "from finally"), seen);
    }

    @Test
    void anExceptionAfterResumingEndsTheBodyWithIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> driver.run(() -> passThrough("escaped")));
        assertEquals("escaped", e.getMessage());
    }

    @Test
    void loopsAndBothKindsOfSwitch() throws Exception {
        int suspensions = driver.run(() -> {
            int total = 0;
            for (int i = 0; i < 10; i++) {
                switch (i % 4) {
                    case 0: total += f(0); break;
                    case 1: pause(); total += 10; break;
                    case 2: total += 100; break;
                    default: total += f(999); break;
                }
                switch (i * 1000) {
                    case 0: pause(); total += 1; break;
                    case 5000: total += f(4); break;
                    case 9000: pause(); break;
                    default: break;
                }
            }
            int n = 0;
            while (n < 5) {
                n = f(n);
            }
            seen.add(total);
            seen.add(n);
        });
        assertEquals(List.of(3 * 1 + 3 * 10 + 2 * 100 + 2 * 1000 + 1 + 5, 5), seen);
        assertEquals(8 + 3 + 5, suspensions, "every f and pause suspended once: 8 in the first switch, 3 in the second, 5 in the while loop");
    }

    @Suspendable
    static int depth(int n) {
        if (n == 0) {
            pause();
            pause();
            return 0;
        }
        int mine = n;
        return depth(n - 1) + mine - n + 1;
    }

    @Test
    void recursionTwoThousandDeepSuspendsAtTheBottom() throws Exception {
        int suspensions = driver.run(() -> seen.add(depth(2000)));
        assertEquals(List.of(2000), seen);
        assertEquals(2, suspensions);
    }

    interface Shape {
        @Suspendable
        double area();

        @Suspendable
        default String describe() {
            pause();
            return getClass().getSimpleName() + " of area " + area();
        }
    }

    abstract static class Base implements Shape {
        @Override
        @Suspendable
        public abstract double area();

        @Suspendable
        String name() {
            pause();
            return "base";
        }

        @Suspendable
        private String secret() {
            pause();
            return "private";
        }

        @Suspendable
        String both() {
            return secret() + "+" + name();
        }
    }

    static final class Square extends Base {
        private final double side;

        Square(double side) {
            this.side = side;
        }

        @Override
        public double area() { // overrides a suspendable method: suspendable without the annotation
            pause();
            return side * side;
        }

        @Override
        String name() {
            pause();
            return "square/" + super.name();
        }
    }

    @Test
    void staticPrivateInstanceDefaultAbstractAndOverridingMethods() throws Exception {
        driver.run(() -> {
            Shape s = new Square(3);
            seen.add(s.area());
            seen.add(s.describe());
            seen.add(((Base) s).both());
        });
        assertEquals(List.of(9.0, "Square of area 9.0", "private+square/base"), seen);
    }

    @Suspendable
    static <T extends Comparable<T>> T larger(T a, T b) {
        pause();
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Suspendable
    static int sum(int... xs) {
        int total = 0;
        for (int x : xs) {
            pause();
            total += x;
        }
        return total;
    }

    @Suspendable
    static <T> List<T> collect(SuspendableCallable<T>... producers) throws Exception {
        List<T> out = new ArrayList<>();
        for (SuspendableCallable<T> p : producers) {
            out.add(p.call());
        }
        return out;
    }

    @Test
    @SuppressWarnings("unchecked")
    void genericsAndVarargs() throws Exception {
        driver.run(() -> {
            seen.add(larger("apple", "pear"));
            seen.add(larger(3, 2));
            seen.add(sum(1, 2, 3, 4));
            seen.add(collect(() -> f(1), () -> g("v")));
        });
        assertEquals(List.of("pear", 3, 10, List.of(2, "v!")), seen);
    }

    private int field = 5;

    @Suspendable
    private int work() {
        pause();
        return field * 2;
    }

    static final class Helper {
        static String notAnnotated() { // the target of a method reference bound to SuspendableCallable
            pause();
            return "referenced";
        }
    }

    @Test
    void lambdasMethodReferencesAndNestedCapturingLambdas() throws Exception {
        driver.run(() -> {
            SuspendableCallable<Integer> bound = this::work;
            SuspendableCallable<String> unbound = Helper::notAnnotated;
            seen.add(bound.call());
            seen.add(unbound.call());
            int base = 100;
            SuspendableCallable<Integer> outer = () -> {
                int x = base + f(0);
                SuspendableCallable<Integer> inner = () -> {
                    pause();
                    return x * 2 + base;
                };
                pause();
                return inner.call();
            };
            seen.add(outer.call());
            SuspendableRunnable r = () -> seen.add(g("run"));
            r.run();
        });
        assertEquals(List.of(10, "referenced", 302, "run!"), seen);
    }

    @Test
    void lowerFramesStaySavedAcrossRepeatedSuspensionsOfTheTop() throws Exception {
        int suspensions = driver.run(() -> seen.add(nest(50, 200)));
        assertEquals(List.of(50L * 1000 + 200), seen);
        assertEquals(200, suspensions);
    }

    @Suspendable
    static long nest(int levels, int pauses) {
        long local = levels * 1000L;
        if (levels == 0) {
            for (int i = 0; i < pauses; i++) {
                pause();
            }
            return pauses;
        }
        return nest(levels - 1, pauses) + local - (levels - 1) * 1000L;
    }

    @Test
    void codeThatDoesNotSuspendRunsUnchanged() throws Exception {
        int suspensions = driver.run(() -> {
            int[] a = {5, 3, 9, 1};
            java.util.Arrays.sort(a);
            seen.add(a[0] + a[3]);
        });
        assertEquals(0, suspensions);
        assertEquals(List.of(10), seen);
    }

    @Test
    void aNullReferenceLocalStaysUsableAsItsType() throws Exception {
        driver.run(() -> {
            String s = null;
            pause();
            seen.add(s == null ? "still null" : s.length());
            String t = s;
            assertNull(t);
        });
        assertArrayEquals(new Object[] {"still null"}, seen.toArray());
        assertTrue(FrameStack.current() == FrameStack.NONE, "a platform thread sees no frame stack");
    }

    /** Suspends in a green thread; on a platform thread does nothing, so the same code runs straight. */
    @Suspendable
    static void pauseIfGreen() {
        if (FrameStack.current() != FrameStack.NONE) {
            pause();
        }
    }

    /** A random tree of calls, suspensions and local updates, driven by {@code plan}. */
    @Suspendable
    static long walk(java.util.Random plan, int depth, long acc) {
        long mine = acc * 31 + depth;
        int small = depth * 7;
        double fraction = depth / 3.0;
        String text = "d" + depth;
        int actions = plan.nextInt(5);
        for (int i = 0; i < actions; i++) {
            switch (plan.nextInt(4)) {
                case 0: pauseIfGreen(); break;
                case 1: if (depth < 8) { mine += walk(plan, depth + 1, mine) * 3; } break;
                case 2: mine ^= depth; small++; break;
                default: pauseIfGreen(); pauseIfGreen(); break;
            }
        }
        return mine + small + (long) (fraction * 1000) + text.length();
    }

    @Test
    void randomCallTreesResumeToTheSameResultAsRunningStraight() throws Exception {
        int suspended = 0;
        for (int seed = 0; seed < 1000; seed++) {
            long expected = walk(new java.util.Random(seed), 0, seed);
            long[] got = new long[1];
            int plan = seed;
            suspended += driver.run(() -> got[0] = walk(new java.util.Random(plan), 0, plan));
            assertEquals(expected, got[0], "seed " + seed);
        }
        assertTrue(suspended > 1000, "the plans suspended at many depths: " + suspended);
    }
}
