package dev.greenthreads.internal.scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * {@link RunQueue} against a FIFO: the owner offers and polls from one thread (the
 * {@code owner} group never runs in parallel with itself), thieves steal half from the others.
 * A steal takes the older half, rounded up, of what the queue held at one moment.
 */
public class RunQueueLinearizabilityTest {

    private final RunQueue<Integer> queue = new RunQueue<>();

    @Operation(nonParallelGroup = "owner")
    public boolean offer(int item) {
        return queue.offer(item);
    }

    @Operation(nonParallelGroup = "owner")
    public Integer poll() {
        return queue.poll();
    }

    @Operation
    public List<Integer> steal() {
        return Thief.stealFrom(queue);
    }

    @Test
    void modelCheck() {
        new ModelCheckingOptions()
                .sequentialSpecification(Fifo.class)
                .iterations(15)
                .invocationsPerIteration(400)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .check(getClass());
    }

    /** The sequential specification. */
    public static final class Fifo {
        private final ArrayDeque<Integer> items = new ArrayDeque<>();

        public boolean offer(int item) {
            return items.add(item);
        }

        public Integer poll() {
            return items.pollFirst();
        }

        public List<Integer> steal() {
            int n = items.size() - items.size() / 2;
            List<Integer> stolen = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                stolen.add(items.pollFirst());
            }
            return stolen;
        }
    }
}
