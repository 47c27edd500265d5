package dev.greenthreads.internal.scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * A full {@link RunQueue} against a bounded FIFO: the owner's {@code drainHalf}, which moves
 * the older half of a full ring out in one claim, racing thieves that steal half. The owner
 * also offers (refused while the ring is full) and polls, so that drains meet rings that are
 * no longer full.
 */
public class FullRunQueueLinearizabilityTest {

    private final RunQueue<Integer> queue = new RunQueue<>();

    public FullRunQueueLinearizabilityTest() {
        for (int i = 1; i <= RunQueue.CAPACITY; i++) {
            queue.offer(i);
        }
    }

    @Operation(nonParallelGroup = "owner")
    public List<Integer> drainHalf() {
        Object[] out = new Object[RunQueue.CAPACITY / 2];
        int n = queue.drainHalf(out);
        List<Integer> drained = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            drained.add((Integer) out[i]);
        }
        return drained;
    }

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
                .sequentialSpecification(BoundedFifo.class)
                // Copying half a ring is a loop of 128 steps, not a spin: let it run.
                .loopBound(2 * RunQueue.CAPACITY)
                .iterations(6)
                .invocationsPerIteration(200)
                .threads(2)
                .actorsPerThread(2)
                .actorsBefore(0)
                .actorsAfter(1)
                .check(getClass());
    }

    /** The sequential specification: starts full with 1 .. CAPACITY. */
    public static final class BoundedFifo {
        private final ArrayDeque<Integer> items = new ArrayDeque<>();

        public BoundedFifo() {
            for (int i = 1; i <= RunQueue.CAPACITY; i++) {
                items.add(i);
            }
        }

        public List<Integer> drainHalf() {
            return items.size() == RunQueue.CAPACITY ? take(RunQueue.CAPACITY / 2) : List.of();
        }

        public boolean offer(int item) {
            return items.size() < RunQueue.CAPACITY && items.add(item);
        }

        public Integer poll() {
            return items.pollFirst();
        }

        public List<Integer> steal() {
            return take(items.size() - items.size() / 2);
        }

        private List<Integer> take(int n) {
            List<Integer> taken = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                taken.add(items.pollFirst());
            }
            return taken;
        }
    }
}
