package dev.greenthreads.internal.continuation;

import static dev.greenthreads.internal.continuation.Driver.pause;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.greenthreads.Suspendable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Records and pattern matching compiled for Java 21: suspension inside them, on JDK 21 and later. */
class Java21RewriteTest {

    private final Driver driver = new Driver();

    @AfterEach
    void close() {
        driver.close();
    }

    sealed interface Shape permits Circle, Rect, Group {}

    record Circle(double r) implements Shape {}

    record Rect(double w, double h) implements Shape {}

    record Group(String name, List<Shape> members) implements Shape {}

    record Measured(String label, double value) {
        @Suspendable
        Measured scaled(double k) {
            pause();
            return new Measured(label + "*" + k, value * k);
        }
    }

    @Suspendable
    static double area(Shape shape) {
        return switch (shape) {
            case Circle c when c.r() == 0 -> 0;
            case Circle c -> {
                pause();
                yield Math.PI * c.r() * c.r();
            }
            case Rect(double w, double h) -> {
                double a = w * h;
                pause();
                yield a;
            }
            case Group(String name, List<Shape> members) -> {
                double total = 0;
                for (Shape s : members) {
                    total += area(s);
                }
                yield total;
            }
        };
    }

    @Test
    void patternSwitchOverRecordsSuspendsInsideItsArms() throws Exception {
        List<Object> seen = new ArrayList<>();
        int suspensions = driver.run(() -> {
            Shape s = new Group("g", List.of(new Rect(2, 3), new Circle(0), new Group("inner", List.of(new Rect(1, 4)))));
            seen.add(area(s));
            Object o = new Measured("m", 2).scaled(area(new Rect(1, 5)));
            if (o instanceof Measured(String label, double value) && value > 1) {
                pause();
                seen.add(label + "=" + value);
            }
        });
        assertEquals(List.of(10.0, "m*5.0=10.0"), seen);
        assertEquals(5, suspensions);
    }
}
